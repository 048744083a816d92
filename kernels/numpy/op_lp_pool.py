"""LpPool: the p-norm of each window, (sum |x|^p)^(1/p).

Revision 1 takes p as a float; 2 makes it an int; 11 changes wording only; 18 adds ceil_mode and
dilations; 22 adds types.
"""

from __future__ import annotations

from refrt.registry import kernel

from ._pool_util import lp_pool, pool_geometry


@kernel("LpPool", since=18)
def lp_pool_18(x, *, auto_pad="NOTSET", ceil_mode=0, dilations=None, kernel_shape=None, p=2, pads=None, strides=None):
    geo = pool_geometry(
        x, kernel_shape, strides=strides, pads=pads, auto_pad=auto_pad, dilations=dilations, ceil_mode=ceil_mode
    )
    return lp_pool(x, geo, p=p)


@kernel("LpPool", since=2, until=17)
def lp_pool_2(x, *, auto_pad="NOTSET", kernel_shape=None, p=2, pads=None, strides=None):
    return lp_pool_18(x, auto_pad=auto_pad, kernel_shape=kernel_shape, p=p, pads=pads, strides=strides)


@kernel("LpPool", since=1, until=1)
def lp_pool_1(x, *, auto_pad="NOTSET", kernel_shape=None, p=2.0, pads=None, strides=None):
    return lp_pool_18(x, auto_pad=auto_pad, kernel_shape=kernel_shape, p=p, pads=pads, strides=strides)
