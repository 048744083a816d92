"""BitShift: X shifted LEFT or RIGHT by Y bits, elementwise.

Right shifts of signed integers copy the sign bit (opset 28). A shift by a negative amount or by
the bit width or more leaves only the sign fill: -1 for right shifts of negatives, else 0 (the
opset-28 text; onnxruntime does the same for the unsigned types of earlier revisions).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array


@kernel("BitShift", since=11)
def bit_shift(x, y, *, direction=None):
    if direction not in ("LEFT", "RIGHT"):
        raise ValueError(f"BitShift: direction must be 'LEFT' or 'RIGHT', got {direction!r}")
    in_range = (y >= 0) & (y < x.dtype.itemsize * 8)
    amount = np.where(in_range, y, 0).astype(x.dtype, copy=False)  # C leaves the others undefined
    if direction == "LEFT":
        return as_array(np.where(in_range, np.left_shift(x, amount), 0))
    sign_fill = np.negative((x < 0).astype(x.dtype))
    return as_array(np.where(in_range, np.right_shift(x, amount), sign_fill))
