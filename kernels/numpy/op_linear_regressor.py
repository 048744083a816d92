"""LinearRegressor (ai.onnx.ml 1): Y = post_transform(X @ coefficients.T + intercepts), float32 (N, targets).

``coefficients`` hold ``targets`` rows of F weights; X is [N, F] or [F] (one row) and is cast to
float32 (the output type the spec gives). As in onnxruntime (1.32):

- ``intercepts`` are added only when there are exactly ``targets`` of them; any other number is
  ignored without an error;
- the post transform is onnxruntime's (``_ml_util``); with one target only PROBIT changes the
  value (LOGISTIC, SOFTMAX and SOFTMAX_ZERO leave a single column as it is).

Departures from onnxruntime, for the spec: onnxruntime runs only float X; refrt also takes double,
int32 and int64 (the schema allows them), cast to float32.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._ml_util import as_float32_matrix, transform_name, write_scores


@kernel("LinearRegressor", domain="ai.onnx.ml", since=1, prepare=True)
def linear_regressor(*, coefficients=None, intercepts=None, post_transform="NONE", targets=1):
    transform = transform_name(post_transform)
    if coefficients is None or len(coefficients) == 0:
        raise ValueError("LinearRegressor: the coefficients attribute is required")
    if targets < 1:
        raise ValueError(f"LinearRegressor: targets must be at least 1, got {targets}")
    coef = np.asarray(coefficients, dtype=np.float32).reshape(-1)
    use_bias = intercepts is not None and len(intercepts) == targets
    bias = np.asarray(intercepts, dtype=np.float32).reshape(-1) if use_bias else None

    def run(x):
        x = as_float32_matrix(x, "LinearRegressor")
        n_features = x.shape[1]
        if len(coef) != targets * n_features:
            raise ValueError(f"LinearRegressor: {len(coef)} coefficients do not make {targets} rows of "
                             f"{n_features} features (X has shape {list(x.shape)})")
        y = x @ coef.reshape(targets, n_features).T
        if bias is not None:
            y += bias
        return write_scores(y, transform, -1)

    return run
