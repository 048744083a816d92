"""OptionalGetElement: the value an optional holds; a plain tensor or sequence passes through."""

from __future__ import annotations

from refrt.registry import kernel


# Revision 18 accepts plain tensors and sequences as well; 28 only adds types.
@kernel("OptionalGetElement", since=15)
def optional_get_element(x):
    if x is None:
        raise ValueError("OptionalGetElement: the optional is empty, it holds no element to get")
    return x
