"""Benchmarks: refrt against onnxruntime and onnx.reference (``pytest bench``, ``python -m bench.report``)."""
