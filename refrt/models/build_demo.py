"""Build ``demo_cnn.onnx``, the small image classifier that ``refrt demo`` runs.

    python -m refrt.models.build_demo            # rewrites refrt/models/demo_cnn.onnx

Input ``image``: float32 [batch, 1, 28, 28] (grayscale, MNIST-sized). Output ``probs``:
float32 [batch, 10]. The weights are random from a fixed seed (the demo shows the runtime, not
a trained model), so the file is the same bytes on every run. Layers, as torch.onnx.export
writes them at opset 17:

    Conv 3x3 (1->4) Relu MaxPool 2   ->  4 x 14 x 14
    Conv 3x3 (4->8) Relu MaxPool 2   ->  8 x 7 x 7
    Flatten, Gemm (392->10, transB=1), Softmax
"""

from __future__ import annotations

import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # the IR version that came with opset 17; older onnxruntime builds read it too
SEED = 20240117
LABELS = [str(d) for d in range(10)]
DEFAULT_PATH = pathlib.Path(__file__).with_name("demo_cnn.onnx")


def build() -> onnx.ModelProto:
    rng = np.random.default_rng(SEED)

    def he(shape, fan_in):  # He initialisation keeps activations O(1) through the Relus
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    inits = [
        numpy_helper.from_array(he((4, 1, 3, 3), 9), "conv1.weight"),
        numpy_helper.from_array(rng.uniform(-0.1, 0.1, 4).astype(np.float32), "conv1.bias"),
        numpy_helper.from_array(he((8, 4, 3, 3), 36), "conv2.weight"),
        numpy_helper.from_array(rng.uniform(-0.1, 0.1, 8).astype(np.float32), "conv2.bias"),
        numpy_helper.from_array(he((10, 392), 392), "fc.weight"),
        numpy_helper.from_array(rng.uniform(-0.1, 0.1, 10).astype(np.float32), "fc.bias"),
    ]
    conv = dict(dilations=[1, 1], group=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
    pool = dict(ceil_mode=0, dilations=[1, 1], kernel_shape=[2, 2], pads=[0, 0, 0, 0], strides=[2, 2])
    nodes = [
        helper.make_node("Conv", ["image", "conv1.weight", "conv1.bias"], ["conv1"], name="/conv1/Conv", **conv),
        helper.make_node("Relu", ["conv1"], ["relu1"], name="/relu1/Relu"),
        helper.make_node("MaxPool", ["relu1"], ["pool1"], name="/pool1/MaxPool", **pool),
        helper.make_node("Conv", ["pool1", "conv2.weight", "conv2.bias"], ["conv2"], name="/conv2/Conv", **conv),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="/relu2/Relu"),
        helper.make_node("MaxPool", ["relu2"], ["pool2"], name="/pool2/MaxPool", **pool),
        helper.make_node("Flatten", ["pool2"], ["flat"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm",
                         alpha=1.0, beta=1.0, transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], name="/Softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "demo_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, 28, 28])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="refrt.models.build_demo", producer_version="1",
                              doc_string="Demo CNN for 28x28 grayscale images; random weights (seed "
                                         f"{SEED}), so its predictions are arbitrary.")
    model.ir_version = IR_VERSION
    helper.set_model_props(model, {"labels": ",".join(LABELS)})
    onnx.checker.check_model(model, full_check=True)
    return model


def main(path: pathlib.Path = DEFAULT_PATH) -> pathlib.Path:
    onnx.save(build(), path)
    return path


if __name__ == "__main__":
    out = main()
    print(f"wrote {out} ({out.stat().st_size} bytes)")
