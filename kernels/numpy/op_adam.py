"""Adam (ai.onnx.preview.training): one Adam step for each tensor X_i, from its gradient G_i and its
averaged gradient V_i and squared gradient H_i. Inputs R, T, X_1..n, G_1..n, V_1..n, H_1..n; outputs
X_new_1..n, V_new_1..n, H_new_1..n. Arithmetic is in each tensor's own type (float or double)."""

from __future__ import annotations

import math

import numpy as np

from refrt.registry import kernel

from ._training_util import groups, outputs, scalars


@kernel("Adam", domain="ai.onnx.preview.training", since=1)
def adam(r, t, *tensors, alpha=0.9, beta=0.999, epsilon=1e-6, norm_coefficient=0.0, norm_coefficient_post=0.0):
    r, t = scalars("Adam", r, t)
    # bias correction of both averages, from the second update on (T counts from 0)
    rate = r * math.sqrt(1 - beta**t) / (1 - alpha**t) if t > 0 else r
    results = []
    for x, g, v, h in groups("Adam", tensors, 4, "X, G, V, H"):
        g_reg = norm_coefficient * x + g
        v_new = (alpha * v + (1 - alpha) * g_reg).astype(v.dtype, copy=False)
        h_new = (beta * h + (1 - beta) * g_reg * g_reg).astype(h.dtype, copy=False)
        x_new = (1 - norm_coefficient_post) * (x - rate * v_new / (np.sqrt(h_new) + epsilon))
        results.append((x_new.astype(x.dtype, copy=False), v_new, h_new))
    return outputs(results)
