"""TreeEnsembleClassifier (ai.onnx.ml 1 and 3) on the Numba provider.

The NumPy kernel's prepare function parses the attributes (onnxruntime's reading: ``V3Trees``,
``LeafTable``) and its run carries them as ``run.prepared`` (``_tree_util.PreparedTrees``), with
``finish``: the NumPy kernel's own post-processing from the class sums (labels, base values, the
binary and multiclass rules, the post transform), called as is. Compiled here is the walk plus the
score sum (``_trees``): per row, tree after tree, the leaf's class weights added to running scores
in the compare type, rows in blocks, row ranges over the session's threads. The sum order is the
NumPy kernel's (and onnxruntime's), so the scores and labels are the same bit for bit.

Fused walk + sum: two or more classes where every leaf of a tree carries the same classes (the
``LeafTable.row_has`` case: random forests, gradient boosting). Other forests (leaves with differing
classes, one class label) run the NumPy code with the compiled walk for their leaves. Not compiled
(the NumPy walk): modes EQ/NEQ/MEMBER or NaN splits (``CompiledForest.build``).

Measured (bench ``random_forest``: 100 fully grown trees (depth <= 22), binary, 20 features; shared
2-core VM, session.run, onnxruntime 1.32 in the same process): 10,000 rows 29 ms at 1 thread, 14 ms
at 2 (NumPy provider 127 / 67, onnxruntime 55 / 28); 1 row 0.034 ms (NumPy provider 0.32,
onnxruntime 0.013), of which the compiled walk is 0.009; the NumPy kernel's general ``finish`` took
0.027 of a row's 0.076 before the ``positive_binary`` rule below (0.004).
"""

from __future__ import annotations

import numpy as np

from . import _trees
from refrt.kernels.numpy import op_tree_ensemble_classifier as _np
from refrt.kernels.numpy._tree_util import compare_input
from refrt.registry import kernel

OP = _np.OP


@kernel(OP, domain="ai.onnx.ml", since=1, until=2, prepare=True)
def tree_ensemble_classifier_1(
    *, base_values=None, class_ids=None, class_nodeids=None, class_treeids=None, class_weights=None,
    classlabels_int64s=None, classlabels_strings=None, nodes_falsenodeids=None, nodes_featureids=None,
    nodes_hitrates=None, nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None,
    nodes_treeids=None, nodes_truenodeids=None, nodes_values=None, post_transform="NONE",
):
    return _prepare(_np._prepare(**locals()))


@kernel(OP, domain="ai.onnx.ml", since=3, until=4, prepare=True)
def tree_ensemble_classifier_3(
    *, base_values=None, base_values_as_tensor=None, class_ids=None, class_nodeids=None, class_treeids=None,
    class_weights=None, class_weights_as_tensor=None, classlabels_int64s=None, classlabels_strings=None,
    nodes_falsenodeids=None, nodes_featureids=None, nodes_hitrates=None, nodes_hitrates_as_tensor=None,
    nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None, nodes_treeids=None,
    nodes_truenodeids=None, nodes_values=None, nodes_values_as_tensor=None, post_transform="NONE",
):
    return _prepare(_np._prepare(**locals()))


def _prepare(numpy_run):
    p = numpy_run.prepared  # _tree_util.PreparedTrees
    forest, table, n_classes = p.forest, p.table, p.n_targets
    compiled_for = _trees.install_compiled_leaves(forest)
    if p.finish is None or table.row_has is None or len(forest.roots) == 0:
        return numpy_run  # its walk is the compiled one now
    needs_double, finish, row_has = p.needs_double, p.finish, table.row_has
    tree_column = None if table.tree_column is None else np.ascontiguousarray(table.tree_column, dtype=np.int64)
    weights: dict = {}  # compare type -> the leaves' weights in it
    # scikit-learn's binary random forests: one score per row, the NumPy finish's rule for it restated
    # in 5 NumPy calls (its general code takes 0.027 ms a call, 0.004 this way)
    positive_binary = p.positive_binary and row_has.tolist() == [True, False]
    labels = p.labels if p.labels.dtype == object else p.labels.astype(np.int64)

    def run(x):
        xc = compare_input(OP, x, needs_double, forest)
        cf = compiled_for(xc.dtype)
        if cf is None:
            return numpy_run(x)
        dtype = xc.dtype
        if dtype not in weights:
            weights[dtype] = np.ascontiguousarray(
                table._as("values" if tree_column is None else "leaf_column_value", dtype))
        if tree_column is not None:
            scores = cf.tree_column_sum(xc, tree_column, weights[dtype], n_classes)
        else:
            scores = cf.table_sum(xc, weights[dtype])
        if positive_binary:
            s0 = scores[:, 0]
            label = labels[(s0 > dtype.type(0.5)).view(np.uint8)]
            z = np.empty((len(s0), 2), dtype=np.float32)
            z[:, 1] = s0
            np.subtract(np.float32(1), z[:, 1], out=z[:, 0])
            return label, z
        has = np.empty(scores.shape, dtype=bool)
        has[:] = row_has  # (finish may change it: not a broadcast view)
        return finish(scores, has, dtype)

    return run
