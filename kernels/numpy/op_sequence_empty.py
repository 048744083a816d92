"""SequenceEmpty: a sequence holding no tensor."""

from __future__ import annotations

from refrt.registry import kernel


@kernel("SequenceEmpty", since=11)
def sequence_empty(*, dtype=None):
    # A sequence is a plain list, so its element type (``dtype``) has nothing to be stored in.
    return []
