"""SoftmaxCrossEntropyLoss: the negative log likelihood of log_softmax(scores) over axis 1, with the
log probabilities as an optional second output. Revision 13 only adds bfloat16; float16/bfloat16
compute in float32."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array, narrow, widen
from ._loss_util import nll_loss


@kernel("SoftmaxCrossEntropyLoss", since=12)
def softmax_cross_entropy_loss(scores, labels, weights=None, *, ignore_index=None, reduction="mean",
                               _output_used=(True,)):
    op = "SoftmaxCrossEntropyLoss"
    if scores.ndim < 2:
        raise ValueError(f"{op}: scores must have shape (N, C, d1, ...), got {scores.shape}")
    x = widen(scores)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        shifted = x - x.max(axis=1, keepdims=True)
        log_prob = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = as_array(narrow(nll_loss(log_prob, labels, weights, reduction, ignore_index, op), scores.dtype))
    if len(_output_used) == 1:
        return loss
    return loss, (as_array(narrow(log_prob, scores.dtype)) if _output_used[1] else None)
