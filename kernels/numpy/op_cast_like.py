"""CastLike: the input converted to the type of the second input (see _cast for the rules)."""

from __future__ import annotations

from refrt.registry import kernel

from ._cast import cast_to, type_code


@kernel("CastLike", since=24)
def cast_like(input, target_type, *, saturate=1, round_mode="up"):
    """Opset 24 adds float8e8m0, whose rounding round_mode chooses."""
    return cast_to(input, type_code(target_type), saturate=saturate, round_mode=round_mode, op="CastLike")


@kernel("CastLike", since=19, until=23)
def cast_like_19(input, target_type, *, saturate=1):
    """Opset 19 adds the float8 types, and saturate for out-of-range values."""
    return cast_to(input, type_code(target_type), saturate=saturate, op="CastLike")


@kernel("CastLike", since=15, until=18)
def cast_like_15(input, target_type):
    return cast_to(input, type_code(target_type), op="CastLike")
