"""Random ops: onnxruntime's samples differ by design, so check shape, type, range and statistics."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

import refrt
from oracle import make_node_model


def run(op, inputs, attrs, opset=17):
    model = make_node_model(op, inputs, attrs, opset=opset)
    return refrt.InferenceSession(model.SerializeToString()).run(None, {k: v for k, v in inputs.items()})[0]


def test_random_uniform_range_dtype_and_seed():
    a = run("RandomUniform", {}, {"shape": [1000], "low": -2.0, "high": 3.0, "seed": 5.0, "dtype": TensorProto.DOUBLE})
    b = run("RandomUniform", {}, {"shape": [1000], "low": -2.0, "high": 3.0, "seed": 5.0, "dtype": TensorProto.DOUBLE})
    assert a.dtype == np.float64 and a.shape == (1000,)
    assert a.min() >= -2 and a.max() < 3 and abs(a.mean() - 0.5) < 0.25
    np.testing.assert_array_equal(a, b)


def test_random_normal_statistics():
    a = run("RandomNormal", {}, {"shape": [100, 100], "mean": 1.0, "scale": 2.0})
    assert a.dtype == np.float32 and a.shape == (100, 100)
    assert abs(a.mean() - 1) < 0.1 and abs(a.std() - 2) < 0.1


def test_like_variants_take_shape_and_dtype_of_input():
    x = np.zeros((3, 4), np.float16)
    assert run("RandomUniformLike", {"x": x}, {}).dtype == np.float16
    assert run("RandomNormalLike", {"x": x}, {"dtype": TensorProto.FLOAT}).shape == (3, 4)


def test_bernoulli_is_zero_or_one_with_the_given_probability():
    p = np.full(10000, 0.3, np.float32)
    b = run("Bernoulli", {"p": p}, {}, opset=17)
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.03


def test_multinomial_frequencies_follow_the_logits():
    logits = np.log(np.array([[0.1, 0.2, 0.7]], np.float32))
    s = run("Multinomial", {"x": logits}, {"sample_size": 20000, "seed": 3.0})
    assert s.dtype == np.int32 and s.shape == (1, 20000)
    freq = np.bincount(s.ravel(), minlength=3) / s.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.02)
