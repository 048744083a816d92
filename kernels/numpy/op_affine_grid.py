"""AffineGrid: the sampling grid (for GridSample) of an affine map: grid[n, ..., :] = theta[n] @ (x, y[, z], 1),
with (x, y, z) the normalised positions of the output pixels along W, H[, D]."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import NARROW_FLOATS


def _positions(n: int, align_corners: int) -> np.ndarray:
    """Normalised centres of n pixels: -1..1 through the corner pixels' centres, or the image's edges."""
    i = np.arange(n, dtype=np.float64)
    if align_corners:
        # One pixel: onnxruntime puts it at 1 (Eigen's LinSpaced); onnx's reference says -1, PyTorch 0.
        return -1 + 2 * i / (n - 1) if n > 1 else np.ones(n)
    return (2 * i + 1) / n - 1


@kernel("AffineGrid", since=20)
def affine_grid(theta, size, *, align_corners=0):
    size = [int(v) for v in np.asarray(size).reshape(-1)]
    if len(size) not in (4, 5):
        raise ValueError(f"AffineGrid: size must be (N, C, H, W) or (N, C, D, H, W), got {size}")
    spatial = size[2:]
    d = len(spatial)
    if theta.shape != (size[0], d, d + 1):
        raise ValueError(f"AffineGrid: theta must have shape {(size[0], d, d + 1)} for size {size}, got {theta.shape}")
    if any(s < 0 for s in spatial):
        raise ValueError(f"AffineGrid: sizes must not be negative, got {size}")
    work = np.dtype(np.float32) if theta.dtype in NARROW_FLOATS else theta.dtype
    # Homogeneous coordinates (x, y[, z], 1) of every output pixel; x runs along the last axis.
    axes = [_positions(s, align_corners) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack([*mesh[::-1], np.ones(spatial)], axis=-1).reshape(-1, d + 1).astype(work)
    grid = base @ np.swapaxes(theta.astype(work, copy=False), 1, 2)  # (N, P, d)
    return grid.reshape([size[0], *spatial, d]).astype(theta.dtype, copy=False)
