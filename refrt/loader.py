"""Reading a model: bytes or file -> checked ModelProto, external data read only from the model's folder."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import onnx
from google.protobuf.message import DecodeError
from onnx import external_data_helper

from refrt.errors import Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, NoSuchFile

# Domains whose opsets come from onnx.defs; a model stamped past their newest opset is refused.
_KNOWN_DOMAINS = ("", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training")


def load(source) -> tuple[onnx.ModelProto, str | None]:
    """Parse ``source`` (path, bytes or ModelProto) into a ModelProto of our own.

    Returns the model and the folder it came from (None for bytes or a ModelProto). External data
    is not read yet: :func:`load_external_data` reads it once the model has been checked.
    """
    if isinstance(source, onnx.ModelProto):
        model = onnx.ModelProto()
        model.CopyFrom(source)
        base_dir = None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        model = _parse(bytes(source), what="bytes")
        base_dir = None
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise NoSuchFile(f"Load model from {path} failed:Load model {path} failed. File doesn't exist")
        with open(path, "rb") as f:
            data = f.read()
        model = _parse(data, what=path)
        base_dir = os.path.dirname(os.path.abspath(path))
    else:
        raise TypeError(
            f"Unable to load from type '{type(source).__name__}': expected a path, bytes or onnx.ModelProto"
        )
    _check_opsets(model)
    return model, base_dir


def _parse(data: bytes, what: str) -> onnx.ModelProto:
    if not data:
        raise InvalidProtobuf(f"Failed to load model because protobuf parsing failed. ({what} is empty)")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise InvalidProtobuf(f"Failed to load model because protobuf parsing failed. ({e})") from None
    # Garbage can parse as a valid protobuf by chance; a real model has an IR version and a graph.
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise InvalidProtobuf(
            "Failed to load model because protobuf parsing failed. "
            f"({what} holds no ONNX model: ir_version={model.ir_version}, has graph={model.HasField('graph')})"
        )
    return model


@lru_cache(maxsize=None)
def newest_opset(domain: str) -> int:
    """The newest opset onnx.defs knows for ``domain``."""
    domain = "" if domain == "ai.onnx" else domain
    if domain == "":
        return onnx.defs.onnx_opset_version()
    return max((s.since_version for s in onnx.defs.get_all_schemas_with_history() if s.domain == domain), default=1)


def _check_opsets(model: onnx.ModelProto) -> None:
    if model.ir_version <= 0:
        raise InvalidGraph("This is an invalid model. Model has no ir_version set.")
    if model.ir_version > onnx.IR_VERSION:
        raise Fail(
            f"Unsupported model IR version: {model.ir_version}, max supported IR version: {onnx.IR_VERSION}"
        )
    for opset in model.opset_import:
        domain = opset.domain
        if domain not in _KNOWN_DOMAINS:
            continue
        latest = newest_opset(domain)
        if opset.version > latest:
            name = "ai.onnx" if domain in ("", "ai.onnx") else domain
            raise Fail(
                f"refrt only guarantees support for models stamped with official released onnx opset "
                f"versions. Opset {opset.version} is under development and support for this is limited. "
                f"The operator schemas and or other functionality may change before next ONNX release and "
                f"in this case refrt will not guarantee backward compatibility. Current official support "
                f"for domain {name} is till opset {latest}."
            )


def _external_tensors(model: onnx.ModelProto):
    return [t for t in external_data_helper._get_all_tensors(model) if external_data_helper.uses_external_data(t)]


def external_source(t: onnx.TensorProto, root: Path) -> tuple[Path, int, int]:
    """The file, offset and length of an external tensor's bytes, checked: a relative location whose file
    lies inside ``root`` (the model's resolved folder) and holds the bytes asked for."""
    info = external_data_helper.ExternalDataInfo(t)
    location = info.location
    if not location or os.path.isabs(location) or location.startswith(("/", "\\")) or ":" in location:
        raise InvalidArgument(
            f"External data for tensor '{t.name}' has location '{location}': it must be a relative "
            "path inside the model's folder"
        )
    target = (root / location).resolve()
    if root != target and root not in target.parents:
        raise InvalidArgument(
            f"External data for tensor '{t.name}' has location '{location}', which escapes the "
            f"model's folder '{root}'"
        )
    if not target.is_file():
        raise NoSuchFile(f"External data file '{location}' for tensor '{t.name}' doesn't exist in '{root}'")
    size = target.stat().st_size
    offset = info.offset or 0
    length = info.length if info.length is not None else size - offset
    if offset > size or offset + length > size:
        raise InvalidArgument(
            f"External data for tensor '{t.name}' asks for bytes {offset}...{offset + max(length, 0)} of "
            f"'{location}', which has only {size} bytes"
        )
    return target, offset, length


def load_external_data(model: onnx.ModelProto, base_dir: str | None) -> None:
    tensors = _external_tensors(model)
    if not tensors:
        return
    if base_dir is None:
        raise InvalidArgument(
            f"Model uses external data (tensor '{tensors[0].name}') but was given as bytes; "
            "load it from its file path so the data can be found next to it"
        )
    root = Path(base_dir).resolve()
    for t in tensors:
        external_source(t, root)  # every check before anything is read
    external_data_helper.load_external_data_for_model(model, str(root))
