"""DictVectorizer (ai.onnx.ml): a map becomes a row of its values, in the order of a vocabulary.

``Y[0, i] = X[vocabulary[i]]`` if the map has that key, else 0 (numbers) or "" (strings); Y has
shape ``(1, len(vocabulary))`` and the map's value type. String keys are looked up in
``string_vocabulary``, int64 keys in ``int64_vocabulary``.

Where refrt follows onnxruntime (1.32, ``cpu/ml/dictvectorizer.h``):

- The input is one map, never a sequence of maps (the schema's T1 is a map type), so the output always
  has one row; keys of the map that are not in the vocabulary are ignored.
- A vocabulary may repeat a word (each of its positions gets the value); the vocabulary of the other
  key type is ignored when both are given. A missing string for a string-valued map is "".
- onnxruntime rejects a node without the vocabulary of its input's key type when the session is
  created; refrt rejects a node without any vocabulary then, but sees the key type only when the map
  arrives, and reports a missing vocabulary of that type then.

The lookup is vectorised: the map's keys become a sorted array, and ``searchsorted`` finds every
vocabulary word in it at once.
"""

from __future__ import annotations

import numpy as np

from refrt.errors import Fail
from refrt.registry import kernel


def _map_arrays(x: dict) -> tuple[np.ndarray, np.ndarray]:
    """The keys (sorted) and values of a map as arrays; values keep their NumPy type (str -> object)."""
    keys = list(x.keys())
    values = np.array(list(x.values()))
    if values.dtype.kind in "US":
        values = values.astype(object)
    keys = np.array(keys, dtype=np.int64 if isinstance(keys[0], (int, np.integer)) else str)
    order = np.argsort(keys, kind="stable")
    return keys[order], values[order]


@kernel("DictVectorizer", domain="ai.onnx.ml", since=1, prepare=True)
def dict_vectorizer(*, int64_vocabulary=None, string_vocabulary=None):
    if int64_vocabulary is None and string_vocabulary is None:
        raise Fail("Exception during initialization: DictVectorizer needs string_vocabulary or int64_vocabulary")
    vocabularies = {
        "int64": None if int64_vocabulary is None else np.array(int64_vocabulary, dtype=np.int64),
        "string": None if string_vocabulary is None else np.array(string_vocabulary, dtype=str),
    }

    def run(x):
        if not isinstance(x, dict):
            raise ValueError(f"DictVectorizer: input must be a map, got {type(x).__name__}")
        if not x:  # (run() refuses an empty dict, as onnxruntime does; a kernel could still make one)
            given = [v for v in vocabularies.values() if v is not None]
            return np.zeros((1, len(given[0]) if given else 0), dtype=np.float32)
        keys, values = _map_arrays(x)
        key_type = "int64" if keys.dtype == np.int64 else "string"
        vocabulary = vocabularies[key_type]
        if vocabulary is None:
            raise ValueError(f"DictVectorizer: a map with {key_type} keys needs the attribute {key_type}_vocabulary")
        out = np.zeros((1, len(vocabulary)), dtype=values.dtype)
        if values.dtype == object:
            out[:] = ""
        if len(vocabulary):
            pos = np.minimum(np.searchsorted(keys, vocabulary), len(keys) - 1)
            found = keys[pos] == vocabulary
            out[0, found] = values[pos[found]]
        return out

    return run
