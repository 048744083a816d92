"""The negative log likelihood reduction shared by NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss."""

from __future__ import annotations

import numpy as np

REDUCTIONS = ("none", "sum", "mean")


def nll_loss(log_prob: np.ndarray, target: np.ndarray, weight, reduction: str, ignore_index, op: str) -> np.ndarray:
    """-log_prob[n, target[n, d...], d...] (times weight[target]), reduced; ignored targets count 0.

    ``log_prob`` is already in the compute type. "mean" divides by the sum of the weights of the
    targets that are not ignored (their number, without weights).
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if log_prob.ndim < 2:
        raise ValueError(f"{op}: input must have shape (N, C, d1, ...), got {log_prob.shape}")
    n, c = log_prob.shape[:2]
    if target.shape != (n,) + log_prob.shape[2:]:
        raise ValueError(
            f"{op}: target shape {target.shape} must be {(n,) + log_prob.shape[2:]} for input {log_prob.shape}"
        )
    if weight is not None and weight.shape != (c,):
        raise ValueError(f"{op}: weight must have shape ({c},), got {weight.shape}")
    t = target.astype(np.int64, copy=False)
    keep = np.ones(t.shape, dtype=bool) if ignore_index is None else t != ignore_index
    bad = keep & ((t < 0) | (t >= c))
    if bad.any():
        raise ValueError(f"{op}: target value {t[bad].reshape(-1)[0]} is out of range [0, {c})")
    tc = np.where(keep, t, 0)
    picked = np.take_along_axis(log_prob, tc[:, None], axis=1)[:, 0]
    w = keep.astype(log_prob.dtype) if weight is None else np.where(keep, weight.astype(log_prob.dtype)[tc], 0)
    loss = -picked * w
    if reduction == "none":
        return loss
    total = loss.sum(dtype=log_prob.dtype)
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / w.sum(dtype=log_prob.dtype))
