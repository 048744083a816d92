"""Cast: the input converted to the type ``to`` (see _cast for the conversion rules)."""

from __future__ import annotations

from onnx import TensorProto

from refrt.registry import kernel

from ._cast import cast_to


@kernel("Cast", since=24)
def cast(input, *, to=None, saturate=1, round_mode="up"):
    """Opset 24 adds float8e8m0, whose rounding round_mode chooses."""
    return cast_to(input, to, saturate=saturate, round_mode=round_mode)


@kernel("Cast", since=19, until=23)
def cast_19(input, *, to=None, saturate=1):
    """Opset 19 adds the float8 types, and saturate for out-of-range values."""
    return cast_to(input, to, saturate=saturate)


@kernel("Cast", since=6, until=18)
def cast_6(input, *, to=None):
    return cast_to(input, to)


@kernel("Cast", since=1, until=5)
def cast_1(input, *, to=None):
    """Opset 1 names the target type with a string, e.g. "FLOAT"."""
    if isinstance(to, str):
        try:
            to = TensorProto.DataType.Value(to.upper())
        except ValueError:
            raise ValueError(f"Cast: unknown type name to={to!r}") from None
    return cast_to(input, to)
