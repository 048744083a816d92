"""TreeEnsembleRegressor (ai.onnx.ml 1 and 3): per target, aggregate (SUM, AVERAGE, MIN, MAX) the
weights of the leaves each row reaches in every tree, add base_values, apply the post transform.

Revision 3 adds ``nodes_values_as_tensor``, ``nodes_hitrates_as_tensor``,
``target_weights_as_tensor`` and ``base_values_as_tensor`` (doubles, in place of the float
lists). Revision 5 of the schema is deprecated and onnxruntime refuses a model that uses it, so no
kernel claims it (refrt refuses it too, at session creation). ``nodes_hitrates`` does not change
the result and is ignored. The trees are walked level by level over all (tree, row) pairs at once
(see ``_tree_util``); the attributes are parsed once, at session creation.

Scores, exactly as onnxruntime 1.32 computes them (TreeEnsembleCommon, tree_ensemble_aggregator.h),
in its threshold type (double for a double X, float otherwise; each tree's weights are added to a
running score in that type, tree after tree, so the rounding matches), then output as float:

- n_targets == 1: a leaf's value is its FIRST weight (others on the same leaf are ignored), or its
  own ``nodes_values`` entry when it has no weight. SUM adds the values; AVERAGE divides the sum
  by the number of trees; MIN/MAX take the smallest/largest. Then ``+ base_values[0]``. Only
  PROBIT is applied; NONE, LOGISTIC, SOFTMAX and SOFTMAX_ZERO leave the single score as it is.
- n_targets >= 2: per target, SUM/AVERAGE/MIN/MAX over the weights of the leaves reached (all of
  a leaf's weights count), then ``+ base_values[t]``. A target that no leaf reached in any tree is
  0, base value or not (onnxruntime writes a score that never got a weight as 0). Then the post
  transform (see ``_ml_util.post_transform``).

base_values has 0 or n_targets entries (onnxruntime refuses other counts). Where refrt accepts
more than onnxruntime: an int64 or int32 X (the schema allows them; onnxruntime 1.32 has no such
kernel) is compared as float, as the classifier does. Where onnxruntime refuses at session
creation, refrt refuses when the node first runs: ``*_as_tensor`` attributes with a non-double X
(onnxruntime cannot read doubles into its float thresholds).

Trees and nodes follow onnxruntime's reading (see ``_tree_util.V3Trees``): a tree starts wherever
``nodes_treeids`` changes, a weight on a branch node is ignored, NaN takes the false branch unless
``nodes_missing_value_tracks_true`` is 1 for the node.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._ml_util import post_transform as apply_post_transform
from ._ml_util import probit, transform_name
from ._tree_util import SMALL_SUM, LeafTable, PreparedTrees, compare_input, parse_v3

OP = "TreeEnsembleRegressor"
AGGREGATES = ("AVERAGE", "SUM", "MIN", "MAX")


@kernel(OP, domain="ai.onnx.ml", since=1, until=2, prepare=True)
def tree_ensemble_regressor_1(
    *, aggregate_function="SUM", base_values=None, n_targets=None, nodes_falsenodeids=None, nodes_featureids=None,
    nodes_hitrates=None, nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None,
    nodes_treeids=None, nodes_truenodeids=None, nodes_values=None, post_transform="NONE", target_ids=None,
    target_nodeids=None, target_treeids=None, target_weights=None,
):
    return _prepare(**locals())


@kernel(OP, domain="ai.onnx.ml", since=3, until=4, prepare=True)
def tree_ensemble_regressor_3(
    *, aggregate_function="SUM", base_values=None, base_values_as_tensor=None, n_targets=None,
    nodes_falsenodeids=None, nodes_featureids=None, nodes_hitrates=None, nodes_hitrates_as_tensor=None,
    nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None, nodes_treeids=None,
    nodes_truenodeids=None, nodes_values=None, nodes_values_as_tensor=None, post_transform="NONE",
    target_ids=None, target_nodeids=None, target_treeids=None, target_weights=None, target_weights_as_tensor=None,
):
    return _prepare(**locals())


def _prepare(*, aggregate_function, n_targets, post_transform, target_ids, target_nodeids, target_treeids,
             target_weights, target_weights_as_tensor=None, **tree_attributes):
    """``tree_attributes``: the nodes_* and base_values* attributes, as parse_v3 reads them."""
    transform = transform_name(post_transform)
    if aggregate_function not in AGGREGATES:
        raise ValueError(f"{OP}: aggregate_function must be one of {', '.join(AGGREGATES)}, got {aggregate_function!r}")
    if n_targets is None or n_targets <= 0:
        raise ValueError(f"{OP}: n_targets must be positive, got {n_targets}")
    n_targets = int(n_targets)
    trees, base, needs_double = parse_v3(
        OP, n_targets=n_targets, weight_name="target_weights", w_treeids=target_treeids, w_nodeids=target_nodeids,
        w_ids=target_ids, w_values=target_weights, w_values_as_tensor=target_weights_as_tensor, **tree_attributes)
    forest = trees.forest
    if len(base) not in (0, n_targets):
        raise ValueError(f"{OP}: base_values should have 0 or {n_targets} values, got {len(base)}")
    table = None
    if n_targets > 1:
        combine, fill = {"MIN": (np.minimum, np.inf), "MAX": (np.maximum, -np.inf)}.get(aggregate_function,
                                                                                       (np.add, 0.0))
        table = LeafTable(forest, trees.w_leaf, trees.w_ids, trees.w_values, n_targets, combine=combine, fill=fill)
    n_trees = len(forest.roots)

    def run(x):
        xc = compare_input(OP, x, needs_double, forest)
        dtype = xc.dtype  # onnxruntime's threshold type: scores are computed in it
        leaves = forest.leaves(xc)
        if n_targets == 1:
            return _single_target(leaves, trees.leaf_value.astype(dtype), dtype)
        if aggregate_function in ("SUM", "AVERAGE"):
            return finish_sum(table.sum(leaves, dtype), table.row_has_score(leaves), dtype)
        scores = table.reduce(leaves, dtype, np.minimum if aggregate_function == "MIN" else np.maximum)
        return _finish(scores, table.row_has_score(leaves), dtype)

    def finish_sum(scores, has, dtype):
        """The output from the SUM of the weights reached, (N, C) in ``dtype`` (SUM and AVERAGE)."""
        if n_targets == 1:
            score = scores[:, 0]
            if aggregate_function == "AVERAGE":
                score = (score / dtype.type(n_trees)).astype(dtype)
            return _single_output(score + _origin(dtype))
        if aggregate_function == "AVERAGE":
            scores = scores / dtype.type(n_trees)
        return _finish(scores, has, dtype)

    def _finish(scores, has, dtype):
        if len(base) == n_targets:
            scores = scores + base.astype(dtype)
        scores = np.where(has, scores, dtype.type(0))
        return apply_post_transform(scores, transform)

    def _origin(dtype):
        return dtype.type(base[0]) if len(base) == 1 else dtype.type(0)

    def _single_output(score):
        if transform == "PROBIT":
            return probit(score).reshape(-1, 1)
        return score.astype(np.float32).reshape(-1, 1)

    def _single_target(leaves, value, dtype):
        n_rows = leaves.shape[1]
        if aggregate_function in ("SUM", "AVERAGE"):
            if n_trees and n_trees * n_rows <= SMALL_SUM:  # one running sum over the trees: the same order
                score = np.cumsum(value.take(leaves, mode="clip"), axis=0, dtype=dtype)[-1]
            else:
                score = np.zeros(n_rows, dtype=dtype)
                for t in range(n_trees):
                    score += value.take(leaves[t], mode="clip")
            return finish_sum(score.reshape(-1, 1), None, dtype)
        origin = _origin(dtype)
        if n_trees:
            score = (value[leaves].min(axis=0) if aggregate_function == "MIN" else value[leaves].max(axis=0)) + origin
        else:
            score = np.full(n_rows, origin, dtype=dtype)
        return _single_output(score)

    # for a provider that computes the sums its own way (the Numba provider's kernel)
    run.prepared = PreparedTrees(forest=forest, trees=trees, table=table, needs_double=needs_double,
                                 n_targets=n_targets, aggregate=aggregate_function,
                                 finish=finish_sum if aggregate_function in ("SUM", "AVERAGE") else None)
    return run
