"""Import paths that onnxruntime users write (``onnxruntime.capi...``), mapped onto refrt."""
