"""StringSplit: split each string on a delimiter; pieces padded with "" into one more axis, plus counts.

With no delimiter (or ""), runs of whitespace separate and leading/trailing whitespace is dropped,
as Python's ``str.split()`` does, also for the part left over after ``maxsplit`` splits (onnxruntime
strips it too). "Whitespace" is every character ``str.isspace`` accepts, as the spec and onnx's
reference say; onnxruntime splits on the ASCII space only. An empty string has no substrings
(count 0) with any delimiter, as in onnxruntime.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from refrt.registry import kernel

from ._string_util import as_strings, object_array


@kernel("StringSplit", since=20)
def string_split(x, *, delimiter=None, maxsplit=None):
    strings = as_strings(x, "StringSplit").ravel().tolist()
    limit = -1 if maxsplit is None or maxsplit < 0 else int(maxsplit)
    if delimiter:
        pieces = [s.split(delimiter, limit) if s else [] for s in strings]
    else:
        pieces = [s.strip().split(None, limit) for s in strings]
    counts = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    width = int(counts.max(initial=0))
    out = np.full((len(pieces), width), "", dtype=object)
    if width:
        rows = np.repeat(np.arange(len(pieces)), counts)
        starts = np.cumsum(counts) - counts
        cols = np.arange(int(counts.sum())) - np.repeat(starts, counts)
        out[rows, cols] = object_array(chain.from_iterable(pieces), (len(rows),))
    return out.reshape(x.shape + (width,)), counts.reshape(x.shape)
