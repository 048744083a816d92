"""Dropout: in inference the output is the input itself.

Before opset 12 there is no training switch a runtime can act on: refrt runs inference, so
``is_test`` (revisions 1 and 6) is accepted but the op is always the identity, as onnxruntime
runs revisions 7-11. The optional mask differs by revision, following onnxruntime: before
opset 12 it marks dropped elements, so inference gives all zeros (False); from opset 12 it
marks kept elements, so inference gives all True. From opset 12 ``training_mode`` = True drops
elements at random.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._tensor_util import compute_dtype, scalar_of


def _identity(data, mask, n_outputs: int):
    return data if n_outputs < 2 else (data, mask)


@kernel("Dropout", since=1, until=5)
def dropout_1(data, *, consumed_inputs=None, is_test=0, ratio=0.5, _num_outputs=1):
    return _identity(data, np.zeros(data.shape, data.dtype), _num_outputs)  # the mask has the data's type until opset 10


@kernel("Dropout", since=6, until=6)
def dropout_6(data, *, is_test=0, ratio=0.5, _num_outputs=1):
    return _identity(data, np.zeros(data.shape, data.dtype), _num_outputs)


@kernel("Dropout", since=7, until=9)
def dropout_7(data, *, ratio=0.5, _num_outputs=1):
    return _identity(data, np.zeros(data.shape, data.dtype), _num_outputs)


@kernel("Dropout", since=10, until=11)
def dropout_10(data, *, ratio=0.5, _num_outputs=1):
    return _identity(data, np.zeros(data.shape, np.bool_), _num_outputs)


@kernel("Dropout", since=12)
def dropout_12(data, ratio=None, training_mode=None, *, seed=None, _num_outputs=1):
    training = training_mode is not None and bool(scalar_of(training_mode, "Dropout training_mode"))
    p = 0.5 if ratio is None else float(scalar_of(ratio, "Dropout ratio"))
    if not training or p == 0.0:
        return _identity(data, np.ones(data.shape, np.bool_), _num_outputs)
    if not 0.0 <= p < 1.0:
        raise ValueError(f"Dropout: ratio must be in [0, 1), got {p}")
    rng = np.random.default_rng(seed)
    mask = rng.random(data.shape) >= p
    work = compute_dtype(data.dtype)
    out = (data.astype(work) * mask * work.type(1.0 / (1.0 - p))).astype(data.dtype)
    return (out, mask) if _num_outputs >= 2 else out
