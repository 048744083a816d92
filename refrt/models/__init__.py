"""Small ONNX models shipped with refrt (``demo_cnn.onnx`` for ``refrt demo``) and the scripts that build them."""
