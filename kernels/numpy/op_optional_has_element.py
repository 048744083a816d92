"""OptionalHasElement: whether an optional holds a value (a plain tensor or sequence always does)."""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


# Revision 18 makes the input optional (absent means empty) and accepts plain tensors and
# sequences; 28 only adds types. Revision 15 is the same function on its narrower inputs.
@kernel("OptionalHasElement", since=15)
def optional_has_element(x=None):
    return np.array(x is not None)
