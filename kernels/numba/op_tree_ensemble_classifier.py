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
0.027 of a row's 0.076 before its ``positive_binary`` short path for such forests (0.004).
"""

from __future__ import annotations

import numpy as np

from . import _trees
from refrt.kernels.numpy import op_tree_ensemble_classifier as _np
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
    forest, table = p.forest, p.table
    compiled_for = _trees.install_compiled_leaves(forest)
    if p.finish is None or table.row_has is None or len(forest.roots) == 0:
        return numpy_run  # its walk is the compiled one now
    finish, row_has, positive_binary = p.finish, table.row_has, p.positive_binary
    sums = _trees.score_sums(OP, p, compiled_for)

    def run(x):
        scores, dtype = sums(x)
        if scores is None:
            return numpy_run(x)
        if positive_binary:  # finish's short path reads the class-0 sums only (batch 1: 1 us less)
            return finish(scores, None, dtype)
        has = np.empty(scores.shape, dtype=bool)
        has[:] = row_has  # (finish may change it: not a broadcast view)
        return finish(scores, has, dtype)

    return run
