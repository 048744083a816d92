"""Input recipes for the per-revision sweep: valid inputs and attributes for ops that need care.

A recipe is a function ``(ctx) -> iterable of Variant`` registered for one or more ops with
``@recipe("Op", ...)``. ``ctx`` (conformance.sweep.Ctx) gives the op, its revision and schema, the types
chosen for this run (``ctx.elem("T")``, ``ctx.dtype("T")``), a seeded generator and ``ctx.rand(shape,
"T", low, high)``. A variant lists the node's inputs in order (None: an omitted optional input),
its attributes and a label (no "/"). Raise ``NotSweepable(reason)`` for a revision a recipe cannot
serve. Ops without a recipe go through :func:`generic`, which derives inputs from the schema alone.

Keep variants few in CI mode (``ctx.full`` is False): each costs two session creations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from conformance.sweep import _FLOATS, _INT_RANGES, Ctx, NotSweepable, Variant, elem_of, np_dtype

OPTIONAL = onnx.defs.OpSchema.FormalParameterOption.Optional
VARIADIC = onnx.defs.OpSchema.FormalParameterOption.Variadic
I64 = np.int64


@dataclass
class Recipe:
    make: Callable[[Ctx], Iterable[Variant]]
    kind: str = "recipe"
    product: tuple = ()  # constraints swept as a full product with --full
    tie: dict = field(default_factory=dict)  # constraint -> constraint whose type it takes
    types: Callable[[dict], bool] | None = None  # keep only the type choices this accepts


RECIPES: dict[str, Recipe] = {}


def recipe(*ops: str, product: tuple = (), tie: dict | None = None, types=None):
    def register(fn):
        for op in ops:
            RECIPES[op] = Recipe(fn, "recipe", product, tie or {}, types)
        return fn

    return register


def recipe_for(op: str) -> Recipe:
    return RECIPES.get(op, GENERIC)


def L(*shapes) -> str:
    """A label for input shapes: (2,3)+(3,)."""
    return "+".join("(" + ",".join(str(d) for d in s) + ("," if len(s) == 1 else "") + ")" for s in shapes)


def cin(ctx: Ctx, i: int) -> str:
    """The type constraint (or type) of the op's i-th formal input."""
    return ctx.schema.inputs[i].type_str


def cout(ctx: Ctx, i: int) -> str:
    return ctx.schema.outputs[i].type_str


def since(ctx: Ctx, rev: int) -> bool:
    return ctx.rev >= rev


def tensor(value) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value))


# ----------------------------------------------------------------------------------------------
# The generic recipe: inputs from the schema alone


# Value ranges for ops whose float inputs have a domain (else N(0,1)).
DOMAINS = {
    "Log": (0.1, 4.0), "Sqrt": (0.05, 4.0), "Acos": (-0.95, 0.95), "Asin": (-0.95, 0.95), "Atanh": (-0.95, 0.95),
    "Acosh": (1.05, 4.0),
}


def generic(ctx: Ctx):
    s = ctx.schema
    for a in s.attributes.values():
        if a.required:
            raise NotSweepable(f"no recipe, and attribute '{a.name}' is required")
        if a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
            raise NotSweepable(f"no recipe, and attribute '{a.name}' is a graph")
    specs = []
    bound = set()
    for p in s.inputs:
        if p.option == OPTIONAL:
            specs.append(None)
            continue
        c = p.type_str
        if c not in ctx.types:
            elem = elem_of(c)
            if elem is None or (elem not in _FLOATS and elem != TensorProto.BOOL):
                raise NotSweepable(f"no recipe, and input '{p.name}' is {c} (a shape, index, count or sequence: needs a recipe)")
        bound.add(c)
        specs.append((c, 2 if p.option == VARIADIC else 1))
    several = {c.type_param_str for c in s.type_constraints if len(c.allowed_type_strs) > 1}
    for p in s.outputs:
        if p.type_str in several and p.type_str not in bound:
            raise NotSweepable(f"no recipe, and output type {p.type_str} is chosen by an attribute")
    low, high = DOMAINS.get(ctx.op, (None, None))
    for shape in ctx.shapes:
        inputs = []
        for spec in specs:
            if spec is None:
                inputs.append(None)
                continue
            c, n = spec
            for _ in range(n):
                inputs.append(ctx.rand(shape, c, low, high) if ctx.is_float(c) else ctx.rand(shape, c))
        yield Variant(inputs, label=L(shape))


GENERIC = Recipe(generic, "generic")


# ----------------------------------------------------------------------------------------------
# Elementwise


@recipe("Reciprocal")
def reciprocal(ctx):
    for shape in ctx.shapes:
        x = ctx.rand(shape, "T", 0.2, 3.0) * np.where(ctx.rng.random(shape) < 0.5, -1, 1).astype(ctx.dtype())
        yield Variant([x.astype(ctx.dtype())], label=L(shape))


@recipe("Round")
def round_(ctx):
    x = ctx.rand((4, 6), "T", -4, 4)
    x.flat[:8] = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5])  # ties go to even
    yield Variant([x], label="ties (4,6)")


@recipe("IsNaN", "IsInf")
def special_values(ctx):
    x = ctx.rand((3, 5), "T1")
    if ctx.is_float("T1"):
        specials = [np.nan, np.inf, -np.inf, 0.0, -0.0]
        x.flat[: len(specials)] = np.array(specials).astype(x.dtype)
    yield Variant([x], label="specials (3,5)")
    if ctx.op == "IsInf":
        yield Variant([x], {"detect_negative": 0}, label="positive only")
        yield Variant([x], {"detect_positive": 0}, label="negative only")


COMPARISONS = ("Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual")
BINARY = ("Add", "Sub", "Mul", "Div", "Pow", "And", "Or", "Xor", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "Mod", "BitShift",
          "StringConcat", *COMPARISONS)


def _binary_values(ctx, sa, sb):
    ca, cb = cin(ctx, 0), cin(ctx, 1)
    op = ctx.op
    if op == "Pow":
        a = ctx.rand(sa, ca, 0.5, 2.0) if ctx.is_float(ca) else ctx.rand(sa, ca, -3, 3)
        if ctx.is_unsigned(ca):
            a = ctx.rand(sa, ca, 0, 3)
        b = ctx.rand(sb, cb, -2.0, 2.0) if ctx.is_float(cb) else ctx.rand(sb, cb, 0, 3)
        if ctx.is_float(cb) and not ctx.is_float(ca):
            b = ctx.rand(sb, cb, 0.0, 2.0)
        return a, b
    if op == "BitShift":
        bits = np_dtype(ctx.elem(ca)).itemsize * 8
        return ctx.rand(sa, ca, 0, 255), ctx.rand(sb, cb, 0, min(bits - 1, 12))
    a, b = ctx.rand(sa, ca), ctx.rand(sb, cb)
    if op in COMPARISONS and ctx.is_float(ca):
        # Values on a coarse grid, so that equal pairs occur.
        a = (np.round(a.astype(np.float64) * 2) / 2).astype(a.dtype)
        b = (np.round(b.astype(np.float64) * 2) / 2).astype(b.dtype)
    if op in ("Div", "Mod"):
        if ctx.is_float(cb):
            sign = np.where(ctx.rng.random(sb) < 0.5, -1.0, 1.0)
            b = (ctx.rng.uniform(0.5, 2.0, sb) * sign).astype(b.dtype)
        else:
            b = ctx.rand(sb, cb, 1, 5)
            if not ctx.is_unsigned(cb):
                b = (b.astype(np.int64) * np.where(ctx.rng.random(sb) < 0.5, -1, 1)).astype(b.dtype)
    return a, b


@recipe(*BINARY)
def binary(ctx):
    attrs_list = [{}]
    if ctx.op == "BitShift":
        attrs_list = [{"direction": "LEFT"}, {"direction": "RIGHT"}]
    if ctx.op == "Mod":
        attrs_list = [{"fmod": 1}] if ctx.is_float() else [{"fmod": 0}, {"fmod": 1}]
    if ctx.attr("broadcast"):  # before opset 7: same shapes, or B broadcast on request
        pairs = [((2, 3, 4, 5), (2, 3, 4, 5), {}), ((2, 3, 4, 5), (5,), {"broadcast": 1})]
        if ctx.full:
            pairs.append(((2, 3, 4, 5), (3, 4), {"broadcast": 1, "axis": 1}))
    else:
        pairs = [((2, 3, 4, 5), (3, 1, 5), {}), ((3, 1), (), {})]
        if ctx.full:
            pairs += [((2, 3, 4, 5), (2, 3, 4, 5), {}), ((5,), (2, 3, 4, 5), {}), ((0, 3), (1, 3), {})]
    for attrs in attrs_list:
        for sa, sb, extra in pairs:
            a, b = _binary_values(ctx, sa, sb)
            label = L(sa, sb) + "".join(f" {k}={v}" for k, v in {**attrs, **extra}.items())
            yield Variant([a, b], {**attrs, **extra}, label=label)


@recipe("Max", "Min", "Sum", "Mean")
def variadic_elementwise(ctx):
    if since(ctx, 8):
        sets = [[(2, 3, 4, 5), (3, 1, 5), (5,)], [(3, 4)]]
    else:
        sets = [[(2, 3, 4)] * 3, [(3, 4)]]
    if ctx.full:
        sets.append([(2, 3), (2, 3)])
    for shapes in sets:
        yield Variant([ctx.rand(s) for s in shapes], label=L(*shapes))


@recipe("PRelu")
def prelu(ctx):
    pairs = [((2, 3, 4, 5), (3, 1, 1)), ((2, 3, 4, 5), (5,))] if since(ctx, 7) else [((2, 3, 4, 5), (2, 3, 4, 5)), ((2, 3, 4, 5), (1,))]
    for sx, ss in pairs:
        yield Variant([ctx.rand(sx), ctx.rand(ss)], label=L(sx, ss))


@recipe("Where")
def where(ctx):
    for sc, sx, sy in [((4, 5), (2, 3, 4, 5), (1, 4, 1)), ((2, 3), (2, 3), (2, 3))]:
        yield Variant([ctx.rand(sc, "B"), ctx.rand(sx), ctx.rand(sy)], label=L(sc, sx, sy))


@recipe("Clip")
def clip(ctx):
    x = ctx.rand((3, 4, 5), "T", -6, 6) if not ctx.is_float() else ctx.rand((3, 4, 5))
    lo, hi = (-0.5, 0.7) if ctx.is_float() else (-2, 3)
    if ctx.is_unsigned():
        lo, hi = 2, 6
    if not since(ctx, 11):
        yield Variant([x], {"min": float(lo), "max": float(hi)}, label="min max")
        yield Variant([x], {"min": float(lo)}, label="min only")
        yield Variant([x], label="no bounds")
        return
    a_lo, a_hi = ctx.array(lo), ctx.array(hi)
    yield Variant([x, a_lo, a_hi], label="min max")
    yield Variant([x, a_lo], label="min only")
    yield Variant([x, None, a_hi], label="max only")
    yield Variant([x], label="no bounds")


# ----------------------------------------------------------------------------------------------
# Types


_BITS = {TensorProto.INT4: 4, TensorProto.UINT4: 4, TensorProto.FLOAT4E2M1: 4, TensorProto.BOOL: 8, TensorProto.STRING: 0}
for _n, _b in (("INT2", 2), ("UINT2", 2), ("FLOAT6E2M3", 6), ("FLOAT6E3M2", 6)):
    if hasattr(TensorProto, _n):
        _BITS[getattr(TensorProto, _n)] = _b


def bits(elem: int) -> int:
    return _BITS.get(elem, np_dtype(elem).itemsize * 8)


def _cast_source(ctx, shape, src: int, dst: int) -> np.ndarray:
    """Values of type ``src`` that ``dst`` holds without overflow (out-of-range casts are undefined)."""
    rng = ctx.rng
    dst_unsigned = dst in _INT_RANGES and _INT_RANGES[dst][0] == 0
    if dst == getattr(TensorProto, "FLOAT8E8M0", -1):
        # No sign and no zero: positive values only, from any source type.
        if src == TensorProto.BOOL:
            return np.ones(shape, dtype=bool)
        if src == TensorProto.STRING:
            values = np.round(rng.uniform(0.1, 40, size=shape), 3)
            return np.array([repr(float(v)) for v in np.ravel(values)], dtype=object).reshape(shape)
        if src in _INT_RANGES:
            values = rng.integers(1, min(40, _INT_RANGES[src][1]) + 1, size=shape)
        else:
            values = rng.uniform(0.1, 40, size=shape)
        return np.asarray(values).astype(np_dtype(src))
    if src == TensorProto.STRING:
        if dst in _INT_RANGES:
            lo, hi = _INT_RANGES[dst]
            values = rng.integers(max(lo, -100), min(hi, 100) + 1, size=shape)
            return values.astype(str).astype(object)
        if dst == TensorProto.BOOL:
            return rng.choice(np.array(["0", "1"], dtype=object), size=shape)
        if dst == TensorProto.STRING:
            return ctx.rand(shape, "T1")
        values = np.round(rng.uniform(-4, 4, size=shape), 3)
        return np.array([repr(float(v)) for v in np.ravel(values)], dtype=object).reshape(shape)
    if dst in _INT_RANGES:
        lo, hi = _INT_RANGES[dst]
        lo, hi = max(lo, -20), min(hi, 20)
        if src in _INT_RANGES:
            lo, hi = max(lo, _INT_RANGES[src][0]), min(hi, _INT_RANGES[src][1])
        values = rng.uniform(lo, hi, size=shape) if src in _FLOATS else rng.integers(lo, hi + 1, size=shape)
    elif dst == TensorProto.BOOL:
        values = rng.integers(-2, 3, size=shape) * (rng.random(shape) < 0.7)
    elif src in _INT_RANGES:
        lo, hi = _INT_RANGES[src]
        values = rng.integers(max(lo, -20), min(hi, 20) + 1, size=shape)
    elif dst in _FLOATS and bits(dst) <= 8:
        values = rng.uniform(-4, 4, size=shape)
    else:
        values = rng.standard_normal(shape) * 10
    if src == TensorProto.BOOL:
        return rng.random(shape) < 0.5
    if dst_unsigned and src in _FLOATS:
        values = np.abs(values)
    return np.asarray(values).astype(np_dtype(src))


@recipe("Cast", product=("T1", "T2"))
def cast(ctx):
    src, dst = ctx.elem("T1"), ctx.elem("T2")
    to = dst if since(ctx, 6) else TensorProto.DataType.Name(dst)  # Cast-1 names the type in a string
    for shape in [(3, 4), (), (0, 2)]:
        yield Variant([_cast_source(ctx, shape, src, dst)], {"to": to}, label=L(shape))
    if ctx.attr("saturate") and dst in _FLOATS and bits(dst) <= 8 and src in _FLOATS and dst != getattr(TensorProto, "FLOAT8E8M0", -1):
        x = (ctx.rng.standard_normal((3, 4)) * 1000).astype(np_dtype(src))  # beyond the 8-bit range
        yield Variant([x], {"to": dst, "saturate": 0}, label="saturate=0 out of range")
        yield Variant([x], {"to": dst}, label="saturate=1 out of range")


@recipe("CastLike", product=("T1", "T2"))
def cast_like(ctx):
    src, dst = ctx.elem("T1"), ctx.elem("T2")
    like = ctx.rand((1,), "T2")
    yield Variant([_cast_source(ctx, (3, 4), src, dst), like], label=L((3, 4)))


@recipe("BitCast", product=("T1", "T2"), types=lambda t: bits(t["T1"]) == bits(t["T2"]) and bits(t["T1"]) > 0)
def bit_cast(ctx):
    x = ctx.rand((3, 4), "T1")
    yield Variant([x], {"to": ctx.elem("T2")}, label=L((3, 4)))


# ----------------------------------------------------------------------------------------------
# Making tensors


@recipe("Constant")
def constant(ctx):
    value = ctx.rand((2, 3), "T")
    yield Variant([], {"value": numpy_helper.from_array(value, "value")}, label="value (2,3)")
    yield Variant([], {"value": numpy_helper.from_array(ctx.rand((), "T"), "value")}, label="value ()")
    if since(ctx, 12):
        elem = ctx.elem("T")
        if elem == TensorProto.FLOAT:
            yield Variant([], {"value_float": 1.25}, label="value_float")
            yield Variant([], {"value_floats": [1.0, -2.5, 3.25]}, label="value_floats")
        if elem == TensorProto.INT64:
            yield Variant([], {"value_int": 7}, label="value_int")
            yield Variant([], {"value_ints": [1, -2, 3]}, label="value_ints")
        if elem == TensorProto.STRING:
            yield Variant([], {"value_string": "onnx"}, label="value_string")
            yield Variant([], {"value_strings": ["a", "bc"]}, label="value_strings")


@recipe("ConstantOfShape")
def constant_of_shape(ctx):
    value = numpy_helper.from_array(ctx.rand((1,), "T2"), "value")
    yield Variant([ctx.ints([2, 3])], {"value": value}, label="(2,3)")
    yield Variant([ctx.ints([], I64).reshape(0)], {"value": value}, label="scalar")
    if ctx.elem("T2") == TensorProto.FLOAT:
        yield Variant([ctx.ints([3, 1, 2])], label="default value")


@recipe("EyeLike")
def eye_like(ctx):
    x = ctx.rand((3, 4), "T1")
    for k in (0, 1, -2):
        yield Variant([x], {"dtype": ctx.elem("T2"), "k": k}, label=f"k={k}")


@recipe("Range")
def range_(ctx):
    if ctx.is_float():
        cases = [(0.5, 3.2, 0.3), (2.0, -1.0, -0.5)]
    else:
        cases = [(1, 10, 3), (10, -5, -4)]
    for start, limit, delta in cases:
        yield Variant([ctx.array(start), ctx.array(limit), ctx.array(delta)], label=f"{start},{limit},{delta}")


@recipe("RandomNormal", "RandomUniform")
def random_(ctx):
    dtype = ctx.elem("T")
    if ctx.op == "RandomNormal":
        # A scale too small to move the mean: deterministic (scale=0 aborts onnxruntime).
        yield Variant([], {"shape": [2, 3], "dtype": dtype, "mean": 1.5, "scale": 1e-30}, label="scale=1e-30")
    yield Variant([], {"shape": [2, 3], "dtype": dtype, "seed": 3.0}, label="shape and dtype only", compare="shape")


@recipe("RandomNormalLike", "RandomUniformLike")
def random_like(ctx):
    x = ctx.rand((2, 3), "T1")
    if ctx.op == "RandomNormalLike":
        yield Variant([x], {"dtype": ctx.elem("T2"), "mean": -0.5, "scale": 1e-30}, label="scale=1e-30")
    yield Variant([x], {"dtype": ctx.elem("T2")}, label="shape and dtype only", compare="shape")


@recipe("Bernoulli")
def bernoulli(ctx):
    p = (ctx.rng.random((3, 4)) < 0.5).astype(ctx.dtype("T1"))  # probabilities 0 and 1: no randomness
    yield Variant([p], {"dtype": ctx.elem("T2")}, label="p in {0,1}")
    yield Variant([ctx.rand((3, 4), "T1", 0.0, 1.0)], {"dtype": ctx.elem("T2")}, label="shape and dtype only", compare="shape")


@recipe("Multinomial")
def multinomial(ctx):
    logits = np.full((2, 3), -1e4)
    logits[0, 1] = logits[1, 2] = 0.0  # one class certain per row
    yield Variant([logits.astype(ctx.dtype("T1"))], {"dtype": ctx.elem("T2"), "sample_size": 5}, label="certain classes")


@recipe("HannWindow", "HammingWindow", "BlackmanWindow")
def window(ctx):
    for periodic in (1, 0):
        yield Variant([ctx.array(8, "T1")], {"periodic": periodic, "output_datatype": ctx.elem("T2")}, label=f"8 periodic={periodic}")


@recipe("MelWeightMatrix")
def mel_weight_matrix(ctx):
    args = [ctx.array(8, "T1"), ctx.array(16, "T1"), ctx.array(8000, "T1"), ctx.array(0, "T2"), ctx.array(4000, "T2")]
    yield Variant(args, {"output_datatype": ctx.elem("T3")}, label="8 bins")


# ----------------------------------------------------------------------------------------------
# Shapes and layout


@recipe("Concat")
def concat(ctx):
    shapes = [(2, 1, 4), (2, 3, 4), (2, 2, 4)]
    yield Variant([ctx.rand(s) for s in shapes], {"axis": 1}, label="axis=1 " + L(*shapes))
    if since(ctx, 11):
        yield Variant([ctx.rand((2, 3)), ctx.rand((2, 1))], {"axis": -1}, label="axis=-1")
    yield Variant([ctx.rand((3,))], {"axis": 0}, label="one input")
    if ctx.full:
        yield Variant([ctx.rand((2, 0, 4)), ctx.rand((2, 3, 4))], {"axis": 1}, label="empty input")


@recipe("Reshape")
def reshape(ctx):
    x = ctx.rand((2, 3, 4))
    if not since(ctx, 5):
        yield Variant([x], {"shape": [4, -1]}, label="attr [4,-1]")
        yield Variant([x], {"shape": [0, 12]}, label="attr [0,12]")
        return
    yield Variant([x, ctx.ints([4, -1])], label="[4,-1]")
    yield Variant([x, ctx.ints([0, -1, 2])], label="[0,-1,2]")
    if ctx.attr("allowzero"):
        yield Variant([x, ctx.ints([3, 8])], {"allowzero": 1}, label="allowzero [3,8]")


@recipe("Flatten")
def flatten(ctx):
    x = ctx.rand((2, 3, 4, 5))
    for axis in (1, 0, 3) + ((-2,) if since(ctx, 11) else ()):
        yield Variant([x], {"axis": axis}, label=f"axis={axis}")


@recipe("Squeeze")
def squeeze(ctx):
    x = ctx.rand((2, 1, 3, 1))
    choices = [None, [1], [-1]] if since(ctx, 11) else [None, [1], [1, 3]]
    for axes in choices:
        label = f"axes={axes}".replace(" ", "")
        if since(ctx, 13):
            yield Variant([x] + ([ctx.ints(axes)] if axes is not None else []), label=label)
        else:
            yield Variant([x], {"axes": axes} if axes is not None else {}, label=label)


@recipe("Unsqueeze")
def unsqueeze(ctx):
    x = ctx.rand((2, 3))
    for axes in ([0, 3], [-1] if since(ctx, 11) else [1]):
        label = f"axes={axes}".replace(" ", "")
        if since(ctx, 13):
            yield Variant([x, ctx.ints(axes)], label=label)
        else:
            yield Variant([x], {"axes": axes}, label=label)


@recipe("Transpose")
def transpose(ctx):
    x = ctx.rand((2, 3, 4, 5))
    yield Variant([x], label="reverse")
    yield Variant([x], {"perm": [0, 2, 1, 3]}, label="perm=[0,2,1,3]")


@recipe("Expand")
def expand(ctx):
    for sx, shape in [((3, 1), [2, 3, 4]), ((2, 1, 4), [3, 1])]:
        yield Variant([ctx.rand(sx), ctx.ints(shape)], label=L(sx) + f" to {shape}".replace(" ", "", 1).replace(", ", ","))


@recipe("Tile")
def tile(ctx):
    x = ctx.rand((2, 3))
    if since(ctx, 6):
        for reps in ([2, 1], [1, 3]):
            yield Variant([x, ctx.ints(reps)], label=f"repeats={reps}".replace(" ", ""))
    else:
        # Tile-1 types tiles and axis as T (floats), as its schema says.
        yield Variant([x, ctx.array([2], "T"), ctx.array([1], "T")], label="tiles=2 axis=1")


@recipe("Shape")
def shape_(ctx):
    x = ctx.rand((2, 3, 4, 5))
    yield Variant([x], label=L((2, 3, 4, 5)))
    if ctx.attr("start"):
        yield Variant([x], {"start": 1, "end": -1}, label="start=1 end=-1")
        yield Variant([x], {"start": -2}, label="start=-2")


@recipe("DepthToSpace")
def depth_to_space(ctx):
    x = ctx.rand((1, 8, 2, 3))
    yield Variant([x], {"blocksize": 2}, label="blocksize=2")
    if ctx.attr("mode"):
        yield Variant([x], {"blocksize": 2, "mode": "CRD"}, label="blocksize=2 CRD")


@recipe("SpaceToDepth")
def space_to_depth(ctx):
    x = ctx.rand((1, 2, 4, 6))
    yield Variant([x], {"blocksize": 2}, label="blocksize=2")
    if ctx.attr("mode"):
        yield Variant([x], {"blocksize": 2, "mode": "CRD"}, label="blocksize=2 CRD")


@recipe("Split")
def split(ctx):
    x = ctx.rand((6, 4))
    if since(ctx, 18):
        yield Variant([x], {"num_outputs": 3}, outputs=3, label="num_outputs=3")
        yield Variant([ctx.rand((7, 4))], {"num_outputs": 3}, outputs=3, label="num_outputs=3 uneven (7,4)")
        yield Variant([x, ctx.ints([1, 2, 3])], outputs=3, label="split=[1,2,3]")
        yield Variant([x, ctx.ints([1, 3])], {"axis": 1}, outputs=2, label="axis=1 split=[1,3]")
    elif since(ctx, 13):
        yield Variant([x], outputs=3, label="equal 3")
        yield Variant([x, ctx.ints([1, 2, 3])], outputs=3, label="split=[1,2,3]")
        yield Variant([x, ctx.ints([1, 3])], {"axis": 1}, outputs=2, label="axis=1 split=[1,3]")
    else:
        yield Variant([x], outputs=3, label="equal 3")
        yield Variant([x], {"split": [1, 2, 3]}, outputs=3, label="split=[1,2,3]")
        yield Variant([x], {"axis": 1, "split": [1, 3]}, outputs=2, label="axis=1 split=[1,3]")


@recipe("Slice")
def slice_(ctx):
    x = ctx.rand((5, 6))
    if not since(ctx, 10):
        yield Variant([x], {"starts": [1, 0], "ends": [4, 6]}, label="starts=[1,0] ends=[4,6]")
        yield Variant([x], {"axes": [1], "starts": [-3], "ends": [100]}, label="axes=[1] starts=[-3] ends=[100]")
        return
    t = ctx.dtype("Tind")
    ints = lambda v: np.asarray(v, dtype=t)  # noqa: E731
    big = np.iinfo(t).max
    yield Variant([x, ints([1, 0]), ints([4, 6])], label="starts=[1,0] ends=[4,6]")
    yield Variant([x, ints([-1]), ints([-100]), ints([1]), ints([-2])], label="axes=[1] step=-2")
    yield Variant([x, ints([1]), ints([big]), ints([0]), ints([2])], label="axes=[0] end=max step=2")


@recipe("Pad")
def pad(ctx):
    x = ctx.rand((3, 4))
    pads = [1, 2, 1, 1]
    value = ctx.rand((), "T")
    modes = ["constant", "reflect", "edge"] + (["wrap"] if since(ctx, 19) else [])
    if not since(ctx, 11):
        name = "paddings" if ctx.rev == 1 else "pads"
        for mode in modes:
            attrs = {name: pads, "mode": mode}
            if mode == "constant":
                attrs["value"] = 1.5
            yield Variant([x], attrs, label=f"{mode}")
        yield Variant([x], {name: [-1, 1, 0, -1]}, label="negative pads")
        return
    for mode in modes:
        inputs = [x, ctx.ints(pads)] + ([value] if mode == "constant" else [])
        yield Variant(inputs, {"mode": mode}, label=mode)
    yield Variant([x, ctx.ints([-1, 1, 0, -1])], label="negative pads")
    if since(ctx, 18):
        axes = np.asarray([1], dtype=ctx.dtype("Tind"))
        yield Variant([x, ctx.ints([2, 1]), value, axes], label="axes=[1]")


@recipe("Trilu")
def trilu(ctx):
    for shape in [(4, 5), (2, 3, 4)]:
        x = ctx.rand(shape)
        yield Variant([x], label=L(shape))
    x = ctx.rand((4, 5))
    yield Variant([x, ctx.ints(1)], label="k=1")
    yield Variant([x, ctx.ints(-1)], {"upper": 0}, label="lower k=-1")


@recipe("CenterCropPad")
def center_crop_pad(ctx):
    x = ctx.rand((4, 5, 3))
    t = ctx.dtype("Tind")
    yield Variant([x, np.asarray([3, 7, 3], t)], label="to (3,7,3)")
    yield Variant([x, np.asarray([6, 2], t)], {"axes": [0, 1]}, label="axes=[0,1] to (6,2)")


@recipe("Col2Im")
def col2im(ctx):
    x = ctx.rand((1, 2 * 2 * 2, 12))
    yield Variant([x, ctx.ints([4, 5]), ctx.ints([2, 2])], label="image (4,5) block (2,2)")
    x = ctx.rand((1, 2 * 2 * 2, 6))
    yield Variant([x, ctx.ints([5, 5]), ctx.ints([2, 2])], {"strides": [2, 2], "pads": [0, 0, 1, 0]}, label="strides pads")


# ----------------------------------------------------------------------------------------------
# Indexing


def _index(ctx, constraint, values):
    return np.asarray(values).astype(ctx.dtype(constraint))


@recipe("Gather")
def gather(ctx):
    data = ctx.rand((5, 4))
    lo = -5 if since(ctx, 11) else 0
    yield Variant([data, _index(ctx, "Tind", ctx.rng.integers(lo, 5, (2, 3)))], label="axis=0 (2,3)")
    lo = -4 if since(ctx, 11) else 0
    yield Variant([data, _index(ctx, "Tind", ctx.rng.integers(lo, 4, (3,)))], {"axis": 1}, label="axis=1 (3,)")
    yield Variant([data, _index(ctx, "Tind", 2)], label="scalar index")


@recipe("GatherElements")
def gather_elements(ctx):
    data = ctx.rand((3, 4))
    yield Variant([data, _index(ctx, "Tind", ctx.rng.integers(-4, 4, (3, 2)))], {"axis": 1}, label="axis=1")
    yield Variant([data, _index(ctx, "Tind", ctx.rng.integers(-3, 3, (2, 4)))], {"axis": 0}, label="axis=0")


@recipe("GatherND")
def gather_nd(ctx):
    data = ctx.rand((2, 3, 4))
    idx = np.stack([ctx.rng.integers(0, 2, 2), ctx.rng.integers(-3, 3, 2)], axis=1)
    yield Variant([data, idx.astype(I64)], label="(2,2)")
    yield Variant([data, ctx.ints([[1, 2, 3], [0, 0, -1]])], label="full index (2,3)")
    if ctx.attr("batch_dims"):
        yield Variant([data, ctx.ints([[2], [0]])], {"batch_dims": 1}, label="batch_dims=1")


def _distinct_columns(ctx, rows, cols, take):
    return np.stack([ctx.rng.permutation(cols)[:take] for _ in range(rows)])


@recipe("ScatterElements", "Scatter")
def scatter_elements(ctx):
    data = ctx.rand((3, 4))
    idx = _index(ctx, "Tind", _distinct_columns(ctx, 3, 4, 2) - 4 * (ctx.rng.random((3, 2)) < 0.3))
    if ctx.op == "Scatter" or not since(ctx, 11):
        idx = np.where(idx < 0, idx + 4, idx).astype(idx.dtype)
    updates = ctx.rand((3, 2))
    yield Variant([data, idx, updates], {"axis": 1}, label="axis=1")
    reductions = (["add", "mul"] if since(ctx, 16) and ctx.op == "ScatterElements" else []) + (["max", "min"] if since(ctx, 18) and ctx.op == "ScatterElements" else [])
    dup = _index(ctx, "Tind", [[0, 0], [1, 3], [2, 2]])
    for r in reductions:
        if ctx.elem() in (TensorProto.BOOL, TensorProto.STRING):
            break
        yield Variant([data, dup, updates], {"axis": 1, "reduction": r}, label=f"reduction={r} duplicates")
    idx0 = _index(ctx, "Tind", _distinct_columns(ctx, 4, 3, 2).T)
    yield Variant([data, idx0, ctx.rand((2, 4))], {"axis": 0}, label="axis=0")


@recipe("ScatterND")
def scatter_nd(ctx):
    data = ctx.rand((4, 5))
    yield Variant([data, ctx.ints([[3], [0]]), ctx.rand((2, 5))], label="rows")
    yield Variant([data, ctx.ints([[1, 2], [3, -1]]), ctx.rand((2,))], label="elements")
    reductions = (["add", "mul"] if since(ctx, 16) else []) + (["max", "min"] if since(ctx, 18) else [])
    for r in reductions:
        if ctx.elem() in (TensorProto.BOOL, TensorProto.STRING):
            break
        yield Variant([data, ctx.ints([[1], [1]]), ctx.rand((2, 5))], {"reduction": r}, label=f"reduction={r} duplicates")


@recipe("OneHot")
def one_hot(ctx):
    indices = _index(ctx, "T1", ctx.rng.integers(-3, 5, (2, 3)) if not ctx.is_unsigned("T1") else ctx.rng.integers(0, 5, (2, 3)))
    depth = ctx.array(5, "T2")
    values = ctx.rand((2,), "T3")
    yield Variant([indices, depth, values], label="axis=-1")
    yield Variant([indices, depth, values], {"axis": 0}, label="axis=0")


@recipe("Compress")
def compress(ctx):
    x = ctx.rand((3, 4))
    yield Variant([x, np.array([True, False, True])], {"axis": 0}, label="axis=0")
    yield Variant([x, np.array([False, True, True, False])], {"axis": -1}, label="axis=-1")
    yield Variant([x, np.array([True, False, False, True, True])], label="flattened")


@recipe("ReverseSequence")
def reverse_sequence(ctx):
    yield Variant([ctx.rand((4, 3, 2)), ctx.ints([4, 1, 3])], {"time_axis": 0, "batch_axis": 1}, label="time-major")
    yield Variant([ctx.rand((3, 4, 2)), ctx.ints([2, 4, 1])], {"time_axis": 1, "batch_axis": 0}, label="batch-major")


def _distinct(ctx, shape, constraint="T"):
    """Values without ties (sorting ops order ties by index, but ties are no test of the kernel)."""
    n = int(np.prod(shape))
    if ctx.is_float(constraint):
        return (ctx.rng.permutation(n) - n // 2).reshape(shape).astype(np.float64) / 4 + 0.125
    perm = ctx.rng.permutation(n).reshape(shape)
    if not ctx.is_unsigned(constraint):
        perm = perm - n // 2
    return perm


@recipe("TopK")
def top_k(ctx):
    x = _distinct(ctx, (3, 6)).astype(ctx.dtype())
    if not since(ctx, 10):
        yield Variant([x], {"k": 3}, outputs=2, label="k=3")
        yield Variant([x], {"k": 2, "axis": 0}, outputs=2, label="k=2 axis=0")
        return
    yield Variant([x, ctx.ints([3])], outputs=2, label="k=3")
    yield Variant([x, ctx.ints([2])], {"axis": 0}, outputs=2, label="k=2 axis=0")
    if ctx.attr("largest"):
        yield Variant([x, ctx.ints([4])], {"largest": 0}, outputs=2, label="k=4 smallest")


@recipe("Unique")
def unique(ctx):
    x = ctx.rand((10,), "T", 0, 4) if ctx.is_int() else ctx.rand((10,))
    if ctx.is_float():
        x = (np.round(x.astype(np.float64)) / 2).astype(x.dtype)
    yield Variant([x], outputs=4, label="sorted (10,)")
    yield Variant([x], {"sorted": 0}, outputs=4, label="unsorted (10,)")
    rows = ctx.rand((2, 3))
    x2 = rows[[0, 1, 0, 0]]
    yield Variant([x2], {"axis": 0}, outputs=4, label="axis=0 (4,3)")


@recipe("NonZero")
def non_zero(ctx):
    x = ctx.rand((3, 4))
    if ctx.is_float():
        x = (x * (ctx.rng.random((3, 4)) < 0.5)).astype(x.dtype)
    yield Variant([x], label="(3,4)")
    yield Variant([ctx.rand((5,))], label="(5,)")


@recipe("CumSum", "CumProd")
def cumulative(ctx):
    if ctx.op == "CumProd":
        x = ctx.rand((3, 4), "T", 0.5, 1.5) if ctx.is_float() else ctx.rand((3, 4), "T", -2, 2)
    else:
        x = ctx.rand((3, 4))
    axis = lambda a: np.asarray(a, dtype=ctx.dtype("T2"))  # noqa: E731
    yield Variant([x, axis(1)], label="axis=1")
    yield Variant([x, axis(0)], {"exclusive": 1}, label="axis=0 exclusive")
    yield Variant([x, axis(-1)], {"reverse": 1}, label="axis=-1 reverse")


@recipe("Einsum")
def einsum(ctx):
    cases = [("ij,jk->ik", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("ii->i", [(3, 3)]), ("i,i", [(4,), (4,)])]
    if ctx.full:
        cases += [("...ij,...jk", [(2, 2, 3), (3, 2)]), ("ij->ji", [(2, 3)])]
    for eq, shapes in cases:
        yield Variant([ctx.rand(s) for s in shapes], {"equation": eq}, label=eq.replace(">", "").replace("...", "E"))


# ----------------------------------------------------------------------------------------------
# Linear algebra


@recipe("MatMul")
def matmul(ctx):
    cases = [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)), ((2, 1, 3, 4), (3, 4, 2))]
    for sa, sb in cases:
        yield Variant([ctx.rand(sa), ctx.rand(sb)], label=L(sa, sb))


@recipe("Gemm")
def gemm(ctx):
    a, b = ctx.rand((3, 4)), ctx.rand((4, 5))
    legacy = ctx.attr("broadcast")
    bc = {"broadcast": 1} if legacy else {}
    yield Variant([a, b, ctx.rand((3, 5))], label="C (3,5)")
    yield Variant([a, b, ctx.rand((5,))], dict(bc), label="C (5,)")
    yield Variant([ctx.rand((4, 3)), ctx.rand((5, 4)), ctx.rand((1, 5))], {"transA": 1, "transB": 1, "alpha": 0.5, "beta": 2.0, **bc},
                  label="transposed alpha beta")
    if since(ctx, 11):
        yield Variant([a, b], label="no C")


@recipe("Det")
def det(ctx):
    for shape in [(3, 3), (2, 4, 4)]:
        yield Variant([ctx.rand(shape)], label=L(shape))


@recipe("MatMulInteger")
def matmul_integer(ctx):
    a, b = ctx.rand((2, 3), "T1", 0, 200), ctx.rand((3, 4), "T2", -100, 100)
    if ctx.is_unsigned("T2"):
        b = ctx.rand((3, 4), "T2", 0, 200)
    yield Variant([a, b], label="no zero points")
    yield Variant([a, b, ctx.rand((), "T1", 0, 9), ctx.rand((), "T2", 0, 9)], label="zero points")


# ----------------------------------------------------------------------------------------------
# Neural-network layers


@recipe("Conv")
def conv(ctx):
    x, w, b = ctx.rand((1, 2, 5, 6)), ctx.rand((4, 2, 3, 3)), ctx.rand((4,))
    yield Variant([x, w, b], label="3x3 bias")
    yield Variant([x, w], {"pads": [1, 1, 1, 1], "strides": [2, 2]}, label="pads strides")
    yield Variant([x, ctx.rand((4, 1, 3, 3))], {"group": 2, "dilations": [2, 1]}, label="group=2 dilations")
    yield Variant([ctx.rand((1, 2, 7)), ctx.rand((3, 2, 3))], {"auto_pad": "SAME_UPPER"}, label="1-D SAME_UPPER")


@recipe("ConvTranspose")
def conv_transpose(ctx):
    x, w = ctx.rand((1, 2, 4, 5)), ctx.rand((2, 3, 3, 3))
    yield Variant([x, w, ctx.rand((3,))], label="3x3 bias")
    yield Variant([x, w], {"strides": [2, 2], "output_padding": [1, 0], "pads": [1, 0, 1, 1]}, label="strides output_padding pads")
    yield Variant([x, ctx.rand((2, 2, 3, 3))], {"group": 2}, label="group=2")
    yield Variant([x, w], {"strides": [2, 2], "output_shape": [10, 11]}, label="output_shape")


def _pool_variants(ctx):
    yield {"kernel_shape": [3, 3]}, "3x3"
    yield {"kernel_shape": [2, 3], "strides": [2, 2], "pads": [1, 0, 1, 1]}, "strides pads"
    if ctx.attr("ceil_mode"):
        yield {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}, "ceil_mode"
    if ctx.attr("dilations"):
        yield {"kernel_shape": [2, 2], "dilations": [2, 2]}, "dilations"


@recipe("AveragePool")
def average_pool(ctx):
    x = ctx.rand((1, 2, 6, 7))
    for attrs, label in _pool_variants(ctx):
        yield Variant([x], attrs, label=label)
    if ctx.attr("count_include_pad"):
        yield Variant([x], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1}, label="count_include_pad")
    yield Variant([ctx.rand((1, 2, 9))], {"kernel_shape": [3], "strides": [2]}, label="1-D")


@recipe("MaxPool")
def max_pool(ctx):
    x = _distinct(ctx, (1, 2, 6, 7)).astype(ctx.dtype())
    indices = ctx.attr("storage_order")
    for attrs, label in _pool_variants(ctx):
        yield Variant([x], attrs, outputs=2 if indices else 1, label=label)
    if indices:
        yield Variant([x], {"kernel_shape": [2, 2], "storage_order": 1}, outputs=2, label="storage_order=1")
    yield Variant([_distinct(ctx, (1, 2, 9)).astype(ctx.dtype())], {"kernel_shape": [3], "strides": [2]}, label="1-D")


@recipe("LpPool")
def lp_pool(ctx):
    x = ctx.rand((1, 2, 5, 6))
    yield Variant([x], {"kernel_shape": [2, 2]}, label="2x2")
    yield Variant([x], {"kernel_shape": [3, 2], "strides": [2, 1], "pads": [1, 0, 1, 0], "p": 1 if since(ctx, 2) else 1.0},
                  label="p=1 strides pads")
    if ctx.attr("ceil_mode"):
        yield Variant([x], {"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1}, label="ceil_mode")


@recipe("GlobalAveragePool", "GlobalMaxPool")
def global_pool(ctx):
    for shape in [(2, 3, 4, 5), (2, 3, 7)]:
        yield Variant([ctx.rand(shape)], label=L(shape))


@recipe("GlobalLpPool")
def global_lp_pool(ctx):
    x = ctx.rand((2, 3, 4, 5))
    yield Variant([x], label="p=2")
    yield Variant([x], {"p": 3 if since(ctx, 2) else 3.0}, label="p=3")


@recipe("MaxRoiPool")
def max_roi_pool(ctx):
    x = ctx.rand((1, 2, 6, 6))
    rois = np.array([[0, 0, 0, 3, 3], [0, 1, 2, 5, 4]]).astype(ctx.dtype())
    yield Variant([x, rois], {"pooled_shape": [2, 2]}, label="2 rois")


@recipe("MaxUnpool")
def max_unpool(ctx):
    x = ctx.rand((1, 2, 2, 2), "T1")
    rows, cols = ctx.rng.integers(0, 2, (2, 2, 2)), ctx.rng.integers(0, 2, (2, 2, 2))
    ii = np.arange(2)[:, None] * 2 + rows
    jj = np.arange(2)[None, :] * 2 + cols
    idx = (np.arange(2)[:, None, None] * 16 + ii * 4 + jj).reshape(1, 2, 2, 2).astype(I64)
    yield Variant([x, idx], {"kernel_shape": [2, 2], "strides": [2, 2]}, label="2x2")
    idx5 = (np.arange(2)[:, None, None] * 25 + ii * 5 + jj).reshape(1, 2, 2, 2).astype(I64)  # flat in the 5x5 output
    yield Variant([x, idx5, ctx.ints([1, 2, 5, 5])], {"kernel_shape": [2, 2], "strides": [2, 2]}, label="output_shape")


def _channel_inputs(ctx, names, channels):
    out = []
    for i, name in enumerate(names):
        c = cin(ctx, i + 1)
        if name == "var":
            out.append(ctx.rand((channels,), c, 0.5, 2.0))
        else:
            out.append(ctx.rand((channels,), c))
    return out


@recipe("BatchNormalization")
def batch_norm(ctx):
    x = ctx.rand((2, 3, 4, 5))
    params = _channel_inputs(ctx, ["scale", "B", "mean", "var"], 3)
    attrs = {"is_test": 1} if ctx.attr("is_test") else {}
    if ctx.attr("consumed_inputs"):
        attrs["consumed_inputs"] = [0, 0, 0, 1, 1]
    yield Variant([x, *params], attrs, label="inference")
    yield Variant([ctx.rand((2, 3))] + _channel_inputs(ctx, ["scale", "B", "mean", "var"], 3), attrs, label="(2,3)")


@recipe("InstanceNormalization")
def instance_norm(ctx):
    yield Variant([ctx.rand((2, 3, 4, 5)), ctx.rand((3,)), ctx.rand((3,))], label="(2,3,4,5)")
    yield Variant([ctx.rand((2, 3, 6)), ctx.rand((3,)), ctx.rand((3,))], {"epsilon": 1e-2}, label="(2,3,6) epsilon")


@recipe("LayerNormalization")
def layer_norm(ctx):
    x = ctx.rand((2, 3, 4))
    tol = _stash_tol(ctx)
    yield Variant([x, ctx.rand((4,)), ctx.rand((4,))], label="axis=-1", tol=tol)
    yield Variant([x, ctx.rand((3, 4))], {"axis": 1}, label="axis=1 no bias", tol=tol)
    yield Variant([x, ctx.rand((4,)), ctx.rand((4,))], outputs=3, label="mean and inv_std_dev", tol=tol)


def _stash_tol(ctx, constraint="T"):
    """stash_type=1 (the default) computes the statistics in float32, whatever the input type: a
    double input gets float32's precision, by the spec."""
    if ctx.attr("stash_type") and ctx.elem(constraint) == TensorProto.DOUBLE:
        return (1e-5, 1e-6)
    return None


@recipe("GroupNormalization")
def group_norm(ctx):
    x = ctx.rand((2, 4, 3, 3))
    n = 2 if ctx.rev < 21 else 4  # scale and bias: per group before 21, per channel since
    yield Variant([x, ctx.rand((n,)), ctx.rand((n,))], {"num_groups": 2}, label="num_groups=2", tol=_stash_tol(ctx))


@recipe("RMSNormalization", tie={"V": "T"})
def rms_norm(ctx):
    x = ctx.rand((2, 3, 4), "T")
    tol = _stash_tol(ctx, "T") or _stash_tol(ctx, "V")
    yield Variant([x, ctx.rand((4,), "V")], label="axis=-1", tol=tol)
    yield Variant([x, ctx.rand((3, 4), "V")], {"axis": 1}, label="axis=1", tol=tol)


@recipe("LRN")
def lrn(ctx):
    x = ctx.rand((2, 5, 3, 3))
    yield Variant([x], {"size": 3}, label="size=3")
    yield Variant([x], {"size": 5, "alpha": 0.01, "beta": 0.5, "bias": 2.0}, label="size=5 alpha beta bias")


@recipe("LpNormalization")
def lp_norm(ctx):
    x = ctx.rand((3, 4, 5))
    yield Variant([x], label="p=2 axis=-1")
    yield Variant([x], {"p": 1, "axis": 0}, label="p=1 axis=0")


@recipe("MeanVarianceNormalization")
def mvn(ctx):
    x = ctx.rand((2, 3, 4, 5))
    yield Variant([x], label="axes=[0,2,3]")
    yield Variant([x], {"axes": [1]}, label="axes=[1]")


@recipe("Softmax", "LogSoftmax", "Hardmax")
def softmax(ctx):
    x = _distinct(ctx, (2, 3, 4)).astype(ctx.dtype()) if ctx.op == "Hardmax" else ctx.rand((2, 3, 4))
    yield Variant([x], label="default axis")
    yield Variant([x], {"axis": 2 if not since(ctx, 13) else 0}, label="axis=2" if not since(ctx, 13) else "axis=0")
    if since(ctx, 11):
        yield Variant([x], {"axis": -1}, label="axis=-1")


@recipe("Dropout")
def dropout(ctx):
    x = ctx.rand((3, 4))
    attrs = {"is_test": 1} if ctx.attr("is_test") else {}
    yield Variant([x], attrs, label="inference")
    if since(ctx, 12):
        yield Variant([x, ctx.array(0.3, "T1")], outputs=2, label="ratio with mask")
        yield Variant([x, ctx.array(0.3, "T1"), np.array(False)], outputs=2, label="training_mode=false")
    elif since(ctx, 7):
        yield Variant([x], {"ratio": 0.3}, outputs=2, label="ratio with mask")


@recipe("Gelu")
def gelu(ctx):
    x = ctx.rand((2, 3, 4, 5))
    yield Variant([x], label="erf")
    yield Variant([x], {"approximate": "tanh"}, label="tanh")


@recipe("Shrink")
def shrink(ctx):
    x = ctx.rand((3, 4), "T", -6, 6) if ctx.is_int() else ctx.rand((3, 4))
    if ctx.is_unsigned():
        x = ctx.rand((3, 4), "T", 0, 9)
    yield Variant([x], label="default")
    yield Variant([x], {"lambd": 1.5, "bias": 1.0}, label="lambd bias")


# ----------------------------------------------------------------------------------------------
# Reductions


REDUCTIONS = ("ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
              "ReduceSum", "ReduceSumSquare")


@recipe(*REDUCTIONS)
def reduce(ctx):
    shape = (2, 3, 4)
    if ctx.op == "ReduceProd":
        x = ctx.rand(shape, "T", 0.5, 1.5) if ctx.is_float() else ctx.rand(shape, "T", -2, 2)
    elif ctx.op == "ReduceLogSum":
        x = ctx.rand(shape, "T", 0.1, 2.0) if ctx.is_float() else ctx.rand(shape, "T", 1, 5)
    else:
        x = ctx.rand(shape)
    axes_as_input = ctx.op == "ReduceSum" and since(ctx, 13) or ctx.op != "ReduceSum" and since(ctx, 18)

    def v(axes, label, **attrs):
        if axes is None:
            return Variant([x], attrs, label=label)
        if axes_as_input:
            return Variant([x, ctx.ints(axes)], attrs, label=label)
        return Variant([x], {"axes": axes, **attrs}, label=label)

    yield v(None, "all axes")
    yield v([1], "axes=[1]")
    yield v([0, -1] if since(ctx, 11) else [0, 2], "axes=[0,-1] keepdims=0", keepdims=0)
    if axes_as_input:
        yield Variant([x], {"noop_with_empty_axes": 1}, label="noop_with_empty_axes")


@recipe("ArgMax", "ArgMin")
def arg_reduce(ctx):
    x = ctx.rand((3, 4, 5))
    if ctx.is_float():
        x = (np.round(x.astype(np.float64))).astype(x.dtype)  # ties: the first (or last) index wins
    yield Variant([x], label="axis=0")
    yield Variant([x], {"axis": 2, "keepdims": 0}, label="axis=2 keepdims=0")
    if ctx.attr("select_last_index"):
        yield Variant([x], {"axis": 1, "select_last_index": 1}, label="axis=1 select_last_index")


# ----------------------------------------------------------------------------------------------
# Resize


@recipe("Resize")
def resize(ctx):
    x = ctx.rand((1, 2, 4, 5), "T1" if "T1" in ctx.types else "T")
    scales = lambda s: np.asarray(s, np.float32)  # noqa: E731
    if ctx.rev == 10:
        yield Variant([x, scales([1, 1, 2, 1.5])], label="nearest up")
        yield Variant([x, scales([1, 1, 0.5, 0.6])], {"mode": "linear"}, label="linear down")
        return
    roi = np.zeros((0,), dtype=ctx.dtype("T2"))
    empty_scales = np.zeros((0,), np.float32)
    omitted = None if since(ctx, 13) else roi
    omitted_scales = None if since(ctx, 13) else empty_scales
    yield Variant([x, omitted, scales([1, 1, 2, 1.5])], label="nearest up")
    yield Variant([x, omitted, scales([1, 1, 0.5, 0.6])], {"mode": "linear"}, label="linear down")
    yield Variant([x, omitted, omitted_scales, ctx.ints([1, 2, 7, 8])], {"mode": "cubic"}, label="cubic sizes")
    yield Variant([x, omitted, scales([1, 1, 1.7, 0.8])], {"mode": "linear", "coordinate_transformation_mode": "align_corners"},
                  label="linear align_corners")
    yield Variant([x, omitted, scales([1, 1, 2.5, 1.5])], {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
                  label="nearest asymmetric floor")
    crop = np.array([0, 0, 0.2, 0.1, 1, 1, 0.9, 0.8], dtype=ctx.dtype("T2"))
    yield Variant([x, crop, omitted_scales, ctx.ints([1, 2, 3, 3])],
                  {"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize", "extrapolation_value": 0.5},
                  label="tf_crop_and_resize")
    if ctx.attr("antialias"):
        yield Variant([x, None, scales([1, 1, 0.5, 0.4])], {"mode": "linear", "antialias": 1}, label="linear antialias down")
        yield Variant([x, None, None, ctx.ints([6, 6])], {"axes": [2, 3], "keep_aspect_ratio_policy": "not_larger"},
                      label="axes keep_aspect_ratio not_larger")
    if ctx.full:
        yield Variant([x, omitted, scales([1, 1, 2, 2])], {"mode": "cubic", "exclude_outside": 1, "cubic_coeff_a": -0.5},
                      label="cubic exclude_outside")


@recipe("Upsample")
def upsample(ctx):
    x = ctx.rand((1, 2, 3, 4))
    if ctx.rev == 1:
        yield Variant([x], {"height_scale": 2.0, "width_scale": 3.0}, label="nearest")
        yield Variant([x], {"height_scale": 2.0, "width_scale": 2.0, "mode": "bilinear"}, label="bilinear")
    elif ctx.rev == 7:
        yield Variant([x], {"scales": [1.0, 1.0, 2.0, 3.0]}, label="nearest")
        yield Variant([x], {"scales": [1.0, 1.0, 2.0, 1.5], "mode": "linear"}, label="linear")
    else:
        yield Variant([x, np.array([1, 1, 2, 3], np.float32)], label="nearest")
        yield Variant([x, np.array([1, 1, 2, 1.5], np.float32)], {"mode": "linear"}, label="linear")


@recipe("GridSample")
def grid_sample(ctx):
    x = ctx.rand((1, 2, 4, 5), "T1")
    grid = ctx.rand((1, 3, 3, 2), "T2", -1.1, 1.1)
    linear, cubic = ("bilinear", "bicubic") if ctx.rev < 20 else ("linear", "cubic")
    yield Variant([x, grid], label="default")
    yield Variant([x, grid], {"mode": "nearest", "padding_mode": "border", "align_corners": 1}, label="nearest border align")
    yield Variant([x, grid], {"mode": cubic, "padding_mode": "reflection"}, label="cubic reflection")
    if ctx.full:
        yield Variant([x, grid], {"mode": linear, "padding_mode": "reflection", "align_corners": 1}, label="linear reflection align")


@recipe("AffineGrid")
def affine_grid(ctx):
    theta = ctx.rand((2, 2, 3), "T1")
    for align in (0, 1):
        yield Variant([theta, ctx.ints([2, 1, 4, 5])], {"align_corners": align}, label=f"2-D align_corners={align}")
    yield Variant([ctx.rand((2, 3, 4), "T1"), ctx.ints([2, 1, 3, 4, 5])], label="3-D")


@recipe("RoiAlign")
def roi_align(ctx):
    x = ctx.rand((1, 2, 8, 8), "T1")
    rois = np.array([[0, 0, 4, 4], [1.5, 2.0, 6.5, 7.0], [3, 1, 5, 7.5]]).astype(ctx.dtype("T1"))
    batch = np.zeros(3, dtype=I64)
    base = {"output_height": 2, "output_width": 3, "sampling_ratio": 2}
    yield Variant([x, rois, batch], base, label="avg")
    yield Variant([x, rois, batch], {**base, "mode": "max"}, label="max")
    if ctx.attr("coordinate_transformation_mode"):
        yield Variant([x, rois, batch], {**base, "coordinate_transformation_mode": "output_half_pixel"}, label="output_half_pixel")


@recipe("DeformConv")
def deform_conv(ctx):
    x, w = ctx.rand((1, 2, 5, 5)), ctx.rand((3, 2, 3, 3))
    offset = ctx.rand((1, 18, 3, 3), "T", -1.0, 1.0)
    yield Variant([x, w, offset], label="offsets")
    mask = ctx.rand((1, 9, 3, 3), "T", 0.0, 1.0)
    yield Variant([x, w, offset, ctx.rand((3,)), mask], label="bias mask")


@recipe("NonMaxSuppression")
def nms(ctx):
    boxes = np.array([[[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1], [0, 100, 1, 101]]],
                     np.float32)
    scores = np.array([[[0.9, 0.75, 0.6, 0.95, 0.5, 0.3], [0.1, 0.8, 0.7, 0.2, 0.9, 0.4]]], np.float32)
    limits = [np.array([3], I64), np.array([0.5], np.float32), np.array([0.25], np.float32)]
    yield Variant([boxes, scores, *limits], label="corners")
    centers = np.concatenate([(boxes[..., :2] + boxes[..., 2:]) / 2, boxes[..., 2:] - boxes[..., :2]], axis=-1)
    yield Variant([centers, scores, *limits], {"center_point_box": 1}, label="centers")
    yield Variant([boxes, scores], label="no limits")


# ----------------------------------------------------------------------------------------------
# Quantization


@recipe("QuantizeLinear")
def quantize_linear(ctx):
    x = ctx.rand((2, 3, 4), "T1") * 3
    x = x.astype(ctx.dtype("T1"))
    scale_c = "T2" if "T2" in ctx.types and since(ctx, 23) else ("T1" if since(ctx, 19) else "tensor(float)")
    zp_c = "T3" if since(ctx, 23) else "T2"
    out_elem = ctx.elem(zp_c)
    zero = np.zeros((), dtype=ctx.dtype(zp_c))
    zp = ctx.rand((), zp_c, 0, 3) if out_elem in _INT_RANGES else zero
    scale = ctx.array(0.05, scale_c)
    yield Variant([x, scale, zp], label="per tensor")
    if out_elem == TensorProto.UINT8:
        yield Variant([x, scale], label="no zero point")
    if since(ctx, 13):
        scales = ctx.array([0.05, 0.1, 0.2], scale_c)
        zps = (ctx.rand((3,), zp_c, 0, 3) if out_elem in _INT_RANGES else np.zeros(3, dtype=ctx.dtype(zp_c)))
        yield Variant([x, scales, zps], {"axis": 1}, label="per axis")
    if ctx.attr("block_size"):
        scales = ctx.rand((2, 3, 2), scale_c, 0.02, 0.1)
        zps = np.zeros((2, 3, 2), dtype=ctx.dtype(zp_c))
        yield Variant([x, scales, zps], {"axis": 2, "block_size": 2}, label="blocked")


@recipe("DequantizeLinear")
def dequantize_linear(ctx):
    xc = "T1" if "T1" in ctx.types else "T"
    x = ctx.rand((2, 3, 4), xc, -20, 20) if ctx.is_int(xc) else ctx.rand((2, 3, 4), xc)
    scale_c = "T2" if "T2" in ctx.types else "tensor(float)"
    scale = ctx.array(0.05, scale_c)
    zp = ctx.rand((), xc, 0, 3) if ctx.is_int(xc) else np.zeros((), dtype=ctx.dtype(xc))
    attrs = {}
    if "T3" in ctx.types and ctx.types["T3"] != ctx.types.get("T2"):
        attrs["output_dtype"] = ctx.elem("T3")
    yield Variant([x, scale, zp], attrs, label="per tensor")
    yield Variant([x, scale], attrs, label="no zero point")
    if since(ctx, 13):
        scales = ctx.array([0.05, 0.1, 0.2], scale_c)
        zps = ctx.rand((3,), xc, 0, 3) if ctx.is_int(xc) else np.zeros(3, dtype=ctx.dtype(xc))
        yield Variant([x, scales, zps], {**attrs, "axis": 1}, label="per axis")
    if ctx.attr("block_size"):
        scales = ctx.rand((2, 3, 2), scale_c, 0.02, 0.1)
        yield Variant([x, scales], {**attrs, "axis": 2, "block_size": 2}, label="blocked")


@recipe("DynamicQuantizeLinear")
def dynamic_quantize_linear(ctx):
    yield Variant([ctx.rand((3, 4), "T1")], outputs=3, label="(3,4)")
    yield Variant([ctx.rand((5,), "T1", 0.5, 2.0)], outputs=3, label="positive only")


def _q(ctx, c, shape):
    return ctx.rand(shape, c, 0, 255) if ctx.is_unsigned(c) else ctx.rand(shape, c, -100, 100)


@recipe("QLinearMatMul")
def qlinear_matmul(ctx):
    s = "TS" if "TS" in ctx.types else "tensor(float)"
    a, b = _q(ctx, "T1", (2, 3)), _q(ctx, "T2", (3, 4))
    args = [a, ctx.array(0.05, s), _q(ctx, "T1", ()), b, ctx.array(0.02, s), _q(ctx, "T2", ()), ctx.array(0.1, s), _q(ctx, "T3", ())]
    yield Variant(args, label="per tensor")


@recipe("ConvInteger")
def conv_integer(ctx):
    x, w = _q(ctx, "T1", (1, 2, 5, 5)), _q(ctx, "T2", (3, 2, 3, 3))
    yield Variant([x, w], label="no zero points")
    yield Variant([x, w, _q(ctx, "T1", ()), _q(ctx, "T2", ())], {"pads": [1, 1, 1, 1]}, label="zero points pads")


@recipe("QLinearConv")
def qlinear_conv(ctx):
    x, w = _q(ctx, "T1", (1, 2, 5, 5)), _q(ctx, "T2", (3, 2, 3, 3))
    f = lambda v: np.asarray(v, np.float32)  # noqa: E731
    args = [x, f(0.05), _q(ctx, "T1", ()), w, f(0.02), _q(ctx, "T2", ()), f(0.1), _q(ctx, "T3", ())]
    yield Variant(args, label="per tensor")
    bias = ctx.rng.integers(-50, 50, 3).astype(np.int32)
    yield Variant(args + [bias], {"pads": [1, 1, 1, 1]}, label="bias pads")


# ----------------------------------------------------------------------------------------------
# Recurrent


@recipe("RNN", "GRU", "LSTM")
def recurrent(ctx):
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[ctx.op]
    hidden, seq, batch, size = 5, 3, 2, 4
    n_out = 3 if ctx.op == "LSTM" else 2

    def weights(dirs):
        scale = 1 / np.sqrt(hidden)
        return [
            (ctx.rand((dirs, gates * hidden, size)) * scale).astype(ctx.dtype()),
            (ctx.rand((dirs, gates * hidden, hidden)) * scale).astype(ctx.dtype()),
            (ctx.rand((dirs, 2 * gates * hidden)) * scale).astype(ctx.dtype()),
        ]

    x = ctx.rand((seq, batch, size))
    yield Variant([x, *weights(1)], {"hidden_size": hidden}, outputs=n_out, label="forward")
    yield Variant([x, *weights(2)], {"hidden_size": hidden, "direction": "bidirectional"}, outputs=n_out, label="bidirectional")
    lens = np.array([3, 2], dtype=np.int32)
    h0 = ctx.rand((1, batch, hidden))
    extra = [lens, h0] + ([ctx.rand((1, batch, hidden))] if ctx.op == "LSTM" else [])
    attrs = {"hidden_size": hidden, "direction": "reverse"}
    if ctx.op == "GRU" and ctx.attr("linear_before_reset"):
        attrs["linear_before_reset"] = 1
    yield Variant([x, *weights(1), *extra], attrs, outputs=n_out, label="reverse lens initial state")
    if ctx.attr("layout"):
        yield Variant([ctx.rand((batch, seq, size)), *weights(1)], {"hidden_size": hidden, "layout": 1}, outputs=n_out, label="layout=1")


# ----------------------------------------------------------------------------------------------
# Losses


@recipe("NegativeLogLikelihoodLoss")
def nll_loss(ctx):
    x = ctx.rand((3, 5))
    target = _index(ctx, "Tind", [1, 4, 0])
    w = ctx.rand((5,), "T", 0.5, 1.5)
    for reduction in ("mean", "sum", "none"):
        yield Variant([x, target, w], {"reduction": reduction}, label=f"{reduction} weights")
    yield Variant([x, target], {"ignore_index": 4}, label="mean ignore_index")
    yield Variant([ctx.rand((3, 5, 2)), _index(ctx, "Tind", [[1, 2], [4, 0], [0, 3]])], {"reduction": "none"}, label="(3,5,2) none")


@recipe("SoftmaxCrossEntropyLoss")
def softmax_ce_loss(ctx):
    x = ctx.rand((3, 5))
    labels = _index(ctx, "Tind", [1, 4, 0])
    yield Variant([x, labels], label="mean")
    yield Variant([x, labels, ctx.rand((5,), "T", 0.5, 1.5)], {"reduction": "sum"}, outputs=2, label="sum weights log_prob")
    yield Variant([ctx.rand((3, 5, 2)), _index(ctx, "Tind", [[1, 2], [4, 0], [0, 3]])], {"reduction": "none", "ignore_index": 0},
                  label="(3,5,2) none ignore_index")


# ----------------------------------------------------------------------------------------------
# Strings


@recipe("StringNormalizer")
def string_normalizer(ctx):
    x = np.array(["monday", "Tuesday", "ONNX", "a", "MONDAY"], dtype=object)
    yield Variant([x], {"case_change_action": "LOWER"}, label="LOWER")
    yield Variant([x], {"case_change_action": "UPPER", "stopwords": ["monday"]}, label="UPPER stopwords")
    yield Variant([x.reshape(1, 5)], {"stopwords": ["monday"], "is_case_sensitive": 1}, label="case sensitive (1,5)")


@recipe("StringSplit")
def string_split(ctx):
    x = np.array([["a b", "hello  world", ""], ["x,y,,z", "one", "a b c d"]], dtype=object)
    yield Variant([x], outputs=2, label="whitespace")
    yield Variant([x], {"delimiter": ","}, outputs=2, label="delimiter=,")
    yield Variant([x], {"maxsplit": 1}, outputs=2, label="maxsplit=1")


@recipe("RegexFullMatch")
def regex_full_match(ctx):
    x = np.array(["www.google.com", "www.facebook.com", "abc", "www.onnx.ai"], dtype=object)
    yield Variant([x], {"pattern": r"www\.[\w.-]+\.\bcom\b"}, label="domain")
    yield Variant([x.reshape(2, 2)], {"pattern": "[a-c]+"}, label="letters (2,2)")


# ----------------------------------------------------------------------------------------------
# Sequences, optionals, control flow


SEQ_TIE = {"T": "S"}


def _tensors(ctx, c, shapes):
    return [ctx.rand(s, c) for s in shapes]


@recipe("SequenceConstruct")
def sequence_construct(ctx):
    yield Variant(_tensors(ctx, "T", [(2, 3), (2, 3), (1, 3)]), label="3 tensors")
    yield Variant(_tensors(ctx, "T", [(4,)]), label="1 tensor")


@recipe("SequenceAt", tie=SEQ_TIE)
def sequence_at(ctx):
    seq = _tensors(ctx, "S", [(2, 3), (1, 3), (4,)])
    for pos in (1, -1):
        yield Variant([seq, np.asarray(pos, dtype=ctx.dtype("I"))], label=f"position={pos}")


@recipe("SequenceLength")
def sequence_length(ctx):
    yield Variant([_tensors(ctx, "S", [(2, 3), (1, 3), (4,)])], label="3 tensors")


@recipe("SequenceInsert", tie=SEQ_TIE)
def sequence_insert(ctx):
    seq = _tensors(ctx, "S", [(2, 3), (1, 3)])
    t = ctx.rand((3,), "T")
    yield Variant([seq, t], label="append")
    yield Variant([seq, t, np.asarray(-1, dtype=ctx.dtype("I"))], label="position=-1")


@recipe("SequenceErase")
def sequence_erase(ctx):
    seq = _tensors(ctx, "S", [(2, 3), (1, 3), (4,)])
    yield Variant([seq], label="last")
    yield Variant([seq, np.asarray(0, dtype=ctx.dtype("I"))], label="position=0")


@recipe("SequenceEmpty")
def sequence_empty(ctx):
    yield Variant([], label="default dtype")
    yield Variant([], {"dtype": TensorProto.INT64}, label="int64")


@recipe("ConcatFromSequence", tie=SEQ_TIE)
def concat_from_sequence(ctx):
    seq = _tensors(ctx, "S", [(2, 3), (2, 3), (2, 3)])
    yield Variant([seq], {"axis": 0}, label="axis=0")
    yield Variant([seq], {"axis": -1, "new_axis": 1}, label="new_axis axis=-1")


@recipe("SplitToSequence")
def split_to_sequence(ctx):
    x = ctx.rand((6, 4))
    yield Variant([x], label="keepdims")
    yield Variant([x], {"keepdims": 0, "axis": 1}, label="keepdims=0 axis=1")
    yield Variant([x, np.asarray(4, dtype=ctx.dtype("I"))], label="split=4")
    yield Variant([x, np.asarray([1, 2, 3], dtype=ctx.dtype("I"))], label="split=[1,2,3]")


def _graph(nodes, inputs, outputs, name="body"):
    return helper.make_graph(nodes, name, inputs, outputs)


def _vi(name, elem, shape=None):
    return helper.make_tensor_value_info(name, elem, shape)


@recipe("If")
def if_(ctx):
    elem = ctx.elem("V")
    then = _graph([helper.make_node("Identity", ["x1"], ["t"])], [], [_vi("t", elem)], "then")
    other = _graph([helper.make_node("Identity", ["x2"], ["e"])], [], [_vi("e", elem)], "else")
    x1, x2 = ctx.rand((2, 3), "V"), ctx.rand((2, 3), "V")
    for cond in (True, False):
        yield Variant([np.array(cond)], {"then_branch": then, "else_branch": other}, label=f"cond={cond}",
                      extra_inputs={"x1": x1, "x2": x2})


@recipe("Loop")
def loop(ctx):
    elem = ctx.elem("V")
    body = _graph(
        [helper.make_node("Identity", ["c_in"], ["c_out"]), helper.make_node("Identity", ["v_in"], ["v_out"]),
         helper.make_node("Identity", ["v_in"], ["scan"])],
        [_vi("i", TensorProto.INT64, []), _vi("c_in", TensorProto.BOOL, []), _vi("v_in", elem)],
        [_vi("c_out", TensorProto.BOOL, []), _vi("v_out", elem), _vi("scan", elem)],
    )
    x = ctx.rand((2, 3), "V")
    yield Variant([np.array(3, I64), np.array(True), x], {"body": body}, outputs=2, label="3 trips, identity body")
    adds = (TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.FLOAT16) + ((TensorProto.INT32, TensorProto.INT64) if since(ctx, 7) else ())
    if elem in adds:
        add = _graph(
            [helper.make_node("Identity", ["c_in"], ["c_out"]), helper.make_node("Add", ["v_in", "step"], ["v_out"]),
             helper.make_node("Identity", ["v_out"], ["scan"])],
            [_vi("i", TensorProto.INT64, []), _vi("c_in", TensorProto.BOOL, []), _vi("v_in", elem)],
            [_vi("c_out", TensorProto.BOOL, []), _vi("v_out", elem), _vi("scan", elem)],
        )
        yield Variant([np.array(4, I64), None, x], {"body": add}, outputs=2, label="4 trips, add outer value",
                      extra_inputs={"step": ctx.rand((2, 3), "V")})


@recipe("Scan")
def scan(ctx):
    elem = ctx.elem("V")
    body = _graph(
        [helper.make_node("Identity", ["x_t"], ["s_out"]), helper.make_node("Identity", ["s_in"], ["y_t"])],
        [_vi("s_in", elem, [2]), _vi("x_t", elem, [2])],
        [_vi("s_out", elem, [2]), _vi("y_t", elem, [2])],
    )
    if ctx.rev == 8:  # a batch axis first, and sequence_lens
        init, xs = ctx.rand((1, 2), "V"), ctx.rand((1, 3, 2), "V")
        yield Variant([None, init, xs], {"body": body, "num_scan_inputs": 1}, outputs=2, label="shift")
        return
    init, xs = ctx.rand((2,), "V"), ctx.rand((3, 2), "V")
    yield Variant([init, xs], {"body": body, "num_scan_inputs": 1}, outputs=2, label="shift")
    yield Variant([init, xs], {"body": body, "num_scan_inputs": 1, "scan_input_directions": [1]}, outputs=2, label="reverse input")


@recipe("SequenceMap", tie={"V": "S"})
def sequence_map(ctx):
    elem = ctx.elem("S")
    body = _graph([helper.make_node("Identity", ["x"], ["y"])], [_vi("x", elem)], [_vi("y", elem)])
    yield Variant([_tensors(ctx, "S", [(2, 3), (1, 3), (4,)])], {"body": body}, label="identity body")


@recipe("Optional")
def optional(ctx):
    yield Variant([ctx.rand((2, 3), "V")], label="with value")


@recipe("OptionalHasElement", "OptionalGetElement")
def optional_element(ctx):
    if ctx.rev < 18:
        raise NotSweepable("before opset 18 the input must be optional-typed: onnxruntime's Python API cannot feed one")
    yield Variant([ctx.rand((2, 3), "V" if "V" in ctx.types else "O")], label="tensor input")


# ----------------------------------------------------------------------------------------------
# Attention-era ops


@recipe("Attention", tie={"T2": "T1"})
def attention(ctx):
    q, k, v = ctx.rand((2, 3, 4, 8), "T1"), ctx.rand((2, 3, 6, 8), "T1"), ctx.rand((2, 3, 6, 8), "T2")
    keep = ctx.rng.random((4, 6)) < 0.8
    keep[:, 0] = True
    if ctx.elem("U") == TensorProto.BOOL:
        yield Variant([q, k, v, keep], label="bool mask")
        return
    if ctx.elem("U") != ctx.elem("T1"):
        raise NotSweepable("an additive mask of another type than Q: no recipe")
    yield Variant([q, k, v], label="4-D")
    yield Variant([q, k, v], {"is_causal": 1}, label="causal")
    yield Variant([q, k, v, np.where(keep, 0.0, -np.inf).astype(ctx.dtype("U"))], label="additive mask")
    q3, k3, v3 = ctx.rand((2, 4, 24), "T1"), ctx.rand((2, 6, 8), "T1"), ctx.rand((2, 6, 8), "T2")
    yield Variant([q3, k3, v3], {"q_num_heads": 3, "kv_num_heads": 1}, label="3-D grouped heads")


@recipe("RotaryEmbedding")
def rotary_embedding(ctx):
    x = ctx.rand((2, 2, 3, 8))
    angles = ctx.rng.uniform(0, 3, (4, 4))
    cos, sin = np.cos(angles).astype(ctx.dtype()), np.sin(angles).astype(ctx.dtype())
    pos = ctx.ints([[0, 1, 2], [1, 2, 3]])
    yield Variant([x, cos, sin, pos], label="4-D")
    yield Variant([x, cos, sin, pos], {"interleaved": 1}, label="interleaved")
    yield Variant([ctx.rand((2, 3, 16)), cos, sin, pos], {"num_heads": 2}, label="3-D num_heads=2")


@recipe("TensorScatter")
def tensor_scatter(ctx):
    cache, update = ctx.rand((2, 3, 8, 4)), ctx.rand((2, 3, 2, 4))
    yield Variant([cache, update, ctx.ints([1, 5])], label="linear")
    yield Variant([cache, update, ctx.ints([7, 3])], {"mode": "circular"}, label="circular")


@recipe("DFT")
def dft(ctx):
    real = ctx.rand((1, 8, 1), "T1")
    cplx = ctx.rand((1, 8, 2), "T1")
    if ctx.rev < 20:
        yield Variant([real], {"axis": 1}, label="real")
        yield Variant([cplx], {"axis": 1, "inverse": 1}, label="inverse")
        yield Variant([real], {"axis": 1, "onesided": 1}, label="onesided")
        return
    axis = ctx.ints(1)
    yield Variant([real, None, axis], label="real")
    yield Variant([cplx, None, axis], {"inverse": 1}, label="inverse")
    yield Variant([real, None, axis], {"onesided": 1}, label="onesided")
    yield Variant([real, np.asarray(6, dtype=ctx.dtype("T2")), axis], label="dft_length=6")


@recipe("STFT")
def stft(ctx):
    signal = ctx.rand((1, 32, 1), "T1")
    step = np.asarray(8, dtype=ctx.dtype("T2"))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(16) / 16)).astype(ctx.dtype("T1"))
    yield Variant([signal, step, window], label="hann window")
    yield Variant([signal, step, None, np.asarray(16, dtype=ctx.dtype("T2"))], {"onesided": 1}, label="frame_length onesided")


@recipe("TfIdfVectorizer")
def tfidf(ctx):
    x = np.array([[1, 1, 3, 3, 3, 7], [8, 6, 7, 5, 6, 8]]).astype(ctx.dtype("T"))
    attrs = {"min_gram_length": 2, "max_gram_length": 2, "max_skip_count": 0, "ngram_counts": [0, 4],
             "ngram_indexes": [0, 1, 2, 3, 4, 5, 6], "pool_int64s": [2, 3, 5, 4, 5, 6, 7, 8, 6, 7]}
    if ctx.elem("T") == TensorProto.STRING:
        raise NotSweepable("string pools: no recipe")
    yield Variant([x], {**attrs, "mode": "TF"}, label="bigrams TF")
    yield Variant([x], {**attrs, "mode": "TFIDF", "min_gram_length": 1, "weights": [1, 2, 3, 4, 5, 6, 7]}, label="uni+bigrams TFIDF")


@recipe("CausalConvWithState")
def causal_conv_with_state(ctx):
    x, w = ctx.rand((2, 3, 5)), ctx.rand((3, 1, 3))
    yield Variant([x, w], outputs=2, label="no state")
    yield Variant([x, w, ctx.rand((3,)), ctx.rand((2, 3, 2))], {"activation": "silu"}, outputs=2, label="bias state silu")


@recipe("LinearAttention")
def linear_attention(ctx):
    q, k, v = ctx.rand((2, 3, 2 * 4)), ctx.rand((2, 3, 1 * 4)), ctx.rand((2, 3, 1 * 4))
    heads = {"q_num_heads": 2, "kv_num_heads": 1}
    yield Variant([q, k, v], {**heads, "update_rule": "linear"}, outputs=2, label="linear gqa")
    decay = ctx.rand((2, 3, 1), "T", -1.0, 0.0)
    beta = ctx.rand((2, 3, 1), "T", 0.0, 1.0)
    yield Variant([q, k, v, ctx.rand((2, 1, 4, 4), "S"), decay, beta], {**heads, "update_rule": "gated_delta"}, outputs=2,
                  label="gated_delta with state")


def _png(pixels: np.ndarray) -> np.ndarray:
    """A PNG file (8-bit RGB, no filtering) as a uint8 tensor, for ImageDecoder."""
    import struct
    import zlib

    h, w, _ = pixels.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + pixels[i].astype(np.uint8).tobytes() for i in range(h))
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return np.frombuffer(data, dtype=np.uint8).copy()


@recipe("ImageDecoder")
def image_decoder(ctx):
    encoded = _png(ctx.rng.integers(0, 256, (4, 5, 3)))
    for fmt in ("RGB", "BGR", "Grayscale"):
        yield Variant([encoded], {"pixel_format": fmt}, label=f"png {fmt}")


# ----------------------------------------------------------------------------------------------
# ai.onnx.ml


@recipe("ArrayFeatureExtractor")
def array_feature_extractor(ctx):
    x = ctx.rand((3, 4))
    yield Variant([x, ctx.ints([0, 2])], label="columns [0,2]")
    yield Variant([x, ctx.ints([3])], label="column [3]")


def _label_values(ctx, constraint, n):
    elem = ctx.elem(constraint)
    if elem == TensorProto.STRING:
        return np.array(["a", "onnx", "Hello", "ß", "x y"][:n], dtype=object)
    if elem in _INT_RANGES:
        return np.arange(n).astype(ctx.dtype(constraint)) * 3 - 2
    return (np.arange(n) * 1.5 - 1.25).astype(ctx.dtype(constraint))


_ATTR_SUFFIX = {TensorProto.STRING: "strings", TensorProto.INT64: "int64s", TensorProto.FLOAT: "floats"}


@recipe("LabelEncoder", types=lambda t: t["T1"] != t["T2"] or "T1" not in t)
def label_encoder(ctx):
    keys, values = _label_values(ctx, "T1", 3), _label_values(ctx, "T2", 3)
    pick = ctx.rng.integers(0, 3, (2, 4))
    x = keys[pick]
    unknown = np.array(["nope"], dtype=object) if keys.dtype == object else np.array([99]).astype(keys.dtype)
    x = np.concatenate([x.ravel(), unknown]).reshape(3, 3)
    src, dst = ctx.elem("T1"), ctx.elem("T2")
    if ctx.rev == 1:
        if src == dst:
            raise NotSweepable("LabelEncoder-1 maps strings to int64 or back")
        attrs = {"classes_strings": ["a", "onnx", "Hello"]}
        if src == TensorProto.INT64:
            x = np.array([[0, 1, 2], [2, 7, 0], [1, 1, -1]], dtype=np.int64)
            attrs["default_string"] = "_"
        yield Variant([x], attrs, label="classes_strings")
        return
    if ctx.rev < 4 or (src in _ATTR_SUFFIX and dst in _ATTR_SUFFIX):
        if src not in _ATTR_SUFFIX or dst not in _ATTR_SUFFIX:
            raise NotSweepable("keys and values of these types need LabelEncoder-4's tensor attributes")
        attrs = {f"keys_{_ATTR_SUFFIX[src]}": keys.tolist(), f"values_{_ATTR_SUFFIX[dst]}": values.tolist()}
        yield Variant([x], attrs, label="list attributes")
    if ctx.rev >= 4:
        default = np.array(["_"], dtype=object) if values.dtype == object else np.array([7]).astype(values.dtype)
        attrs = {"keys_tensor": tensor(keys), "values_tensor": tensor(values), "default_tensor": tensor(default)}
        yield Variant([x], attrs, label="tensor attributes")


@recipe("TreeEnsemble")
def tree_ensemble(ctx):
    x = ctx.rand((4, 2))
    one_split = {
        "nodes_featureids": [0, 1], "nodes_splits": tensor(np.array([0.0, 0.5]).astype(ctx.dtype())),
        "nodes_modes": tensor(np.array([0, 0], np.uint8)),  # BRANCH_LEQ
        "nodes_truenodeids": [1, 0], "nodes_trueleafs": [0, 1], "nodes_falsenodeids": [2, 1], "nodes_falseleafs": [1, 1],
        "leaf_targetids": [0, 0, 0], "leaf_weights": tensor(np.array([1.0, 2.0, 3.0]).astype(ctx.dtype())),
        "tree_roots": [0], "n_targets": 1,
    }
    yield Variant([x], one_split, label="two splits sum")
    yield Variant([x], {**one_split, "aggregate_function": 2}, label="min")
    yield Variant([x], {**one_split, "post_transform": 2}, label="logistic")
