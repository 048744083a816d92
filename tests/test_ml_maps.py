"""Maps and sequences of maps end to end, against onnxruntime 1.32: ZipMap, DictVectorizer and CastMap;
dicts and lists of dicts fed to run() and returned by it (structure, key order, Python types of keys
and values); bad feeds and their messages; NodeArg type strings; LabelEncoder, ArrayFeatureExtractor
and Binarizer over every type onnxruntime implements; skl2onnx classifiers with ZipMap and a
DictVectorizer pipeline, against onnxruntime and scikit-learn.

Where onnxruntime cannot take part (its Python binding builds only map(int64|string, float) from a
dict and no seq(map) at all), refrt's result is checked against values worked out by hand from
onnxruntime's C++ (cast_map.cc, dictvectorizer.h), and the test says so.
"""

from __future__ import annotations

import itertools
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto as T
from onnx import helper, numpy_helper

import refrt

ML = "ai.onnx.ml"
S, I, F, D = T.STRING, T.INT64, T.FLOAT, T.DOUBLE


# --- helpers --------------------------------------------------------------------------------------


def map_type(key: int, value: int) -> onnx.TypeProto:
    return helper.make_map_type_proto(key, helper.make_tensor_type_proto(value, None))


def seq_type(tp: onnx.TypeProto) -> onnx.TypeProto:
    return helper.make_sequence_type_proto(tp)


def graph_model(nodes, inputs: dict, outputs: dict, ml_opset: int = 1) -> bytes:
    """A model from TypeProtos by name (an output type None: left to inference)."""
    g = helper.make_graph(
        nodes, "g",
        [helper.make_value_info(n, tp) for n, tp in inputs.items()],
        [helper.make_value_info(n, tp if tp is not None else onnx.TypeProto()) for n, tp in outputs.items()],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, ml_opset)])
    m.ir_version = 8
    try:
        inferred = onnx.shape_inference.infer_shapes(m)
    except Exception:  # noqa: BLE001 - a model meant to fail: the runtimes report it
        return m.SerializeToString()
    for out, inf in zip(m.graph.output, inferred.graph.output):
        if out.type.WhichOneof("value") is None:
            out.type.CopyFrom(inf.type)
    return m.SerializeToString()


def node_model(op: str, x_type: onnx.TypeProto, attrs: dict, *, ml_opset: int = 1, extra_inputs: dict | None = None) -> bytes:
    ins = {"X": x_type, **(extra_inputs or {})}
    node = helper.make_node(op, list(ins), ["Y"], domain=ML, **attrs)
    return graph_model([node], ins, {"Y": None}, ml_opset)


def tensor_type(array: np.ndarray) -> onnx.TypeProto:
    elem = S if array.dtype == object else helper.np_dtype_to_tensor_dtype(array.dtype)
    return helper.make_tensor_type_proto(elem, None)


def passthrough(tp: onnx.TypeProto) -> bytes:
    """A graph whose input is its output: what run() makes of a fed value, returned as is."""
    g = helper.make_graph([], "g", [helper.make_value_info("X", tp)], [helper.make_value_info("X", tp)])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 1)])
    m.ir_version = 8
    return m.SerializeToString()


def outcome(runtime, model: bytes, feeds: dict):
    """("ok", outputs) or ("error", exception) of one run, session creation included."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sess = runtime.InferenceSession(model, providers=["CPUExecutionProvider"])
            return "ok", sess.run(None, feeds)
    except Exception as e:  # noqa: BLE001 - the error is the result being compared
        return "error", e


def assert_same_value(expected, got, rtol: float = 0.0, where: str = "output", atol: float = 0.0) -> None:
    """Same structure, same Python/NumPy types, same key order, equal values (NaN equals NaN)."""
    assert type(got) is type(expected), f"{where}: {type(got).__name__}, expected {type(expected).__name__}"
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype and got.shape == expected.shape, f"{where}: {got.dtype}{got.shape} vs {expected.dtype}{expected.shape}"
        if expected.dtype.kind == "f":
            np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=where)
            assert np.array_equal(np.signbit(got), np.signbit(expected)) or rtol, f"{where}: signs of zeros differ"
        else:
            np.testing.assert_array_equal(got, expected, err_msg=where)
    elif isinstance(expected, list):
        assert len(got) == len(expected), f"{where}: {len(got)} items, expected {len(expected)}"
        for i, (e, g) in enumerate(zip(expected, got)):
            assert_same_value(e, g, rtol, f"{where}[{i}]", atol)
    elif isinstance(expected, dict):
        assert list(got.keys()) == list(expected.keys()), f"{where}: keys {list(got)} vs {list(expected)}"
        assert [type(x) for x in got] == [type(x) for x in expected], f"{where}: key types"
        for k in expected:
            assert_same_value(expected[k], got[k], rtol, f"{where}[{k!r}]", atol)
    elif isinstance(expected, float):
        assert (got == expected) or (got != got and expected != expected) or \
            ((rtol or atol) and abs(got - expected) <= atol + rtol * abs(expected)), \
            f"{where}: {got!r} vs {expected!r}"
    else:
        assert got == expected, f"{where}: {got!r} vs {expected!r}"


def check_both(model: bytes, feeds: dict, *, rtol: float = 0.0, atol: float = 0.0, message: str | None = None):
    """refrt and onnxruntime agree: the same outputs, or both fail (``message``: in both messages)."""
    kind, expected = outcome(ort, model, feeds)
    got_kind, got = outcome(refrt, model, feeds)
    if kind == "error":
        assert got_kind == "error", f"onnxruntime failed ({expected}) but refrt returned {got!r}"
        if message is not None:
            assert message in str(expected), f"onnxruntime said: {expected}"
            assert message in str(got), f"refrt said: {got}"
        return got
    if got_kind == "error":
        raise AssertionError(f"refrt failed where onnxruntime did not: {got!r}") from got
    assert message is None, "expected both to fail"
    assert_same_value(expected, got, rtol, atol=atol)
    return got


def refrt_run(model: bytes, feeds: dict):
    return refrt.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, feeds)


def error_of(runtime, model: bytes, feeds: dict) -> Exception:
    kind, e = outcome(runtime, model, feeds)
    assert kind == "error", f"{runtime.__name__} returned {e!r}"
    return e


# --- ZipMap ---------------------------------------------------------------------------------------

X23 = np.array([[0.1, 0.2, 0.7], [0.3, np.nan, -np.inf]], np.float32)
SEQ_MAP_I = seq_type(map_type(I, F))
SEQ_MAP_S = seq_type(map_type(S, F))


@pytest.mark.parametrize(
    "labels",
    [
        {"classlabels_int64s": [0, 1, 2]},
        {"classlabels_int64s": [10, -3, 2]},  # keys come back sorted
        {"classlabels_int64s": [1, 1, 2]},  # repeated: the last column wins
        {"classlabels_int64s": [2**40, -(2**40), 0]},
        {"classlabels_strings": ["a", "b", "c"]},
        {"classlabels_strings": ["c", "a", "b"]},
        {"classlabels_strings": ["b", "a", "b"]},
        {"classlabels_strings": ["é", "Z", ""]},
    ],
)
@pytest.mark.parametrize("x", [X23, X23[:1], X23[0], X23[:0]], ids=["2x3", "1x3", "1-D", "0x3"])
def test_zip_map_matches_onnxruntime(labels, x):
    out_type = SEQ_MAP_I if "classlabels_int64s" in labels else SEQ_MAP_S
    model = graph_model([helper.make_node("ZipMap", ["X"], ["Z"], domain=ML, **labels)],
                        {"X": helper.make_tensor_type_proto(F, None)}, {"Z": out_type})
    (got,) = check_both(model, {"X": x})
    assert type(got) is list and all(type(m) is dict for m in got)
    assert all(type(v) is float for m in got for v in m.values())


@pytest.mark.parametrize(
    "x, message",
    [
        (X23[:, :2], "Input features_per_batch[2] != number of classlabels[3]"),
        (X23[0, :2], "Input features_per_batch[2] != number of classlabels[3]"),
        (np.zeros(0, np.float32), "Input features_per_batch[0] != number of classlabels[3]"),
        (np.zeros((2, 1, 3), np.float32), "Zipmap only supports 1D or 2D input tensors"),
        (np.zeros((), np.float32), "Zipmap does not support empty dim count"),
    ],
)
def test_zip_map_errors_match_onnxruntime(x, message):
    model = graph_model([helper.make_node("ZipMap", ["X"], ["Z"], domain=ML, classlabels_strings=["a", "b", "c"])],
                        {"X": helper.make_tensor_type_proto(F, None)}, {"Z": SEQ_MAP_S})
    if x.ndim == 0:  # onnxruntime's binding refuses a 0-d array before the kernel runs; refrt's kernel says it
        e = error_of(refrt, model, {"X": x})
        assert message in str(e)
        return
    check_both(model, {"X": x}, message=message)


@pytest.mark.parametrize("labels", [{"classlabels_int64s": [1], "classlabels_strings": ["a"]}, {}])
def test_zip_map_needs_exactly_one_label_list(labels):
    # (onnx's type inference takes the int64 labels when both are given)
    out_type = SEQ_MAP_I if "classlabels_int64s" in labels else SEQ_MAP_S
    model = graph_model([helper.make_node("ZipMap", ["X"], ["Z"], domain=ML, **labels)],
                        {"X": helper.make_tensor_type_proto(F, None)}, {"Z": out_type})
    for runtime in (ort, refrt):
        e = error_of(runtime, model, {"X": X23})
        if runtime is refrt and not labels:
            continue  # onnx's type inference, which refrt runs first, fails on it: "Invalid tensor data type 0."
        assert "Must provide classlabels_strings or classlabels_int64s but not both." in str(e)
        assert "Exception during initialization" in str(e)


def test_zip_map_node_arg_types_and_speed():
    model = graph_model([helper.make_node("ZipMap", ["X"], ["Z"], domain=ML, classlabels_int64s=list(range(5)))],
                        {"X": helper.make_tensor_type_proto(F, ["N", 5])}, {"Z": SEQ_MAP_I})
    sessions = [rt.InferenceSession(model, providers=["CPUExecutionProvider"]) for rt in (ort, refrt)]
    for a, b in zip(sessions[0].get_outputs() + sessions[0].get_inputs(), sessions[1].get_outputs() + sessions[1].get_inputs()):
        assert (a.name, a.type, a.shape) == (b.name, b.type, b.shape)
    assert sessions[1].get_outputs()[0].type == "seq(map(int64,tensor(float)))"
    x = np.random.default_rng(0).random((10_000, 5), dtype=np.float32)
    times = []
    for sess in sessions:
        start = time.perf_counter()
        result = sess.run(None, {"X": x})[0]
        times.append(time.perf_counter() - start)
    assert result == sessions[0].run(None, {"X": x})[0]
    assert times[1] < max(0.5, 10 * times[0]), f"refrt {times[1]:.3f}s, onnxruntime {times[0]:.3f}s"


# --- DictVectorizer -------------------------------------------------------------------------------

STRING_VOCAB = {"string_vocabulary": ["a", "b", "c", "a", "zz"]}  # "a" twice: both columns
INT_VOCAB = {"int64_vocabulary": [3, 1, 7, 1, -4]}


@pytest.mark.parametrize(
    "key, vocab, x",
    [
        (S, STRING_VOCAB, {"b": 1.5, "a": 0.5, "z": 2.5, "zz": 0.1}),
        (S, STRING_VOCAB, {"q": 1.0}),  # no word of the vocabulary: zeros
        (S, STRING_VOCAB, {"c": np.float32(3.25), "b": 7}),
        (I, INT_VOCAB, {1: 1.5, 3: 0.5, 99: 2.5, -4: 0.1}),
        (I, INT_VOCAB, {np.int64(7): -1.0, True: 2.0}),  # True is key 1
        (S, {"string_vocabulary": ["a"], "int64_vocabulary": [1]}, {"a": 1.0}),  # the other vocabulary is ignored
    ],
)
def test_dict_vectorizer_float_maps_match_onnxruntime(key, vocab, x):
    (got,) = check_both(node_model("DictVectorizer", map_type(key, F), vocab), {"X": x})
    assert got.shape == (1, len(next(iter(vocab.values()))))


def test_dict_vectorizer_empty_vocabulary_matches_onnxruntime():
    m = onnx.load_from_string(node_model("DictVectorizer", map_type(S, F), {"string_vocabulary": ["x"]}))
    del m.graph.node[0].attribute[:]
    m.graph.node[0].attribute.append(helper.make_attribute("string_vocabulary", [], attr_type=onnx.AttributeProto.STRINGS))
    (got,) = check_both(m.SerializeToString(), {"X": {"a": 1.0}})
    assert got.shape == (1, 0)


@pytest.mark.parametrize(
    "key, value, vocab, x, expected",
    [
        # onnxruntime's binding cannot feed these maps (it makes map(K, float) of any dict and reports
        # a type mismatch); expected values from dictvectorizer.h: missing -> T() (0, 0.0, "")
        (S, D, STRING_VOCAB, {"b": 0.1, "zz": 2.0}, np.array([[0, 0.1, 0, 0, 2.0]], np.float64)),
        (S, I, STRING_VOCAB, {"a": 2**40, "c": -3}, np.array([[2**40, 0, -3, 2**40, 0]], np.int64)),
        (I, S, INT_VOCAB, {1: "one", -4: "minus four", 5: "x"}, np.array([["", "one", "", "one", "minus four"]], object)),
        (I, D, INT_VOCAB, {7: 1e300}, np.array([[0, 0, 1e300, 0, 0]], np.float64)),
    ],
)
def test_dict_vectorizer_other_value_types(key, value, vocab, x, expected):
    model = node_model("DictVectorizer", map_type(key, value), vocab)
    e = error_of(ort, model, {"X": x})
    assert "Unexpected" in str(e)  # onnxruntime cannot run it from Python
    (got,) = refrt_run(model, {"X": x})
    assert_same_value(expected, got)


def test_dict_vectorizer_needs_a_vocabulary():
    model = node_model("DictVectorizer", map_type(S, F), {})
    for runtime in (ort, refrt):
        assert "Exception during initialization" in str(error_of(runtime, model, {"X": {"a": 1.0}}))
    model = node_model("DictVectorizer", map_type(S, F), INT_VOCAB)  # the wrong vocabulary for string keys
    error_of(ort, model, {"X": {"a": 1.0}})
    assert "string_vocabulary" in str(error_of(refrt, model, {"X": {"a": 1.0}}))


# --- CastMap --------------------------------------------------------------------------------------

FLOAT_MAPS = [
    {5: 0.1, 1: -2.7, 3: 1e10, 0: float("nan")},
    {2: 3.5, 7: -0.0},
    {1: float("inf"), 0: -1e30, 4: 123456.789},
    {0: 2.5},
]
CASTMAP_ATTRS = [
    {}, *({"cast_to": c, "map_form": f, **({"max_map": m} if m else {})}
          for c, f, m in itertools.product(["TO_FLOAT", "TO_INT64", "TO_STRING"], ["DENSE", "SPARSE"], [None, 1, 4, 8]))
]


@pytest.mark.parametrize("attrs", CASTMAP_ATTRS, ids=lambda a: "-".join(str(v) for v in a.values()) or "defaults")
@pytest.mark.parametrize("x", FLOAT_MAPS, ids=range(len(FLOAT_MAPS)))
def test_cast_map_float_maps_match_onnxruntime(attrs, x):
    check_both(node_model("CastMap", map_type(I, F), attrs), {"X": x})


@pytest.mark.parametrize("cast_to", ["TO_FLOAT", "TO_INT64", "TO_STRING"])
def test_cast_map_sparse_refuses_negative_keys_like_onnxruntime(cast_to):
    model = node_model("CastMap", map_type(I, F), {"cast_to": cast_to, "map_form": "SPARSE", "max_map": 4})
    check_both(model, {"X": {-1: 1.0, 2: 2.0}},
               message="Negative index values are not permitted. First entry in map has index value of -1")
    # DENSE takes negative keys, in key order
    check_both(node_model("CastMap", map_type(I, F), {"cast_to": cast_to}), {"X": {-1: 1.0, -5: 2.0}})


@pytest.mark.parametrize(
    "attrs, message",
    [
        ({"map_form": "X"}, "Invalid PACK_MAP value of X Expected DENSE or SPARSE"),
        ({"map_form": "SPARSE", "max_map": 0}, "Exception during initialization"),
        ({"map_form": "SPARSE", "max_map": -2}, "Exception during initialization"),
    ],
)
def test_cast_map_bad_attributes_fail_at_session_creation(attrs, message):
    check_both(node_model("CastMap", map_type(I, F), attrs), {"X": {0: 1.0}}, message=message)


@pytest.mark.parametrize(
    "attrs, x, expected",
    [
        # map(int64, string): onnxruntime cannot feed it from Python; expected from cast_map.cc
        # (std::stof / std::stoll read a number prefix; SPARSE pads strings with "0.f")
        ({"cast_to": "TO_FLOAT"}, {3: " 12.5abc", 1: "-7", 0: "0x1p3", 2: "inf"}, np.array([[8, -7, np.inf, 12.5]], np.float32)),
        ({"cast_to": "TO_FLOAT", "map_form": "SPARSE", "max_map": 5}, {1: "1e3", 4: "  +42 ", 9: "3"},
         np.array([[0, 1000, 0, 0, 42]], np.float32)),
        ({"cast_to": "TO_INT64"}, {1: "1e3", 4: "  +42 ", 9: "3"}, np.array([[1, 42, 3]], np.int64)),
        ({"cast_to": "TO_INT64", "map_form": "SPARSE", "max_map": 3}, {2: "-9"}, np.array([[0, 0, -9]], np.int64)),
        ({"cast_to": "TO_STRING"}, {2: "b", 1: "a"}, np.array([["a", "b"]], object)),
        ({"cast_to": "TO_STRING", "map_form": "SPARSE", "max_map": 3}, {1: "a"}, np.array([["0.f", "a", "0.f"]], object)),
    ],
)
def test_cast_map_string_maps(attrs, x, expected):
    (got,) = refrt_run(node_model("CastMap", map_type(I, S), attrs), {"X": x})
    assert_same_value(expected, got)


@pytest.mark.parametrize("cast_to, x", [("TO_FLOAT", {0: "abc"}), ("TO_FLOAT", {0: "1e40"}), ("TO_INT64", {0: "x1"}),
                                        ("TO_INT64", {0: "99999999999999999999"})])
def test_cast_map_unparsable_strings_fail(cast_to, x):
    e = error_of(refrt, node_model("CastMap", map_type(I, S), {"cast_to": cast_to}), {"X": x})
    assert "CastMap" in str(e)


# --- feeding and returning maps -------------------------------------------------------------------

MAP_I = map_type(I, F)
MAP_S = map_type(S, F)


@pytest.mark.parametrize(
    "tp, x",
    [
        (MAP_I, {3: 1.5, 1: 2, -7: np.float64(0.1)}),  # sorted keys, float32-rounded Python floats
        (MAP_I, {np.int64(5): np.float32(2.5), True: 1e300, 2: float("nan")}),
        (MAP_S, {"b": 1.0, "a": 2.0, "c": np.float64(0.1)}),
        (MAP_S, {np.str_("x"): 1, "é": -0.0}),
        (MAP_S, {"a": 2.0, 2: 3.0}),  # later keys of a string map are spelled by str()
        (MAP_I, {1: np.array(2.0)}),  # a 0-d array is a number
    ],
)
def test_fed_map_comes_back_as_onnxruntime_returns_it(tp, x):
    (got,) = check_both(passthrough(tp), {"X": x})
    assert type(got) is dict and list(got) == sorted(got)


BAD_FEEDS = [
    # (input type, value, exception class name, message) -- all exactly as onnxruntime 1.32 says them
    (MAP_I, {"a": 1.0}, "InvalidArgument",
     "Unexpected input data type. Actual: ((map(string,tensor(float)))) , expected: ((map(int64,tensor(float))))"),
    (MAP_S, {1: 1.0}, "InvalidArgument",
     "Unexpected input data type. Actual: ((map(int64,tensor(float)))) , expected: ((map(string,tensor(float))))"),
    (MAP_I, np.zeros((1, 2), np.float32), "InvalidArgument", "input with name: 'X' expected to be of type: 1 but received a tensor"),
    (MAP_I, {}, "RuntimeError", "Size of dictionary is empty, unable to run the prediction."),
    (MAP_I, {1: "x"}, "RuntimeError", "Unexpected value type  <class 'str'>, it cannot be linked to C type int64_t for input 'X'."),
    (MAP_S, {"a": None}, "RuntimeError", "Unexpected value type  <class 'NoneType'>, it cannot be linked to C type string for input 'X'."),
    (MAP_I, {1.5: 2.0}, "RuntimeError", "Unexpected key type  <class 'float'>, it cannot be linked to C type int64_t for input 'X'."),
    (MAP_I, {2**70: 1.0}, "RuntimeError", "Unexpected key type  <class 'int'>, it cannot be linked to C type int64_t for input 'X'."),
    (MAP_I, {1: 1.0, "a": 2.0}, "RuntimeError", "Unexpected key type  <class 'str'>, it cannot be linked to C type int64_t for input 'X'."),
    (MAP_I, {(1,): 1.0}, "RuntimeError", "Key type must be int or string (not <class 'tuple'>) for input 'X'."),
    (MAP_I, {b"a": 1.0}, "RuntimeError", "Key type must be int or string (not <class 'bytes'>) for input 'X'."),
    (MAP_I, 3, "RuntimeError", "Unable to handle object of type <class 'int'>"),
    (MAP_I, "ab", "RuntimeError", "Input must be a list of dictionaries or a single numpy array for input 'X'."),
    (MAP_I, [{1: 1.0}], "RuntimeError", "The graph is missing type information needed to construct the ORT tensor"),
    (MAP_I, ({1: 1.0},), "InvalidArgument",
     "Unexpected input data type. Actual: ((seq(map(int64,tensor(float))))) , expected: ((map(int64,tensor(float))))"),
    (SEQ_MAP_I, np.zeros(3, np.float32), "InvalidArgument", "input with name: 'X' expected to be of type: 1 but received a tensor"),
    (SEQ_MAP_I, {1: 2.0}, "InvalidArgument",
     "Unexpected input data type. Actual: ((map(int64,tensor(float)))) , expected: ((seq(map(int64,tensor(float)))))"),
    (SEQ_MAP_I, ({"a": 1.0},), "InvalidArgument",
     "Unexpected input data type. Actual: ((seq(map(string,tensor(float))))) , expected: ((seq(map(int64,tensor(float)))))"),
    (SEQ_MAP_I, ([1.0],), "RuntimeError", "Input must be a list of dictionaries or a single numpy array for input 'X'."),
    (SEQ_MAP_I, (np.zeros(2),), "RuntimeError", "Iterable of <class 'numpy.ndarray'> should be given as array for input 'X'."),
    (SEQ_MAP_I, 3, "RuntimeError", "Unable to handle object of type <class 'int'>"),
    (helper.make_tensor_type_proto(F, [2]), {"a": 2.0}, "InvalidArgument",
     "Unexpected input data type. Actual: ((map(string,tensor(float)))) , expected: ((tensor(float)))"),
    (helper.make_tensor_type_proto(F, [2]), {"a": "x"}, "RuntimeError",
     "Unexpected value type  <class 'str'>, it cannot be linked to C type string for input 'X'."),
    (seq_type(helper.make_tensor_type_proto(F, None)), {1: 2.0}, "InvalidArgument",
     "Unexpected input data type. Actual: ((map(int64,tensor(float)))) , expected: ((seq(tensor(float))))"),
]


@pytest.mark.parametrize("tp, x, cls, message", BAD_FEEDS, ids=range(len(BAD_FEEDS)))
def test_bad_feeds_fail_with_onnxruntimes_words(tp, x, cls, message):
    model = passthrough(tp)
    for runtime in (ort, refrt):
        e = error_of(runtime, model, {"X": x})
        assert type(e).__name__ == cls, f"{runtime.__name__}: {type(e).__name__}: {e}"
        assert message in str(e), f"{runtime.__name__}: {e}"


def test_seq_of_maps_feeds_refrt_takes_and_onnxruntime_cannot():
    # onnxruntime 1.32 refuses a list for seq(map) and garbles a tuple (the second map repeats the
    # first's entries); refrt converts each dict
    model = passthrough(SEQ_MAP_I)
    assert "tensor type 0 is not supported" in str(error_of(ort, model, {"X": [{1: 2.0}]}))
    feeds = [{3: 1.5, 1: 2}, {1: 0.1}]
    (garbled,) = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, {"X": tuple(feeds)})
    assert garbled[1] != {1: float(np.float32(0.1))}
    for fed in (feeds, tuple(feeds), iter(feeds)):
        (got,) = refrt_run(model, {"X": fed})
        assert_same_value([{1: 2.0, 3: 1.5}, {1: float(np.float32(0.1))}], got)
    assert refrt_run(model, {"X": []}) == [[]]
    (got,) = refrt_run(passthrough(SEQ_MAP_S), {"X": [{"b": 1, "a": 2.5}]})
    assert_same_value([{"a": 2.5, "b": 1.0}], got)


@pytest.mark.parametrize(
    "tp, x, expected",
    [
        # value types onnxruntime's binding cannot build: refrt converts to the declared type
        (map_type(I, S), {2: "b", 1: "a"}, {1: "a", 2: "b"}),
        (map_type(S, D), {"a": 0.1}, {"a": 0.1}),  # no float32 rounding
        (map_type(S, I), {"a": np.int64(2**40), "b": True}, {"a": 2**40, "b": 1}),
    ],
)
def test_maps_of_other_value_types(tp, x, expected):
    error_of(ort, passthrough(tp), {"X": x})
    (got,) = refrt_run(passthrough(tp), {"X": x})
    assert_same_value(expected, got)


@pytest.mark.parametrize("tp, x, message", [
    (map_type(I, S), {1: 2.0}, "cannot be linked to C type string"),
    (map_type(S, I), {"a": 1.5}, "cannot be linked to C type int64_t"),
    (map_type(S, I), {"a": 2**63}, "cannot be linked to C type int64_t"),
])
def test_maps_of_other_value_types_refuse_wrong_values(tp, x, message):
    assert message in str(error_of(refrt, passthrough(tp), {"X": x}))


@pytest.mark.parametrize("tp", [MAP_I, MAP_S, SEQ_MAP_I, SEQ_MAP_S, map_type(I, S), map_type(S, D), map_type(S, I)])
def test_node_arg_types_match_onnxruntime(tp):
    model = passthrough(tp)
    ours = refrt.InferenceSession(model).get_inputs()[0]
    theirs = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).get_inputs()[0]
    assert (ours.name, ours.type, ours.shape) == (theirs.name, theirs.type, theirs.shape)
    ours, theirs = refrt.InferenceSession(model).get_outputs()[0], ort.InferenceSession(model, providers=["CPUExecutionProvider"]).get_outputs()[0]
    assert (ours.name, ours.type, ours.shape) == (theirs.name, theirs.type, theirs.shape)


def test_node_arg_type_onnxruntime_cannot_load():
    model = passthrough(seq_type(map_type(S, D)))  # onnxruntime registers no such type
    assert "not currently registered" in str(error_of(ort, model, {"X": [{"a": 1.0}]}))
    assert refrt.InferenceSession(model).get_inputs()[0].type == "seq(map(string,tensor(double)))"


# --- LabelEncoder, ArrayFeatureExtractor, Binarizer over every type onnxruntime implements -----------

LE_INPUTS = {
    "strings": np.array(["a", "b", "zz", "c", "", "a"], dtype=object),
    "int64s": np.array([1, 7, -3, 7, 0, 2**40], np.int64),
    "floats": np.array([1.5, 7.0, 2.0, -0.0, 0.0, 3.25], np.float32),
}
LE_KEYS = {"strings": ["a", "c", "", "b"], "int64s": [7, 1, 0, 5], "floats": [7.0, 1.5, 2.0, 0.0]}
LE_VALUES = {"strings": ["x", "y", "z", "w"], "int64s": [10, 20, 30, 40], "floats": [0.5, -1.5, 2.5, 3.5]}
LE_DEFAULTS = {"default_string": "D", "default_int64": 99, "default_float": 4.5}


@pytest.mark.parametrize("version", [2, 4])
@pytest.mark.parametrize("keys, values", list(itertools.product(LE_KEYS, LE_VALUES)))
@pytest.mark.parametrize("defaults", [False, True])
def test_label_encoder_2_and_4_all_types(version, keys, values, defaults):
    x = LE_INPUTS[keys]
    attrs = {f"keys_{keys}": LE_KEYS[keys], f"values_{values}": LE_VALUES[values], **(LE_DEFAULTS if defaults else {})}
    check_both(node_model("LabelEncoder", tensor_type(x), attrs, ml_opset=version), {"X": x})
    check_both(node_model("LabelEncoder", tensor_type(x), attrs, ml_opset=version), {"X": x.reshape(2, 3)})


# the keys -> values tensor types onnxruntime 1.32 implements for LabelEncoder-4
LE4_TENSOR_PAIRS = [
    ("string", "string"), ("string", "int64"), ("string", "float"), ("string", "double"), ("string", "int16"),
    ("int64", "string"), ("int64", "int64"), ("int64", "float"), ("int64", "double"),
    ("float", "string"), ("float", "int64"), ("float", "float"),
    ("double", "string"), ("double", "int64"), ("double", "double"),
]
LE4_KEYS = {"string": (["a", "c", "b"], object), "int64": ([7, 1, 0], np.int64), "float": ([7.0, 1.5, 0.0], np.float32),
            "double": ([7.0, 1.5, float("nan")], np.float64)}
LE4_X = {"string": LE_INPUTS["strings"], "int64": LE_INPUTS["int64s"], "float": LE_INPUTS["floats"],
         "double": np.array([1.5, 7.0, np.nan, -0.0, 0.0, 3.25])}
LE4_VALUES = {"string": (["x", "y", "z"], object, ["D"]), "int64": ([10, 20, 30], np.int64, [99]),
              "float": ([0.5, 1.5, 2.5], np.float32, [4.5]), "double": ([0.5, 1.5, 2.5], np.float64, [4.5]),
              "int16": ([10, 20, 30], np.int16, [99])}


@pytest.mark.parametrize("keys, values", LE4_TENSOR_PAIRS)
@pytest.mark.parametrize("with_default", [False, True])
def test_label_encoder_4_tensor_attributes_all_types(keys, values, with_default):
    key_list, key_dtype = LE4_KEYS[keys]
    value_list, value_dtype, default = LE4_VALUES[values]
    attrs = {"keys_tensor": numpy_helper.from_array(np.array(key_list, key_dtype), "keys_tensor"),
             "values_tensor": numpy_helper.from_array(np.array(value_list, value_dtype), "values_tensor")}
    if with_default:
        attrs["default_tensor"] = numpy_helper.from_array(np.array(default, value_dtype), "default_tensor")
    x = LE4_X[keys]
    check_both(node_model("LabelEncoder", tensor_type(x), attrs, ml_opset=4), {"X": x})


@pytest.mark.parametrize("attrs", [{"classes_strings": ["a", "b", "c"]},
                                   {"classes_strings": ["a", "b", "c"], "default_int64": 5, "default_string": "Q"},
                                   {"classes_strings": ["a", "b", "a"]}])
@pytest.mark.parametrize("x", [LE_INPUTS["strings"], np.array([[0, 2, 5], [-1, 1, 2**40]], np.int64)], ids=["strings", "int64s"])
def test_label_encoder_1(attrs, x):
    check_both(node_model("LabelEncoder", tensor_type(x), attrs, ml_opset=1), {"X": x})


AFE_BASE = np.arange(24).reshape(2, 3, 4)
AFE_TYPES = {"float": np.float32, "double": np.float64, "int64": np.int64, "int32": np.int32, "string": object}


@pytest.mark.parametrize("dtype", AFE_TYPES.values(), ids=AFE_TYPES.keys())
@pytest.mark.parametrize("shape", ["3d", "2d", "1d", "4d", "last1"])
@pytest.mark.parametrize("y", [[0], [3, 0, 3], [[1], [2]], [], [4], [-1], [0, 1, 2, 3, 0]], ids=str)
def test_array_feature_extractor_all_types(dtype, shape, y):
    base = AFE_BASE.astype(str).astype(object) if dtype is object else AFE_BASE.astype(dtype)
    x = {"3d": base, "2d": base[0], "1d": base[0, 0], "4d": base.reshape(1, 2, 3, 4), "last1": base[..., :1]}[shape]
    model = node_model("ArrayFeatureExtractor", tensor_type(x), {}, extra_inputs={"Yi": helper.make_tensor_type_proto(I, None)})
    check_both(model, {"X": x, "Yi": np.array(y, np.int64)})


@pytest.mark.parametrize("threshold", [0.0, 1.0, 0.5, -1.5, 0.1])
def test_binarizer_float(threshold):
    x = np.array([[-1, 0, 0.5, 1, 2, np.inf, -np.inf, 0.1]], np.float32)
    check_both(node_model("Binarizer", tensor_type(x), {"threshold": threshold}), {"X": x})


def test_binarizer_nan_fails_in_both():
    x = np.array([1, np.nan], np.float32)
    check_both(node_model("Binarizer", tensor_type(x), {}), {"X": x}, message="")


# --- skl2onnx end to end: classifiers with ZipMap, a DictVectorizer pipeline --------------------------

sklearn = pytest.importorskip("sklearn")
skl2onnx = pytest.importorskip("skl2onnx")


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    return x.astype(np.float32), y


@pytest.mark.parametrize("labels", ["int", "str"])
def test_logistic_regression_with_zipmap(iris, labels):
    from sklearn.linear_model import LogisticRegression

    x, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    target = y if labels == "int" else names[y]
    clf = LogisticRegression(max_iter=500).fit(x, target)
    onx = skl2onnx.to_onnx(clf, x[:1], target_opset={"": 17, ML: 3}).SerializeToString()
    sess = {rt.__name__: rt.InferenceSession(onx, providers=["CPUExecutionProvider"]) for rt in (ort, refrt)}
    for a, b in zip(sess["onnxruntime"].get_outputs(), sess["refrt"].get_outputs()):
        assert (a.name, a.type, a.shape) == (b.name, b.type, b.shape)
    assert sess["refrt"].get_outputs()[1].type == f"seq(map({'int64' if labels == 'int' else 'string'},tensor(float)))"
    expected = sess["onnxruntime"].run(None, {"X": x})
    got = sess["refrt"].run(None, {"X": x})
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[0], clf.predict(x))
    assert_same_value(expected[1], got[1], rtol=1e-5)
    assert [type(k) for k in got[1][0]] == [int if labels == "int" else str] * 3
    proba = np.array([[m[c] for c in clf.classes_] for m in got[1]])
    np.testing.assert_allclose(proba, clf.predict_proba(x), rtol=1e-4, atol=1e-6)


def test_dict_vectorizer_pipeline(iris):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from skl2onnx.common.data_types import DictionaryType, FloatTensorType, StringTensorType

    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "delta", "eps"]
    data = [{str(w): float(rng.integers(0, 5)) for w in rng.choice(words, 3, replace=False)} for _ in range(80)]
    y = np.array([int(d.get("alpha", 0) + d.get("beta", 0) > 3) for d in data])
    pipe = make_pipeline(DictVectorizer(sparse=False), LogisticRegression()).fit(data, y)
    onx = skl2onnx.convert_sklearn(
        pipe, initial_types=[("input", DictionaryType(StringTensorType([1]), FloatTensorType([1])))],
        target_opset={"": 17, ML: 3},
    ).SerializeToString()
    ours = refrt.InferenceSession(onx)
    assert ours.get_inputs()[0].type == "map(string,tensor(float))"
    proba = pipe.predict_proba(data)
    labels = pipe.predict(data)
    for i, d in enumerate(data[:20]):  # one map per run: onnxruntime takes no list of dicts here
        # atol too: a float32 dot product of word counts accumulated in another order moves a
        # probability of 2.8e-4 by 2e-8 (onnxruntime's MLAS against NumPy's BLAS)
        (lab, prob) = check_both(onx, {"input": d}, rtol=1e-5, atol=1e-6)
        assert lab[0] == labels[i]
        np.testing.assert_allclose([prob[0][c] for c in pipe.classes_], proba[i], rtol=1e-4, atol=1e-6)
    # a list of dicts is refused by both, in onnxruntime's words
    for runtime in (ort, refrt):
        assert "missing type information" in str(error_of(runtime, onx, {"input": data[:2]}))
