"""Compiled traversal and leaf accumulation of the ai.onnx.ml tree ensembles.

The NumPy kernels parse the attributes (onnxruntime's reading): ``_tree_util.Forest``, the
``PreparedTrees`` a prepared NumPy run carries as its ``prepared`` attribute, ``op_tree_ensemble.
Ensemble``. Compiled here are the walk and the sum. ``CompiledForest.build`` takes a Forest's
one-comparison form (``Forest.one_comparison_tables``: every branch node is ``x <= split'``, its
children swapped where the mode needs it, and the branch a NaN takes, so LEQ/LT/GTE/GT cost one
comparison and decide exactly as the NumPy walk does) and packs each node into 4 integers:
feature, the split's bits, the two children (a leaf's split is +inf and both its children are
itself). Forests the fast form does not cover (EQ, NEQ, BRANCH_MEMBER, NaN splits, integer
compare types) are not compiled: ``build`` returns None and the caller keeps the NumPy path.

Loops: rows in blocks of ``ROW_BLOCK``; within a block, tree after tree, every row of the block
walks the tree in lockstep, one level per pass over the rows (their load chains are independent,
so the CPU overlaps them; the tree's nodes and the block's rows stay in L1). The first passes of a
tree (up to ``switch``: the depth that COMPACT_QUANTILE of its leaves lie within) have no test at
all: a row that reached a leaf stays on it (``child = itself``), so each step is a branch-free
gather of feature, split, X value and child. After that, the rows still walking are kept in an
index list compacted each pass, so that the long tails of deep trees do not cost every row a step.
Then the leaf's weight is added to that row's running score: each score is the sum of its trees'
weights added in tree order starting from 0, in the accumulation type: the NumPy kernels' (and
onnxruntime's) order, bit for bit, so ties between labels break the same way.

A NaN X value: ``x > split`` is false for it, so it goes to branch 0; forests whose NaN branch is 1
everywhere (the default: no missing-value tracking, modes LEQ/LT) test ``not x <= split`` instead,
which sends NaN to branch 1 at no cost; forests with mixed NaN branches look the branch up per node
when X holds a NaN (about 25% slower; checked per call).

Rows are split across the session's threads with ``refrt.intra_op.run_chunks`` (contiguous row
ranges, each a nogil compiled call) once a chunk gets at least ``MIN_CHUNK_STEPS`` (row, level) steps.

Measured on the bench models (10,000 rows, 1 thread, shared 2-core VM): the walk + sum of
random_forest (100 trees, depth <= 22) 26 ms, of gradient_boosting (100 trees of depth 3) 6.3 ms;
the previous compiled walk (a leaf test per row and pass, split arrays) took 46 and 10 ms, one row
at a time through all trees (onnxruntime's order) 117 and 12 ms; unpacked arrays 33 and 7.1 ms.
One row: 9 and 2.7 us (the walk inlined into the kernels: as a called function, 17 and 8 us).
First call in a fresh process: about 1.6 s to compile one kernel for one type; 0.4 s from the
disk cache.
"""

from __future__ import annotations

import numpy as np

from refrt import registry
from refrt.intra_op import run_chunks

# The NumPy kernels this package delegates to must register under the CPU provider: discover their
# package now (the registry's lock is reentrant), before an op module here imports one of them while
# the Numba package is being discovered (which would file it under NumbaExecutionProvider).
registry.discover("refrt.kernels.numpy", "CPUExecutionProvider")

import numba  # noqa: E402

from refrt.kernels.numpy._tree_util import compare_input  # noqa: E402

from ._jit import njit  # noqa: E402

# the walk is inlined into each kernel (numba's IR inlining): called per tree, a real call cost ~70 ns
# (its array arguments' reference counts), which is what one row's walk of a depth-3 tree costs
_inline_njit = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")

ROW_BLOCK = 128
# blocks of at most this many rows walk row by row (the lockstep pays from a few rows on)
FEW_ROWS = 2
# (row, tree level) steps from which a row range is split across threads (about 0.5 ms of walking:
# waking a pool thread costs ~0.1 ms on this VM)
MIN_CHUNK_STEPS = 1 << 18
# the depth, per tree, after which the rows still walking are compacted: the depth this share of the
# tree's leaves lie within (measured on random_forest: 0.75 25.1 ms, 0.5 27.1, no compaction 27.9)
COMPACT_QUANTILE = 0.75
# nan_mode: how a NaN X value picks its branch
NAN_GT, NAN_NOT_LEQ, NAN_LOOKUP = 0, 1, 2


@_inline_njit
def _walk(xb, m, root, depth, switch, packed, sp, nb, nan_mode, nan_branch, nodes, idx):
    """Node numbers of the leaves rows 0..m-1 of ``xb`` reach in one tree, into ``nodes[:m]``."""
    if m <= FEW_ROWS:  # too few rows to overlap: each row down its path, the node in a register
        for i in range(m):
            nd = root
            while nd < nb:
                base = 4 * nd
                v = xb[i, packed[base]]
                if nan_mode == NAN_NOT_LEQ:
                    b = np.int64(not v <= sp[base + 1])
                else:
                    b = np.int64(v > sp[base + 1])
                    if nan_mode == NAN_LOOKUP and v != v:
                        b = np.int64(nan_branch[nd])
                nd = packed[base + 2 + b]
            nodes[i] = nd
        return
    for i in range(m):
        nodes[i] = root
    if nan_mode == NAN_GT:
        for _ in range(switch):
            for i in range(m):
                base = 4 * nodes[i]
                nodes[i] = packed[base + 2 + np.int64(xb[i, packed[base]] > sp[base + 1])]
    elif nan_mode == NAN_NOT_LEQ:
        for _ in range(switch):
            for i in range(m):
                base = 4 * nodes[i]
                nodes[i] = packed[base + 2 + np.int64(not xb[i, packed[base]] <= sp[base + 1])]
    else:
        for _ in range(switch):
            for i in range(m):
                nd = nodes[i]
                base = 4 * nd
                v = xb[i, packed[base]]
                b = np.int64(v > sp[base + 1])
                if v != v:
                    b = np.int64(nan_branch[nd])
                nodes[i] = packed[base + 2 + b]
    if switch >= depth:
        return
    k = 0
    for i in range(m):  # the rows still inside the tree
        idx[k] = i
        k += np.int64(nodes[i] < nb)
    while k > 0:
        walking = k
        k = 0
        for j in range(walking):
            i = idx[j]
            nd = nodes[i]
            base = 4 * nd
            v = xb[i, packed[base]]
            if nan_mode == NAN_NOT_LEQ:
                b = np.int64(not v <= sp[base + 1])
            else:
                b = np.int64(v > sp[base + 1])
                if nan_mode == NAN_LOOKUP and v != v:
                    b = np.int64(nan_branch[nd])
            nd = packed[base + 2 + b]
            nodes[i] = nd
            idx[k] = i
            k += np.int64(nd < nb)


@njit
def _leaves_rows(x, lo, hi, roots, depths, switches, packed, sp, nb, nan_mode, nan_branch, out):
    """Leaf ids (0..L-1) of rows lo..hi-1 into out[:, lo:hi] (trees, rows)."""
    nodes = np.empty(ROW_BLOCK, dtype=packed.dtype)
    idx = np.empty(ROW_BLOCK, dtype=np.int64)
    for start in range(lo, hi, ROW_BLOCK):
        m = min(ROW_BLOCK, hi - start)
        xb = x[start:start + m]
        for t in range(roots.shape[0]):
            _walk(xb, m, roots[t], depths[t], switches[t], packed, sp, nb, nan_mode, nan_branch, nodes, idx)
            for i in range(m):
                out[t, start + i] = nodes[i] - nb


@njit
def _tree_column_rows(x, lo, hi, roots, depths, switches, packed, sp, nb, nan_mode, nan_branch, tree_column,
                      value, out):
    """out[row, tree_column[t]] += value[leaf] for rows lo..hi-1, tree after tree."""
    nodes = np.empty(ROW_BLOCK, dtype=packed.dtype)
    idx = np.empty(ROW_BLOCK, dtype=np.int64)
    for start in range(lo, hi, ROW_BLOCK):
        m = min(ROW_BLOCK, hi - start)
        xb = x[start:start + m]
        ob = out[start:start + m]
        for t in range(roots.shape[0]):
            _walk(xb, m, roots[t], depths[t], switches[t], packed, sp, nb, nan_mode, nan_branch, nodes, idx)
            c = tree_column[t]
            for i in range(m):
                ob[i, c] += value[nodes[i] - nb]


@njit
def _leaf_column_rows(x, lo, hi, roots, depths, switches, packed, sp, nb, nan_mode, nan_branch, leaf_column,
                      value, out):
    """out[row, leaf_column[leaf]] += value[leaf] for rows lo..hi-1, tree after tree."""
    nodes = np.empty(ROW_BLOCK, dtype=packed.dtype)
    idx = np.empty(ROW_BLOCK, dtype=np.int64)
    for start in range(lo, hi, ROW_BLOCK):
        m = min(ROW_BLOCK, hi - start)
        xb = x[start:start + m]
        ob = out[start:start + m]
        for t in range(roots.shape[0]):
            _walk(xb, m, roots[t], depths[t], switches[t], packed, sp, nb, nan_mode, nan_branch, nodes, idx)
            for i in range(m):
                leaf = nodes[i] - nb
                ob[i, leaf_column[leaf]] += value[leaf]


@njit
def _table_rows(x, lo, hi, roots, depths, switches, packed, sp, nb, nan_mode, nan_branch, table, out):
    """out[row, :] += table[leaf, :] for rows lo..hi-1, tree after tree."""
    nodes = np.empty(ROW_BLOCK, dtype=packed.dtype)
    idx = np.empty(ROW_BLOCK, dtype=np.int64)
    n_cols = table.shape[1]
    for start in range(lo, hi, ROW_BLOCK):
        m = min(ROW_BLOCK, hi - start)
        xb = x[start:start + m]
        ob = out[start:start + m]
        for t in range(roots.shape[0]):
            _walk(xb, m, roots[t], depths[t], switches[t], packed, sp, nb, nan_mode, nan_branch, nodes, idx)
            for i in range(m):
                leaf = nodes[i] - nb
                for c in range(n_cols):
                    ob[i, c] += table[leaf, c]


def _depths(forest) -> tuple[np.ndarray, np.ndarray]:
    """Per tree: its depth (steps of its deepest path) and the depth COMPACT_QUANTILE of its leaves lie within."""
    n_trees = len(forest.roots)
    leaf_tree, _, leaf_depth = forest.tree_leaf_depths()
    order = np.lexsort((leaf_depth, leaf_tree))
    leaf_tree, leaf_depth = leaf_tree[order], leaf_depth[order]
    count = np.bincount(leaf_tree, minlength=n_trees)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    depth = np.zeros(n_trees, dtype=np.int64)
    switch = np.zeros(n_trees, dtype=np.int64)
    has = count > 0
    depth[has] = leaf_depth[first[has] + count[has] - 1]
    switch[has] = leaf_depth[first[has] + (COMPACT_QUANTILE * (count[has] - 1)).astype(np.int64)]
    return depth, switch


class CompiledForest:
    """A Forest's packed nodes for one compare type (float32 or float64)."""

    def __init__(self, forest, dtype: np.dtype, split2: np.ndarray, kids: np.ndarray, nan_branch: np.ndarray):
        nb, n_nodes = forest.n_branches, forest.n_branches + forest.n_leaves
        self.forest = forest
        self.dtype = dtype
        itype = np.int32 if dtype == np.float32 else np.int64  # one word per field: the split's bits fit
        packed = np.zeros((n_nodes, 4), dtype=itype)
        packed[:nb, 0] = forest.features
        packed[:, 1] = split2[0::2].astype(dtype).view(itype)
        packed[:, 2:] = (kids >> 1).reshape(n_nodes, 2)
        self.packed = packed.reshape(-1)
        self.sp = self.packed.view(dtype)
        self.nb = itype(nb)
        branch_nan = nan_branch[0:2 * nb:2]
        self.nan_branch = np.ascontiguousarray(nan_branch[0::2], dtype=np.uint8)
        # NaN sends every node the same way: one comparison decides it; else look it up when X has a NaN
        self.nan_fixed = NAN_GT if not branch_nan.any() else NAN_NOT_LEQ if branch_nan.all() else None
        self.roots = np.ascontiguousarray(forest.roots, dtype=itype)
        self.depths, self.switches = _depths(forest)
        steps = max(1, int(self.depths.sum()))
        self.min_chunk_rows = max(ROW_BLOCK, MIN_CHUNK_STEPS // steps)

    @classmethod
    def build(cls, forest, dtype) -> "CompiledForest | None":
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            return None
        tables = forest.one_comparison_tables(dtype)
        return None if tables is None else cls(forest, dtype, *tables)

    def _run(self, kernel, x, *extra):
        x = np.ascontiguousarray(x)
        self.forest.check_features(x.shape[1])
        nan_mode = self.nan_fixed
        if nan_mode is None:
            nan_mode = NAN_LOOKUP if np.isnan(x).any() else NAN_GT
        head = (self.roots, self.depths, self.switches, self.packed, self.sp, self.nb, nan_mode, self.nan_branch)
        n = x.shape[0]
        if n < 2 * self.min_chunk_rows:
            kernel(x, 0, n, *head, *extra)
        else:
            run_chunks(lambda lo, hi: kernel(x, lo, hi, *head, *extra), n, self.min_chunk_rows)

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Forest.leaves: leaf ids (0..L-1), shape (trees, rows), int32."""
        out = np.empty((len(self.roots), x.shape[0]), dtype=np.int32)
        self._run(_leaves_rows, x, out)
        return out

    def tree_column_sum(self, x: np.ndarray, tree_column: np.ndarray, value: np.ndarray, n_columns: int) -> np.ndarray:
        """(N, n_columns) in value's type: per row, the sum over the trees (in tree order, from 0) of
        ``value[leaf]`` added to column ``tree_column[tree]``."""
        out = np.zeros((x.shape[0], n_columns), dtype=value.dtype)
        self._run(_tree_column_rows, x, tree_column, value, out)
        return out

    def leaf_column_sum(self, x: np.ndarray, leaf_column: np.ndarray, value: np.ndarray, n_columns: int) -> np.ndarray:
        """(N, n_columns) in value's type: per row, the sum over the trees (in tree order, from 0) of
        ``value[leaf]`` added to column ``leaf_column[leaf]``."""
        out = np.zeros((x.shape[0], n_columns), dtype=value.dtype)
        self._run(_leaf_column_rows, x, leaf_column, value, out)
        return out

    def table_sum(self, x: np.ndarray, table: np.ndarray) -> np.ndarray:
        """(N, C) in table's type: per row, the sum over the trees (in tree order, from 0) of ``table[leaf, :]``."""
        out = np.zeros((x.shape[0], table.shape[1]), dtype=table.dtype)
        self._run(_table_rows, x, table, out)
        return out


class CompiledForests:
    """A Forest's CompiledForest per compare type, built on first use (None where not compiled)."""

    def __init__(self, forest):
        self.forest = forest
        self._by_dtype: dict = {}

    def __call__(self, dtype) -> CompiledForest | None:
        dtype = np.dtype(dtype)
        cf = self._by_dtype.get(dtype, False)
        if cf is False:
            cf = self._by_dtype[dtype] = CompiledForest.build(self.forest, dtype)
        return cf


def install_compiled_leaves(forest) -> CompiledForests:
    """Make ``forest.leaves`` (on this instance only: a prepared node's own Forest) the compiled
    walk where the fast form applies, so every NumPy path that asks for leaves gets it; returns the
    per-dtype CompiledForest lookup."""
    compiled_for = CompiledForests(forest)
    numpy_leaves = forest.leaves

    def leaves(x):
        cf = compiled_for(x.dtype)
        return numpy_leaves(x) if cf is None else cf.leaves(x)

    forest.leaves = leaves
    return compiled_for


def score_sums(op: str, prepared, compiled_for: CompiledForests, tree_column=None, value=None):
    """The fused walk + sum of a prepared TreeEnsembleClassifier/Regressor (``_tree_util.PreparedTrees``):
    ``sums(x)`` gives (the (N, n_targets) sums in X's compare type, that type), or (None, None) where
    the forest is not compiled for that type. ``tree_column`` (the column each tree adds to) and
    ``value`` (the leaves' weights) default to ``prepared.table``'s: ``tree_column`` and
    ``leaf_column_value`` where each tree writes one column, else its ``values`` (leaves, C). The
    weights are cast to the compare type once, on first use."""
    if value is None:
        table = prepared.table
        tree_column = table.tree_column
        value = table.values if tree_column is None else table.leaf_column_value
    if tree_column is not None:
        tree_column = np.ascontiguousarray(tree_column, dtype=np.int64)
    forest, needs_double, n_columns = prepared.forest, prepared.needs_double, prepared.n_targets
    weights: dict = {}  # compare type -> the leaves' weights in it

    def sums(x):
        xc = compare_input(op, x, needs_double, forest)
        cf = compiled_for(xc.dtype)
        if cf is None:
            return None, None
        dtype = xc.dtype
        if dtype not in weights:
            weights[dtype] = np.ascontiguousarray(value.astype(dtype))
        if tree_column is not None:
            return cf.tree_column_sum(xc, tree_column, weights[dtype], n_columns), dtype
        return cf.table_sum(xc, weights[dtype]), dtype

    return sums
