"""Compiled traversal and leaf accumulation of the ai.onnx.ml tree ensembles.

The NumPy kernels' prepared state is reused as is (``_tree_util.Forest`` and ``LeafTable`` built by
the NumPy prepare functions, onnxruntime's reading of the attributes); only the walk and the sum
are compiled. ``CompiledForest`` takes a Forest's one-comparison tables (``Forest._tables_for``:
every branch node is ``x <= split'`` with its children swapped where the mode needs it and the
branch a NaN takes, so LEQ/LT/GTE/GT all cost one comparison, exactly as the NumPy walk decides)
and lays them out per node: feature, split, the two children, the NaN branch. Forests the fast
form does not cover (EQ, NEQ, BRANCH_MEMBER, NaN splits, integer compare types) are not compiled:
``CompiledForest.build`` returns None and the caller keeps the NumPy path.

Loops: rows in blocks of ``ROW_BLOCK``, the blocks spread over the session's threads (``prange``);
within a block, tree after tree, every row of the block walks the tree from its root to its leaf
(the tree's nodes stay in cache for the block) and adds the leaf's weight to that row's running
score. So each score is the sum of its trees' weights added in tree order starting from 0, in the
compare type: the NumPy kernels' (and onnxruntime's) order, bit for bit, and ties between labels
break the same way.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from refrt import registry

# The NumPy kernels this package delegates to must register under the CPU provider: discover their
# package now (the registry's lock is reentrant), before an op module here imports one of them while
# the Numba package is being discovered (which would file it under NumbaExecutionProvider).
registry.discover("refrt.kernels.numpy", "CPUExecutionProvider")

from ._jit import njit, parallel_njit, set_threads  # noqa: E402

ROW_BLOCK = 128
# rows from which the parallel loop is used (below it, one thread: no pool wake-up)
PARALLEL_ROWS = 256


@njit
def _walk_block(x, lo, hi, root, n_branches, feature, split, child, nan_branch, nodes):
    """Leaf ids (0..L-1) of rows lo..hi-1 in one tree, into nodes[:hi-lo]. The rows walk in lockstep
    (one level of every row still inside the tree per pass): their load chains are independent,
    so the CPU overlaps them; the branch taken is computed without a jump (v > split), NaN fixed
    up to the branch onnxruntime sends it to."""
    m = hi - lo
    for i in range(m):
        nodes[i] = root
    remaining = m if root < n_branches else 0
    while remaining > 0:
        for i in range(m):
            node = nodes[i]
            if node < n_branches:
                v = x[lo + i, feature[node]]
                b = np.int64(v > split[node])
                if v != v:
                    b = np.int64(nan_branch[node])
                node = np.int64(child[2 * node + b])
                nodes[i] = node
                if node >= n_branches:
                    remaining -= 1
    for i in range(m):
        nodes[i] -= n_branches


@njit
def _leaves_block(x, lo, hi, roots, n_branches, feature, split, child, nan_branch, out):
    nodes = np.empty(hi - lo, dtype=np.int64)
    for t in range(roots.shape[0]):
        _walk_block(x, lo, hi, roots[t], n_branches, feature, split, child, nan_branch, nodes)
        for i in range(hi - lo):
            out[t, lo + i] = nodes[i]


@njit
def _column_sum_block(x, lo, hi, roots, n_branches, feature, split, child, nan_branch, tree_column, value, out):
    nodes = np.empty(hi - lo, dtype=np.int64)
    for t in range(roots.shape[0]):
        _walk_block(x, lo, hi, roots[t], n_branches, feature, split, child, nan_branch, nodes)
        col = tree_column[t]
        for i in range(hi - lo):
            out[lo + i, col] += value[nodes[i]]


@njit
def _table_sum_block(x, lo, hi, roots, n_branches, feature, split, child, nan_branch, table, out):
    n_cols = table.shape[1]
    nodes = np.empty(hi - lo, dtype=np.int64)
    for t in range(roots.shape[0]):
        _walk_block(x, lo, hi, roots[t], n_branches, feature, split, child, nan_branch, nodes)
        for i in range(hi - lo):
            leaf = nodes[i]
            for c in range(n_cols):
                out[lo + i, c] += table[leaf, c]


# A serial and a parallel loop over the row blocks of each block function, written out: numba's
# disk cache keys a function by its source, so closures from one factory would share an entry.
@njit
def _leaves_serial(x, roots, n_branches, feature, split, child, nan_branch, a, b, out):
    n = x.shape[0]
    for lo in range(0, n, ROW_BLOCK):
        _leaves_block(x, lo, min(lo + ROW_BLOCK, n), roots, n_branches, feature, split, child, nan_branch,
                      out)


@parallel_njit
def _leaves_parallel(x, roots, n_branches, feature, split, child, nan_branch, a, b, out):
    n = x.shape[0]
    for k in prange((n + ROW_BLOCK - 1) // ROW_BLOCK):
        lo = k * ROW_BLOCK
        _leaves_block(x, lo, min(lo + ROW_BLOCK, n), roots, n_branches, feature, split, child, nan_branch,
                      out)


@njit
def _column_serial(x, roots, n_branches, feature, split, child, nan_branch, tree_column, value, out):
    n = x.shape[0]
    for lo in range(0, n, ROW_BLOCK):
        _column_sum_block(x, lo, min(lo + ROW_BLOCK, n), roots, n_branches, feature, split, child, nan_branch,
                          tree_column, value, out)


@parallel_njit
def _column_parallel(x, roots, n_branches, feature, split, child, nan_branch, tree_column, value, out):
    n = x.shape[0]
    for k in prange((n + ROW_BLOCK - 1) // ROW_BLOCK):
        lo = k * ROW_BLOCK
        _column_sum_block(x, lo, min(lo + ROW_BLOCK, n), roots, n_branches, feature, split, child, nan_branch,
                          tree_column, value, out)


@njit
def _table_serial(x, roots, n_branches, feature, split, child, nan_branch, a, table, out):
    n = x.shape[0]
    for lo in range(0, n, ROW_BLOCK):
        _table_sum_block(x, lo, min(lo + ROW_BLOCK, n), roots, n_branches, feature, split, child, nan_branch,
                         table, out)


@parallel_njit
def _table_parallel(x, roots, n_branches, feature, split, child, nan_branch, a, table, out):
    n = x.shape[0]
    for k in prange((n + ROW_BLOCK - 1) // ROW_BLOCK):
        lo = k * ROW_BLOCK
        _table_sum_block(x, lo, min(lo + ROW_BLOCK, n), roots, n_branches, feature, split, child, nan_branch,
                         table, out)


_LEAVES = (_leaves_serial, _leaves_parallel)
_COLUMN = (_column_serial, _column_parallel)
_TABLE = (_table_serial, _table_parallel)


class CompiledForest:
    """A Forest's fast tables per node, for one compare type (float32 or float64)."""

    def __init__(self, forest, dtype: np.dtype, split2: np.ndarray, kids: np.ndarray, nan_branch: np.ndarray):
        nb = forest.n_branches
        self.forest = forest
        self.dtype = dtype
        self.n_branches = np.int64(nb)
        self.feature = np.ascontiguousarray(forest.features, dtype=np.int32)
        self.split = np.ascontiguousarray(split2[0:2 * nb:2], dtype=dtype)
        self.child = np.ascontiguousarray(kids >> 1, dtype=np.int32)  # node numbers, "<=" branch first
        self.nan_branch = np.ascontiguousarray(nan_branch[0:2 * nb:2], dtype=np.uint8)
        self.roots = np.ascontiguousarray(forest.roots, dtype=np.int64)
        self._dummy_i = np.zeros(1, np.int64)
        self._dummy_f = np.zeros((1, 1), dtype)

    @classmethod
    def build(cls, forest, dtype) -> "CompiledForest | None":
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            return None
        tables = forest._tables_for(dtype)
        if tables[0] != "fast":
            return None
        _, split2, kids, nan_branch = tables
        return cls(forest, dtype, split2, kids, nan_branch)

    def _run(self, drivers, x, a, b, out):
        args = (np.ascontiguousarray(x), self.roots, self.n_branches, self.feature, self.split, self.child,
                self.nan_branch, a, b, out)
        if x.shape[0] >= PARALLEL_ROWS:
            set_threads()
            drivers[1](*args)
        else:
            drivers[0](*args)
        return out

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Forest.leaves: leaf ids (0..L-1), shape (trees, rows), int32."""
        self.forest.check_features(x.shape[1])
        out = np.empty((len(self.roots), x.shape[0]), dtype=np.int32)
        return self._run(_LEAVES, x, self._dummy_i, self._dummy_f, out)

    def column_sum(self, x: np.ndarray, tree_column: np.ndarray, value: np.ndarray, n_columns: int) -> np.ndarray:
        """(N, n_columns): per row, the sum over the trees (in tree order, from 0) of ``value[leaf]``
        added to column ``tree_column[tree]``."""
        self.forest.check_features(x.shape[1])
        out = np.zeros((x.shape[0], n_columns), dtype=self.dtype)
        return self._run(_COLUMN, x, tree_column, value, out)

    def table_sum(self, x: np.ndarray, table: np.ndarray) -> np.ndarray:
        """(N, C): per row, the sum over the trees (in tree order, from 0) of ``table[leaf, :]``."""
        self.forest.check_features(x.shape[1])
        out = np.zeros((x.shape[0], table.shape[1]), dtype=self.dtype)
        return self._run(_TABLE, x, self._dummy_i, table, out)


def numpy_state(numpy_run) -> dict:
    """The objects a NumPy tree kernel's prepared ``run`` closes over (its Forest, LeafTable, parsed
    attributes and post-processing helpers), by name."""
    cells = numpy_run.__closure__ or ()
    out = {}
    for name, cell in zip(numpy_run.__code__.co_freevars, cells):
        try:
            out[name] = cell.cell_contents
        except ValueError:  # a name the prepare function never bound (e.g. no LeafTable for one target)
            pass
    return out


def install_compiled_leaves(forest) -> dict:
    """Make ``forest.leaves`` (on this instance only: a prepared node's own Forest) the compiled
    walk where the fast form applies, so every NumPy path that asks for leaves gets it; returns the
    per-dtype cache of CompiledForest (None where not compiled)."""
    cache: dict = {}
    numpy_leaves = forest.leaves

    def compiled_for(dtype):
        dtype = np.dtype(dtype)
        if dtype not in cache:
            cache[dtype] = CompiledForest.build(forest, dtype)
        return cache[dtype]

    def leaves(x):
        cf = compiled_for(x.dtype)
        return numpy_leaves(x) if cf is None else cf.leaves(x)

    forest.leaves = leaves
    return compiled_for
