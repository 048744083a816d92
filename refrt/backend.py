"""onnx's backend interface (``prepare``, ``run_model``, ``run_node``), so onnx's own test runner drives refrt."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep

from refrt.session import InferenceSession, SessionOptions


class RefrtRep(BackendRep):
    def __init__(self, session: InferenceSession):
        self.session = session

    def run(self, inputs: Any, **kwargs: Any) -> tuple:
        names = [i.name for i in self.session.get_inputs()]
        # onnx's test data holds 0-d inputs as NumPy scalars; the session (like onnxruntime's) wants arrays.
        if isinstance(inputs, (list, tuple)):
            inputs = [np.asarray(v) if isinstance(v, np.generic) else v for v in inputs]
        if isinstance(inputs, dict):
            feeds = inputs
        elif isinstance(inputs, (list, tuple)):
            feeds = dict(zip(names, inputs))
        else:
            feeds = {names[0]: inputs}
        return tuple(self.session.run(None, feeds))


class RefrtBackend(Backend):
    providers: Sequence[str] = ("CPUExecutionProvider",)

    @classmethod
    def is_compatible(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        return cls.supports_device(device)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        return device.upper().startswith("CPU")

    @classmethod
    def prepare(cls, model: onnx.ModelProto | bytes | str, device: str = "CPU", **kwargs: Any) -> RefrtRep:
        options = SessionOptions()
        for k, v in kwargs.items():
            if hasattr(options, k):
                setattr(options, k, v)
        return RefrtRep(InferenceSession(model, options, providers=list(cls.providers)))

    @classmethod
    def run_model(cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU", **kwargs: Any) -> tuple:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: onnx.NodeProto, inputs: Any, device: str = "CPU", outputs_info=None, **kwargs: Any) -> tuple:
        opset = kwargs.pop("opset_version", onnx.defs.onnx_opset_version())
        values = [np.asarray(v) for v in inputs]
        graph_inputs = [
            onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
            for name, v in zip(node.input, values) if name
        ]
        graph_outputs = [onnx.ValueInfoProto(name=o) for o in node.output if o]
        graph = onnx.helper.make_graph([node], "run_node", graph_inputs, graph_outputs)
        model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid(node.domain, opset)])
        feeds = {name: v for name, v in zip(node.input, values) if name}
        session = InferenceSession(model, providers=list(cls.providers))
        return tuple(session.run(None, feeds))


prepare = RefrtBackend.prepare
run_model = RefrtBackend.run_model
run_node = RefrtBackend.run_node
supports_device = RefrtBackend.supports_device
is_compatible = RefrtBackend.is_compatible
