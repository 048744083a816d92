"""Identity on the device: the NumPy kernel itself (it returns its input), run on the device array."""

from __future__ import annotations

from refrt.kernels.numpy.op_identity import identity as _numpy_identity
from refrt.registry import kernel


@kernel("Identity", since=1)
def identity(x):
    return _numpy_identity(x)
