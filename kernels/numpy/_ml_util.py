"""Shared helpers of the ai.onnx.ml classifiers and regressors: post transforms and class labels.

These reproduce onnxruntime's ``core/providers/cpu/ml/ml_common.h`` (1.32), which differs from the
ONNX spec text in several places:

- Everything is computed in float32, whatever the input: onnxruntime casts each score to ``float``
  before a transform (``static_cast<float>``), so the scores are cast to float32 first here too.
- LOGISTIC is ``1 / (1 + exp(-|v|))``, taken as ``1 - that`` for a negative ``v`` (in float32 a very
  negative score therefore gives exactly 0, not a tiny positive number).
- SOFTMAX subtracts the row maximum (NaNs ignored when finding it, from a start of -FLT_MAX).
- SOFTMAX_ZERO leaves every score with ``|v| <= 1e-7`` (not only exact zeros) at ``v * exp(-max)``
  and takes the softmax of the others; a row with no such score divides by 0 and gives NaN.
- PROBIT is ``sqrt(2) * ErfInv(2p - 1)`` with Winitzki's approximation of ErfInv (a = 0.147), which
  is off from the exact probit in the third digit; refrt computes the same approximation.
- A single score column (the binary case) is transformed only by LOGISTIC and PROBIT; a classifier
  asks for a second column through ``add_second_class`` (see :func:`write_scores`).
"""

from __future__ import annotations

import numpy as np

TRANSFORMS = ("NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT")
_F = np.float32
_FLT_MAX = np.finfo(np.float32).max


def transform_name(transform) -> str:
    """The post_transform attribute as one of :data:`TRANSFORMS`; onnxruntime reads any unknown
    string as PROBIT, refrt rejects it."""
    if isinstance(transform, bytes):
        transform = transform.decode("utf-8")
    if transform not in TRANSFORMS:
        raise ValueError(f"post_transform must be one of {', '.join(TRANSFORMS)}, got {transform!r}")
    return transform


def _exp32(x: np.ndarray) -> np.ndarray:
    """float32 exp, correctly rounded like glibc's expf (which onnxruntime calls): via float64."""
    return np.exp(x.astype(np.float64)).astype(_F)


def logistic(x: np.ndarray) -> np.ndarray:
    """onnxruntime's ComputeLogistic, in float32: ``1/(1+exp(-|x|))``, mirrored for x < 0."""
    x = np.asarray(x, dtype=_F)
    with np.errstate(over="ignore"):
        v = _F(1) / (_F(1) + _exp32(-np.abs(x)))
    return np.where(x < 0, _F(1) - v, v).astype(_F, copy=False)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function without cancellation, in float32: ``1/(1+e)`` for x >= 0 and ``e/(1+e)``
    below, e = exp(-|x|) -- what onnxruntime's vectorised MlasComputeLogistic gives (to about an ulp)
    for several score columns. (``logistic`` above, its scalar ComputeLogistic, loses the small
    probabilities of negative x to ``1 - v``; onnxruntime uses that one only for one-column scores.)"""
    x = np.asarray(x, dtype=_F)
    with np.errstate(over="ignore"):
        e = _exp32(-np.abs(x))
    return (np.where(x < 0, e, _F(1)) / (_F(1) + e)).astype(_F, copy=False)


def softmax(scores: np.ndarray) -> np.ndarray:
    """onnxruntime's ComputeSoftmax over the last axis of a 2-D array, in float32."""
    s = np.asarray(scores, dtype=_F)
    top = np.where(np.isnan(s), -_FLT_MAX, s).max(axis=-1, keepdims=True, initial=-_FLT_MAX)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(s - top)
        return (e / e.sum(axis=-1, keepdims=True, dtype=_F)).astype(_F, copy=False)


def softmax_zero(scores: np.ndarray) -> np.ndarray:
    """onnxruntime's ComputeSoftmaxZero over the last axis: softmax of the scores with |v| > 1e-7;
    the others become ``v * exp(-max)``; all are divided by the sum of the exponentials."""
    s = np.asarray(scores, dtype=_F)
    top = np.where(np.isnan(s), -_FLT_MAX, s).max(axis=-1, keepdims=True, initial=-_FLT_MAX)
    # NaN compares false, so a NaN score takes the "zero" branch, as in onnxruntime
    big = (s > _F(1e-7)) | (s < _F(-1e-7))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.where(big, np.exp(s - top), s * np.exp(-top))
        total = np.where(big, e, _F(0)).sum(axis=-1, keepdims=True, dtype=_F)
        return (e / total).astype(_F, copy=False)


def probit(p: np.ndarray) -> np.ndarray:
    """onnxruntime's ComputeProbit: ``sqrt(2) * ErfInv(2p - 1)`` with its float32 ErfInv
    approximation (Winitzki, a = 0.147); p outside (0, 1) gives NaN, p of 0 or 1 gives -/+inf."""
    x = _F(2) * np.asarray(p, dtype=_F) - _F(1)
    sign = np.where(x < 0, _F(-1), _F(1))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (_F(1) - x) * (_F(1) + x)
        log = np.log(t)
        v = _F(2) / (_F(np.pi) * _F(0.147)) + _F(0.5) * log
        v2 = (_F(1) / _F(0.147)) * log
        v3 = -v + np.sqrt(v * v - v2)
        return (_F(np.sqrt(2)) * (sign * np.sqrt(v3))).astype(_F, copy=False)


def post_transform(scores: np.ndarray, transform: str) -> np.ndarray:
    """Apply a post transform row by row to ``scores`` (N, C), as onnxruntime does for C >= 2.

    ``transform`` is NONE, LOGISTIC (element-wise), SOFTMAX, SOFTMAX_ZERO (per row) or PROBIT
    (element-wise). Returns a new float32 (N, C) array (the input cast to float32 first, as
    onnxruntime does). This applies the transform whatever C is: callers with a single score column
    should use :func:`write_scores`, which reproduces onnxruntime's binary case.
    """
    transform = transform_name(transform)
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"post_transform: scores must be 2-D (N, C), got shape {list(scores.shape)}")
    if transform == "LOGISTIC":
        return sigmoid(scores)
    if transform == "SOFTMAX":
        return softmax(scores)
    if transform == "SOFTMAX_ZERO":
        return softmax_zero(scores)
    if transform == "PROBIT":
        return probit(scores)
    return scores.astype(_F)


# the same function, for kernels whose ``post_transform`` attribute shadows the name
apply_transform = post_transform


def write_scores(scores: np.ndarray, transform: str, add_second_class: int) -> np.ndarray:
    """The scores a classifier outputs, as onnxruntime's ``write_scores`` builds them.

    ``scores`` is (N, C). With C >= 2 this is :func:`post_transform`. With C == 1 (a binary model
    holding one score per row, ``s``):

    - ``add_second_class`` 0 or 1 (all weights positive; the winning class positive or negative):
      LOGISTIC gives ``[1 - logistic(s), logistic(s)]``, any other transform ``[1 - s, s]``
      (SOFTMAX and SOFTMAX_ZERO are not applied);
    - ``add_second_class`` 2 or 3 (mixed weights): LOGISTIC gives ``[logistic(-s), logistic(s)]``,
      any other transform ``[-s, s]``;
    - PROBIT with ``add_second_class`` 0..3: onnxruntime 1.32 writes ``probit(s)`` into the first
      column and leaves the second one uninitialised (whatever its allocator held: 0, NaN, old
      data); refrt gives ``[probit(s), NaN]`` so that no test can mistake it for a value;
    - any other ``add_second_class`` (e.g. -1): one column, ``probit(s)`` for PROBIT, else ``s``.

    Returns a new float32 array of shape (N, 1) or (N, 2) for C == 1, (N, C) otherwise.
    (Checked against onnxruntime 1.32's TreeEnsembleClassifier and LinearClassifier.)
    """
    transform = transform_name(transform)
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"write_scores: scores must be 2-D (N, C), got shape {list(scores.shape)}")
    if scores.shape[1] != 1:
        return post_transform(scores, transform)
    s = scores.astype(_F)
    if transform == "PROBIT":
        if add_second_class in (0, 1, 2, 3):
            return np.concatenate([probit(s), np.full_like(s, np.nan)], axis=1)
        return probit(s)
    if add_second_class in (0, 1):
        if transform == "LOGISTIC":
            s = logistic(s)
        return np.concatenate([_F(1) - s, s], axis=1)
    if add_second_class in (2, 3):
        if transform == "LOGISTIC":
            return np.concatenate([logistic(-s), logistic(s)], axis=1)
        return np.concatenate([-s, s], axis=1)
    return s


def class_labels(classlabels_ints, classlabels_strings, op: str) -> np.ndarray | None:
    """The class labels of a classifier: an int64 array, an object array of str, or None if neither
    attribute is set. Setting both is an error (onnxruntime uses the strings then)."""
    ints = None if classlabels_ints is None or len(classlabels_ints) == 0 else classlabels_ints
    strings = None if classlabels_strings is None or len(classlabels_strings) == 0 else classlabels_strings
    if ints is not None and strings is not None:
        raise ValueError(f"{op}: only one of classlabels_ints and classlabels_strings may be set")
    if strings is not None:
        out = np.empty(len(strings), dtype=object)
        out[:] = list(strings)
        return out
    if ints is not None:
        return np.asarray(ints, dtype=np.int64).reshape(-1)
    return None


def argmax_first(scores: np.ndarray) -> np.ndarray:
    """Per row, the index of the first largest score, as onnxruntime's ``*s > best`` scan finds it:
    a NaN score never wins, except that a NaN in column 0 keeps class 0 (nothing compares above it)."""
    s = np.asarray(scores)
    if s.shape[1] == 0:
        raise ValueError("argmax_first: no score column")
    best = np.where(np.isnan(s), -np.inf, s).argmax(axis=1)
    best[np.isnan(s[:, 0])] = 0
    return best


def as_float32_matrix(x: np.ndarray, op: str) -> np.ndarray:
    """X as float32 (N, F): a 1-D X is one row, as onnxruntime reads it; numbers only, at most 2-D."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{op}: X must be a numeric tensor, got {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{op}: X must have at least one dimension, got a scalar")
    if x.ndim == 1:
        x = x.reshape(1, -1)
    elif x.ndim > 2:
        raise ValueError(f"{op}: X must be [N, F] or [F], got shape {list(x.shape)}")
    return x.astype(_F, copy=False)


SVM_KERNELS = ("LINEAR", "POLY", "RBF", "SIGMOID")


def svm_kernel_params(kernel_type, kernel_params) -> tuple[str, float, float, float]:
    """(kernel type, gamma, coef0, degree) from the SVM attributes; absent params are 0, as in onnxruntime."""
    if isinstance(kernel_type, bytes):
        kernel_type = kernel_type.decode("utf-8")
    if kernel_type not in SVM_KERNELS:
        raise ValueError(f"kernel_type must be one of {', '.join(SVM_KERNELS)}, got {kernel_type!r}")
    params = list(kernel_params or [])
    if params and len(params) < 3:
        raise ValueError(f"kernel_params must hold [gamma, coef0, degree], got {len(params)} values")
    gamma, coef0, degree = (params[:3] if params else [0.0, 0.0, 0.0])
    return kernel_type, float(gamma), float(coef0), float(degree)


def svm_kernel(x: np.ndarray, vectors: np.ndarray, kernel_type: str, gamma: float, coef0: float,
               degree: float) -> np.ndarray:
    """The kernel of every row of ``x`` (N, F) with every row of ``vectors`` (V, F), float32 (N, V):

    LINEAR ``x.v``; POLY ``(gamma x.v + coef0) ** degree`` (``d*d``, ``d*d*d`` for degrees 2, 3); SIGMOID ``tanh(gamma x.v + coef0)``;
    RBF ``exp(-gamma |x - v|^2)``, the squared distances summed in float32 feature by feature as
    onnxruntime does.
    """
    if kernel_type == "RBF":
        # onnxruntime sums the squared differences one feature after another in float32; sums of
        # kernels cancel a lot, so its rounding is kept (a loop over features, not rows)
        dist = np.zeros((len(x), len(vectors)), dtype=_F)
        for f in range(x.shape[1]):
            diff = x[:, f, None] - vectors[None, :, f]
            dist += diff * diff
        # glibc's expf (which onnxruntime calls) is correctly rounded; NumPy's float32 exp may be 1 ulp off
        return np.exp((-_F(gamma) * dist).astype(np.float64)).astype(_F)
    dot = x @ vectors.T
    if kernel_type == "LINEAR":
        return dot
    dot = _F(gamma) * dot + _F(coef0)
    if kernel_type == "POLY":
        # onnxruntime (Eigen) squares and cubes by multiplying, which rounds differently from pow
        with np.errstate(invalid="ignore", over="ignore"):
            if degree == 2:
                return dot * dot
            if degree == 3:
                return dot * dot * dot
            return np.power(dot, _F(degree)).astype(_F, copy=False)
    return np.tanh(dot)


def sequential_dot(a: np.ndarray, b: np.ndarray, start: float = 0.0) -> np.ndarray:
    """``start + a @ b`` for a (N, K) and b (K,), in float32 accumulated term by term (k = 0, 1, ...)
    with one rounding per fused multiply-add, as onnxruntime's MLAS GEMM kernel accumulates for
    K up to its block size. Used where a sum cancels so much that the order of float32 roundings
    shows in the result (SVM regressors: a BLAS ``a @ b`` is off from onnxruntime by 1e-3 relative)."""
    acc = np.zeros(len(a), dtype=np.float64)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    for k in range(a.shape[1]):  # a loop over the K terms, each step over all rows
        acc = (acc + a64[:, k] * b64[k]).astype(_F).astype(np.float64)
    return (acc + np.float64(_F(start))).astype(_F)
