"""Imputer (ai.onnx.ml 1): replace every element equal to the replaced value by the imputed value.

Float X (float32, double) uses ``imputed_value_floats`` and ``replaced_value_float``; integer X
(int64, int32) uses ``imputed_value_int64s`` and ``replaced_value_int64``. The output has X's
type. A NaN replaced value matches every NaN. The imputed values hold one value per feature (X's
axis 1, or axis 0 of a 1-D X, matched to the flat index modulo the feature count, as onnxruntime
does) or one value for all; as in onnxruntime (1.32) any other length uses the first value.

onnxruntime (1.32) runs only float32 and int64 X; refrt also takes double and int32, which the
schema allows. Exactly one of the two imputed lists must be set (onnxruntime's check; an X whose
type needs the other list is an error).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("Imputer", domain="ai.onnx.ml", since=1, prepare=True)
def imputer(*, imputed_value_floats=None, imputed_value_int64s=None, replaced_value_float=0.0,
            replaced_value_int64=0):
    floats = list(imputed_value_floats or [])
    ints = list(imputed_value_int64s or [])
    if bool(floats) == bool(ints):
        raise ValueError("Imputer: exactly one of imputed_value_floats and imputed_value_int64s must be set")

    def run(x):
        if x.dtype.kind == "f":
            values, replaced = floats, replaced_value_float
        elif x.dtype.kind in "iu":
            values, replaced = ints, replaced_value_int64
        else:
            raise ValueError(f"Imputer: X must be float, double, int64 or int32, got {x.dtype}")
        if not values:
            raise ValueError(f"Imputer: X is {x.dtype} but the imputed values for that type are empty")
        if x.ndim == 0:
            raise ValueError("Imputer: X must have at least one dimension")
        values = np.asarray(values).astype(x.dtype)
        replaced = np.asarray(replaced).astype(x.dtype) if x.dtype.kind == "f" else replaced
        flat = x.reshape(-1)
        hit = flat == replaced
        if x.dtype.kind == "f" and np.isnan(replaced):
            hit = np.isnan(flat)
        stride = x.shape[0] if x.ndim == 1 else x.shape[1]
        if len(values) == stride and stride:
            fill = values[np.arange(flat.size) % stride]
        else:
            fill = values[0]
        return np.where(hit, fill, flat).astype(x.dtype, copy=False).reshape(x.shape)

    return run
