"""Time refrt's CUDA provider against the CPU providers, onnxruntime's CPU provider and PyTorch on CUDA.

    python -m bench.cuda_compare [--models resnet18,light_resnet50,bert_mini,bert_base4] [--batches 1,32]
                                 [--repeat 20] [--out bench/results/cuda_compare.json]

Per model and batch, the median seconds of one run (after warm-up runs), and throughput (samples/s):
- refrt CUDA: providers ["CUDAExecutionProvider", "CPUExecutionProvider"], feeds from host NumPy
  arrays (uploads and downloads included), and with IOBinding (inputs uploaded once, outputs kept on
  the device: the compute alone);
- refrt CPU (CPUExecutionProvider) and refrt Numba (NumbaExecutionProvider first) where available;
- onnxruntime, CPUExecutionProvider;
- PyTorch on CUDA where torch with CUDA is installed: the same graph rebuilt as torch operations from
  the ONNX weights (``TorchGraph``, the ops these models use); skipped with the reason otherwise.
The device is synchronised before each timer start and stop. light_resnet50 has a fixed batch of 1 in
its file: batch 32 is tried with the batch dimension made symbolic and reported n/a where the graph
pins it. Every engine's outputs are also compared with refrt CPU's (the largest absolute difference
per output, in the JSON and the table's last column), so a timing is never of a wrong result. Prints a
Markdown table and writes JSON. Exits 2 at once without a usable GPU.

``--emulate`` runs the whole script where there is no GPU, to check it before a GPU turn: the CUDA
provider on the ``cuda-emulator`` stand-in (refrt/cuda_emulator.py) and PyTorch on the CPU. Its times
mean nothing; its output checks do.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np
import onnx

DEFAULT_MODELS = ("resnet18", "light_resnet50", "bert_mini", "bert_base4")
CUDA = ["CUDAExecutionProvider", "CPUExecutionProvider"]


def _median_seconds(run, sync, repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        run()
    sync()
    times = []
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _batch_symbolic(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy whose graph inputs and outputs have a symbolic first dimension ("batch")."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    inits = {t.name for t in m.graph.initializer}
    for vi in list(m.graph.input) + list(m.graph.output):
        if vi.name in inits or not vi.type.tensor_type.shape.dim:
            continue
        vi.type.tensor_type.shape.dim[0].dim_param = "batch"
    return m


# ---- PyTorch: the ONNX graph as torch operations (the ops of the benchmark models) -------------------

class TorchGraph:
    """Runs an ONNX graph with torch functions on one device: weights from the initializers."""

    def __init__(self, model: onnx.ModelProto, device: str):
        import torch
        from onnx import numpy_helper

        self.torch, self.device, self.graph = torch, device, model.graph
        self.consts = {t.name: torch.as_tensor(numpy_helper.to_array(t).copy(), device=device)
                       for t in model.graph.initializer}
        for node in model.graph.node:
            if not hasattr(self, "op_" + node.op_type):
                raise NotImplementedError(f"no torch translation for {node.op_type}")

    def __call__(self, feeds: dict):
        env = dict(self.consts)
        env.update(feeds)
        for node in self.graph.node:
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            args = [env[n] if n else None for n in node.input]
            out = getattr(self, "op_" + node.op_type)(*args, **attrs)
            for name, value in zip(node.output, out if isinstance(out, tuple) else (out,)):
                env[name] = value
        return [env[o.name] for o in self.graph.output]

    F = property(lambda self: self.torch.nn.functional)

    def op_Add(self, a, b): return a + b  # noqa: E704 (a table of one-line translations)
    def op_Sub(self, a, b): return a - b  # noqa: E704
    def op_Mul(self, a, b): return a * b  # noqa: E704
    def op_Div(self, a, b): return a / b  # noqa: E704
    def op_Sum(self, *xs): return sum(xs[1:], xs[0])  # noqa: E704
    def op_Relu(self, x): return self.torch.relu(x)  # noqa: E704
    def op_Erf(self, x): return self.torch.erf(x)  # noqa: E704
    def op_MatMul(self, a, b): return self.torch.matmul(a, b)  # noqa: E704
    def op_Shape(self, x, **_): return self.torch.tensor(list(x.shape), dtype=self.torch.int64)  # noqa: E704
    def op_Unsqueeze(self, x, axes=None): return self._unsqueeze(x, axes)  # noqa: E704

    def _unsqueeze(self, x, axes):
        axes = [int(a) for a in (axes.tolist() if hasattr(axes, "tolist") else axes)]
        for a in sorted(a % (x.dim() + len(axes)) for a in axes):
            x = x.unsqueeze(a)
        return x

    def op_Cast(self, x, to):
        np_type = onnx.helper.tensor_dtype_to_np_dtype(to)
        return x.to(getattr(self.torch, np.dtype(np_type).name))

    def op_Gather(self, data, idx, axis=0):
        return self.torch.index_select(data, axis, idx.reshape(-1).to(data.device)).reshape(
            data.shape[:axis] + idx.shape + data.shape[axis + 1:])

    def op_Range(self, start, limit, delta):
        return self.torch.arange(int(start), int(limit), int(delta), device=self.device)

    def op_ConstantOfShape(self, shape, value=None):
        v = 0.0 if value is None else onnx.numpy_helper.to_array(value).item()
        return self.torch.full([int(s) for s in shape.tolist()], v, device=self.device)

    def op_Reshape(self, x, shape, allowzero=0):
        dims = [int(s) for s in shape.tolist()]
        dims = [x.shape[i] if d == 0 and not allowzero else d for i, d in enumerate(dims)]
        return x.reshape(dims)

    def op_Transpose(self, x, perm=None):
        return x.permute(*(perm if perm is not None else range(x.dim() - 1, -1, -1)))

    def op_Flatten(self, x, axis=1):
        return x.reshape(int(np.prod(x.shape[:axis])), -1)

    def op_Softmax(self, x, axis=-1):
        return self.torch.softmax(x, dim=axis)

    def op_LayerNormalization(self, x, scale, bias=None, axis=-1, epsilon=1e-5, **_):
        shape = x.shape[axis:]
        return self.F.layer_norm(x, shape, scale, bias, eps=epsilon)

    def op_BatchNormalization(self, x, scale, b, mean, var, epsilon=1e-5, **_):
        return self.F.batch_norm(x, mean, var, scale, b, training=False, eps=epsilon)

    def op_Gemm(self, a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
        y = alpha * (a.T if transA else a) @ (b.T if transB else b)
        return y if c is None else y + beta * c

    @staticmethod
    def _pads(pads, rank):
        pads = list(pads or [0] * (2 * rank))
        if pads[:rank] != pads[rank:]:
            raise NotImplementedError("asymmetric pads")
        return pads[:rank]

    def op_Conv(self, x, w, b=None, pads=None, strides=None, dilations=None, group=1, auto_pad="NOTSET", **_):
        rank = x.dim() - 2
        if auto_pad not in ("NOTSET", "VALID"):
            raise NotImplementedError(f"auto_pad {auto_pad}")
        conv = (self.F.conv1d, self.F.conv2d, self.F.conv3d)[rank - 1]
        return conv(x, w, b, stride=strides or 1, padding=self._pads(pads, rank), dilation=dilations or 1,
                    groups=group)

    def op_MaxPool(self, x, kernel_shape, pads=None, strides=None, ceil_mode=0, **_):
        return self.F.max_pool2d(x, kernel_shape, strides or 1, self._pads(pads, 2), ceil_mode=bool(ceil_mode))

    def op_AveragePool(self, x, kernel_shape, pads=None, strides=None, ceil_mode=0, count_include_pad=0, **_):
        return self.F.avg_pool2d(x, kernel_shape, strides or 1, self._pads(pads, 2), ceil_mode=bool(ceil_mode),
                                 count_include_pad=bool(count_include_pad))

    def op_GlobalAveragePool(self, x):
        return x.mean(dim=tuple(range(2, x.dim())), keepdim=True)


# ---- the runners -------------------------------------------------------------------------------------

# Each runner gives (run, fetch): ``run`` is timed; ``fetch`` runs once more and returns the outputs as
# NumPy arrays, for the output check.

def _refrt_runner(path, feeds, providers, iobinding: bool):
    import refrt

    sess = refrt.InferenceSession(str(path), providers=providers)
    if not iobinding:
        return (lambda: sess.run(None, feeds)), (lambda: sess.run(None, feeds))
    binding = sess.io_binding()
    for name, value in feeds.items():
        binding.bind_ortvalue_input(name, refrt.OrtValue.ortvalue_from_numpy(value, "cuda", 0))
    for out in sess.get_outputs():
        binding.bind_output(out.name, "cuda", 0)

    def fetch():
        sess.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()

    return (lambda: sess.run_with_iobinding(binding)), fetch


def _ort_runner(path, feeds):
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return (lambda: sess.run(None, feeds)), (lambda: sess.run(None, feeds))


def _torch_runner(model, feeds, emulate: bool = False):
    try:
        import torch
    except ImportError:
        raise RuntimeError("torch is not installed") from None
    if not torch.cuda.is_available() and not emulate:
        raise RuntimeError("torch has no CUDA here")
    where = "cuda" if torch.cuda.is_available() else "cpu"
    graph = TorchGraph(model, where)
    tfeeds = {k: torch.as_tensor(v, device=where) for k, v in feeds.items()}

    def run():
        with torch.inference_mode():
            return graph(tfeeds)

    return run, (lambda: [t.cpu().numpy() for t in run()])


def _max_diff(got, want) -> list[float]:
    """The largest absolute difference per output (inf where shapes differ)."""
    out = []
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        out.append(float(np.max(np.abs(g.astype(np.float64) - w))) if g.shape == w.shape and g.size else
                   (0.0 if g.shape == w.shape else float("inf")))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cuda_compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--out", default=str(pathlib.Path(__file__).with_name("results") / "cuda_compare.json"))
    parser.add_argument("--workdir", default=None,
                        help="where the models are saved for the sessions (default: beside --out)")
    parser.add_argument("--emulate", action="store_true",
                        help="no GPU: check the script on the CUDA emulator and PyTorch on the CPU (times mean nothing)")
    args = parser.parse_args(argv)

    import os

    from refrt import device

    if args.emulate:
        from refrt import cuda_emulator

        ok, why = cuda_emulator.available()
        os.environ[device.ENV] = device.EMULATOR
    else:
        ok, why = device.cuda_check()
    if not ok:
        print(f"bench.cuda_compare: no usable GPU here ({why}). Run it on a machine with an NVIDIA GPU and "
              "CuPy (pip install 'refrt[cuda]').", file=sys.stderr)
        return 2

    import refrt
    from bench import models

    if args.emulate:
        sync, gpu_name = (lambda: None), "none: cuda-emulator (times mean nothing)"
    else:
        import cupy

        sync = cupy.cuda.Device().synchronize
        gpu_name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    try:
        import torch

        if torch.cuda.is_available() and not args.emulate:
            sync = lambda: (cupy.cuda.Device().synchronize(), torch.cuda.synchronize())  # noqa: E731
    except ImportError:
        pass
    engines = [
        ("refrt CUDA (IOBinding)", "cuda_iobinding"), ("refrt CUDA", "cuda"), ("refrt CPU", "cpu"),
        ("refrt Numba", "numba"), ("onnxruntime CPU", "ort"), ("PyTorch CUDA", "torch"),
    ]
    if args.emulate:
        engines = [(label.replace("PyTorch CUDA", "PyTorch CPU"), key) for label, key in engines]
    known = models.cases()
    rows, results = [], []
    workdir = pathlib.Path(args.workdir) if args.workdir else pathlib.Path(args.out).with_suffix("")
    workdir.mkdir(parents=True, exist_ok=True)
    for name in args.models.split(","):
        case = known[name]
        model = case.load()
        for batch in (int(b) for b in args.batches.split(",")):
            m = model if batch in case.batches or not name.startswith("light_") else _batch_symbolic(model)
            path = workdir / f"{name}_b{batch}.onnx"
            onnx.save(m, str(path))
            try:
                feeds = case.feeds(m, batch)
            except Exception as e:  # noqa: BLE001
                results.append({"model": name, "batch": batch, "error": f"feeds: {e}"})
                continue
            row = {"model": name, "batch": batch}
            want = None
            for label, key in sorted(engines, key=lambda e: e[1] != "cpu"):  # refrt CPU first: the reference
                try:
                    if key == "cuda_iobinding":
                        run, fetch = _refrt_runner(path, feeds, CUDA, iobinding=True)
                    elif key == "cuda":
                        run, fetch = _refrt_runner(path, feeds, CUDA, iobinding=False)
                    elif key == "cpu":
                        run, fetch = _refrt_runner(path, feeds, ["CPUExecutionProvider"], iobinding=False)
                    elif key == "numba":
                        if "NumbaExecutionProvider" not in refrt.get_available_providers():
                            raise RuntimeError("numba is not installed")
                        run, fetch = _refrt_runner(path, feeds, ["NumbaExecutionProvider", "CPUExecutionProvider"],
                                                   False)
                    elif key == "ort":
                        run, fetch = _ort_runner(path, feeds)
                    else:
                        run, fetch = _torch_runner(m, feeds, emulate=args.emulate)
                    repeat = args.repeat if key.startswith(("cuda", "torch")) else max(3, args.repeat // 4)
                    seconds = _median_seconds(run, sync, repeat)
                    row[key] = {"seconds": seconds, "per_second": batch / seconds}
                    got = fetch()
                    if key == "cpu":
                        want = got
                    elif want is not None:
                        row[key]["max_abs_diff"] = _max_diff(got, want)
                except Exception as e:  # noqa: BLE001 - one engine failing must not stop the table
                    row[key] = {"error": f"{type(e).__name__}: {e}"[:200]}
                print(f"{name} batch {batch} {label}: {row[key]}", file=sys.stderr, flush=True)
            results.append(row)
            rows.append(row)
    header = "| model | batch | " + " | ".join(label for label, _ in engines) + " | largest output difference vs refrt CPU |"
    print(header)
    print("|" + "---|" * (3 + len(engines)))
    for row in rows:
        cells, diffs = [], []
        for label, key in engines:
            r = row.get(key, {})
            cells.append(f"{r['seconds'] * 1e3:.2f} ms ({r['per_second']:.0f}/s)" if "seconds" in r else "n/a")
            if r.get("max_abs_diff"):
                diffs.append(f"{label}: {max(r['max_abs_diff']):.2g}")
        print(f"| {row['model']} | {row['batch']} | " + " | ".join(cells) + f" | {'; '.join(diffs)} |")
    info = {"gpu": gpu_name, "results": results}
    pathlib.Path(args.out).write_text(json.dumps(info, indent=1))
    print(f"\nwritten {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
