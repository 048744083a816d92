"""DFT: the discrete Fourier transform along one axis of a real [..., 1] or complex [..., 2] signal.

dft_length zero-pads or truncates the axis; onesided keeps the first floor(n/2) + 1 bins (forward),
or reads them as a Hermitian spectrum and returns the real signal [..., 1] (inverse, NumPy's irfft;
onnxruntime differs when the input holds more or fewer than floor(n/2) + 1 bins). The inverse
is scaled by 1/n. NumPy's FFT computes in float64 for double input, else in float32.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._signal_util import as_complex, from_complex
from ._tensor_util import scalar_of


def _dft(x, dft_length, axis: int, inverse: int, onesided: int):
    if x.ndim < 2:
        raise ValueError(f"DFT: input must have rank >= 2, got shape {x.shape}")
    r = x.ndim
    if not (-r <= axis <= -2 or 0 <= axis <= r - 2):
        raise ValueError(f"DFT: axis {axis} must lie in [-{r}, -2] or [0, {r - 2}] for rank {r}")
    axis %= r
    if onesided and x.shape[-1] != (2 if inverse else 1):
        raise ValueError("DFT: onesided needs real input (forward) or complex input (inverse)")
    z = as_complex(x, "DFT")
    if dft_length is None:
        n = 2 * (x.shape[axis] - 1) if inverse and onesided else x.shape[axis]
    else:
        n = int(scalar_of(dft_length, "DFT dft_length"))
        if n < 1:
            raise ValueError(f"DFT: dft_length must be positive, got {n}")
    if inverse and onesided:
        return np.fft.irfft(z, n=n, axis=axis)[..., None].astype(x.dtype)
    y = np.fft.ifft(z, n=n, axis=axis) if inverse else np.fft.fft(z, n=n, axis=axis)
    if onesided:
        y = np.take(y, np.arange(n // 2 + 1), axis=axis)
    return from_complex(y, x.dtype)


@kernel("DFT", since=17, until=19)
def dft_17(x, dft_length=None, *, axis=1, inverse=0, onesided=0):
    return _dft(x, dft_length, axis, inverse, onesided)


@kernel("DFT", since=20)
def dft_20(x, dft_length=None, axis=None, *, inverse=0, onesided=0):
    axis = -2 if axis is None else int(scalar_of(axis, "DFT axis"))
    return _dft(x, dft_length, axis, inverse, onesided)
