"""ZipMap (ai.onnx.ml): each row of a float tensor becomes a map from the class labels to its values.

``Z[n] = {classlabels[j]: X[n, j] for j in range(C)}``: a list of N dicts, keyed by
``classlabels_int64s`` (Python ``int``) or ``classlabels_strings`` (``str``), values Python ``float``
(the float32 value widened exactly, e.g. 0.1f -> 0.10000000149011612), which is what onnxruntime's
``run()`` returns for a ``seq(map(int64|string, tensor(float)))`` output.

Where refrt follows onnxruntime (1.32, ``cpu/ml/zipmap.cc``) over the spec text:

- A 1-D input of C values is one row (a list of one dict); a 0-D input and a rank above 2 are
  errors; a row length other than the number of labels is an error with onnxruntime's message.
- Each dict lists its keys in ascending order (onnxruntime builds a ``std::map``); a label given
  twice keeps the value of its last column (``map[key] = value`` overwrites).
- Exactly one of the two label lists must be given (the spec says so; onnxruntime checks it when
  the session is created, and so does refrt).

Errors carry onnxruntime's words and status (InvalidArgument at run time, Fail at session creation).

The per-row dicts are the output format itself, so they are made by one comprehension over
``X.tolist()``; all selection and reordering of columns is done on the array first.
"""

from __future__ import annotations

import numpy as np

from refrt.errors import Fail, InvalidArgument
from refrt.registry import kernel


@kernel("ZipMap", domain="ai.onnx.ml", since=1, prepare=True)
def zip_map(*, classlabels_int64s=None, classlabels_strings=None):
    if bool(classlabels_int64s) == bool(classlabels_strings):
        raise Fail(
            "Exception during initialization: classlabels_strings_.empty() ^ classlabels_int64s_.empty() was false. "
            "Must provide classlabels_strings or classlabels_int64s but not both."
        )
    labels = [int(k) for k in classlabels_int64s] if classlabels_int64s else list(classlabels_strings)
    n_labels = len(labels)
    # The column whose value each (sorted, distinct) key takes: its last occurrence.
    last_column = {key: j for j, key in enumerate(labels)}
    keys = sorted(last_column)
    columns = np.array([last_column[k] for k in keys], dtype=np.intp)
    identity = np.array_equal(columns, np.arange(n_labels))

    def run(x):
        if x.ndim == 0:
            raise InvalidArgument("Zipmap does not support empty dim count")
        if x.ndim > 2:
            raise InvalidArgument("Zipmap only supports 1D or 2D input tensors")
        if x.shape[-1] != n_labels:
            raise InvalidArgument(f"Input features_per_batch[{x.shape[-1]}] != number of classlabels[{n_labels}]")
        rows = x.reshape(-1, n_labels)
        if not identity:
            rows = rows[:, columns]
        return [dict(zip(keys, row)) for row in rows.tolist()]

    return run
