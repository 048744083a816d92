"""If: run one of two subgraphs; both see the enclosing graph's values (outer scope)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


@kernel("If", since=1)
def if_(cond, *, then_branch, else_branch, _num_outputs):
    if np.size(cond) != 1:
        raise ValueError(f"If condition must hold exactly one element, got shape {np.shape(cond)}")
    outputs = (then_branch if bool(np.asarray(cond).reshape(-1)[0]) else else_branch)()
    if len(outputs) != _num_outputs:
        raise ValueError(f"If branch produced {len(outputs)} outputs, the node declares {_num_outputs}")
    return outputs[0] if _num_outputs == 1 else tuple(outputs)
