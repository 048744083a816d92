"""BatchNormalization: normalise each channel with given (inference) or batch (training) statistics.

Inference: y = (x - mean) / sqrt(var + epsilon) * scale + B, applied as y = x * a + b with the
per-channel a, b folded first (as onnxruntime does), which costs two passes over x.

Training (revisions 1-9 when the node declares more than Y, 14+ with training_mode=1): y uses the
batch's own mean and population variance; the running statistics come out updated as
running = input * momentum + batch * (1 - momentum). Revisions before 14 also output the batch
mean and the inverse standard deviation (saved_mean, saved_var), as onnxruntime does.

Revisions: 1 (consumed_inputs, is_test, spatial), 6 (drops consumed_inputs), 7 (drops is_test),
9 (drops spatial: statistics are always per channel), 14 (training_mode), 15 (types only).
With spatial=0 the statistics are per activation: scale, B, mean and var have shape X.shape[1:].
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._conv_util import as_compute


def _params(x: np.ndarray, spatial: bool, **params: np.ndarray) -> list[np.ndarray]:
    """Each parameter in the compute dtype, shaped to broadcast against x."""
    expected = (x.shape[1],) if spatial else x.shape[1:]
    shaped = []
    for name, p in params.items():
        if p.shape != expected:
            raise ValueError(
                f"BatchNormalization: {name} must have shape {expected} for X of shape {x.shape}"
                f"{'' if spatial else ' (spatial=0)'}, got {p.shape}"
            )
        p = as_compute(p).astype(as_compute(x).dtype, copy=False)
        shaped.append(p.reshape(expected + (1,) * (x.ndim - 1 - len(expected))))
    return shaped


def _inference(x, scale, b, mean, var, epsilon: float, spatial: bool = True) -> np.ndarray:
    if x.ndim < 2:
        raise ValueError(f"BatchNormalization expects X of rank >= 2, got shape {x.shape}")
    scale, b, mean, var = _params(x, spatial, scale=scale, B=b, mean=mean, var=var)
    a = scale / np.sqrt(var + epsilon)
    shift = b - mean * a
    y = np.multiply(as_compute(x), a)
    y += shift
    return y.astype(x.dtype, copy=False)


def _training(x, scale, b, mean, var, epsilon: float, momentum: float, spatial: bool = True):
    """(Y, running_mean, running_var, batch_mean, batch_inv_std), statistics in mean's dtype."""
    if x.ndim < 2:
        raise ValueError(f"BatchNormalization expects X of rank >= 2, got shape {x.shape}")
    scale_c, b_c, mean_c, var_c = _params(x, spatial, scale=scale, B=b, mean=mean, var=var)
    xc = as_compute(x)
    axes = (0,) + tuple(range(2, x.ndim)) if spatial else (0,)
    batch_mean = xc.mean(axis=axes, keepdims=True)[0]
    batch_var = xc.var(axis=axes, keepdims=True)[0]
    inv_std = 1.0 / np.sqrt(batch_var + epsilon)
    y = (xc - batch_mean) * (inv_std * scale_c) + b_c
    running_mean = mean_c * momentum + batch_mean * (1 - momentum)
    running_var = var_c * momentum + batch_var * (1 - momentum)
    stat = mean.dtype
    return (
        y.astype(x.dtype, copy=False),
        running_mean.reshape(mean.shape).astype(stat, copy=False),
        running_var.reshape(var.shape).astype(var.dtype, copy=False),
        batch_mean.reshape(mean.shape).astype(stat, copy=False),
        inv_std.reshape(var.shape).astype(var.dtype, copy=False),
    )


@kernel("BatchNormalization", since=14)
def batch_normalization_14(
    x, scale, b, input_mean, input_var, *, epsilon=9.999999747378752e-06, momentum=0.8999999761581421,
    training_mode=0, _num_outputs=1,
):
    if not training_mode:
        y = _inference(x, scale, b, input_mean, input_var, epsilon)
        # Outside training the running statistics pass through unchanged.
        return y if _num_outputs == 1 else (y, input_mean.copy(), input_var.copy())[:_num_outputs]
    return _training(x, scale, b, input_mean, input_var, epsilon, momentum)[:_num_outputs]


def _legacy(x, scale, b, mean, var, epsilon, momentum, spatial, training, num_outputs):
    if training and num_outputs > 1:
        return _training(x, scale, b, mean, var, epsilon, momentum, bool(spatial))[:num_outputs]
    if num_outputs > 1:
        raise ValueError(
            f"BatchNormalization in test mode (is_test=1) has only the output Y, the node declares {num_outputs}"
        )
    return _inference(x, scale, b, mean, var, epsilon, bool(spatial))


@kernel("BatchNormalization", since=9, until=13)
def batch_normalization_9(
    x, scale, b, mean, var, *, epsilon=9.999999747378752e-06, momentum=0.8999999761581421, _num_outputs=1
):
    return _legacy(x, scale, b, mean, var, epsilon, momentum, True, True, _num_outputs)


@kernel("BatchNormalization", since=7, until=8)
def batch_normalization_7(
    x, scale, b, mean, var, *, epsilon=9.999999747378752e-06, momentum=0.8999999761581421, spatial=1,
    _num_outputs=1,
):
    return _legacy(x, scale, b, mean, var, epsilon, momentum, spatial, True, _num_outputs)


@kernel("BatchNormalization", since=6, until=6)
def batch_normalization_6(
    x, scale, b, mean, var, *, epsilon=9.999999747378752e-06, is_test=0, momentum=0.8999999761581421,
    spatial=1, _num_outputs=1,
):
    return _legacy(x, scale, b, mean, var, epsilon, momentum, spatial, not is_test, _num_outputs)


@kernel("BatchNormalization", since=1, until=5)
def batch_normalization_1(
    x, scale, b, mean, var, *, consumed_inputs=None, epsilon=9.999999747378752e-06, is_test=0,
    momentum=0.8999999761581421, spatial=1, _num_outputs=1,
):
    """consumed_inputs only told old runtimes which inputs they could overwrite: ignored."""
    return _legacy(x, scale, b, mean, var, epsilon, momentum, spatial, not is_test, _num_outputs)
