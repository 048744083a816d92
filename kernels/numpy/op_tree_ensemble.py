"""TreeEnsemble (ai.onnx.ml 5): sum (or average, min, max) the leaf weights that each row reaches in
every tree, per target, then apply the post transform.

Traversal is level by level over all (row, tree) pairs at once (``_tree_util.Forest``, shared with
TreeEnsembleClassifier/Regressor): each step gathers, for every pair still inside a tree, its
node's feature and split, compares, and moves all of them down one level; pairs that reach a leaf
drop out. The number of steps is the depth of the deepest tree, so there is no Python loop per row
or node. Each mode is precomputed as the set of comparison outcomes (below, equal, above,
unordered) that take the true branch, so all modes cost one comparison pass (LEQ/LT/GTE/GT-only
forests are further reduced to one ``<=`` per step). Values are compared in the common type of X
and the splits. ``nodes_hitrates`` does not change the result and is ignored.

Where onnxruntime (1.32) departs from the spec this follows the spec: post_transform 1 is SOFTMAX
and 2 LOGISTIC (onnxruntime swaps them), a single target is transformed too (onnxruntime applies
only PROBIT to one), and PROBIT is the exact probit (onnxruntime's approximation is off in the
third digit). A target no leaf reaches is 0, also for MIN and MAX, as in onnxruntime.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._elementwise_util import erf
from ._tree_util import LEQ, MEMBER, Forest, Members

AVERAGE, SUM, MIN, MAX = range(4)
NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT = range(5)


def _ints(name: str, value, length: int | None = None) -> np.ndarray:
    if value is None:
        raise ValueError(f"TreeEnsemble needs the '{name}' attribute")
    arr = np.asarray(value).reshape(-1)
    if length is not None and len(arr) != length:
        raise ValueError(f"TreeEnsemble: {name} has {len(arr)} entries, expected {length}")
    return arr.astype(np.int64)


def _check_ids(name: str, ids: np.ndarray, limit: int) -> None:
    if ids.size and (ids.min() < 0 or ids.max() >= limit):
        raise ValueError(f"TreeEnsemble: {name} holds an id outside [0, {limit})")


@kernel("TreeEnsemble", domain="ai.onnx.ml", since=5)
def tree_ensemble(
    x, *, aggregate_function=1, leaf_targetids=None, leaf_weights=None, membership_values=None,
    n_targets=None, nodes_falseleafs=None, nodes_falsenodeids=None, nodes_featureids=None,
    nodes_hitrates=None, nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_splits=None,
    nodes_trueleafs=None, nodes_truenodeids=None, post_transform=0, tree_roots=None,
):
    if x.ndim != 2:
        raise ValueError(f"TreeEnsemble: X must be [N, F], got shape {list(x.shape)}")
    attrs = dict(locals())
    del attrs["x"]
    return Ensemble(**attrs).run(x)


class Ensemble:
    """A TreeEnsemble node's attributes, parsed and checked (all but what depends on X), and how it
    runs: ``run(x)`` is the kernel; ``compare_input``, ``sums_to_output`` are its steps for a
    provider that walks and sums its own way (the Numba provider)."""

    def __init__(
        self, *, aggregate_function=1, leaf_targetids=None, leaf_weights=None, membership_values=None,
        n_targets=None, nodes_falseleafs=None, nodes_falsenodeids=None, nodes_featureids=None,
        nodes_hitrates=None, nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_splits=None,
        nodes_trueleafs=None, nodes_truenodeids=None, post_transform=0, tree_roots=None,
    ):
        modes = _ints("nodes_modes", nodes_modes)
        n_nodes = len(modes)
        features = _ints("nodes_featureids", nodes_featureids, n_nodes)
        splits = np.asarray(_required("nodes_splits", nodes_splits)).reshape(-1)
        true_ids = _ints("nodes_truenodeids", nodes_truenodeids, n_nodes)
        false_ids = _ints("nodes_falsenodeids", nodes_falsenodeids, n_nodes)
        true_leaf = _ints("nodes_trueleafs", nodes_trueleafs, n_nodes).astype(bool)
        false_leaf = _ints("nodes_falseleafs", nodes_falseleafs, n_nodes).astype(bool)
        missing_true = (np.zeros(n_nodes, dtype=bool) if nodes_missing_value_tracks_true is None
                        else _ints("nodes_missing_value_tracks_true", nodes_missing_value_tracks_true,
                                   n_nodes).astype(bool))
        weights = np.asarray(_required("leaf_weights", leaf_weights)).reshape(-1)
        targets = _ints("leaf_targetids", leaf_targetids, len(weights))
        roots = _ints("tree_roots", tree_roots)
        n_targets = int(n_targets) if n_targets is not None else int(targets.max(initial=-1)) + 1
        if len(splits) != n_nodes:
            raise ValueError(f"TreeEnsemble: nodes_splits has {len(splits)} entries, expected {n_nodes}")
        if modes.size and (modes.min() < LEQ or modes.max() > MEMBER):
            raise ValueError("TreeEnsemble: nodes_modes must lie in 0..6")
        _check_ids("tree_roots", roots, n_nodes)
        _check_ids("leaf_targetids", targets, n_targets)
        _check_ids("nodes_truenodeids", true_ids[true_leaf], len(weights))
        _check_ids("nodes_truenodeids", true_ids[~true_leaf], n_nodes)
        _check_ids("nodes_falsenodeids", false_ids[false_leaf], len(weights))
        _check_ids("nodes_falsenodeids", false_ids[~false_leaf], n_nodes)
        if aggregate_function not in (AVERAGE, SUM, MIN, MAX):
            raise ValueError(f"TreeEnsemble: aggregate_function must be 0..3, got {aggregate_function}")
        if post_transform not in (NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT):
            raise ValueError(f"TreeEnsemble: post_transform must be 0..4, got {post_transform}")
        members = Members("TreeEnsemble", modes, membership_values)
        # a child is a node id or, after the n_nodes branch nodes, a leaf; a root whose two branches
        # are the same leaf is a tree of one leaf: no comparison at all
        single = true_leaf[roots] & false_leaf[roots] & (true_ids[roots] == false_ids[roots])
        self.forest = Forest("TreeEnsemble", features=features, modes=modes, splits=splits,
                             true_child=np.where(true_leaf, n_nodes + true_ids, true_ids),
                             false_child=np.where(false_leaf, n_nodes + false_ids, false_ids),
                             missing_true=missing_true, roots=np.where(single, n_nodes + true_ids[roots], roots),
                             n_leaves=len(weights), members=members)
        self.features, self.splits_dtype = features, splits.dtype
        self.weights, self.targets, self.n_targets = weights, targets, n_targets
        self.n_trees = len(roots)
        self.aggregate, self.transform = aggregate_function, post_transform

    def compare_input(self, x: np.ndarray) -> np.ndarray:
        """X checked, in the type the splits are compared in (the common type of X and the splits)."""
        if x.ndim != 2:
            raise ValueError(f"TreeEnsemble: X must be [N, F], got shape {list(x.shape)}")
        _check_ids("nodes_featureids", self.features, x.shape[1])
        return x.astype(np.result_type(x.dtype, self.splits_dtype), copy=False)

    def sums_to_output(self, scores: np.ndarray, x_dtype) -> np.ndarray:
        """The output from the float64 SUM (N, n_targets) of the leaf weights reached, added tree
        after tree from 0 (SUM and AVERAGE): AVERAGE's division, the post transform, X's type."""
        if self.aggregate == AVERAGE and self.n_trees:
            scores /= self.n_trees
        return _post_transform(scores, self.transform).astype(x_dtype)

    def run(self, x: np.ndarray) -> np.ndarray:
        compare = self.compare_input(x)
        n_rows, n_trees, n_targets = x.shape[0], self.n_trees, self.n_targets
        leaf = self.forest.leaves(compare).T.reshape(-1)  # row-major (row, tree) order
        slot = np.repeat(np.arange(n_rows), n_trees) * n_targets + self.targets[leaf]
        w = self.weights[leaf].astype(np.float64)
        if self.aggregate in (SUM, AVERAGE):
            scores = np.bincount(slot, weights=w, minlength=n_rows * n_targets)
            return self.sums_to_output(scores.reshape(n_rows, n_targets), x.dtype)
        scores = np.full(n_rows * n_targets, np.inf if self.aggregate == MIN else -np.inf)
        (np.minimum if self.aggregate == MIN else np.maximum).at(scores, slot, w)
        scores[np.isinf(scores) & (np.bincount(slot, minlength=scores.size) == 0)] = 0.0
        return _post_transform(scores.reshape(n_rows, n_targets), self.transform).astype(x.dtype)


def _required(name: str, value):
    if value is None:
        raise ValueError(f"TreeEnsemble needs the '{name}' attribute")
    return value


def _post_transform(scores: np.ndarray, transform: int) -> np.ndarray:
    if transform == SOFTMAX:
        e = np.exp(scores - scores.max(axis=1, keepdims=True, initial=-np.inf))
        return e / e.sum(axis=1, keepdims=True)
    if transform == LOGISTIC:
        return 1.0 / (1.0 + np.exp(-scores))
    if transform == SOFTMAX_ZERO:
        # softmax over the non-zero scores; zeros stay 0 (a row of zeros gives 0/0 = NaN, as in onnxruntime)
        nonzero = scores != 0
        top = np.where(nonzero, scores, -np.inf).max(axis=1, keepdims=True, initial=-np.inf)
        e = np.where(nonzero, np.exp(scores - np.where(np.isfinite(top), top, 0)), 0.0)
        with np.errstate(invalid="ignore"):
            return e / e.sum(axis=1, keepdims=True)
    if transform == PROBIT:
        return np.sqrt(2.0) * _erfinv(2.0 * scores - 1.0)
    return scores


def _erfinv(y: np.ndarray) -> np.ndarray:
    """Inverse error function: Giles' single-precision approximation, refined by two Newton steps on erf."""
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        small = w < 5.0
        ws = w - 2.5
        wl = np.sqrt(np.where(small, 5.0, w)) - 3.0
        p_small = _poly(ws, (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                             -0.00125372503, -0.00417768164, 0.246640727, 1.50140941))
        p_large = _poly(wl, (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                             -0.0076224613, 0.00943887047, 1.00167406, 2.83297682))
        x = np.where(small, p_small, p_large) * y
        for _ in range(2):
            x = x - (erf(x) - y) / (2.0 / np.sqrt(np.pi) * np.exp(-x * x))
        x = np.where(np.abs(y) == 1.0, np.copysign(np.inf, y), x)
        return np.where(np.abs(y) > 1.0, np.nan, x)


def _poly(w: np.ndarray, coefficients: tuple) -> np.ndarray:
    p = np.zeros_like(w)
    for c in coefficients:
        p = p * w + c
    return p
