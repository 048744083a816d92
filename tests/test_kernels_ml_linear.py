"""ai.onnx.ml linear, SVM and preprocessing kernels against onnxruntime (the oracle) and scikit-learn.

Node-level tests build one-node models for every attribute value; end-to-end tests convert
scikit-learn models with skl2onnx (ZipMap left out) and compare with onnxruntime and scikit-learn.
"""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import pytest
from onnx import helper

from oracle import assert_same, make_model, run_ort, run_refrt

from refrt.kernels.numpy import _ml_util

ML = "ai.onnx.ml"
TRANSFORMS = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"]
RNG = np.random.default_rng(7)
X = RNG.normal(size=(9, 3)).astype(np.float32)
X[0] = 0.0
COEF3 = RNG.normal(size=(3, 3)).astype(np.float32)


def ml_model(op, inputs, attrs, n_outputs=1):
    outs = [f"out{i}" for i in range(n_outputs)]
    node = helper.make_node(op, list(inputs), outs, domain=ML, **attrs)
    return make_model([node], inputs, outs, opset=17, extra_opsets={ML: 1})


def check(op, inputs, attrs, n_outputs=1, *, rtol=1e-5, atol=1e-6, skip=()):
    """refrt agrees with onnxruntime on one node; outputs listed in ``skip`` are compared by shape/dtype only."""
    model = ml_model(op, inputs, attrs, n_outputs)
    expected, got = run_ort(model, inputs), run_refrt(model, inputs)
    for i in skip:
        assert got[i].shape == expected[i].shape and got[i].dtype == expected[i].dtype
        expected[i], got[i] = got[i], got[i]
    assert_same(expected, got, rtol, atol)
    return got


def check_both_fail(op, inputs, attrs, n_outputs=1):
    model = ml_model(op, inputs, attrs, n_outputs)
    with pytest.raises(Exception):
        run_ort(model, inputs)
    with pytest.raises(Exception):
        run_refrt(model, inputs)


# ---------------------------------------------------------------- _ml_util

def test_post_transform_helpers_match_formulas():
    s = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-30.0, 1e-8, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(_ml_util.post_transform(s, "LOGISTIC"), 1 / (1 + np.exp(-s.astype(float))), atol=1e-7)
    e = np.exp(s - s.max(axis=1, keepdims=True))
    np.testing.assert_allclose(_ml_util.post_transform(s, "SOFTMAX"), e / e.sum(axis=1, keepdims=True), rtol=1e-6)
    sz = _ml_util.post_transform(s, "SOFTMAX_ZERO")
    assert np.isnan(sz[1]).all()  # a row of zeros divides 0 by 0, as in onnxruntime
    assert 0 < sz[2, 1] < 1e-9 and sz[0, 0] > 0  # |v| <= 1e-7 counts as zero: v * exp(-max) / sum
    p = _ml_util.post_transform(np.array([[0.1, 0.5, 0.9]], np.float32), "PROBIT")
    np.testing.assert_allclose(p, [[-1.2817, 0.0, 1.2817]], atol=2e-4)  # ErfInv approximation, not exact probit
    assert _ml_util.post_transform(s, "NONE").dtype == np.float32
    with pytest.raises(ValueError):
        _ml_util.post_transform(s, "BOGUS")


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("add", [-1, 0, 1, 2, 3])
def test_write_scores_binary_shapes(transform, add):
    s = np.array([[0.3], [-0.4]], np.float32)
    out = _ml_util.write_scores(s, transform, add)
    assert out.dtype == np.float32
    assert out.shape == ((2, 1) if add == -1 else (2, 2))
    if add in (0, 1) and transform != "PROBIT":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
    if add in (2, 3) and transform == "NONE":
        np.testing.assert_array_equal(out[:, 0], -out[:, 1])


def test_write_scores_matches_tree_classifier_binary():
    """write_scores's binary cases against onnxruntime's TreeEnsembleClassifier (all-positive and mixed weights)."""
    x = np.array([[0.0], [1.0], [2.0], [3.0]], np.float32)
    for weights in ([0.3, 0.8], [-0.4, 1.5], [0.0, -3.0]):
        for transform in TRANSFORMS:
            attrs = dict(nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[0, 0, 0],
                         nodes_values=[1.5, 0, 0], nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"],
                         nodes_truenodeids=[1, 0, 0], nodes_falsenodeids=[2, 0, 0], class_treeids=[0, 0],
                         class_nodeids=[1, 2], class_ids=[0, 0], class_weights=weights, classlabels_int64s=[4, 9],
                         post_transform=transform)
            expected = run_ort(ml_model("TreeEnsembleClassifier", {"X": x}, attrs, 2), {"X": x})[1]
            s = np.array([[weights[0]]] * 2 + [[weights[1]]] * 2, np.float32)
            if min(weights) >= 0:
                add = np.where(s[:, 0] > 0.5, 0, 1)
            else:
                add = np.where(s[:, 0] > 0, 2, 3)
            got = np.concatenate([_ml_util.write_scores(s[i:i + 1], transform, int(add[i])) for i in range(4)])
            if transform == "PROBIT":  # onnxruntime leaves the second column uninitialised
                expected, got = expected[:, :1], got[:, :1]
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- LinearClassifier / LinearRegressor

@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("multi_class", [0, 1])
@pytest.mark.parametrize("labels", [dict(classlabels_ints=[3, 5, 9]), dict(classlabels_strings=["a", "b", "c"])])
def test_linear_classifier_multiclass(transform, multi_class, labels):
    attrs = dict(coefficients=COEF3.ravel().tolist(), intercepts=[0.1, 0.0, -0.2], post_transform=transform,
                 multi_class=multi_class, **labels)
    check("LinearClassifier", {"X": X}, attrs, 2)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("labels", [dict(classlabels_ints=[3, 7]), dict(classlabels_strings=["no", "yes"])])
def test_linear_classifier_binary_one_row(transform, labels):
    attrs = dict(coefficients=COEF3[0].tolist(), intercepts=[0.05], post_transform=transform, **labels)
    # PROBIT: onnxruntime fills half the (N, 2) buffer and leaves the rest uninitialised
    got = check("LinearClassifier", {"X": X}, attrs, 2, skip=(1,) if transform == "PROBIT" else ())
    assert got[1].shape == (len(X), 2)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_linear_classifier_input_types(dtype):
    x = (X * 4).astype(dtype)
    attrs = dict(coefficients=COEF3.ravel().tolist(), intercepts=[1.0, 0.0, 0.0], classlabels_ints=[0, 1, 2],
                 post_transform="SOFTMAX")
    check("LinearClassifier", {"X": x}, attrs, 2)


def test_linear_classifier_one_dim_input_and_ties():
    attrs = dict(coefficients=COEF3.ravel().tolist(), intercepts=[1.0, 0.0, -1.0], classlabels_ints=[5, 6, 7])
    check("LinearClassifier", {"X": X[1]}, attrs, 2)
    tie = dict(coefficients=[0.0] * 9, intercepts=[1.0, 1.0, 1.0], classlabels_strings=["p", "q", "r"])
    got = check("LinearClassifier", {"X": X}, tie, 2)
    assert (got[0] == "p").all()


def test_linear_classifier_errors():
    check_both_fail("LinearClassifier", {"X": X}, dict(coefficients=COEF3[0].tolist(), intercepts=[0.0],
                                                       classlabels_ints=[1, 2, 3]), 2)
    check_both_fail("LinearClassifier", {"X": X}, dict(coefficients=COEF3[:2].ravel().tolist(),
                                                       intercepts=[0.0, 1, 2], classlabels_ints=[1, 2, 3]), 2)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("targets", [1, 3])
def test_linear_regressor(transform, targets):
    attrs = dict(coefficients=COEF3[:targets].ravel().tolist(), intercepts=[0.1, -0.2, 0.3][:targets],
                 post_transform=transform, targets=targets)
    check("LinearRegressor", {"X": X}, attrs)


def test_linear_regressor_intercepts_of_wrong_length_are_ignored_and_1d_input():
    attrs = dict(coefficients=COEF3[:2].ravel().tolist(), intercepts=[5.0], targets=2)
    check("LinearRegressor", {"X": X}, attrs)
    check("LinearRegressor", {"X": X[2]}, dict(coefficients=COEF3[0].tolist(), targets=1))


# ---------------------------------------------------------------- SVMClassifier / SVMRegressor

SV = RNG.normal(size=(7, 3)).astype(np.float32)
KERNELS = {"LINEAR": [0.0, 0.0, 0.0], "POLY": [0.3, 0.5, 3.0], "RBF": [0.4, 0.0, 0.0], "SIGMOID": [0.2, 0.1, 0.0]}


def svc_attrs(n_classes, kernel, transform="NONE", proba=False, labels="ints"):
    per_class = [3, 2, 2][:n_classes] if n_classes == 3 else [4, 3]
    n_pairs = n_classes * (n_classes - 1) // 2
    coef = RNG.normal(size=(n_classes - 1) * 7).round(3)
    attrs = dict(coefficients=coef.tolist(), kernel_params=KERNELS[kernel], kernel_type=kernel,
                 post_transform=transform, rho=RNG.normal(size=n_pairs).round(3).tolist(),
                 support_vectors=SV.ravel().tolist(), vectors_per_class=per_class)
    if labels == "ints":
        attrs["classlabels_ints"] = [10, 20, 30][:n_classes]
    else:
        attrs["classlabels_strings"] = ["x", "y", "z"][:n_classes]
    if proba:
        attrs["prob_a"] = (-RNG.uniform(1, 3, n_pairs)).round(3).tolist()
        attrs["prob_b"] = RNG.normal(scale=0.2, size=n_pairs).round(3).tolist()
    return attrs


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("proba", [False, True])
def test_svm_classifier_kernels(kernel, n_classes, proba):
    x = RNG.normal(size=(40, 3)).astype(np.float32)
    rtol = 1e-4 if kernel == "SIGMOID" else 1e-5  # onnxruntime's MLAS tanh is a few ulps off tanh
    check("SVMClassifier", {"X": x}, svc_attrs(n_classes, kernel, proba=proba), 2, rtol=rtol, atol=1e-5)


@pytest.mark.parametrize("transform", TRANSFORMS)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("proba", [False, True])
def test_svm_classifier_post_transforms(transform, n_classes, proba):
    x = RNG.normal(size=(20, 3)).astype(np.float32)
    skip = (1,) if transform == "PROBIT" and n_classes == 2 and not proba else ()
    check("SVMClassifier", {"X": x}, svc_attrs(n_classes, "RBF", transform, proba, labels="strings"), 2, skip=skip)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("proba", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_svm_classifier_linear_mode(n_classes, proba, dtype):
    x = (RNG.normal(size=(20, 3)) * 2).astype(dtype)
    coef = RNG.normal(size=n_classes * 3).round(3)
    if n_classes == 2:
        coef = np.abs(coef) if dtype in (np.float32, np.int32) else coef  # all-positive and mixed weights
    attrs = dict(coefficients=coef.tolist(), kernel_type="LINEAR", kernel_params=[0.0, 0.0, 0.0], rho=[0.3], classlabels_ints=[1, 2, 3][:n_classes])
    if proba:
        attrs.update(prob_a=[-1.0] * n_classes, prob_b=[0.1] * n_classes)
    check("SVMClassifier", {"X": x}, attrs, 2)


@pytest.mark.parametrize("kernel", list(KERNELS))
@pytest.mark.parametrize("one_class", [0, 1])
def test_svm_regressor(kernel, one_class):
    x = RNG.normal(size=(30, 3)).astype(np.float32)
    attrs = dict(coefficients=RNG.normal(size=7).round(3).tolist(), kernel_params=KERNELS[kernel], kernel_type=kernel,
                 n_supports=7, one_class=one_class, rho=[0.2], support_vectors=SV.ravel().tolist())
    rtol = 1e-4 if kernel == "SIGMOID" else 1e-5
    check("SVMRegressor", {"X": x}, attrs, rtol=rtol, atol=1e-5)


def test_svm_regressor_linear_mode():
    x = RNG.normal(size=(10, 3)).astype(np.float32)
    check("SVMRegressor", {"X": x}, dict(coefficients=[0.5, -1.0, 2.0], kernel_params=[0.0, 0.0, 0.0], rho=[0.25]))
    check("SVMRegressor", {"X": x[0]}, dict(coefficients=[0.5, -1.0, 2.0], kernel_params=[0.0, 0.0, 0.0], rho=[0.25]))


def test_multiclass_probability_sums_to_one():
    from refrt.kernels.numpy.op_svm_classifier import multiclass_probability

    r = RNG.uniform(0.05, 0.95, size=(50, 4, 4)).astype(np.float32)
    r = np.triu(r, 1)
    r = r + np.transpose(1 - r, (0, 2, 1)) * (np.tril(np.ones((4, 4)), -1) > 0)
    p = multiclass_probability(r.astype(np.float32))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)


# ---------------------------------------------------------------- preprocessing

@pytest.mark.parametrize("norm", ["MAX", "L1", "L2"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_normalizer(norm, dtype):
    x = (X * 3).astype(dtype)
    check("Normalizer", {"X": x}, dict(norm=norm))
    check("Normalizer", {"X": x[1]}, dict(norm=norm))


def test_normalizer_rank3_fails_as_in_onnxruntime():
    check_both_fail("Normalizer", {"X": np.ones((2, 3, 4), np.float32)}, dict(norm="L2"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("per_feature", [True, False])
def test_scaler(dtype, per_feature):
    attrs = dict(offset=[1.0, 2.0, -3.0], scale=[0.5, 2.0, -1.5]) if per_feature else dict(offset=[0.5], scale=[3.0])
    check("Scaler", {"X": (X * 3).astype(dtype)}, attrs)


def test_scaler_rank3_and_bad_length():
    check("Scaler", {"X": RNG.normal(size=(2, 3, 4)).astype(np.float32)}, dict(offset=[1.0, 2.0, 3.0], scale=[1.0, 2.0, 3.0]))
    check_both_fail("Scaler", {"X": X}, dict(offset=[1.0, 2.0], scale=[1.0, 2.0]))


@pytest.mark.parametrize("replaced", [np.nan, 0.0])
@pytest.mark.parametrize("per_feature", [True, False])
def test_imputer_float(replaced, per_feature):
    x = X.copy()
    x[1, 1] = x[3, 0] = np.nan
    x[2, 2] = 0.0
    values = [1.0, 2.0, 3.0] if per_feature else [7.5]
    check("Imputer", {"X": x}, dict(imputed_value_floats=values, replaced_value_float=replaced))


@pytest.mark.parametrize("per_feature", [True, False])
def test_imputer_int64(per_feature):
    x = np.array([[1, -1, 3], [-1, 5, -1]], np.int64)
    values = [9, 8, 7] if per_feature else [4]
    check("Imputer", {"X": x}, dict(imputed_value_int64s=values, replaced_value_int64=-1))


def test_imputer_double_and_int32_follow_the_schema():
    """onnxruntime has no double/int32 Imputer kernel; refrt follows the schema's types."""
    model = ml_model("Imputer", {"X": X.astype(np.float64)}, dict(imputed_value_floats=[2.0], replaced_value_float=0.0))
    got = run_refrt(model, {"X": X.astype(np.float64)})[0]
    assert got.dtype == np.float64 and (got[0] == 2.0).all()
    xi = np.array([[0, 1], [2, 0]], np.int32)
    model = ml_model("Imputer", {"X": xi}, dict(imputed_value_int64s=[5], replaced_value_int64=0))
    got = run_refrt(model, {"X": xi})[0]
    assert got.dtype == np.int32 and got.tolist() == [[5, 1], [2, 5]]


@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float64])
def test_one_hot_encoder_numeric(dtype):
    x = np.array([[1, 5], [3, 9], [7, 1]], dtype)
    check("OneHotEncoder", {"X": x}, dict(cats_int64s=[1, 3, 5, 7], zeros=1))
    check("OneHotEncoder", {"X": np.array([1.7, -0.5, 3.2], np.float32)}, dict(cats_int64s=[0, 1, 3, 1], zeros=1))
    check_both_fail("OneHotEncoder", {"X": x}, dict(cats_int64s=[1, 3, 5, 7], zeros=0))
    check("OneHotEncoder", {"X": x[:, :1]}, dict(cats_int64s=[1, 3, 5, 7], zeros=0))


def test_one_hot_encoder_strings():
    x = np.array([["a", "b"], ["z", "c"]], object)
    check("OneHotEncoder", {"X": x}, dict(cats_strings=["a", "b", "c"], zeros=1))
    check_both_fail("OneHotEncoder", {"X": x}, dict(cats_strings=["a", "b", "c"], zeros=0))
    check("OneHotEncoder", {"X": x[:, :1]}, dict(cats_strings=["c", "a", "z"], zeros=0))


def test_category_mapper_both_directions():
    attrs = dict(cats_strings=["a", "b", "c", "a"], cats_int64s=[1, 2, 3, 4])
    check("CategoryMapper", {"X": np.array([["a", "b"], ["z", "c"]], object)}, attrs)
    check("CategoryMapper", {"X": np.array(["b", "q"], object)}, dict(attrs, default_int64=-7))
    attrs = dict(cats_strings=["a", "b", "c", "d"], cats_int64s=[1, 2, 3, 1])
    check("CategoryMapper", {"X": np.array([[1, 2], [7, 3]], np.int64)}, attrs)
    check("CategoryMapper", {"X": np.array([0, 2], np.int64)}, dict(attrs, default_string="?"))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_feature_vectorizer(dtype):
    inputs = {"A": (X * 4).astype(dtype), "B": np.ones((9, 2), dtype), "C": np.arange(18, dtype=dtype).reshape(9, 2, 1)}
    check("FeatureVectorizer", inputs, dict(inputdimensions=[2, 3, 2]))  # cut, padded, exact
    check("FeatureVectorizer", {"A": (X[0] * 4).astype(dtype), "B": np.ones(2, dtype)}, dict(inputdimensions=[3, 2]))
    check_both_fail("FeatureVectorizer", {"A": X.astype(dtype), "B": np.ones((3, 2), dtype)}, dict(inputdimensions=[3, 2]))


# ---------------------------------------------------------------- end to end: scikit-learn through skl2onnx

def _convert(model, x):
    from skl2onnx import to_onnx
    from sklearn.base import is_classifier

    options = {id(model): {"zipmap": False}} if is_classifier(model) and not type(model).__name__ == "LinearSVC" else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_onnx(model, x[:1], options=options, target_opset={"": 17, ML: 1})


def _compare(model, x):
    onx = _convert(model, x)
    expected, got = run_ort(onx, {"X": x}), run_refrt(onx, {"X": x})
    assert_same(expected, got, 1e-5, 1e-6)
    return got


def _data(binary=False):
    from sklearn.datasets import load_iris, make_classification

    if binary:
        x, y = make_classification(150, 4, random_state=0)
        return x.astype(np.float32), y
    x, y = load_iris(return_X_y=True)
    return x.astype(np.float32), y


def _close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol, atol=atol)


@pytest.mark.parametrize("binary", [True, False])
def test_sklearn_logistic_regression(binary):
    from sklearn.linear_model import LogisticRegression

    x, y = _data(binary)
    model = LogisticRegression(max_iter=1000).fit(x, y)
    label, proba = _compare(model, x)
    np.testing.assert_array_equal(label, model.predict(x))
    _close(proba, model.predict_proba(x), atol=1e-5)


def test_sklearn_linear_regression():
    from sklearn.linear_model import LinearRegression

    x, y = _data()
    model = LinearRegression().fit(x, y)
    (pred,) = _compare(model, x)
    _close(pred.ravel(), model.predict(x), atol=1e-5)


@pytest.mark.parametrize("binary", [True, False])
def test_sklearn_linear_svc(binary):
    from sklearn.svm import LinearSVC

    x, y = _data(binary)
    model = LinearSVC().fit(x, y)
    label, scores = _compare(model, x)
    np.testing.assert_array_equal(label, model.predict(x))
    dec = model.decision_function(x)
    _close(scores[:, -1] if binary else scores, dec, atol=1e-5)


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
@pytest.mark.parametrize("binary", [True, False])
def test_sklearn_svc_probability(kernel, binary):
    from sklearn.svm import SVC

    x, y = _data(binary)
    model = SVC(kernel=kernel, probability=True, random_state=0).fit(x, y)
    label, proba = _compare(model, x)
    np.testing.assert_array_equal(label, model.predict(x))
    # onnxruntime's float32 pairwise coupling (stopped at error 0.005 / C) is itself up to ~2e-5 off
    _close(proba, model.predict_proba(x), atol=5e-5)


@pytest.mark.parametrize("kernel", ["rbf", "poly"])
def test_sklearn_svc_decision_function_binary(kernel):
    from sklearn.svm import SVC

    x, y = _data(binary=True)
    model = SVC(kernel=kernel).fit(x, y)
    label, scores = _compare(model, x)
    np.testing.assert_array_equal(label, model.predict(x))
    # onnxruntime writes [-d, d] for libsvm's decision value d, which is minus scikit-learn's
    _close(scores[:, 0], model.decision_function(x), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly"])
def test_sklearn_svr(kernel):
    from sklearn.svm import SVR

    x, y = _data()
    model = SVR(kernel=kernel).fit(x, y)
    (pred,) = _compare(model, x)
    # onnxruntime sums the support vectors in float32: up to 1e-3 off scikit-learn's float64 on iris
    _close(pred.ravel(), model.predict(x), rtol=1e-3, atol=2e-3)


def test_sklearn_one_class_svm():
    from sklearn.svm import OneClassSVM

    x, _ = _data()
    model = OneClassSVM(gamma=0.5).fit(x)
    label, scores = _compare(model, x)
    np.testing.assert_array_equal(label.ravel(), model.predict(x))
    _close(scores.ravel(), model.decision_function(x), atol=1e-4)


@pytest.mark.parametrize("name", ["StandardScaler", "MinMaxScaler", "Normalizer-l1", "Normalizer-l2", "Normalizer-max"])
def test_sklearn_scalers(name):
    from sklearn import preprocessing

    x, _ = _data()
    if name.startswith("Normalizer"):
        model = preprocessing.Normalizer(norm=name.split("-")[1]).fit(x)
    else:
        model = getattr(preprocessing, name)().fit(x)
    (out,) = _compare(model, x)
    _close(out, model.transform(x), atol=1e-6)


def test_sklearn_one_hot_encoder():
    from sklearn.preprocessing import OneHotEncoder

    x = np.array([[1, 5], [3, 5], [1, 7], [2, 7]], np.int64)
    model = OneHotEncoder(handle_unknown="ignore").fit(x)
    (out,) = _compare(model, np.array([[1, 5], [9, 7], [2, 5]], np.int64))
    _close(out, model.transform(np.array([[1, 5], [9, 7], [2, 5]])).toarray())
    xs = np.array([["a", "x"], ["b", "y"], ["a", "y"]], object)
    model = OneHotEncoder().fit(xs)
    (out,) = _compare(model, xs)
    _close(out, model.transform(xs).toarray())


@pytest.mark.parametrize("strategy", ["mean", "median", "constant"])
def test_sklearn_simple_imputer(strategy):
    from sklearn.impute import SimpleImputer

    x, _ = _data()
    x = x.copy()
    x[::7, 1] = np.nan
    x[::5, 3] = np.nan
    model = SimpleImputer(strategy=strategy, fill_value=-1.0).fit(x)
    (out,) = _compare(model, x)
    _close(out, model.transform(x))
