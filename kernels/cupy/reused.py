"""NumPy kernels the CUDA provider runs unchanged on device arrays.

Each is written with functions CuPy implements (np.pad, np.square, np.zeros_like, np.tile, np.triu,
np.cumsum, np.put_along_axis, reshape / transpose / reductions) and ufuncs, which reach CuPy through
``__array_function__`` / ``__array_ufunc__``, and allocates nothing on the host, so the whole node
runs on the device. Found by registering candidates and running the conformance suite on the
cuda-emulator (refrt/cuda_emulator.py), where the stand-in refuses host arrays mixed into device
computations, names CuPy lacks, and kernels that hand back host arrays; those that passed every case
are listed here. (The elementwise kernels return ``as_array(np.f(x))`` rather than ``np.asarray``, which
would pull a device array to the host; others still allocate on the host (np.empty + out=, NumPy-only
helpers), so they have CUDA kernels of their own or fall back to the CPU.)
"""

from __future__ import annotations

from . import reuse

reuse(
    "LRN",                    # padded squares, `size` shifted adds, a power
    "BatchNormalization",     # (x - mean) * scale / sqrt(var + eps) + bias, per channel
    "InstanceNormalization",  # mean and variance over the spatial axes
    "LpNormalization",
    "CumSum",                 # cumsum, with flips / shifts for reverse and exclusive
    "DepthToSpace", "SpaceToDepth",  # reshape, transpose, reshape
    "GlobalMaxPool",
    "Hardmax",
    "Tile",
    "Trilu",
    # elementwise: one ufunc (or np.where over ufuncs) each
    "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
    "Floor", "Ceil", "Round", "Sign", "IsNaN", "IsInf", "ThresholdedRelu",
    "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
    "Not", "And", "Or", "Xor",
    "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot",
    "Erf", "Elu", "Selu", "Softplus", "Shrink", "Mod",
    "CumProd", "ReduceLogSumExp", "Det",
    "LeakyRelu", "PRelu", "HardSigmoid", "HardSwish", "Softsign", "Swish", "Mish", "Celu", "Pow",
    "Max", "Min", "Sum", "Mean",  # folded into one output made with np.empty_like (on the device)
    "Expand", "Split", "Pad", "ArgMin",
    "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum",
)
