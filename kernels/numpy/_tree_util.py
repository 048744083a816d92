"""Shared traversal of the ai.onnx.ml tree ensembles (TreeEnsemble, TreeEnsembleClassifier,
TreeEnsembleRegressor): which leaf each row reaches in each tree.

A :class:`Forest` holds every tree in flat arrays, built once from the attributes. The branch
nodes are numbered 0..B-1 and the leaves B..B+L-1, so "has this pair reached a leaf" is one
comparison. The traversal state of a (tree, row) pair is ``s = 2 * node``, and ``kids[s + b]`` is
the state after taking branch ``b`` (0 or 1); a leaf's two branches lead back to itself, so pairs
that reached a leaf stay put. One step moves every pair still inside a tree down one level with
a handful of array operations (gather the feature, gather the row's value, compare, gather the
child); the number of steps is the depth of the deepest tree, counted once at build time (which
also finds a cycle). Pairs are laid out tree by tree (all rows of tree 0, then tree 1 ...), so
the pairs of one step mostly read the same few nodes, and X is read transposed (one feature's
values side by side). Once a quarter of the pairs still walking have reached a leaf they are set
aside, so deep and shallow trees cost what they need.

Two ways to decide the branch:

- fast (every branch node is BRANCH_LEQ, LT, GTE or GT, no NaN split): each node becomes
  ``x <= split'`` with its branches swapped where needed: ``x < s`` is ``x <= nextafter(s, -inf)``
  in the compare type, ``x > s`` is ``not x <= s`` (branches swapped), ``x >= s`` is
  ``not x <= nextafter(s, -inf)``. One comparison per step; a NaN x (all comparisons false) is
  sent where onnxruntime sends it (the false branch, or the true one where
  nodes_missing_value_tracks_true is set), looked up per node only when X holds a NaN.
- general (EQ, NEQ, BRANCH_MEMBER, NaN splits): the comparison of x with the split has one of four
  outcomes (below, equal, above, unordered: x or the split is NaN) and each mode is the set of
  outcomes that take the true branch (NEQ: NaN != s is true). A node tracking missing values adds
  "unordered" for a NaN x only (a NaN split with a real x stays false, as in onnxruntime).

Values are compared in the compare type the caller gives (the input cast to the threshold type,
as onnxruntime's C++ comparison converts them).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from refrt.intra_op import run_chunks

LEQ, LT, GTE, GT, EQ, NEQ, MEMBER, LEAF = range(8)
MODE_NAMES = ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT", "BRANCH_EQ", "BRANCH_NEQ", "BRANCH_MEMBER", "LEAF")
BELOW, EQUAL, ABOVE, UNORDERED = 1, 2, 4, 8
TRUE_OUTCOMES = np.array([BELOW | EQUAL, BELOW, EQUAL | ABOVE, ABOVE, EQUAL, BELOW | ABOVE | UNORDERED, 0],
                         dtype=np.uint8)
# Set a finished pair aside once this share of the pairs still walking has reached a leaf.
_COMPACT_SHARE = 0.25
# Walk at most this many (tree, row) pairs at once, rows in blocks beyond it: bounds memory, and
# blocks that stay in cache walk about 1.5x faster than one big batch (measured: 2**19 best).
_MAX_PAIRS = 1 << 19
_PARALLEL_STEPS = 1 << 23
SMALL_SUM = 1 << 16  # (tree, row, column) weights from which the leaf sum goes tree by tree  # (pair, level) steps from which the row blocks are split across threads


class Members:
    """The sets of BRANCH_MEMBER nodes, for a vectorised "x in the set of node k" test."""

    def __init__(self, op: str, modes: np.ndarray, membership_values):
        member_nodes = np.flatnonzero(modes == MEMBER)
        self.rank = np.full(len(modes), -1, dtype=np.int64)
        self.rank[member_nodes] = np.arange(len(member_nodes))
        if len(member_nodes) == 0:
            self.values = self.pairs = np.zeros(0)
            return
        if membership_values is None:
            raise ValueError(f"{op}: BRANCH_MEMBER nodes need the membership_values attribute")
        values = np.asarray(membership_values, dtype=np.float64).reshape(-1)
        nan = np.isnan(values)
        # sets are listed in node order, each ended by a NaN (the last one's NaN may be left out)
        set_of = np.cumsum(nan) - nan
        n_sets = int(nan.sum()) + (0 if len(values) and nan[-1] else 1)
        if n_sets != len(member_nodes):
            raise ValueError(f"{op}: membership_values holds {int(nan.sum())} NaN-ended sets for "
                             f"{len(member_nodes)} BRANCH_MEMBER nodes")
        set_of, values = set_of[~nan], values[~nan]
        self.values = np.unique(values)
        self.pairs = np.unique(set_of * len(self.values) + np.searchsorted(self.values, values))

    def contains(self, node: np.ndarray, x: np.ndarray) -> np.ndarray:
        if len(self.values) == 0:
            return np.zeros(x.shape, dtype=bool)
        pos = np.minimum(np.searchsorted(self.values, x), len(self.values) - 1)
        key = self.rank[node] * len(self.values) + pos
        at = np.minimum(np.searchsorted(self.pairs, key), len(self.pairs) - 1)
        return (self.values[pos] == x) & (self.pairs[at] == key)


class Forest:
    """Trees as flat arrays. Branch node i (0 <= i < B) tests feature ``features[i]`` against
    ``splits[i]`` with ``modes[i]``; ``true_child``/``false_child``/``roots`` are node numbers where
    B + j is leaf j. :meth:`leaves` gives the leaf each (tree, row) pair ends in."""

    def __init__(self, op: str, *, features, modes, splits, true_child, false_child, missing_true, roots,
                 n_leaves: int, members: Members | None = None):
        self.op = op
        self.features = np.asarray(features, dtype=np.int64).reshape(-1)
        self.modes = np.asarray(modes, dtype=np.int64).reshape(-1)
        self.splits = np.asarray(splits).reshape(-1)
        self.missing_true = np.asarray(missing_true, dtype=bool).reshape(-1)
        self.n_branches = n_branches = len(self.features)
        self.n_leaves = int(n_leaves)
        n_nodes = n_branches + self.n_leaves
        if n_nodes * 2 >= 2**31:
            raise ValueError(f"{op}: {n_nodes} nodes is more than this runtime indexes")
        true_child = np.asarray(true_child, dtype=np.int64).reshape(-1)
        false_child = np.asarray(false_child, dtype=np.int64).reshape(-1)
        self.roots = np.asarray(roots, dtype=np.int64).reshape(-1)
        for name, ids in (("true child", true_child), ("false child", false_child), ("tree root", self.roots)):
            if ids.size and (ids.min() < 0 or ids.max() >= n_nodes):
                raise ValueError(f"{op}: a {name} lies outside the {n_nodes} nodes")
        if self.features.size and self.features.min() < 0:
            raise ValueError(f"{op}: nodes_featureids holds a negative feature id")
        self.max_feature = int(self.features.max(initial=-1))
        self.members = members
        self.true_child, self.false_child = true_child, false_child
        self.depth = self._depth()
        # "true branch first": kids[2i] is where node i goes when its test holds
        kids = np.empty(2 * n_nodes, dtype=np.int32)
        kids[0:2 * n_branches:2] = 2 * true_child
        kids[1:2 * n_branches:2] = 2 * false_child
        kids[2 * n_branches:] = np.repeat(2 * np.arange(n_branches, n_nodes, dtype=np.int32), 2)
        self.kids = kids
        self.roots2 = (2 * self.roots).astype(np.int32)
        self.features2 = np.repeat(self.features, 2)
        self.features2 = np.concatenate([self.features2, np.zeros(2 * self.n_leaves, dtype=np.int64)])
        self._tables: dict = {}

    def _depth(self) -> int:
        """Steps the deepest path needs; a cycle reachable from a root is an error."""
        frontier = np.unique(self.roots)
        depth = 0
        while True:
            branches = frontier[frontier < self.n_branches]
            if branches.size == 0:
                return depth
            depth += 1
            if depth > self.n_branches:
                raise ValueError(f"{self.op}: the nodes form a cycle")
            frontier = np.unique(np.concatenate([self.true_child[branches], self.false_child[branches]]))

    def _fast_tables(self, dtype: np.dtype):
        """Per-state split, child and NaN branch of the one-comparison form, or None if it does not apply."""
        if dtype.kind != "f" or self.members is not None and len(self.members.values):
            return None
        modes = self.modes
        if modes.size and (modes.min() < LEQ or modes.max() > GT):
            return None
        with np.errstate(over="ignore", invalid="ignore"):
            split = self.splits.astype(dtype)
        if np.isnan(split).any():
            return None
        strict = (modes == LT) | (modes == GTE)
        if (strict & np.isneginf(split)).any():  # nothing lies below -inf: no "<=" form
            return None
        split = np.where(strict, np.nextafter(split, dtype.type(-np.inf)), split).astype(dtype)
        swap = (modes == GT) | (modes == GTE)  # test holds -> x <= split' fails
        n_nodes = self.n_branches + self.n_leaves
        kids = self.kids.copy()
        first, second = kids[0:2 * self.n_branches:2].copy(), kids[1:2 * self.n_branches:2].copy()
        kids[0:2 * self.n_branches:2] = np.where(swap, second, first)
        kids[1:2 * self.n_branches:2] = np.where(swap, first, second)
        split2 = np.full(2 * n_nodes, np.inf, dtype=dtype)  # a leaf's x <= inf holds: it stays
        split2[:2 * self.n_branches] = np.repeat(split, 2)
        # a NaN x fails every comparison; onnxruntime then takes the false branch unless tracking
        nan_false = np.where(self.missing_true, 0, 1) ^ swap  # branch index (0/1) after the swap
        nan_branch = np.zeros(2 * n_nodes, dtype=bool)
        nan_branch[:2 * self.n_branches] = np.repeat(nan_false.astype(bool), 2)
        return "fast", split2, kids, nan_branch

    def one_comparison_tables(self, dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The fast form's per-state tables for compare type ``dtype``, or None where it does not apply:
        ``(split2, kids, nan_branch)`` indexed by state ``2 * node (+ branch)``: node i takes branch
        ``x > split2[2i]`` (0: the "<=" side), ``nan_branch[2i]`` for a NaN x, and goes to node
        ``kids[2i + branch] >> 1``; a leaf's split is +inf and both its branches lead back to it."""
        tables = self._tables_for(dtype)
        return None if tables[0] != "fast" else tables[1:]

    def _tables_for(self, dtype: np.dtype):
        dtype = np.dtype(dtype)
        if dtype not in self._tables:
            fast = self._fast_tables(dtype)
            if fast is None:
                # per node, leaves included (a leaf's test is irrelevant: both branches lead back)
                pad = self.n_leaves
                with np.errstate(over="ignore", invalid="ignore"):
                    split = self.splits.astype(dtype) if dtype.kind == "f" else self.splits
                split = np.concatenate([split, np.zeros(pad, dtype=split.dtype)])
                modes = np.concatenate([self.modes, np.full(pad, LEAF)])
                missing_true = np.concatenate([self.missing_true, np.zeros(pad, dtype=bool)])
                tracking = np.where(missing_true, UNORDERED, 0).astype(np.uint8)
                true_outcomes = TRUE_OUTCOMES[np.minimum(modes, MEMBER)] | tracking
                split_nan = np.isnan(split.astype(np.float64))
                nan_only = missing_true & (modes != NEQ) & split_nan
                fast = ("general", split, true_outcomes, nan_only, modes, missing_true)
            self._tables[dtype] = fast
        return self._tables[dtype]

    def check_features(self, n_features: int) -> None:
        if self.max_feature >= n_features:
            raise ValueError(f"{self.op}: a node reads feature {self.max_feature} but X has {n_features} features")

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Leaf ids (0..L-1), shape (trees, rows), for X (N, F) already in the compare type."""
        n_rows, n_trees = x.shape[0], len(self.roots)
        self.check_features(x.shape[1])
        if n_rows * n_trees <= _MAX_PAIRS:
            return self._walk(x)
        # rows in blocks, so that the per-pair arrays stay bounded; blocks run on the session's
        # intra-op threads (refrt/intra_op.py), each filling its own columns of ``out``
        out = np.empty((n_trees, n_rows), dtype=np.int32)
        block = max(1, _MAX_PAIRS // max(n_trees, 1))

        def walk_blocks(first: int, last: int) -> None:
            for start in range(first * block, min(last * block, n_rows), block):
                out[:, start:start + block] = self._walk(x[start:start + block])

        n_blocks = -(-n_rows // block)
        # another thread pays only for deep walks (a forest's, not depth-3 boosting's: measured slower)
        run_chunks(walk_blocks, n_blocks, 1 if self.depth * n_trees * n_rows >= _PARALLEL_STEPS else n_blocks)
        return out

    def _walk(self, x: np.ndarray) -> np.ndarray:
        n_rows, n_trees = x.shape[0], len(self.roots)
        out = np.empty(n_trees * n_rows, dtype=np.int32)
        if out.size == 0:
            return out.reshape(n_trees, n_rows)
        tables = self._tables_for(x.dtype)
        general = tables[0] == "general"
        itype = np.int32 if x.size < 2**31 else np.int64
        xt = np.ascontiguousarray(x.T).reshape(-1)
        feat_off = self.features2.astype(itype) * itype(n_rows)  # where each feature's column starts in xt
        state = np.repeat(self.roots2, n_rows)
        row = np.tile(np.arange(n_rows, dtype=itype), n_trees)
        pair = None  # which output slot each walking pair fills (None: all, in order)
        leaf_start = np.int32(2 * self.n_branches)
        has_nan = x.dtype.kind == "f" and bool(np.isnan(xt).any())
        if general:
            _, split, true_outcomes, nan_only, modes, missing_true = tables
            kids = self.kids
        else:
            _, split2, kids, nan_branch = tables
        for _ in range(self.depth):
            walking = state.size
            where = feat_off.take(state, mode="clip")  # ids are valid; "raise" costs 5x
            where += row
            value = xt.take(where, mode="clip")
            if general:
                branch = ~self._holds(state >> 1, value, split, true_outcomes, nan_only, modes, missing_true)
            else:
                branch = value > split2.take(state, mode="clip")
                if has_nan:
                    nan = np.isnan(value)
                    if nan.any():
                        branch[nan] = nan_branch[state[nan]]
            state += branch
            state = kids.take(state, mode="clip")
            done = state >= leaf_start
            n_done = int(np.count_nonzero(done))
            if n_done == walking or n_done > _COMPACT_SHARE * walking:
                slots = np.flatnonzero(done) if pair is None else pair[done]
                out[slots] = state[done]
                keep = ~done
                pair = np.flatnonzero(keep) if pair is None else pair[keep]
                state, row = state[keep], row[keep]
                if state.size == 0:
                    break
        if pair is None:
            out[:] = state
        elif state.size:
            out[pair] = state
        out >>= 1
        out -= self.n_branches
        return out.reshape(n_trees, n_rows)

    def tree_leaves(self) -> tuple[np.ndarray, np.ndarray]:
        """(tree, leaf) pairs: every leaf each tree can reach."""
        tree, leaf, _ = self.tree_leaf_depths()
        return tree, leaf

    def tree_leaf_depths(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tree, leaf, depth) triples: every leaf each tree can reach, with the steps from the root to
        it, found level by level (shallowest first)."""
        n_nodes = self.n_branches + self.n_leaves
        tree, node = np.arange(len(self.roots), dtype=np.int64), self.roots
        trees, leaves, depths = [], [], []
        for d in range(self.depth + 1):
            leaf = node >= self.n_branches
            trees.append(tree[leaf])
            leaves.append(node[leaf] - self.n_branches)
            depths.append(np.full(len(trees[-1]), d, dtype=np.int64))
            tree, node = tree[~leaf], node[~leaf]
            if node.size == 0:
                break
            key = np.unique(np.concatenate([tree * n_nodes + self.true_child[node],
                                            tree * n_nodes + self.false_child[node]]))
            tree, node = np.divmod(key, n_nodes)
        return np.concatenate(trees), np.concatenate(leaves), np.concatenate(depths)

    def _holds(self, node, value, split, true_outcomes, nan_only, modes, missing_true):
        """Whether each branch node's test holds for its value (general form)."""
        s = split[node]
        outcome = ((value < s) * np.uint8(BELOW)) | ((value == s) * np.uint8(EQUAL)) | ((value > s) * np.uint8(ABOVE))
        outcome[outcome == 0] = UNORDERED
        holds = (true_outcomes[node] & outcome) != 0
        if nan_only.any():  # missing-value tracking is about a NaN x, not a NaN split
            holds &= ~(nan_only[node] & ~np.isnan(value))
        if self.members is not None and len(self.members.values):
            sel = modes[node] == MEMBER
            if sel.any():
                nodes = node[sel]
                holds[sel] = self.members.contains(nodes, value[sel]) | (missing_true[nodes] & np.isnan(value[sel]))
        return holds


# --- the node/leaf layout of TreeEnsembleClassifier and TreeEnsembleRegressor (revisions 1, 3) --


class V3Trees:
    """The tree attributes of TreeEnsembleClassifier/Regressor parsed the way onnxruntime (1.32)
    reads them (TreeEnsembleCommon::Init):

    - a node is (tree id, node id); nodes of mode LEAF are leaves, the others branch nodes;
    - a new tree starts wherever ``nodes_treeids`` changes from the node before it, and its first
      node is its root (trees listed in pieces count as several trees, for AVERAGE too);
    - ``nodes_missing_value_tracks_true`` is set only where it is exactly 1;
    - a weight on a branch node is ignored; a leaf's weights are kept in attribute order;
    - with a single target, a leaf's value is its FIRST weight (any others are ignored) or, with
      no weight, its own ``nodes_values`` entry.
    """

    def __init__(self, op: str, *, treeids, nodeids, featureids, modes, truenodeids, falsenodeids, values,
                 missing, w_treeids, w_nodeids, w_ids, w_values, n_targets: int):
        self.op = op
        treeids = _ints(op, "nodes_treeids", treeids)
        n = len(treeids)
        nodeids = _ints(op, "nodes_nodeids", nodeids, n)
        featureids = _ints(op, "nodes_featureids", featureids, n)
        truenodeids = _ints(op, "nodes_truenodeids", truenodeids, n)
        falsenodeids = _ints(op, "nodes_falsenodeids", falsenodeids, n)
        if modes is None or len(modes) != n:
            raise ValueError(f"{op}: nodes_modes has {0 if modes is None else len(modes)} entries, expected {n}")
        codes = {name: i for i, name in enumerate(MODE_NAMES) if name != "BRANCH_MEMBER"}
        try:
            mode = np.array([codes[m] for m in modes], dtype=np.int64)
        except KeyError as e:
            raise ValueError(f"{op}: unknown node mode {e.args[0]!r}") from None
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if len(values) != n:
            raise ValueError(f"{op}: the node values have {len(values)} entries, expected {n}")
        track = np.zeros(n, dtype=bool)
        if missing is not None and len(missing):
            m = np.asarray(missing, dtype=np.int64).reshape(-1)[:n]
            track[:len(m)] = m == 1

        keys = _Keys(treeids, nodeids)
        if keys.duplicate is not None:
            raise ValueError(f"{op}: node {nodeids[keys.duplicate]} in tree {treeids[keys.duplicate]} is listed twice")
        is_leaf = mode == LEAF
        branch_at, leaf_at = np.flatnonzero(~is_leaf), np.flatnonzero(is_leaf)
        number = np.empty(n, dtype=np.int64)  # node number in the Forest: branches first, then leaves
        number[branch_at] = np.arange(len(branch_at))
        number[leaf_at] = len(branch_at) + np.arange(len(leaf_at))
        children = []
        for name, ids in (("truenode", truenodeids), ("falsenode", falsenodeids)):
            at = keys.find(treeids[branch_at], ids[branch_at])
            missing_at = np.flatnonzero(at < 0)
            if missing_at.size:
                k = branch_at[missing_at[0]]
                raise ValueError(f"{op}: unable to find node {treeids[k]}-{ids[k]} ({name})")
            if (at == branch_at).any():
                k = branch_at[np.flatnonzero(at == branch_at)[0]]
                raise ValueError(f"{op}: node {treeids[k]}-{nodeids[k]} points to itself ({name})")
            children.append(number[at])
        starts = np.flatnonzero(np.r_[True, treeids[1:] != treeids[:-1]]) if n else np.zeros(0, np.int64)
        self.forest = Forest(op, features=featureids[branch_at], modes=mode[branch_at], splits=values[branch_at],
                             true_child=children[0], false_child=children[1], missing_true=track[branch_at],
                             roots=number[starts], n_leaves=len(leaf_at))
        self.n_trees = len(starts)

        w_treeids = _ints(op, "target/class tree ids", w_treeids)
        w_nodeids = _ints(op, "target/class node ids", w_nodeids, len(w_treeids))
        w_ids = _ints(op, "target/class ids", w_ids, len(w_treeids))
        w_values = np.asarray([] if w_values is None else w_values, dtype=np.float64).reshape(-1)
        if len(w_values) != len(w_treeids):
            raise ValueError(f"{op}: {len(w_values)} weights for {len(w_treeids)} target/class ids")
        if w_ids.size and (w_ids.min() < 0 or w_ids.max() >= n_targets):
            raise ValueError(f"{op}: a target/class id lies outside [0, {n_targets})")
        at = keys.find(w_treeids, w_nodeids)
        if (at < 0).any():
            k = int(np.flatnonzero(at < 0)[0])
            raise ValueError(f"{op}: unable to find node {w_treeids[k]}-{w_nodeids[k]} (weights)")
        on_leaf = is_leaf[at]
        self.w_leaf = number[at[on_leaf]] - len(branch_at)
        self.w_ids = w_ids[on_leaf]
        self.w_values = w_values[on_leaf]
        self.all_ids = w_ids  # every weight's class, branch nodes included (onnxruntime's binary test)
        self.all_values = w_values
        self.n_targets = n_targets
        # one target: a leaf adds its first weight, or its own node value when it has none
        self.leaf_value = values[leaf_at].copy()
        first_leaf, first = np.unique(self.w_leaf, return_index=True)
        self.leaf_value[first_leaf] = self.w_values[first]
        self.leaf_has_weight = np.zeros(len(leaf_at), dtype=bool)
        self.leaf_has_weight[first_leaf] = True


class _Keys:
    """Look up (tree id, node id) pairs: position in the node list, -1 where absent."""

    def __init__(self, treeids: np.ndarray, nodeids: np.ndarray):
        self.tree_ids = np.unique(treeids)
        self.low = int(nodeids.min(initial=0))
        self.span = int(nodeids.max(initial=0)) - self.low + 1
        if len(self.tree_ids) * self.span >= 2**62:
            raise ValueError("tree ensemble: node ids span too wide a range")
        key = self._key(treeids, nodeids)
        self.order = np.argsort(key, kind="stable")
        self.keys = key[self.order]
        same = self.keys[1:] == self.keys[:-1]
        self.duplicate = int(self.order[np.flatnonzero(same)[0] + 1]) if same.any() else None

    def _key(self, treeids, nodeids):
        rank = np.searchsorted(self.tree_ids, treeids)
        return rank * self.span + (nodeids - self.low)

    def find(self, treeids: np.ndarray, nodeids: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.full(len(treeids), -1, dtype=np.int64)
        rank = np.minimum(np.searchsorted(self.tree_ids, treeids), len(self.tree_ids) - 1)
        valid = (self.tree_ids[rank] == treeids) & (nodeids >= self.low) & (nodeids < self.low + self.span)
        key = rank * self.span + np.clip(nodeids - self.low, 0, self.span - 1)
        pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        found = valid & (self.keys[pos] == key)
        return np.where(found, self.order[pos], -1)


def _ints(op: str, name: str, value, length: int | None = None) -> np.ndarray:
    arr = np.asarray([] if value is None else value, dtype=np.int64).reshape(-1)
    if length is not None and len(arr) != length:
        raise ValueError(f"{op}: {name} has {len(arr)} entries, expected {length}")
    return arr


class LeafTable:
    """Per-leaf weights of each target/class column, laid out for adding up tree after tree.

    ``values`` (leaves, C) holds each leaf's weights (combined with ``combine`` where a leaf has
    several for one column), ``has`` where a leaf has a weight at all. When every tree's leaves
    all carry the same columns, which rows hold a score is the same for every row; when moreover
    each tree writes a single column (gradient boosting: one tree per class and round), adding up
    goes column by column on contiguous rows.
    """

    def __init__(self, forest: Forest, leaf, column, weight, n_columns: int, combine=np.add, fill: float = 0.0):
        n_leaves, n_trees = forest.n_leaves, len(forest.roots)
        self.values = np.full((n_leaves, n_columns), fill, dtype=np.float64)
        combine.at(self.values, (leaf, column), weight)
        self.has = np.zeros((n_leaves, n_columns), dtype=bool)
        self.has[leaf, column] = True
        tree, reach = forest.tree_leaves()
        signature = self.has[reach]
        any_ = np.zeros((n_trees, n_columns), dtype=bool)
        every = np.ones((n_trees, n_columns), dtype=bool)
        np.logical_or.at(any_, tree, signature)
        np.logical_and.at(every, tree, signature)
        # same columns in every leaf of each tree: the rows' "has a score" does not depend on the row
        self.uniform = bool((any_ == every).all())
        self.row_has = any_.any(axis=0) if self.uniform else None
        per_tree = any_.sum(axis=1)
        self.tree_column = np.where(per_tree == 1, any_.argmax(axis=1), -1) if self.uniform else None
        if self.tree_column is not None and (self.tree_column < 0).any():
            self.tree_column = None
        self.leaf_column_value = None
        if self.tree_column is not None:
            self.leaf_column_value = self.values[np.arange(n_leaves), self.has.argmax(axis=1)]
        # (column, the trees writing only to it, in order): the small-batch sum goes column by column
        self.trees_by_column = [] if self.tree_column is None else [
            (int(c), np.flatnonzero(self.tree_column == c)) for c in np.unique(self.tree_column)]
        self._cast: dict = {}

    def _as(self, name: str, dtype):
        key = (name, np.dtype(dtype))
        if key not in self._cast:
            self._cast[key] = getattr(self, name).astype(dtype)
        return self._cast[key]

    def sum(self, leaves: np.ndarray, dtype) -> np.ndarray:
        """(N, C): the weights of the leaves reached, added tree after tree in ``dtype`` (onnxruntime
        adds each tree's weights to a running score in its threshold type: same rounding)."""
        n_trees, n_rows = leaves.shape
        if self.tree_column is not None:
            acc = np.zeros((self.values.shape[1], n_rows), dtype=dtype)
            value = self._as("leaf_column_value", dtype)
            if n_trees * n_rows <= SMALL_SUM:  # per column, its trees' weights as one running sum
                picked = value.take(leaves, mode="clip")
                for column, trees in self.trees_by_column:
                    acc[column] += np.cumsum(picked[trees], axis=0, dtype=dtype)[-1]
                return acc.T
            for t in range(n_trees):
                acc[self.tree_column[t]] += value.take(leaves[t], mode="clip")
            return acc.T
        table = self._as("values", dtype)
        if n_trees * n_rows * table.shape[1] <= SMALL_SUM:
            # all trees' weights at once, added tree after tree as the loop below (and onnxruntime) does:
            # a running sum (np.add.reduce may sum pairwise, which rounds differently)
            picked = table.take(leaves, axis=0, mode="clip")
            return np.cumsum(picked, axis=0, dtype=dtype)[-1] if n_trees else np.zeros(picked.shape[1:], dtype)
        acc = np.zeros((n_rows, table.shape[1]), dtype=dtype)
        for t in range(n_trees):
            acc += table.take(leaves[t], axis=0, mode="clip")
        return acc

    def reduce(self, leaves: np.ndarray, dtype, ufunc) -> np.ndarray:
        """(N, C): ``ufunc`` (np.minimum / np.maximum) of the weights reached, over the trees."""
        table = self._as("values", dtype)
        acc = table.take(leaves[0], axis=0) if len(leaves) else np.zeros((leaves.shape[1], table.shape[1]), dtype)
        for t in range(1, len(leaves)):
            ufunc(acc, table.take(leaves[t], axis=0), out=acc)
        return acc

    def row_has_score(self, leaves: np.ndarray) -> np.ndarray:
        """(N, C): whether any leaf a row reaches has a weight for the column."""
        n_rows = leaves.shape[1]
        if self.row_has is not None:
            return np.broadcast_to(self.row_has, (n_rows, len(self.row_has)))
        has = np.zeros((n_rows, self.has.shape[1]), dtype=bool)
        for t in range(len(leaves)):
            has |= self.has.take(leaves[t], axis=0)
        return has


@dataclasses.dataclass(frozen=True)
class PreparedTrees:
    """What a prepared TreeEnsembleClassifier/Regressor kernel is made of, for another provider that
    computes the walk and the score sum its own way (the Numba provider) and hands the sums back.
    The NumPy prepare functions return their run function with this as its ``prepared`` attribute.

    - ``forest``, ``trees``: the parsed trees (``trees.leaf_value``: a leaf's single-target value);
    - ``table``: the per-leaf weights (None for a one-class classifier or a one-target regressor);
    - ``needs_double``: ``*_as_tensor`` attributes, so X must be double (``compare_input``);
    - ``n_targets``: targets or classes; ``aggregate``: the regressor's aggregate_function
      ("SUM" for the classifier);
    - ``finish(scores, has, dtype)``: the node's outputs from the SUM of the weights reached (N, C)
      in the compare type ``dtype`` (added tree after tree from 0, see ``LeafTable.sum``) and which
      columns have a score (N, C) bool; None where the sums are not what the kernel needs (MIN/MAX,
      a one-class classifier).
    - ``positive_binary``: the classifier's plainest binary case (two labels, every weight for class 0
      and none negative, no base values, post_transform NONE, every row with class 0's score s and
      none for class 1), where ``finish`` gives the label ``labels[s > 0.5]`` and the scores
      ``[1 - s, s]`` in float32 by a short path that reads only ``scores[:, 0]`` (``has`` may be None).
    """

    forest: Forest
    trees: "V3Trees"
    table: "LeafTable | None"
    needs_double: bool
    n_targets: int
    aggregate: str
    finish: "Callable[[np.ndarray, np.ndarray, np.dtype], object] | None"
    positive_binary: bool = False


def parse_v3(op: str, *, n_targets: int, weight_name: str, w_treeids, w_nodeids, w_ids, w_values,
             w_values_as_tensor=None, nodes_treeids, nodes_nodeids, nodes_featureids, nodes_modes, nodes_truenodeids,
             nodes_falsenodeids, nodes_values, nodes_values_as_tensor=None, nodes_missing_value_tracks_true,
             nodes_hitrates=None, nodes_hitrates_as_tensor=None, base_values,
             base_values_as_tensor=None) -> tuple["V3Trees", np.ndarray, bool]:
    """TreeEnsembleClassifier/Regressor 1 and 3's attributes (``weight_name``: class_weights or
    target_weights) as (the trees, the base values (maybe none), whether a double ``*_as_tensor``
    attribute makes the comparisons double). The ``nodes_*`` and ``base_values*`` attributes are
    named as in both operators (the revision-3-only ones may be left out), so a kernel passes them on
    as it got them."""
    values, values_double = choose(op, "nodes_values", nodes_values, nodes_values_as_tensor)
    weights, weights_double = choose(op, weight_name, w_values, w_values_as_tensor)
    base, base_double = choose(op, "base_values", base_values, base_values_as_tensor)
    _, hitrates_double = choose(op, "nodes_hitrates", nodes_hitrates, nodes_hitrates_as_tensor)
    n_nodes = 0 if nodes_treeids is None else len(nodes_treeids)
    trees = V3Trees(op, treeids=nodes_treeids, nodeids=nodes_nodeids, featureids=nodes_featureids, modes=nodes_modes,
                    truenodeids=nodes_truenodeids, falsenodeids=nodes_falsenodeids,
                    values=values if values is not None else np.zeros(n_nodes),
                    missing=nodes_missing_value_tracks_true, w_treeids=w_treeids, w_nodeids=w_nodeids,
                    w_ids=w_ids, w_values=weights if weights is not None else np.zeros(0), n_targets=n_targets)
    base = np.zeros(0) if base is None else base
    return trees, base, bool(values_double or weights_double or base_double or hitrates_double)


def choose(op: str, name: str, plain, as_tensor) -> tuple[np.ndarray | None, bool]:
    """A float attribute given either as a list of floats or (revision 3) as a double tensor:
    (float64 values or None, whether it came as the tensor)."""
    plain = None if plain is None or len(plain) == 0 else plain
    tensor = None if as_tensor is None or np.asarray(as_tensor).size == 0 else as_tensor
    if plain is not None and tensor is not None:
        raise ValueError(f"{op}: only one of {name} and {name}_as_tensor may be set")
    if tensor is not None:
        return np.asarray(tensor, dtype=np.float64).reshape(-1), True
    if plain is not None:
        return np.asarray(plain, dtype=np.float32).astype(np.float64).reshape(-1), False
    return None, False


def compare_input(op: str, x: np.ndarray, needs_double: bool, forest: Forest) -> np.ndarray:
    """X as (N, F) in onnxruntime's threshold type: double for a double X, float otherwise (an
    integer X is converted to float, as its C++ comparison with a float threshold does). A 1-D X
    is one row; onnxruntime then counts it as ONE feature when checking the feature ids (so only
    feature 0 may be used), and so does refrt."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiu":
        raise ValueError(f"{op}: X must be float, double, int64 or int32, got {x.dtype}")
    if x.ndim == 1:
        forest.check_features(1)
        x = x.reshape(1, -1)
    elif x.ndim != 2:
        raise ValueError(f"{op}: X must be 1-D or 2-D, got shape {list(x.shape)}")
    if x.dtype == np.float64:
        return x
    if needs_double:
        raise ValueError(f"{op}: the *_as_tensor attributes hold doubles, which onnxruntime reads only for a "
                         f"double X, got {x.dtype}")
    return x.astype(np.float32, copy=False)
