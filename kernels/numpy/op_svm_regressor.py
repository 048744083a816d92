"""SVMRegressor (ai.onnx.ml 1): a libsvm / liblinear regressor, float32 output (N, 1).

X ([N, F] or [F]) is cast to float32. With ``n_supports`` V > 0 (SVC mode):
``Y = kernel(X, support_vectors) @ coefficients[:V] + rho[0]``, the kernel of
``_ml_util.svm_kernel`` (LINEAR, POLY, RBF, SIGMOID from ``kernel_params`` = [gamma, coef0,
degree]). With V = 0 (linear mode): ``Y = X @ coefficients + rho[0]``, F = len(coefficients).
``one_class`` = 1 turns Y into +1 where Y > 0, else -1.

As in onnxruntime (1.32), ``post_transform`` is accepted and not applied (the spec lists it; no
transform of a single regression value would be meaningful). Departures from onnxruntime:
onnxruntime runs only float X; refrt also takes double, int32 and int64 (the schema allows them);
onnxruntime requires ``kernel_params`` to be present, refrt reads its absence as zeros.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._ml_util import as_float32_matrix, sequential_dot, svm_kernel, svm_kernel_params, transform_name

_F = np.float32


@kernel("SVMRegressor", domain="ai.onnx.ml", since=1, prepare=True)
def svm_regressor(*, coefficients=None, kernel_params=None, kernel_type="LINEAR", n_supports=0, one_class=0,
                  post_transform="NONE", rho=None, support_vectors=None):
    transform_name(post_transform)  # validated, not applied (see above)
    kind, gamma, coef0, degree = svm_kernel_params(kernel_type, kernel_params)
    if coefficients is None or len(coefficients) == 0:
        raise ValueError("SVMRegressor: the coefficients attribute is required")
    if rho is None or len(rho) == 0:
        raise ValueError("SVMRegressor: the rho attribute is required")
    coef = np.asarray(coefficients, dtype=_F).reshape(-1)
    bias = _F(rho[0])
    n_vectors = int(n_supports or 0)
    if n_vectors > 0:
        values = np.asarray(support_vectors or [], dtype=_F).reshape(-1)
        if len(values) == 0 or len(values) % n_vectors:
            raise ValueError(f"SVMRegressor: {len(values)} support vector values do not make {n_vectors} vectors")
        if len(coef) < n_vectors:
            raise ValueError(f"SVMRegressor: {len(coef)} coefficients for {n_vectors} support vectors")
        vectors, dual = values.reshape(n_vectors, -1), coef[:n_vectors]
    else:
        vectors, dual = None, coef

    def run(x):
        x = as_float32_matrix(x, "SVMRegressor")
        n_features = vectors.shape[1] if vectors is not None else len(dual)
        if x.shape[1] != n_features:
            raise ValueError(f"SVMRegressor: X has {x.shape[1]} features, the model {n_features}")
        # the sum over support vectors cancels heavily: keep onnxruntime's float32 rounding order
        k = svm_kernel(x, vectors, kind, gamma, coef0, degree) if vectors is not None else x
        y = sequential_dot(k, dual, bias)
        y = y.reshape(-1, 1).astype(_F, copy=False)
        if one_class:
            y = np.where(y > 0, _F(1), _F(-1))
        return y

    return run
