"""TreeEnsembleRegressor (ai.onnx.ml 1 and 3) on the Numba provider.

The NumPy kernel's prepare function parses the attributes (onnxruntime's reading, ``V3Trees``,
``LeafTable``); compiled here is the walk plus the score sum (``_trees``): per row, tree after tree,
the leaf's weights added to running scores in the compare type, rows in blocks over the session's
threads. The sum order is the NumPy kernel's (and onnxruntime's), so the scores are the same bit
for bit; what follows the sum (AVERAGE's division, base values, the "no weight" zeros, the post
transform) is the NumPy kernel's code, restated in ``run`` below for the fused cases.

Fused walk + sum: SUM and AVERAGE, one target (each leaf's first weight or node value, as the
NumPy kernel reads it) or several where every leaf of a tree carries the same targets. MIN/MAX and
other multi-target forests run the NumPy code with the compiled walk for their leaves. Not compiled
(the NumPy walk): modes EQ/NEQ/MEMBER or NaN splits (``CompiledForest.build``).

Measured (bench ``gradient_boosting``: 100 trees of depth 3, one target; intra_op 1, shared 2-core
machine): 1 row 0.017 ms against the NumPy provider's 0.09 (onnxruntime 0.009); 10,000 rows
13.4 ms against 21-27 (onnxruntime single-threaded 12.0).
"""

from __future__ import annotations

import numpy as np

from . import _trees
from refrt.kernels.numpy import op_tree_ensemble_regressor as _np
from refrt.kernels.numpy._ml_util import post_transform as apply_post_transform
from refrt.kernels.numpy._ml_util import probit
from refrt.kernels.numpy._tree_util import compare_input
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
    env = _trees.numpy_state(numpy_run)
    forest, n_targets, aggregate = env["forest"], env["n_targets"], env["aggregate_function"]
    needs_double, base, transform, trees = env["needs_double"], env["base"], env["transform"], env["trees"]
    table = env.get("table")
    compiled_for = _trees.install_compiled_leaves(forest)
    n_trees = len(forest.roots)
    fused = (aggregate in ("SUM", "AVERAGE") and n_trees > 0
             and (n_targets == 1 or table is not None and table.row_has is not None))
    if not fused:
        return numpy_run  # its walk is the compiled one now
    single_column = np.zeros(n_trees, dtype=np.int64)
    leaf_values: dict = {}

    def run(x):
        xc = compare_input(OP, x, needs_double, forest)
        cf = compiled_for(xc.dtype)
        if cf is None:
            return numpy_run(x)
        dtype = xc.dtype
        if n_targets == 1:  # op_tree_ensemble_regressor._single_target after its sum
            if dtype not in leaf_values:
                leaf_values[dtype] = trees.leaf_value.astype(dtype)
            score = cf.column_sum(xc, single_column, leaf_values[dtype], 1)[:, 0]
            if aggregate == "AVERAGE":
                score = (score / dtype.type(n_trees)).astype(dtype)
            score = score + (dtype.type(base[0]) if len(base) == 1 else dtype.type(0))
            score = probit(score) if transform == "PROBIT" else score.astype(np.float32)
            return score.reshape(-1, 1)
        if table.tree_column is not None:
            scores = cf.column_sum(xc, table.tree_column, table._as("leaf_column_value", dtype), n_targets)
        else:
            scores = cf.table_sum(xc, np.ascontiguousarray(table._as("values", dtype)))
        if aggregate == "AVERAGE":
            scores = scores / dtype.type(n_trees)
        if len(base) == n_targets:
            scores = scores + base.astype(dtype)
        scores = np.where(table.row_has, scores, dtype.type(0))
        return apply_post_transform(scores, transform)

    return run
