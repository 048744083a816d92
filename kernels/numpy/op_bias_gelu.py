"""refrt BiasGelu: Gelu(x + bias), what fuse_gelu makes of an Add of a constant bias (a MatMul's,
typically) feeding a Gelu; one buffer holds the sum and then, in place, the result (onnxruntime's
com.microsoft BiasGelu, with ``approximate`` as Gelu-20 has it). With ``inplace=1`` (set by
mark_inplace when nothing else reads x) that buffer is x's own."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import as_array
from ._fused_util import gelu


@kernel("BiasGelu", domain="refrt", since=1)
def bias_gelu(x, bias, *, approximate="none", inplace=0):
    # mark_inplace: nothing else reads x; the sum goes into it when neither type nor broadcast widens it
    if inplace and x.flags.writeable and np.result_type(x, bias) == x.dtype and \
            np.broadcast_shapes(x.shape, bias.shape) == x.shape:
        y = np.add(x, bias, out=x)
    else:
        y = as_array(np.add(x, bias))
    return gelu(y, approximate, out=y)
