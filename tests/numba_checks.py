"""What the Numba provider's kernel tests share: each compiled kernel beside the NumPy kernel it
replaces, an exact comparison, and a session on the Numba provider that says where each node ran.

Import it after ``pytest.importorskip("numba")``: importing discovers both providers' kernels.
"""

from __future__ import annotations

import json
import os

import numpy as np

import refrt
from refrt import registry
from refrt.providers import KNOWN

NUMBA = "NumbaExecutionProvider"
PROVIDERS = [NUMBA, "CPUExecutionProvider"]
KNOWN["CPUExecutionProvider"].discover()
KNOWN[NUMBA].discover()


def pair(op, version=1, domain=""):
    """(Numba kernel, NumPy kernel) of domain:op at ``version``."""
    nb = registry.lookup(domain, op, version, NUMBA)
    np_ = registry.lookup(domain, op, version, "CPUExecutionProvider")
    assert nb is not None and nb.where.startswith("refrt.kernels.numba."), nb
    return nb.fn, np_.fn


def same(got, want):
    """Bit for bit, with the same dtype and shape; a tuple of results item by item."""
    if isinstance(want, tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            same(g, w)
        return
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def run_numba(model, feeds, tmp_path):
    """refrt's outputs on the Numba + CPU providers, and {op type: providers it ran on}."""
    so = refrt.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "prof")
    sess = refrt.InferenceSession(model.SerializeToString(), so, providers=PROVIDERS)
    outs = sess.run(None, feeds)
    path = sess.end_profiling()
    with open(path) as f:
        events = json.load(f)
    os.remove(path)
    where: dict[str, set] = {}
    for e in events:
        if e["cat"] == "Node":
            where.setdefault(e["args"]["op_name"], set()).add(e["args"]["provider"])
    return outs, where
