"""Shared pieces of the signal kernels (DFT, STFT, the windows): complex views of the [..., 1|2]
real layout, and window formulas computed in float64, then cast once."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto

from refrt.types import np_dtype

from ._tensor_util import scalar_of


def fft_dtype(dtype: np.dtype) -> np.dtype:
    """The real type to transform in: float64 for double, else float32.

    NumPy's FFT keeps float32 as float32, as onnx's reference (which made the test suite's
    expectations) does; its rounding noise on near-zero bins then matches bit for bit.
    """
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def as_complex(x: np.ndarray, op: str) -> np.ndarray:
    """[..., 1] (real) or [..., 2] (real, imaginary) -> real or complex array of shape [...]."""
    if x.ndim < 1 or x.shape[-1] not in (1, 2):
        raise ValueError(f"{op}: the last axis must have 1 (real) or 2 (complex) components, got shape {x.shape}")
    v = x.astype(fft_dtype(x.dtype))
    return v[..., 0] if x.shape[-1] == 1 else v[..., 0] + 1j * v[..., 1]


def from_complex(z: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """complex [...] -> [..., 2] of ``dtype``."""
    out = np.empty(z.shape + (2,), dtype)
    out[..., 0] = z.real
    out[..., 1] = z.imag
    return out


def window(size, periodic: int, output_datatype: int, coefficients: tuple[float, ...], op: str) -> np.ndarray:
    """sum_k (-1)^k a_k cos(2 pi k n / N), N = size (periodic) or size - 1 (symmetric)."""
    n = int(scalar_of(size, f"{op} size"))
    if n < 0:
        raise ValueError(f"{op}: size must not be negative, got {n}")
    try:
        dtype = np_dtype(int(output_datatype))
    except (KeyError, ValueError, TypeError):
        raise ValueError(f"{op}: output_datatype {output_datatype} is not a tensor type") from None
    if output_datatype == TensorProto.STRING:
        raise ValueError(f"{op}: output_datatype must be numeric")
    denominator = n if periodic else n - 1
    i = np.arange(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        phase = 2 * np.pi * i / denominator
        w = np.zeros(n)
        for k, a in enumerate(coefficients):
            w += (-1) ** k * a * np.cos(k * phase)
    if dtype.kind in "iub":
        # Integer outputs: round through float32 first, as onnxruntime's float computation does
        # (Blackman's peak is 1 in float32 but 0.99999999 in float64, which truncates to 0).
        w = w.astype(np.float32)
    with np.errstate(invalid="ignore"):  # a 1-sample symmetric window is 0/0
        return w.astype(dtype)
