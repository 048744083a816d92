"""CastMap (ai.onnx.ml): a map from int64 keys to strings or floats becomes a (1, n) tensor, in key order.

``cast_to`` picks the output type (TO_FLOAT: float32, TO_INT64: int64, TO_STRING: string).
``map_form`` DENSE writes the values in ascending key order, ``n = len(map)``; SPARSE writes the value of
key k at column k of ``n = max_map`` columns, pads the others and drops keys >= max_map.

Where refrt follows onnxruntime (1.32, ``cpu/ml/cast_map.cc``), since the spec says little:

- Conversions are C++'s: float -> string is ``std::to_string`` (``"%f"``: 0.5 -> "0.500000"),
  float -> int64 truncates toward zero (NaN and out-of-range values give INT64_MIN, as on x86),
  string -> float / int64 is ``std::stof`` / ``std::stoll``: leading spaces, then the longest number
  prefix, the rest ignored ("12abc" -> 12); no number at all, or a value out of range, is an error.
- The SPARSE padding is 0 for numbers and the string "0.f" (onnxruntime's literal) for strings.
- SPARSE needs ``max_map > 0`` (checked when the session is created) and a map without negative keys.
- onnxruntime's Python API can only feed map(int64, float) (see refrt.types); refrt also takes
  map(int64, string) and converts it by the rules above.

Numeric casts and the placement of values are array operations; parsing strings, as C does it, is
done string by string.
"""

from __future__ import annotations

import re

import numpy as np

from refrt.errors import Fail
from refrt.registry import kernel

_CAST_TO = {"TO_FLOAT": np.float32, "TO_INT64": np.int64, "TO_STRING": object}
_PAD = {"TO_FLOAT": np.float32(0), "TO_INT64": np.int64(0), "TO_STRING": "0.f"}
# What strtof/strtoll read after leading white space: hex and decimal floats, inf, nan; base-10 ints.
_FLOAT_PREFIX = re.compile(
    r"\s*([+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?"
    r"|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?))",
    re.IGNORECASE,
)
_INT_PREFIX = re.compile(r"\s*([+-]?\d+)")
_INT64 = np.iinfo(np.int64)


def _stof(s: str) -> float:
    match = _FLOAT_PREFIX.match(s)
    if match is None:
        raise ValueError(f"CastMap: stof: no number at the start of {s!r}")
    text = re.sub(r"\(.*\)$", "", match.group(1))
    value = float.fromhex(text) if "x" in text.lower() else float(text)
    with np.errstate(over="ignore"):
        single = np.float32(value)
    if np.isinf(single) and not np.isinf(value):
        raise ValueError(f"CastMap: stof: {s!r} is out of the range of float")
    return single


def _stoll(s: str) -> int:
    match = _INT_PREFIX.match(s)
    if match is None:
        raise ValueError(f"CastMap: stoll: no integer at the start of {s!r}")
    value = int(match.group(1))
    if not _INT64.min <= value <= _INT64.max:
        raise ValueError(f"CastMap: stoll: {s!r} is out of the range of int64")
    return value


def _cast(values: np.ndarray, cast_to: str) -> np.ndarray:
    """The map's values (float32, or object array of str) as the output type, C++'s way."""
    if values.dtype == object:  # strings
        if cast_to == "TO_STRING":
            return values
        parse = _stof if cast_to == "TO_FLOAT" else _stoll
        return np.array([parse(s) for s in values.tolist()], dtype=_CAST_TO[cast_to])
    values = values.astype(np.float32, copy=False)
    if cast_to == "TO_FLOAT":
        return values
    if cast_to == "TO_INT64":
        with np.errstate(invalid="ignore"):
            return values.astype(np.int64)  # truncation; NaN/inf/overflow -> INT64_MIN on x86
    return np.char.mod("%f", values.astype(np.float64)).astype(object)


@kernel("CastMap", domain="ai.onnx.ml", since=1, prepare=True)
def cast_map(*, cast_to="TO_FLOAT", map_form="DENSE", max_map=1):
    if cast_to not in _CAST_TO:
        raise Fail(f"Exception during initialization: Invalid CAST_TO value of {cast_to} Expected TO_FLOAT, TO_STRING or TO_INT64")
    if map_form not in ("DENSE", "SPARSE"):
        raise Fail(f"Exception during initialization: Invalid PACK_MAP value of {map_form} Expected DENSE or SPARSE")
    if map_form == "SPARSE" and max_map <= 0:
        raise Fail("Exception during initialization: max_map must be > 0 if map_form is SPARSE")
    out_dtype, pad = _CAST_TO[cast_to], _PAD[cast_to]

    def run(x):
        if not isinstance(x, dict):
            raise ValueError(f"CastMap: input must be a map(int64, string|float), got {type(x).__name__}")
        keys = np.array(list(x.keys()), dtype=np.int64)
        values = np.array(list(x.values()))
        if values.dtype.kind in "US":
            values = values.astype(object)
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        if map_form == "DENSE":
            return _cast(values, cast_to).astype(out_dtype, copy=False).reshape(1, -1)
        if len(keys) and keys[0] < 0:
            raise Fail(f"Negative index values are not permitted. First entry in map has index value of {keys[0]}")
        out = np.full((1, max_map), pad, dtype=out_dtype)
        inside = keys < max_map
        out[0, keys[inside]] = _cast(values[inside], cast_to)
        return out

    return run
