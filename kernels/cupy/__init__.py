"""CUDAExecutionProvider's kernels: the same graphs on an NVIDIA GPU, through CuPy.

Each module ``op_<snake_name>.py`` registers kernels with ``@kernel(...)`` as the NumPy provider's do
(the registry files them under CUDAExecutionProvider while this package is being discovered), with the
same revision ranges and signatures. A kernel computes with its inputs' array module
(``xp = refrt.device.array_namespace(x)``): ``cupy`` on a GPU, the NumPy stand-in in the CPU tests, so
one code path is tested everywhere; CUDA source (``ElementwiseKernel``, ``RawKernel``) is built only
when ``xp`` is cupy. Ops this package lacks run on the next provider in the session's list (per node);
the plan copies their inputs to the host and their outputs back (refrt/plan.py), and profiling shows
each copy as a MemcpyToHost / MemcpyFromHost node.

What a kernel here receives: arrays on the device, except the inputs listed in
``refrt.device.HOST_INPUTS`` (shapes, axes, pads: small int64 tensors, as onnxruntime's CUDA kernels
take them in CPU memory), which arrive as NumPy arrays. A kernel returns device arrays; a host array it
returns is uploaded after it and counted as an "implicit" copy (tests expect none).

A NumPy kernel that is written against its inputs' array module runs here unchanged: :func:`reuse`
registers it for this provider, for the revisions it covers (``reused.py`` lists those that do, each
checked on the whole conformance suite with the cuda-emulator device module)::

    from refrt.kernels.cupy import reuse
    reuse("LRN", "Tile")
"""

from __future__ import annotations

from refrt import registry

PROVIDER = "CUDAExecutionProvider"
NUMPY_PACKAGE = "refrt.kernels.numpy"


def reuse(*ops: str, domain: str = "") -> None:
    """Register the NumPy reference kernels of ``ops`` (every revision they cover) for this provider,
    unchanged: for kernels whose code dispatches on their inputs' array module (ufuncs, NumPy functions
    CuPy implements through ``__array_function__``, ``array_namespace``)."""
    registry.discover(NUMPY_PACKAGE, registry.DEFAULT_PROVIDER)
    for op in ops:
        found = [e for e in registry.entries(registry.DEFAULT_PROVIDER) if e.op == op and e.domain == domain]
        if not found:
            raise KeyError(f"no NumPy kernel for {domain or 'ai.onnx'}:{op} to reuse")
        for e in found:
            registry.kernel(op, domain=domain, since=e.since, until=e.until, provider=PROVIDER, prepare=e.prepare)(e.fn)
