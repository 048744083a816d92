"""LinearClassifier (ai.onnx.ml 1): scores = X @ coefficients.T + intercepts, the top class's label,
and the post-transformed scores.

``coefficients`` hold one row of F weights per score column (C = len(intercepts) rows). X is
[N, F] or [F] (one row), of float, double, int32 or int64; it is cast to float32 first, as
onnxruntime does, so the scores output is float32 (N, C') and the labels are int64 (N,) or
strings (N,).

Multi-class (C >= 2): the label of row n is ``classlabels[first argmax of the raw scores]`` (a NaN
score never wins, a NaN in column 0 keeps class 0), and the scores are the post transform of the
raw scores (see ``_ml_util.post_transform``).

Binary (C == 1, one coefficient row): onnxruntime (1.32) requires exactly two class labels and
gives label ``classlabels[1]`` where the raw score s > 0, else ``classlabels[0]``; the scores are
two columns: ``[1 - logistic(s), logistic(s)]`` for LOGISTIC, ``[1 - s, s]`` for NONE, SOFTMAX and
SOFTMAX_ZERO (which are not applied). For PROBIT onnxruntime writes probit(s) of all rows into the
first N floats of the (N, 2) buffer and leaves the rest uninitialised; refrt gives
``[probit(s), NaN]`` instead (see ``_ml_util.write_scores``).

Where refrt departs from onnxruntime, for the spec: ``intercepts`` may be left out (the spec makes
it optional; onnxruntime refuses the model) and then C is the number of coefficient rows, which is
``len(coefficients) / F``, with zero intercepts. With no class labels at all (the spec requires
one list; onnxruntime reads past an empty one) refrt labels by class index, 0/1 for binary.
``multi_class`` is accepted and, as in onnxruntime, changes nothing.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._ml_util import argmax_first, as_float32_matrix, class_labels, apply_transform, transform_name, write_scores


@kernel("LinearClassifier", domain="ai.onnx.ml", since=1, prepare=True)
def linear_classifier(*, classlabels_ints=None, classlabels_strings=None, coefficients=None, intercepts=None,
                      multi_class=0, post_transform="NONE"):
    transform = transform_name(post_transform)
    if coefficients is None or len(coefficients) == 0:
        raise ValueError("LinearClassifier: the coefficients attribute is required")
    coef = np.asarray(coefficients, dtype=np.float32).reshape(-1)
    bias = None if intercepts is None or len(intercepts) == 0 else np.asarray(intercepts, dtype=np.float32).reshape(-1)
    labels = class_labels(classlabels_ints, classlabels_strings, "LinearClassifier")
    if bias is not None:
        _check_labels(labels, len(bias))

    def run(x):
        x = as_float32_matrix(x, "LinearClassifier")
        n_features = x.shape[1]
        n_classes = len(bias) if bias is not None else (len(coef) // n_features if n_features else 0)
        if n_classes == 0 or len(coef) != n_classes * n_features:
            raise ValueError(f"LinearClassifier: {len(coef)} coefficients do not make {n_classes} rows of "
                             f"{n_features} features (X has shape {list(x.shape)})")
        if bias is None:
            _check_labels(labels, n_classes)
        raw = x @ coef.reshape(n_classes, n_features).T
        if bias is not None:
            raw += bias
        if n_classes == 1:
            chosen = (raw[:, 0] > 0).astype(np.int64)
            scores = write_scores(raw, transform, 1)
        else:
            chosen = argmax_first(raw)
            scores = apply_transform(raw, transform)
        label = chosen if labels is None else labels[chosen]
        return label, scores

    return run


def _check_labels(labels, n_classes: int) -> None:
    if labels is None:
        return
    wanted = 2 if n_classes == 1 else n_classes
    if len(labels) != wanted:
        kind = "binary classification (one coefficient row)" if n_classes == 1 else f"{n_classes} classes"
        raise ValueError(f"LinearClassifier: class labels must have exactly {wanted} elements for {kind}, "
                         f"got {len(labels)}")
