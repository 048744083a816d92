"""TreeEnsembleRegressor (ai.onnx.ml 1 and 3) on the Numba provider.

The NumPy kernel's prepare function parses the attributes (onnxruntime's reading: ``V3Trees``,
``LeafTable``) and its run carries them as ``run.prepared`` (``_tree_util.PreparedTrees``), with
``finish``: the NumPy kernel's own code after the sum (AVERAGE's division, base values, the
"no weight" zeros, the post transform), called as is. Compiled here is the walk plus the score sum
(``_trees``): per row, tree after tree, the leaf's weights added to running scores in the compare
type, rows in blocks, row ranges over the session's threads. The sum order is the NumPy kernel's
(and onnxruntime's), so the scores are the same bit for bit.

Fused walk + sum: SUM and AVERAGE, one target (each leaf's first weight or node value, as the
NumPy kernel reads it) or several where every leaf of a tree carries the same targets. MIN/MAX and
other multi-target forests run the NumPy code with the compiled walk for their leaves. Not compiled
(the NumPy walk): modes EQ/NEQ/MEMBER or NaN splits (``CompiledForest.build``).

Measured (bench ``gradient_boosting``: 100 trees of depth 3, one target, 20 features; shared 2-core
VM, session.run, onnxruntime 1.32 in the same process): 10,000 rows 6.4 ms at 1 thread, 3.5 ms at 2
(NumPy provider 20 / 20, onnxruntime 12.0 / 7.8); 1 row 0.017 ms (NumPy provider 0.093, onnxruntime
0.008).
"""

from __future__ import annotations

import numpy as np

from . import _trees
from refrt.kernels.numpy import op_tree_ensemble_regressor as _np
from refrt.registry import kernel

OP = _np.OP


@kernel(OP, domain="ai.onnx.ml", since=1, until=2, prepare=True)
def tree_ensemble_regressor_1(
    *, aggregate_function="SUM", base_values=None, n_targets=None, nodes_falsenodeids=None, nodes_featureids=None,
    nodes_hitrates=None, nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None,
    nodes_treeids=None, nodes_truenodeids=None, nodes_values=None, post_transform="NONE", target_ids=None,
    target_nodeids=None, target_treeids=None, target_weights=None,
):
    return _prepare(_np._prepare(**locals()))


@kernel(OP, domain="ai.onnx.ml", since=3, until=4, prepare=True)
def tree_ensemble_regressor_3(
    *, aggregate_function="SUM", base_values=None, base_values_as_tensor=None, n_targets=None,
    nodes_falsenodeids=None, nodes_featureids=None, nodes_hitrates=None, nodes_hitrates_as_tensor=None,
    nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None, nodes_treeids=None,
    nodes_truenodeids=None, nodes_values=None, nodes_values_as_tensor=None, post_transform="NONE",
    target_ids=None, target_nodeids=None, target_treeids=None, target_weights=None, target_weights_as_tensor=None,
):
    return _prepare(_np._prepare(**locals()))


def _prepare(numpy_run):
    p = numpy_run.prepared  # _tree_util.PreparedTrees
    forest, table, n_targets = p.forest, p.table, p.n_targets
    compiled_for = _trees.install_compiled_leaves(forest)
    n_trees = len(forest.roots)
    if p.finish is None or n_trees == 0 or n_targets > 1 and table.row_has is None:
        return numpy_run  # its walk is the compiled one now
    finish = p.finish
    if n_targets == 1:  # every tree adds its leaf's value to column 0
        sums = _trees.score_sums(OP, p, compiled_for, np.zeros(n_trees, dtype=np.int64), p.trees.leaf_value)
    else:
        sums = _trees.score_sums(OP, p, compiled_for)
    row_has = None if n_targets == 1 else table.row_has

    def run(x):
        scores, dtype = sums(x)
        if scores is None:
            return numpy_run(x)
        has = None if row_has is None else np.broadcast_to(row_has, scores.shape)
        return finish(scores, has, dtype)

    return run
