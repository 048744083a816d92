"""scikit-learn, LightGBM and XGBoost models converted to ONNX (ai.onnx.ml) by the real converters.

The cases of tests/test_sklearn_models.py (refrt against onnxruntime and against the estimator),
the benchmark's random_forest and gradient_boosting models included (built by bench/models.py's
sklearn_tree_model, so the tests check exactly what the benchmark times). Every model is trained on
small data with a fixed seed; each builder returns a ``Converted``:

    from ml_models import CASES
    model, feeds, estimator, X = CASES["random_forest_classifier-zipmap"].build()

``feeds`` are the ONNX inputs for the rows ``X``, the estimator's own input (the same values, or an
object array when the model has several graph inputs). ``MLCase.kind`` says which estimator methods
the outputs correspond to:

    classifier    label, probabilities (a list of dicts with ZipMap)  <- predict, predict_proba
    regressor     variable [N, 1] (or [N])                            <- predict
    transformer   variable [N, F]                                     <- transform
    cluster       label, scores [N, k]                                <- predict, transform

Conversions ask for target_opset {'': 17, 'ai.onnx.ml': 3}; skl2onnx then writes the lowest
ai.onnx.ml revision its nodes need (1 for float trees), so the ``-ml3`` cases raise the import to 3.
ai.onnx.ml 5 is out of the converters' reach: onnxruntime rejects TreeEnsembleClassifier/Regressor
there (deprecated at 5) and no converter writes TreeEnsemble yet, so the ``-te5`` cases rewrite a
converted TreeEnsembleRegressor as TreeEnsemble (tree_ensemble5). scikit-learn, skl2onnx,
onnxmltools, lightgbm and xgboost are test dependencies only.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings
from typing import Any, Callable, NamedTuple

import numpy as np
import onnx

OPSET = 17
ML_OPSET = 3
IR_VERSION = 8  # the IR that came with opset 17; onnxruntime reads up to its own
SEED = 0


class Converted(NamedTuple):
    model: onnx.ModelProto
    feeds: dict[str, Any]
    estimator: Any
    X: Any


@dataclasses.dataclass(frozen=True)
class MLCase:
    name: str
    kind: str                      # classifier | regressor | transformer | cluster
    build: Callable[[], Converted]
    zipmap: bool = False
    # against the estimator (the second oracle): float32 ONNX vs float64 scikit-learn
    sk_rtol: float = 1e-4
    sk_atol: float = 1e-5
    why: str = ""                  # why the tolerance against the estimator is what it is
    # against onnxruntime: labels always exact; scores within these unless ``ort_why`` says otherwise
    ort_rtol: float = 1e-5
    ort_atol: float = 1e-6
    ort_why: str = ""


# -- data -------------------------------------------------------------------------------------------

@functools.cache
def iris() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    return x.astype(np.float32), y.astype(np.int64)


@functools.cache
def binary(n_features: int = 8, n_samples: int = 200, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=n_samples, n_features=n_features, n_informative=max(2, n_features // 2),
                               random_state=seed)
    return x.astype(np.float32), y.astype(np.int64)


@functools.cache
def regression(n_features: int = 8, n_samples: int = 200, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_regression

    x, y = make_regression(n_samples=n_samples, n_features=n_features, noise=0.5, random_state=seed)
    return x.astype(np.float32), y.astype(np.float32)


def _with_nans(x: np.ndarray, fraction: float = 0.1, seed: int = SEED) -> np.ndarray:
    x = x.copy()
    x[np.random.default_rng(seed).random(x.shape) < fraction] = np.nan
    return x


IRIS_NAMES = np.array(["setosa", "versicolor", "virginica"], dtype=object)


# -- converting -------------------------------------------------------------------------------------

def _fit(est, x, y=None, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning and the like: small data on purpose
        return est.fit(x, **kwargs) if y is None else est.fit(x, y, **kwargs)


@functools.cache
def _register_boosters() -> None:
    """Teach skl2onnx the LightGBM and XGBoost estimators (onnxmltools' converters), where installed."""
    try:
        from lightgbm import LGBMClassifier, LGBMRegressor
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier, XGBRegressor
    except ImportError:  # their cases are skipped (test_sklearn_models._needs); the others still convert
        return
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (calculate_linear_classifier_output_shapes,
                                                  calculate_linear_regressor_output_shapes)

    clf_options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    update_registered_converter(LGBMClassifier, "LightGbmLGBMClassifier", calculate_linear_classifier_output_shapes,
                                convert_lightgbm, options=clf_options)
    update_registered_converter(LGBMRegressor, "LightGbmLGBMRegressor", calculate_linear_regressor_output_shapes,
                                convert_lightgbm, options={"split": None})
    update_registered_converter(XGBClassifier, "XGBoostXGBClassifier", calculate_linear_classifier_output_shapes,
                                convert_xgboost, options=clf_options)
    update_registered_converter(XGBRegressor, "XGBoostXGBRegressor", calculate_linear_regressor_output_shapes,
                                convert_xgboost)


def convert(est, x_or_types, *, zipmap: bool | None = None, options_for=None) -> onnx.ModelProto:
    """skl2onnx.to_onnx with our opsets; ``zipmap`` set on ``options_for`` (default ``est``)."""
    from skl2onnx import to_onnx

    _register_boosters()
    options = None
    if zipmap is not None:
        options = {id(options_for if options_for is not None else est): {"zipmap": zipmap}}
    kwargs = {"initial_types": x_or_types} if isinstance(x_or_types, list) else {"X": x_or_types}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = to_onnx(est, target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET}, options=options, **kwargs)
    model.ir_version = IR_VERSION
    return model


def _single_input(model: onnx.ModelProto, x) -> dict[str, Any]:
    return {model.graph.input[0].name: x}


def _simple(make_est, data, *, zipmap: bool | None = None) -> Callable[[], Converted]:
    """A builder for one estimator on one float input, run on its training rows."""
    def build() -> Converted:
        x, _ = data()
        est = _fitted(make_est, data)
        model = convert(est, x[:1], zipmap=zipmap)
        return Converted(model, _single_input(model, x), est, x)
    return build


_FITTED: dict = {}


def _fitted(make_est, data):
    """One fit per (estimator factory, data): the zipmap, -ml3 and -te5 variants share it."""
    key = (make_est, data)
    if key not in _FITTED:
        x, y = data()
        _FITTED[key] = _fit(make_est(), x, y, **_FIT_KWARGS.get(make_est, {}))
    return _FITTED[key]


# -- estimators (factories: module-level so that _fitted's cache key is stable) -------------------

def _rf_clf():
    from sklearn.ensemble import RandomForestClassifier
    return RandomForestClassifier(n_estimators=10, max_depth=6, random_state=SEED)


def _et_clf():
    from sklearn.ensemble import ExtraTreesClassifier
    return ExtraTreesClassifier(n_estimators=10, max_depth=6, random_state=SEED)


def _gb_clf():
    from sklearn.ensemble import GradientBoostingClassifier
    return GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=SEED)


def _dt_clf():
    from sklearn.tree import DecisionTreeClassifier
    return DecisionTreeClassifier(max_depth=5, random_state=SEED)


def _rf_reg():
    from sklearn.ensemble import RandomForestRegressor
    return RandomForestRegressor(n_estimators=10, max_depth=6, random_state=SEED)


def _et_reg():
    from sklearn.ensemble import ExtraTreesRegressor
    return ExtraTreesRegressor(n_estimators=10, max_depth=6, random_state=SEED)


def _gb_reg():
    from sklearn.ensemble import GradientBoostingRegressor
    return GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=SEED)


def _dt_reg():
    from sklearn.tree import DecisionTreeRegressor
    return DecisionTreeRegressor(max_depth=6, random_state=SEED)


def _logreg():
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(max_iter=500)


def _linreg():
    from sklearn.linear_model import LinearRegression
    return LinearRegression()


def _svc_linear():
    from sklearn.svm import SVC
    return SVC(kernel="linear", probability=True, random_state=SEED)


def _svc_rbf():
    from sklearn.svm import SVC
    return SVC(kernel="rbf", probability=True, random_state=SEED)


def _svr_linear():
    from sklearn.svm import SVR
    return SVR(kernel="linear", C=10.0)


def _svr_rbf():
    from sklearn.svm import SVR
    return SVR(kernel="rbf", C=100.0)


def _knn_clf():
    from sklearn.neighbors import KNeighborsClassifier
    return KNeighborsClassifier(n_neighbors=5)


def _knn_reg():
    from sklearn.neighbors import KNeighborsRegressor
    return KNeighborsRegressor(n_neighbors=5)


def _mlp_clf():
    from sklearn.neural_network import MLPClassifier
    return MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=SEED)


def _kmeans():
    from sklearn.cluster import KMeans
    return KMeans(n_clusters=3, n_init=3, random_state=SEED)


def _lgbm_clf():
    from lightgbm import LGBMClassifier
    return LGBMClassifier(n_estimators=20, num_leaves=8, min_child_samples=5, random_state=SEED, verbose=-1)


def _lgbm_reg():
    from lightgbm import LGBMRegressor
    return LGBMRegressor(n_estimators=20, num_leaves=8, min_child_samples=5, random_state=SEED, verbose=-1)


def _xgb_clf():
    from xgboost import XGBClassifier
    return XGBClassifier(n_estimators=15, max_depth=3, random_state=SEED)


def _xgb_reg():
    from xgboost import XGBRegressor
    return XGBRegressor(n_estimators=15, max_depth=3, random_state=SEED)


def _lgbm_reg_categorical():
    """Feature 0 declared categorical at fit (see _FIT_KWARGS): the converter writes BRANCH_EQ chains."""
    from lightgbm import LGBMRegressor
    return LGBMRegressor(n_estimators=20, num_leaves=8, min_child_samples=5, min_data_per_group=5,
                         cat_smooth=1.0, random_state=SEED, verbose=-1)


_FIT_KWARGS = {_lgbm_reg_categorical: {"categorical_feature": [0]}}


@functools.cache
def _regression_categorical():
    """``regression()`` with feature 0 replaced by a category in 0..5 that moves the target."""
    x, y = regression()
    x = x.copy()
    cat = np.random.default_rng(SEED).integers(0, 6, size=len(x))
    x[:, 0] = cat
    return x, (y + 40.0 * np.isin(cat, (1, 4))).astype(np.float32)


def _iris_strings():
    x, y = iris()
    return x, IRIS_NAMES[y]


def _binary_nans():
    x, y = binary()
    return _with_nans(x), y


def _regression_nans():
    x, y = regression()
    return _with_nans(x), y


def _iris_nans():
    x, y = iris()
    return _with_nans(x), y


# -- pipelines and multi-input models ---------------------------------------------------------------

def _pipeline_classifier(steps, data, *, zipmap: bool) -> Callable[[], Converted]:
    def build() -> Converted:
        from sklearn.pipeline import Pipeline

        x, y = data()
        key = ("pipeline", tuple(n for n, _ in steps()), data)
        if key not in _FITTED:
            _FITTED[key] = _fit(Pipeline(steps()), x, y)
        pipe = _FITTED[key]
        model = convert(pipe, x[:1], zipmap=zipmap, options_for=pipe.steps[-1][1])
        return Converted(model, _single_input(model, x), pipe, x)
    return build


def _transformer(make, x_of, *, input_type=None) -> Callable[[], Converted]:
    def build() -> Converted:
        x = x_of()
        key = ("transformer", make, x_of)
        if key not in _FITTED:
            _FITTED[key] = _fit(make(), x)
        est = _FITTED[key]
        model = convert(est, input_type if input_type is not None else x[:1])
        return Converted(model, _single_input(model, x), est, x)
    return build


def _imputer_scaler_logreg():
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler
    return [("impute", SimpleImputer(strategy="mean")), ("scale", StandardScaler()), ("clf", _logreg())]


def _minmax_rf():
    from sklearn.preprocessing import MinMaxScaler
    return [("scale", MinMaxScaler()), ("clf", _rf_clf())]


def _normalizer_svc():
    from sklearn.preprocessing import Normalizer
    return [("norm", Normalizer(norm="l2")), ("clf", _svc_rbf())]


def _binarizer_logreg():
    from sklearn.preprocessing import Binarizer
    return [("bin", Binarizer(threshold=0.0)), ("clf", _logreg())]


def _x_iris():
    return iris()[0]


def _x_iris_nans():
    return _iris_nans()[0]


def _x_small_ints():
    return np.random.default_rng(SEED).integers(0, 5, size=(40, 3)).astype(np.int64)


def _x_strings():
    rng = np.random.default_rng(SEED)
    return np.array(["red", "green", "blue", "cyan"], dtype=object)[rng.integers(0, 4, size=(40, 2))]


def _standard_scaler():
    from sklearn.preprocessing import StandardScaler
    return StandardScaler()


def _minmax_scaler():
    from sklearn.preprocessing import MinMaxScaler
    return MinMaxScaler()


def _normalizer(norm):
    def make():
        from sklearn.preprocessing import Normalizer
        return Normalizer(norm=norm)
    make.__name__ = f"normalizer_{norm}"
    return make


_NORMALIZERS = {norm: _normalizer(norm) for norm in ("l1", "l2", "max")}


def _binarizer():
    from sklearn.preprocessing import Binarizer
    return Binarizer(threshold=3.0)


def _imputer_mean():
    from sklearn.impute import SimpleImputer
    return SimpleImputer(strategy="mean")


def _imputer_constant():
    from sklearn.impute import SimpleImputer
    return SimpleImputer(strategy="constant", fill_value=-1.0)


def _onehot():
    from sklearn.preprocessing import OneHotEncoder
    return OneHotEncoder(sparse_output=False, handle_unknown="ignore")


def _column_transformer_data():
    """Two numeric columns (with NaNs) and one string column; rows as an object array for scikit-learn."""
    rng = np.random.default_rng(SEED)
    n = 120
    num = rng.standard_normal((n, 2)).astype(np.float32)
    city = np.array(["paris", "lyon", "nice", "lille"], dtype=object)[rng.integers(0, 4, size=n)]
    y = ((num[:, 0] + (city == "nice") - 0.5 * (city == "lyon")) > 0).astype(np.int64)
    num[rng.random((n, 2)) < 0.1] = np.nan
    x = np.empty((n, 3), dtype=object)
    x[:, :2] = num
    x[:, 2] = city
    return num, city.reshape(-1, 1), x, y


def _column_transformer(zipmap: bool) -> Callable[[], Converted]:
    def build() -> Converted:
        from skl2onnx.common.data_types import FloatTensorType, StringTensorType
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        num, city, x, y = _column_transformer_data()
        key = "column_transformer"
        if key not in _FITTED:
            numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
            pre = ColumnTransformer([("num", numeric, [0, 1]),
                                     ("cat", OneHotEncoder(handle_unknown="ignore"), [2])])
            _FITTED[key] = _fit(Pipeline([("pre", pre), ("clf", _logreg())]), x, y)
        pipe = _FITTED[key]
        model = convert(pipe, [("num", FloatTensorType([None, 2])), ("city", StringTensorType([None, 1]))],
                        zipmap=zipmap, options_for=pipe.steps[-1][1])
        return Converted(model, {"num": num, "city": city}, pipe, x)
    return build


def _label_encoder() -> Converted:
    from skl2onnx.common.data_types import StringTensorType
    from sklearn.preprocessing import LabelEncoder

    words = np.array(["b", "a", "c", "a", "d", "b", "c"], dtype=object)
    est = LabelEncoder().fit(words)
    model = convert(est, [("words", StringTensorType([None]))])
    return Converted(model, {"words": words}, est, words)


# -- TreeEnsemble (ai.onnx.ml 5) from a converted TreeEnsembleRegressor ------------------------------
# No converter writes TreeEnsemble-5 yet (skl2onnx 1.20, onnxmltools 1.16; and onnxruntime refuses
# TreeEnsembleClassifier/Regressor at ai.onnx.ml 5, where the spec deprecates them), so the real
# models reach it through this rewrite: same trees, interior nodes and leaves in separate arrays.

_TE5_MODES = {"BRANCH_LEQ": 0, "BRANCH_LT": 1, "BRANCH_GTE": 2, "BRANCH_GT": 3, "BRANCH_EQ": 4, "BRANCH_NEQ": 5,
              "BRANCH_MEMBER": 6}
_TE5_AGGREGATE = {"AVERAGE": 0, "SUM": 1, "MIN": 2, "MAX": 3}
_TE5_POST = {"NONE": 0, "SOFTMAX": 1, "LOGISTIC": 2, "SOFTMAX_ZERO": 3, "PROBIT": 4}


def tree_ensemble5(model: onnx.ModelProto, dtype=np.float32, thresholds=None) -> onnx.ModelProto:
    """``model`` with its TreeEnsembleRegressor node rewritten as TreeEnsemble (ai.onnx.ml 5).

    LightGBM's categorical splits (chains of BRANCH_EQ nodes on one feature that share their true
    child, which TreeEnsemble-5 forbids: it wants trees) become BRANCH_MEMBER nodes.
    ``dtype`` is the input's (splits and leaf weights are tensors of it); ``thresholds(tree, node)``,
    when given, supplies each split at full precision (TreeEnsembleRegressor stores float32). A nonzero
    ``base_values`` becomes an Add after the node (TreeEnsemble has none; regressors have no post_transform
    to apply after it).
    """
    from onnx import helper, numpy_helper

    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    (index,) = [i for i, n in enumerate(graph.node) if n.op_type == "TreeEnsembleRegressor"]
    node = graph.node[index]
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    values = a.get("nodes_values")
    if values is None:
        values = numpy_helper.to_array(a["nodes_values_as_tensor"])
    modes = [m.decode() if isinstance(m, bytes) else m for m in a["nodes_modes"]]
    tracks = a.get("nodes_missing_value_tracks_true") or [0] * len(modes)
    key = list(zip(a["nodes_treeids"], a["nodes_nodeids"]))
    row = dict(zip(key, range(len(key))))
    interior = [k for k, m in zip(key, modes) if m != "LEAF"]
    leaves = [k for k, m in zip(key, modes) if m == "LEAF"]
    inner_pos = set(interior)
    leaf_pos = {k: i for i, k in enumerate(leaves)}
    weights = a.get("target_weights")
    if weights is None:
        weights = numpy_helper.to_array(a["target_weights_as_tensor"])
    leaf_weight = np.zeros(len(leaves))
    leaf_target = np.zeros(len(leaves), dtype=np.int64)
    seen = set()
    for t, n, target, w in zip(a["target_treeids"], a["target_nodeids"], a["target_ids"], weights):
        j = leaf_pos[(t, n)]
        if j in seen:
            raise ValueError("tree_ensemble5: a leaf with several targets has no TreeEnsemble-5 form")
        seen.add(j)
        leaf_weight[j], leaf_target[j] = w, target

    feature, true_of, false_of = a["nodes_featureids"], a["nodes_truenodeids"], a["nodes_falsenodeids"]
    splits, feats, te5_modes, true_ids, true_leaf, false_ids, false_leaf, missing = [], [], [], [], [], [], [], []
    members: list[float] = []

    def emit(tree: int, node_id: int) -> tuple[int, int]:
        """Depth first from a root: (1, leaf index) or (0, interior index) of the node written."""
        k = (tree, node_id)
        if k in leaf_pos:
            return 1, leaf_pos[k]
        r = row[k]
        false_id, values_in = a["nodes_falsenodeids"][r], [values[r]]
        if modes[r] == "BRANCH_EQ":  # LightGBM's "x in set" chain: EQ nodes sharing their true child
            while (tree, false_id) in inner_pos:
                f = row[(tree, false_id)]
                if not (modes[f] == "BRANCH_EQ" and feature[f] == feature[r] and true_of[f] == true_of[r]
                        and tracks[f] == tracks[r]):
                    break
                values_in.append(values[f])
                false_id = false_of[f]
        i = len(feats)
        member = len(values_in) > 1
        splits.append(0.0 if member else (thresholds(*k) if thresholds else values[r]))
        feats.append(feature[r])
        te5_modes.append(_TE5_MODES["BRANCH_MEMBER" if member else modes[r]])
        missing.append(tracks[r])
        if member:
            members.extend([*values_in, np.nan])
        for lst in (true_ids, true_leaf, false_ids, false_leaf):
            lst.append(0)
        true_leaf[i], true_ids[i] = emit(tree, true_of[r])
        false_leaf[i], false_ids[i] = emit(tree, false_id)
        return 0, i

    roots = []
    for tree in sorted(set(a["nodes_treeids"])):
        nodes_of_tree = [k for k in key if k[0] == tree]
        children = {(tree, c) for k in nodes_of_tree if k in inner_pos for c in (true_of[row[k]], false_of[row[k]])}
        (root,) = [k for k in nodes_of_tree if k not in children]
        if root in inner_pos:
            roots.append(emit(*root)[1])
        else:  # a one-leaf tree: one node whose branches both reach the leaf, as the spec says
            roots.append(len(feats))
            splits.append(0.0), feats.append(0), te5_modes.append(0), missing.append(0)
            true_leaf.append(1), true_ids.append(leaf_pos[root]), false_leaf.append(1), false_ids.append(leaf_pos[root])
    n_targets = a.get("n_targets", 1)
    out_name = node.output[0]
    base = np.asarray(a.get("base_values") or [], dtype=np.float64)
    te_out = out_name if not base.any() else out_name + "_trees"
    te = helper.make_node(
        "TreeEnsemble", [node.input[0]], [te_out], domain="ai.onnx.ml", name=node.name or "TreeEnsemble",
        n_targets=n_targets, aggregate_function=_TE5_AGGREGATE[_text(a.get("aggregate_function", b"SUM"))],
        post_transform=_TE5_POST[_text(a.get("post_transform", b"NONE"))], tree_roots=roots,
        nodes_featureids=feats, nodes_modes=numpy_helper.from_array(np.array(te5_modes, dtype=np.uint8)),
        nodes_splits=numpy_helper.from_array(np.array(splits, dtype=dtype)),
        nodes_truenodeids=true_ids, nodes_trueleafs=true_leaf, nodes_falsenodeids=false_ids,
        nodes_falseleafs=false_leaf, nodes_missing_value_tracks_true=missing,
        leaf_targetids=leaf_target.tolist(), leaf_weights=numpy_helper.from_array(leaf_weight.astype(dtype)),
        **({"membership_values": numpy_helper.from_array(np.array(members, dtype=dtype))} if members else {}))
    new_nodes = [te]
    if base.any():
        if _text(a.get("post_transform", b"NONE")) != "NONE":
            raise ValueError("tree_ensemble5: base_values with a post_transform cannot be moved after the node")
        bias = out_name + "_base"
        graph.initializer.append(numpy_helper.from_array(base.astype(dtype).reshape(1, -1), bias))
        new_nodes.append(helper.make_node("Add", [te_out, bias], [out_name], name="AddBaseValues"))
    del graph.node[index]
    for i, n in enumerate(new_nodes):
        graph.node.insert(index + i, n)
    for o in model.opset_import:
        if o.domain == "ai.onnx.ml":
            o.version = 5
    # the output is the input's type (TreeEnsembleRegressor's was always float)
    for vi in graph.output:
        if vi.name == out_name:
            vi.type.tensor_type.elem_type = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    return model


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else v


def _sklearn_thresholds(est) -> Callable[[int, int], float]:
    """Split thresholds of a fitted forest or boosting at float64 (tree id = estimator index)."""
    trees = [e.tree_ for e in np.ravel(est.estimators_)] if hasattr(est, "estimators_") else [est.tree_]
    return lambda tree, node: float(trees[tree].threshold[node])


def _te5(make_est, data, *, dtype=np.float32, full_precision=False) -> Callable[[], Converted]:
    """A TreeEnsembleRegressor conversion rewritten to TreeEnsemble-5; ``dtype`` float64 feeds doubles."""
    def build() -> Converted:
        x, y = data()
        est = _fitted(make_est, data)
        model = convert(est, x[:1])
        model = tree_ensemble5(model, dtype, _sklearn_thresholds(est) if full_precision else None)
        if dtype != np.float32:
            model.graph.input[0].type.tensor_type.elem_type = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
        rows = x.astype(dtype)
        return Converted(model, _single_input(model, rows), est, rows)
    return build


def _bump_ml_opset(build: Callable[[], Converted], version: int) -> Callable[[], Converted]:
    """skl2onnx writes the lowest ai.onnx.ml revision its nodes need (1 for float trees): ask for ``version``."""
    def bumped() -> Converted:
        conv = build()
        model = onnx.ModelProto.FromString(conv.model.SerializeToString())
        for o in model.opset_import:
            if o.domain == "ai.onnx.ml":
                o.version = version
        return conv._replace(model=model)
    return bumped


def _bench(kind: str) -> Callable[[], Converted]:
    """A benchmark model (bench/models.py) on 300 rows of the benchmark's own feeds (standard normal)."""
    def build() -> Converted:
        import os
        import sys

        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from bench import models as bench_models

        if kind not in _FITTED:
            _FITTED[kind] = bench_models.sklearn_tree_model(kind)
        model, est, _ = _FITTED[kind]
        feeds = bench_models.generic_feeds(model, 300)
        return Converted(model, feeds, est, next(iter(feeds.values())))
    return build


# -- the set ----------------------------------------------------------------------------------------

def _cases() -> list[MLCase]:
    out: list[MLCase] = []
    gb_tol = dict(sk_rtol=1e-4, sk_atol=1e-4,
                  why="boosting sums float32 leaf values in another order than scikit-learn's float64")
    classifiers = [
        # name, estimator, data, extra MLCase fields
        ("random_forest_classifier", _rf_clf, iris, {}),
        ("random_forest_classifier_strings", _rf_clf, _iris_strings, {}),
        ("extra_trees_classifier", _et_clf, iris, {}),
        ("gradient_boosting_classifier_binary", _gb_clf, binary, gb_tol),
        ("gradient_boosting_classifier_multiclass", _gb_clf, iris, gb_tol),
        ("decision_tree_classifier", _dt_clf, iris, {}),
        ("logistic_regression_binary", _logreg, binary, {}),
        ("logistic_regression_multiclass", _logreg, iris, {}),
        ("logistic_regression_strings", _logreg, _iris_strings, {}),
        # libsvm's Platt-scaled pairwise coupling in float32 (onnxruntime) vs float64 (libsvm)
        ("svc_linear", _svc_linear, iris, dict(sk_rtol=1e-3, sk_atol=1e-4,
                                               why="pairwise coupling iterated in float32 vs libsvm's float64")),
        ("svc_rbf", _svc_rbf, iris, dict(sk_rtol=1e-3, sk_atol=1e-4,
                                         why="pairwise coupling iterated in float32 vs libsvm's float64")),
        ("svc_rbf_binary", _svc_rbf, binary, dict(sk_rtol=1e-3, sk_atol=1e-4,
                                                  why="Platt scaling in float32 vs libsvm's float64")),
        ("kneighbors_classifier", _knn_clf, iris, {}),
        ("mlp_classifier", _mlp_clf, iris, {}),
        ("lgbm_classifier_binary", _lgbm_clf, _binary_nans, gb_tol),
        ("lgbm_classifier_multiclass", _lgbm_clf, iris, gb_tol),
        ("xgb_classifier_binary", _xgb_clf, _binary_nans, gb_tol),
        ("xgb_classifier_multiclass", _xgb_clf, iris, gb_tol),
    ]
    for name, make, data, extra in classifiers:
        for zipmap in (False, True):
            out.append(MLCase(f"{name}-{'zipmap' if zipmap else 'nozipmap'}", "classifier",
                              _simple(make, data, zipmap=zipmap), zipmap=zipmap, **extra))
    # TreeEnsembleClassifier at revision 3 (skl2onnx writes 1 for float trees; LightGBM/XGBoost write 3)
    for name, make, data in (("random_forest_classifier", _rf_clf, iris),
                             ("gradient_boosting_classifier_binary", _gb_clf, binary),
                             ("gradient_boosting_classifier_multiclass", _gb_clf, iris)):
        extra = gb_tol if "gradient" in name else {}
        out.append(MLCase(f"{name}-ml3", "classifier", _bump_ml_opset(_simple(make, data, zipmap=False), 3), **extra))

    regressors = [
        ("random_forest_regressor", _rf_reg, regression, {}),
        ("extra_trees_regressor", _et_reg, regression, {}),
        ("gradient_boosting_regressor", _gb_reg, regression, gb_tol),
        ("decision_tree_regressor", _dt_reg, regression, {}),
        ("linear_regression", _linreg, regression, {}),
        ("svr_linear", _svr_linear, regression, {}),
        ("svr_rbf", _svr_rbf, regression, dict(
            sk_atol=1e-3, why="predictions up to 317 are float32 sums of kernel terms that cancel: ~1e-4 "
            "absolute error near 0")),  # against onnxruntime: exact (SVMRegressor sums in onnxruntime's order)
        ("kneighbors_regressor", _knn_reg, regression, {}),
        ("lgbm_regressor", _lgbm_reg, _regression_nans, gb_tol),
        ("lgbm_regressor_categorical", _lgbm_reg_categorical, _regression_categorical, gb_tol),
        ("xgb_regressor", _xgb_reg, _regression_nans, gb_tol),
    ]
    for name, make, data, extra in regressors:
        out.append(MLCase(name, "regressor", _simple(make, data), **extra))
    out += [
        MLCase("random_forest_regressor-ml3", "regressor", _bump_ml_opset(_simple(_rf_reg, regression), 3)),
        MLCase("gradient_boosting_regressor-ml3", "regressor", _bump_ml_opset(_simple(_gb_reg, regression), 3),
               **gb_tol),
        # TreeEnsemble (ai.onnx.ml 5): the same trees through tree_ensemble5 (no converter writes it yet)
        MLCase("random_forest_regressor-te5", "regressor", _te5(_rf_reg, regression)),
        MLCase("gradient_boosting_regressor-te5", "regressor", _te5(_gb_reg, regression), **gb_tol),
        MLCase("lgbm_regressor-te5", "regressor", _te5(_lgbm_reg, _regression_nans), **gb_tol),
        MLCase("lgbm_regressor_categorical-te5", "regressor", _te5(_lgbm_reg_categorical, _regression_categorical),
               **gb_tol),
        MLCase("xgb_regressor-te5", "regressor", _te5(_xgb_reg, _regression_nans), **gb_tol),
        # double input: splits and leaf weights as double tensors, splits at scikit-learn's own precision
        MLCase("random_forest_regressor-te5-double", "regressor",
               _te5(_rf_reg, regression, dtype=np.float64, full_precision=True), sk_rtol=1e-6, sk_atol=1e-5,
               why="leaf weights went through the float32 TreeEnsembleRegressor conversion"),
        MLCase("gradient_boosting_regressor-te5-double", "regressor",
               _te5(_gb_reg, regression, dtype=np.float64, full_precision=True), sk_rtol=1e-6, sk_atol=1e-4,
               why="leaf weights went through the float32 TreeEnsembleRegressor conversion"),
    ]
    out.append(MLCase("kmeans", "cluster", _simple(_kmeans, iris), sk_atol=1e-4,
                      why="skl2onnx computes distances as sqrt(|x|^2 - 2 x.c + |c|^2) in float32: cancellation"))
    for zipmap in (False, True):
        suffix = "zipmap" if zipmap else "nozipmap"
        out += [
            MLCase(f"pipeline_imputer_scaler_logreg-{suffix}", "classifier",
                   _pipeline_classifier(_imputer_scaler_logreg, _iris_nans, zipmap=zipmap), zipmap=zipmap),
            MLCase(f"pipeline_minmax_random_forest-{suffix}", "classifier",
                   _pipeline_classifier(_minmax_rf, iris, zipmap=zipmap), zipmap=zipmap),
            MLCase(f"pipeline_normalizer_svc-{suffix}", "classifier",
                   _pipeline_classifier(_normalizer_svc, iris, zipmap=zipmap), zipmap=zipmap,
                   sk_rtol=1e-3, sk_atol=1e-4, why="pairwise coupling iterated in float32 vs libsvm's float64"),
            MLCase(f"pipeline_binarizer_logreg-{suffix}", "classifier",
                   _pipeline_classifier(_binarizer_logreg, binary, zipmap=zipmap), zipmap=zipmap),
            MLCase(f"column_transformer_logreg-{suffix}", "classifier", _column_transformer(zipmap), zipmap=zipmap),
        ]
    out += [
        MLCase("standard_scaler", "transformer", _transformer(_standard_scaler, _x_iris)),
        MLCase("minmax_scaler", "transformer", _transformer(_minmax_scaler, _x_iris)),
        *[MLCase(f"normalizer_{norm}", "transformer", _transformer(make, _x_iris))
          for norm, make in _NORMALIZERS.items()],
        MLCase("binarizer", "transformer", _transformer(_binarizer, _x_iris)),
        MLCase("simple_imputer_mean", "transformer", _transformer(_imputer_mean, _x_iris_nans)),
        MLCase("simple_imputer_constant", "transformer", _transformer(_imputer_constant, _x_iris_nans)),
        MLCase("onehot_encoder_int64", "transformer", _transformer(_onehot, _x_small_ints)),
        MLCase("onehot_encoder_strings", "transformer", _transformer(_onehot, _x_strings)),
        MLCase("label_encoder_strings", "transformer", _label_encoder),
    ]
    out += [
        MLCase("bench_random_forest", "classifier", _bench("random_forest")),
        MLCase("bench_gradient_boosting", "regressor", _bench("gradient_boosting"), **gb_tol),
    ]
    return out


CASES: dict[str, MLCase] = {c.name: c for c in _cases()}
