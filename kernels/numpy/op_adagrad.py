"""Adagrad (ai.onnx.preview.training): one ADAGRAD step for each tensor X_i, from its gradient G_i and
accumulated squared gradient H_i. Inputs R, T, X_1..X_n, G_1..G_n, H_1..H_n; outputs X_new_1..n, H_new_1..n.
Arithmetic is in each tensor's own type (float or double)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._training_util import groups, outputs, scalars


@kernel("Adagrad", domain="ai.onnx.preview.training", since=1)
def adagrad(r, t, *tensors, decay_factor=0.0, epsilon=1e-6, norm_coefficient=0.0):
    r, t = scalars("Adagrad", r, t)
    rate = r / (1 + t * decay_factor)
    results = []
    for x, g, h in groups("Adagrad", tensors, 3, "X, G, H"):
        g_reg = norm_coefficient * x + g
        h_new = (h + g_reg * g_reg).astype(h.dtype, copy=False)
        x_new = x - rate * g_reg / (np.sqrt(h_new) + epsilon)
        results.append((x_new.astype(x.dtype, copy=False), h_new))
    return outputs(results)
