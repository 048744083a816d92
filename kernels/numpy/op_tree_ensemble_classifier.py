"""TreeEnsembleClassifier (ai.onnx.ml 1 and 3): per class, add up the weights of the leaves each
row reaches in every tree, add base_values, pick the top class's label, apply the post transform.

Outputs: Y, the labels (int64 from ``classlabels_int64s`` or strings from ``classlabels_strings``),
shape (N,); Z, the scores, float (N, C) with C the number of labels. Revision 3 adds
``nodes_values_as_tensor``, ``nodes_hitrates_as_tensor``, ``class_weights_as_tensor`` and
``base_values_as_tensor`` (doubles, in place of the float lists). Revision 5 of the schema is
deprecated and onnxruntime refuses a model that uses it, so no kernel claims it (refrt refuses
it too, at session creation). ``nodes_hitrates`` is ignored. The trees are walked level by level
over all (tree, row) pairs at once (see ``_tree_util``); the attributes are parsed once.

The scores are sums whatever the model says (there is no aggregate_function here), computed as
onnxruntime 1.32 does (TreeAggregatorClassifier in tree_ensemble_aggregator.h): in its threshold
type (double for a double X, float otherwise), tree after tree, so the rounding matches. A class
"has a score" for a row once any leaf the row reaches carries a weight for it; a score without one
is written as 0. Then, with C classes:

- C > 2: ``base_values[k]`` (0 or C of them) is added to class k (giving it a score); the label
  is the class with the largest score among those that have one, the first on a tie (a NaN never
  wins, except in the first such class); Z is the post transform of the scores
  (``_ml_util.post_transform``).
- C == 2, "binary case" (every weight, on leaves or not, is for the same one class id): with
  ``p`` the class-1 score if it has one, else the class-0 score, the label is
  ``classlabels[1]`` when p > 0.5 (all weights >= 0) or p > 0 (some weight < 0), else
  ``classlabels[0]``.
- C == 2, otherwise: the label is the LITERAL 1 when p > 0, else 0 (for int64 labels the number
  1 or 0 whatever the labels are; for string labels ``classlabels_strings[1 or 0]``), as in
  onnxruntime.
- C == 2, scores (0, 1 or 2 base values): with two base values, a row whose class 1 has a score
  gets ``[-(base[1] + s0), base[1] + s0]`` (class 0's score is then written as 0 unless it had one;
  onnxruntime's code, base[0] unused), a row without gets ``s + base``. With one base value it is
  added to class 0. A row left with one score (no base values or one, and class 1 without a
  score) is expanded to two columns by ``_ml_util.write_scores``: in the binary case with all
  weights >= 0, ``[1 - s, s]`` (LOGISTIC: of ``logistic(s)``; SOFTMAX/SOFTMAX_ZERO not applied);
  with some weight < 0, or outside the binary case without base values, ``[-s, s]`` (LOGISTIC:
  ``[logistic(-s), logistic(s)]``). PROBIT gives one column, ``probit(s)``, and so does a row
  outside the binary case with one base value; onnxruntime leaves the second column of such rows
  unwritten, refrt writes NaN there. A row with two scores gets the post transform of both.
- C == 1: the first weight of each leaf (or its node value without one) is summed, plus
  ``base_values[0]`` if there is exactly one; the label is the literal 1 when the score > 0, else 0;
  only PROBIT is applied to the one score.

onnxruntime fails ("narrowing_error") when a row ends with no class holding a score (C > 2, a leaf
without weights and no base values); refrt raises an error there too. Where onnxruntime refuses at
session creation, refrt refuses when the node first runs: ``*_as_tensor`` attributes with a
non-double X. Trees and nodes follow onnxruntime's reading (see ``_tree_util.V3Trees``).
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._ml_util import class_labels, post_transform as apply_post_transform, probit, transform_name, write_scores
from ._tree_util import LeafTable, PreparedTrees, compare_input, parse_v3

OP = "TreeEnsembleClassifier"


@kernel(OP, domain="ai.onnx.ml", since=1, until=2, prepare=True)
def tree_ensemble_classifier_1(
    *, base_values=None, class_ids=None, class_nodeids=None, class_treeids=None, class_weights=None,
    classlabels_int64s=None, classlabels_strings=None, nodes_falsenodeids=None, nodes_featureids=None,
    nodes_hitrates=None, nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None,
    nodes_treeids=None, nodes_truenodeids=None, nodes_values=None, post_transform="NONE",
):
    return _prepare(**locals())


@kernel(OP, domain="ai.onnx.ml", since=3, until=4, prepare=True)
def tree_ensemble_classifier_3(
    *, base_values=None, base_values_as_tensor=None, class_ids=None, class_nodeids=None, class_treeids=None,
    class_weights=None, class_weights_as_tensor=None, classlabels_int64s=None, classlabels_strings=None,
    nodes_falsenodeids=None, nodes_featureids=None, nodes_hitrates=None, nodes_hitrates_as_tensor=None,
    nodes_missing_value_tracks_true=None, nodes_modes=None, nodes_nodeids=None, nodes_treeids=None,
    nodes_truenodeids=None, nodes_values=None, nodes_values_as_tensor=None, post_transform="NONE",
):
    return _prepare(**locals())


def _prepare(*, class_ids, class_nodeids, class_treeids, class_weights, classlabels_int64s, classlabels_strings,
             post_transform, class_weights_as_tensor=None, **tree_attributes):
    """``tree_attributes``: the nodes_* and base_values* attributes, as parse_v3 reads them."""
    transform = transform_name(post_transform)
    labels = class_labels(classlabels_int64s, classlabels_strings, OP)
    if labels is None:
        raise ValueError(f"{OP}: one of classlabels_int64s and classlabels_strings is required")
    n_classes = len(labels)
    trees, base, needs_double = parse_v3(
        OP, n_targets=n_classes, weight_name="class_weights", w_treeids=class_treeids, w_nodeids=class_nodeids,
        w_ids=class_ids, w_values=class_weights, w_values_as_tensor=class_weights_as_tensor, **tree_attributes)
    forest = trees.forest
    binary_case = n_classes == 2 and len(np.unique(trees.all_ids)) == 1
    all_positive = not (trees.all_values < 0).any()
    table = LeafTable(forest, trees.w_leaf, trees.w_ids, trees.w_values, n_classes) if n_classes > 1 else None
    if len(base) not in ((0, 1, 2) if n_classes <= 2 else (0, n_classes)):
        allowed = "0, 1, or 2" if n_classes <= 2 else f"0 or {n_classes}"
        raise ValueError(f"{OP}: base_values should have {allowed} values, got {len(base)}")
    if n_classes == 1 and len(base) == 2:
        raise ValueError(f"{OP}: one class label with two base values (onnxruntime writes past its output)")
    is_strings = labels.dtype == object

    def label_of(index: np.ndarray) -> np.ndarray:
        if is_strings and index.size and index.max() >= n_classes:
            raise ValueError(f"{OP}: the label index 1 lies outside the {n_classes} class labels")
        return labels[index] if is_strings else labels[index].astype(np.int64)

    def run(x):
        xc = compare_input(OP, x, needs_double, forest)
        dtype = xc.dtype
        leaves = forest.leaves(xc)
        if n_classes == 1:
            return _one_class(leaves, trees.leaf_value.astype(dtype), dtype)
        return finish(table.sum(leaves, dtype), np.array(table.row_has_score(leaves)), dtype)

    # The plainest binary case (scikit-learn's binary random forests): every weight for class 0 and none
    # negative, no base values, no transform, and the same classes (class 0) on every weighted leaf of a
    # tree, so every row has class 0's score s and none for class 1. _binary then gives the label
    # labels[s > 0.5] and the scores [1 - s, s]: _positive_binary computes just that in 5 NumPy calls
    # (4 us a row where _binary's general code takes 27: what batch 1 on the Numba provider pays).
    positive_binary = bool(binary_case and all_positive and len(base) == 0 and transform == "NONE"
                           and table.row_has is not None and table.row_has.tolist() == [True, False])
    label_values = labels if is_strings else labels.astype(np.int64)

    def finish(scores, has, dtype):
        """Labels and scores from the class sums (N, C) and which classes have one (both modified;
        ``has`` may be None in the positive_binary case, which does not read it)."""
        if n_classes > 2:
            return _multiclass(scores, has, dtype)
        if positive_binary:  # has is [True, False] on every row (see above)
            return _positive_binary(scores[:, 0], dtype)
        return _binary(scores, has, dtype)

    def _positive_binary(s0, dtype):
        label = label_values[(s0 > dtype.type(0.5)).view(np.uint8)]
        z = np.empty((len(s0), 2), dtype=np.float32)
        z[:, 1] = s0
        np.subtract(np.float32(1), z[:, 1], out=z[:, 0])
        return label, z

    def _multiclass(scores, has, dtype):
        if len(base):
            scores += base.astype(dtype)
            has[:] = True
        best = np.full(len(scores), -1, dtype=np.int64)
        top = np.zeros(len(scores), dtype=dtype)
        for c in range(n_classes):  # onnxruntime's scan: the first strictly larger score wins
            take = has[:, c] & ((best < 0) | (scores[:, c] > top))
            best[take] = c
            top[take] = scores[take, c]
        if (best < 0).any():
            raise ValueError(f"{OP}: row {int(np.flatnonzero(best < 0)[0])} reaches no leaf with a class weight "
                             "(onnxruntime: narrowing_error)")
        return label_of(best), apply_post_transform(np.where(has, scores, dtype.type(0)), transform)

    def _binary(scores, has, dtype):
        s0, s1 = scores[:, 0].copy(), scores[:, 1].copy()
        h0, h1 = has[:, 0], has[:, 1]
        add_second = -1
        two_columns = h1.copy()
        if len(base) == 2:
            b0, b1 = dtype.type(base[0]), dtype.type(base[1])
            joined = b1 + s0  # onnxruntime's code: class 0's sum, not class 1's
            s1 = np.where(h1, joined, s1 + b1)
            s0 = np.where(h1, -joined, s0 + b0)
            two_columns[:] = True
        elif len(base) == 1:
            s0 = s0 + dtype.type(base[0])
        else:
            add_second = 3
        positive = np.where(two_columns & h1, s1, np.where(h0, s0, dtype.type(0)))
        if binary_case:
            upper = positive > (0.5 if all_positive else 0)
            label = label_of(upper.astype(np.int64))
            add_second = 0 if all_positive else 2
        else:
            chosen = (positive > 0).astype(np.int64)
            label = label_of(chosen) if is_strings else chosen
        s0w = np.where(h0, s0, dtype.type(0))
        s1w = np.where(h1, s1, dtype.type(0))
        z = np.zeros((len(scores), 2), dtype=np.float32)
        if two_columns.any():
            z[two_columns] = apply_post_transform(np.stack([s0w[two_columns], s1w[two_columns]], axis=1), transform)
        one = ~two_columns
        if one.any():
            written = write_scores(s0w[one].reshape(-1, 1), transform, add_second)
            if written.shape[1] == 1:  # onnxruntime leaves column 1 unwritten: NaN, not a value
                written = np.concatenate([written, np.full_like(written, np.nan)], axis=1)
            z[one] = written
        return label, z

    def _one_class(leaves, value, dtype):
        score = np.zeros(leaves.shape[1], dtype=dtype)
        for t in range(len(leaves)):
            score += np.take(value, leaves[t], mode="clip")
        if len(base) == 1:
            score = score + dtype.type(base[0])
        chosen = (score > 0).astype(np.int64)
        label = label_of(chosen) if is_strings else chosen
        z = probit(score) if transform == "PROBIT" else score.astype(np.float32)
        return label, z.reshape(-1, 1)

    # for a provider that computes the sums its own way (the Numba provider's kernel)
    run.prepared = PreparedTrees(forest=forest, trees=trees, table=table, needs_double=needs_double,
                                 n_targets=n_classes, aggregate="SUM", finish=finish if n_classes > 1 else None,
                                 positive_binary=positive_binary)
    return run
