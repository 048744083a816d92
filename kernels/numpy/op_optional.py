"""Optional: an optional holding the input, or an empty optional (None) when there is no input."""

from __future__ import annotations

from refrt.registry import kernel


# Revision 28 only adds types.
@kernel("Optional", since=15)
def optional(x=None, *, type=None):
    # ``type`` names the element type of an empty optional; None carries no type to store it in.
    return x
