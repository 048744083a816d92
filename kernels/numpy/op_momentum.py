"""Momentum (ai.onnx.preview.training): one step of SGD with standard or Nesterov momentum for each
tensor X_i, from its gradient G_i and momentum V_i. Inputs R, T, X_1..n, G_1..n, V_1..n; outputs
X_new_1..n, V_new_1..n. Arithmetic is in each tensor's own type (float or double)."""

from __future__ import annotations

from refrt.registry import kernel

from ._training_util import groups, outputs, scalars


@kernel("Momentum", domain="ai.onnx.preview.training", since=1)
def momentum(r, t, *tensors, alpha=None, beta=None, mode=None, norm_coefficient=None):
    for name, value in (("alpha", alpha), ("beta", beta), ("mode", mode), ("norm_coefficient", norm_coefficient)):
        if value is None:
            raise ValueError(f"Momentum needs the '{name}' attribute")
    if mode not in ("standard", "nesterov"):
        raise ValueError(f"Momentum: mode must be 'standard' or 'nesterov', got {mode!r}")
    r, t = scalars("Momentum", r, t)
    beta_adjusted = beta if t > 0 else 1.0  # the first update takes the whole gradient
    results = []
    for x, g, v in groups("Momentum", tensors, 3, "X, G, V"):
        g_reg = norm_coefficient * x + g
        v_new = (alpha * v + beta_adjusted * g_reg).astype(v.dtype, copy=False)
        step = g_reg + alpha * v_new if mode == "nesterov" else v_new
        results.append(((x - r * step).astype(x.dtype, copy=False), v_new))
    return outputs(results)
