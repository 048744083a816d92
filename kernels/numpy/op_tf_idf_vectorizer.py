"""TfIdfVectorizer: count the pool's n-grams (with skips) in each row; TF, IDF or TF-IDF weighting.

Vectorised per (n-gram length, skip): tokens become ids into the pool's vocabulary, every window
``[s, s+d, ..., s+(n-1)d]`` of every row is gathered at once, and windows are matched against the
pool's n-grams of that length, each read as an integer in base "vocabulary size" (sorted once,
searched with ``searchsorted``). Unigrams are counted once, not once per skip. ``weights[i]``
scales the i-th n-gram of the pool, as onnxruntime does (onnx's reference indexes weights by
output column); pool n-grams that share an output column add up. A repeated pool n-gram, or a
pool that does not match ``ngram_indexes``, is an error, as in onnxruntime.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from refrt.registry import kernel

from ._string_util import as_strings


def _pool_ngrams(pool: list, ngram_counts: list[int], n_indexes: int) -> list[tuple[int, list, int]]:
    """(n, flat items, index of its first n-gram) for each n-gram length in the pool."""
    if any(b < a for a, b in zip(ngram_counts, ngram_counts[1:])) or (ngram_counts and ngram_counts[-1] > len(pool)):
        raise ValueError(f"TfIdfVectorizer: ngram_counts {ngram_counts} must be ascending offsets into a pool of {len(pool)}")
    bounds = list(ngram_counts) + [len(pool)]
    groups, first = [], 0
    for n, (start, end) in enumerate(zip(bounds, bounds[1:]), start=1):
        if (end - start) % n:
            raise ValueError(f"TfIdfVectorizer: {end - start} pool items do not make whole {n}-grams")
        groups.append((n, pool[start:end], first))
        first += (end - start) // n
    if first != n_indexes:
        raise ValueError(f"TfIdfVectorizer: the pool holds {first} n-grams but ngram_indexes has {n_indexes}")
    return groups


@kernel("TfIdfVectorizer", since=9)
def tf_idf_vectorizer(
    x, *, max_gram_length=None, max_skip_count=None, min_gram_length=None, mode=None,
    ngram_counts=None, ngram_indexes=None, pool_int64s=None, pool_strings=None, weights=None,
):
    for name, value in (("max_gram_length", max_gram_length), ("max_skip_count", max_skip_count),
                        ("min_gram_length", min_gram_length), ("mode", mode),
                        ("ngram_counts", ngram_counts), ("ngram_indexes", ngram_indexes)):
        if value is None:
            raise ValueError(f"TfIdfVectorizer needs the '{name}' attribute")
    if mode not in ("TF", "IDF", "TFIDF"):
        raise ValueError(f"TfIdfVectorizer: mode must be TF, IDF or TFIDF, got {mode!r}")
    if (pool_int64s is None) == (pool_strings is None):
        raise ValueError("TfIdfVectorizer needs exactly one of pool_int64s and pool_strings")
    if not 1 <= min_gram_length <= max_gram_length or max_skip_count < 0:
        raise ValueError(f"TfIdfVectorizer: need 1 <= min_gram_length ({min_gram_length}) <= max_gram_length "
                         f"({max_gram_length}) and max_skip_count ({max_skip_count}) >= 0")
    if x.ndim not in (1, 2):
        raise ValueError(f"TfIdfVectorizer: input must be [C] or [B, C], got shape {list(x.shape)}")
    columns = np.asarray(ngram_indexes, dtype=np.int64)
    if columns.size == 0 or columns.min() < 0:
        raise ValueError("TfIdfVectorizer: ngram_indexes must be non-empty and non-negative")
    width = int(columns.max()) + 1
    if weights is not None and len(weights) != len(columns):
        raise ValueError(f"TfIdfVectorizer: {len(weights)} weights for {len(columns)} n-grams")
    pool = pool_strings if pool_strings is not None else pool_int64s
    groups = [g for g in _pool_ngrams(list(pool), list(ngram_counts), len(columns))
              if min_gram_length <= g[0] <= max_gram_length and g[1]]

    rows = x.reshape(1, -1) if x.ndim == 1 else x
    ids, to_ids, vocab_size = _token_ids(rows, pool_strings is not None, groups)
    n_rows, length = ids.shape
    # every match as (row, pool n-gram index); counts, columns and weights come after
    hit_rows, hit_grams = [], []
    for n, items, first in groups:
        grams = to_ids(items).reshape(-1, n)
        _check_unique(grams, n)
        for skip in range(max_skip_count + 1 if n > 1 else 1):
            step = skip + 1
            starts = length - (n - 1) * step
            if starts <= 0:
                break
            windows = ids[:, np.arange(starts)[:, None] + step * np.arange(n)]  # (rows, starts, n)
            found = _match(windows.reshape(-1, n), grams, vocab_size)
            hit = np.flatnonzero(found >= 0)
            hit_rows.append(hit // starts)
            hit_grams.append(first + found[hit])
    rows_of = np.concatenate(hit_rows) if hit_rows else np.zeros(0, dtype=np.int64)
    grams_of = np.concatenate(hit_grams) if hit_grams else np.zeros(0, dtype=np.int64)
    if mode == "IDF":  # presence, not count: each (row, n-gram) once
        pairs = np.unique(rows_of * len(columns) + grams_of)
        rows_of, grams_of = pairs // len(columns), pairs % len(columns)
    scale = None if weights is None or mode == "TF" else np.asarray(weights, dtype=np.float64)[grams_of]
    out = np.bincount(rows_of * width + columns[grams_of], weights=scale, minlength=n_rows * width)
    out = out.astype(np.float32).reshape(n_rows, width)
    return out.reshape(width) if x.ndim == 1 else out


def _token_ids(rows: np.ndarray, strings: bool, groups) -> tuple[np.ndarray, Callable, int]:
    """Each token's index in the vocabulary of the used pool items (-1: not in it), the function
    that maps pool items to the same indices, and the vocabulary's size."""
    used = [item for _, items, _ in groups for item in items]
    if strings:
        index = {w: i for i, w in enumerate(dict.fromkeys(used))}
        flat = as_strings(rows, "TfIdfVectorizer").ravel().tolist()
        ids = np.fromiter((index.get(t, -1) for t in flat), dtype=np.int64, count=len(flat))
        return ids.reshape(rows.shape), lambda items: np.array([index[w] for w in items], dtype=np.int64), len(index)
    if rows.dtype.kind not in "iu":
        raise ValueError(f"TfIdfVectorizer: pool_int64s needs an integer input, got {rows.dtype}")
    vocab = np.unique(np.asarray(used, dtype=np.int64))
    tokens = rows.astype(np.int64)
    pos = np.minimum(np.searchsorted(vocab, tokens), max(len(vocab) - 1, 0))
    ids = np.where(vocab[pos] == tokens, pos, -1) if len(vocab) else np.full(rows.shape, -1)
    return ids.astype(np.int64), lambda items: np.searchsorted(vocab, np.asarray(items, dtype=np.int64)), len(vocab)


def _check_unique(grams: np.ndarray, n: int) -> None:
    if len(np.unique(grams, axis=0)) != len(grams):
        raise ValueError(f"TfIdfVectorizer: the pool repeats a {n}-gram")


def _match(windows: np.ndarray, grams: np.ndarray, vocab_size: int) -> np.ndarray:
    """For each window (a row of token ids, -1: unknown token), the index of the equal row of
    ``grams`` (-1: none). Rows become integers in base ``vocab_size`` when that fits in int64."""
    n = grams.shape[1]
    if vocab_size ** n < 2**62:
        radix = vocab_size ** np.arange(n - 1, -1, -1, dtype=np.int64)
        keys = grams @ radix
        order = np.argsort(keys)
        sorted_keys = keys[order]
        wanted = windows @ radix
        pos = np.minimum(np.searchsorted(sorted_keys, wanted), len(keys) - 1)
        hit = (sorted_keys[pos] == wanted) & (windows >= 0).all(axis=1)
        return np.where(hit, order[pos], -1)
    both = np.concatenate([grams, windows])
    _, inverse = np.unique(both, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    gram_of = np.full(int(inverse.max()) + 1, -1, dtype=np.int64)
    gram_of[inverse[: len(grams)]] = np.arange(len(grams))
    return gram_of[inverse[len(grams):]]
