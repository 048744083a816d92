"""MaxPool: the largest element of each window, and optionally where it was (Indices).

Revision 8 adds the Indices output and storage_order; 10 adds ceil_mode and dilations; 11, 12 and 22
change wording and types only.
"""

from __future__ import annotations

from refrt.registry import kernel

from ._pool_util import max_pool, pool_geometry


def _check_storage_order(storage_order: int) -> bool:
    if storage_order not in (0, 1):
        raise ValueError(f"MaxPool storage_order must be 0 (row major) or 1 (column major), got {storage_order}")
    return bool(storage_order)


@kernel("MaxPool", since=10)
def max_pool_10(
    x, *, auto_pad="NOTSET", ceil_mode=0, dilations=None, kernel_shape=None, pads=None,
    storage_order=0, strides=None, _output_used=(True, False),
):
    column_major = _check_storage_order(storage_order)
    geo = pool_geometry(
        x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations, ceil_mode=ceil_mode
    )
    with_indices = len(_output_used) > 1 and _output_used[1]
    y, indices = max_pool(x, geo, with_indices=with_indices, storage_order=column_major)
    return (y, indices) if len(_output_used) > 1 else y


@kernel("MaxPool", since=8, until=9)
def max_pool_8(
    x, *, auto_pad="NOTSET", kernel_shape=None, pads=None, storage_order=0, strides=None,
    _output_used=(True, False),
):
    return max_pool_10(
        x, auto_pad=auto_pad, kernel_shape=kernel_shape, pads=pads, storage_order=storage_order,
        strides=strides, _output_used=_output_used,
    )


@kernel("MaxPool", since=1, until=7)
def max_pool_1(x, *, auto_pad="NOTSET", kernel_shape=None, pads=None, strides=None):
    geo = pool_geometry(x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad)
    return max_pool(x, geo)[0]
