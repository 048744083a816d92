"""SVMClassifier (ai.onnx.ml 1): a libsvm / liblinear classifier, as onnxruntime (1.32) computes it.

X ([N, F] or [F]; float, double, int32 or int64) is cast to float32. C is the number of class labels.

**Linear mode** (no ``vectors_per_class``, liblinear): ``coefficients`` hold C rows of F weights;
scores = X @ coefficients.T + rho[0] (the same rho[0] for every class), shape (N, C). The label is
the first top-scoring class, except that for C == 2 without ``prob_a`` it is ``classlabels[1]`` when
the top score is >= 0.5 and all coefficients are >= 0, or > 0 and some are negative.

**SVC mode** (libsvm, ``vectors_per_class`` given): K = kernel(X, support_vectors), (N, V), with the
kernel of ``_ml_util.svm_kernel``. There is one one-vs-one classifier per pair of classes i < j, in
libsvm's order (0,1), (0,2) ... (1,2) ...; its decision value is

    d_ij = sum_{v in class i} coefficients[j-1, v] K[v] + sum_{v in class j} coefficients[i, v] K[v] + rho[ij]

(``coefficients`` hold C-1 rows of V dual coefficients). Each pair votes for i if d_ij > 0, else
for j; the label is the class with most votes (the first on a tie). All pairs are computed as one
matrix product, K @ W.T, with W (pairs, V) built once from the coefficients.

Scores: with ``prob_a``/``prob_b`` (Platt scaling) each pair gives ``p_ij = 1 - logistic(d_ij a + b)``
clipped to [1e-7, 1 - 1e-7], and the C class probabilities come from libsvm's pairwise coupling
(``multiclass_probability``, Wu, Lin and Weng 2004: at most 100 Gauss-Seidel sweeps, stopped when the
error is below 0.005 / C), run for all rows at once in float32 as onnxruntime does. Without them the
scores are the decision values, (N, C(C-1)/2) for C > 2. The post transform is applied to these (N, C)
or (N, pairs) scores as ``_ml_util.post_transform`` does. For C == 2 without probabilities
onnxruntime writes two columns from the single decision value d: ``[-d, d]`` for NONE,
``[1 - logistic(d), logistic(d)]`` for LOGISTIC, ``[1 - d, d]`` for SOFTMAX and SOFTMAX_ZERO (not
applied), and for PROBIT probit(d) and an uninitialised float (refrt: NaN); see
``_ml_util.write_scores``. The linear mode computes no probabilities even with ``prob_a``.

Departures from onnxruntime: none known, except the uninitialised PROBIT column above. onnxruntime
requires the ``kernel_params`` attribute to be present; refrt takes its absence as zeros.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel

from ._ml_util import (argmax_first, as_float32_matrix, class_labels, logistic, apply_transform,
                       svm_kernel, svm_kernel_params, transform_name, write_scores)

_F = np.float32


@kernel("SVMClassifier", domain="ai.onnx.ml", since=1, prepare=True)
def svm_classifier(*, classlabels_ints=None, classlabels_strings=None, coefficients=None, kernel_params=None,
                   kernel_type="LINEAR", post_transform="NONE", prob_a=None, prob_b=None, rho=None,
                   support_vectors=None, vectors_per_class=None):
    transform = transform_name(post_transform)
    kind, gamma, coef0, degree = svm_kernel_params(kernel_type, kernel_params)
    labels = class_labels(classlabels_ints, classlabels_strings, "SVMClassifier")
    if labels is None:
        raise ValueError("SVMClassifier: one of classlabels_ints and classlabels_strings is required")
    if coefficients is None or len(coefficients) == 0:
        raise ValueError("SVMClassifier: the coefficients attribute is required")
    if rho is None or len(rho) == 0:
        raise ValueError("SVMClassifier: the rho attribute is required")
    prob_a = np.asarray(prob_a or [], dtype=_F)
    prob_b = np.asarray(prob_b or [], dtype=_F)
    if len(prob_a) != len(prob_b):
        raise ValueError(f"SVMClassifier: prob_a has {len(prob_a)} values, prob_b {len(prob_b)}")
    coef = np.asarray(coefficients, dtype=_F).reshape(-1)
    rho = np.asarray(rho, dtype=_F).reshape(-1)
    n_classes = len(labels)
    per_class = np.asarray(vectors_per_class or [], dtype=np.int64)
    n_vectors = int(per_class.sum())
    if n_vectors == 0:
        return _linear_mode(coef, rho, labels, transform, have_proba=len(prob_a) > 0)
    return _svc_mode(coef, rho, labels, per_class, np.asarray(support_vectors or [], dtype=_F), prob_a, prob_b,
                     transform, (kind, gamma, coef0, degree))


def _linear_mode(coef, rho, labels, transform, have_proba):
    n_classes = len(labels)
    if len(coef) % n_classes:
        raise ValueError(f"SVMClassifier: {len(coef)} coefficients do not make {n_classes} equal rows")
    weights = coef.reshape(n_classes, -1)
    all_positive = bool((coef >= 0).all())

    def run(x):
        x = as_float32_matrix(x, "SVMClassifier")
        if x.shape[1] != weights.shape[1]:
            raise ValueError(f"SVMClassifier: X has {x.shape[1]} features, the coefficients {weights.shape[1]}")
        raw = x @ weights.T + rho[0]
        best = argmax_first(raw)
        if n_classes == 2 and not have_proba:
            top = raw[np.arange(len(raw)), best]
            best = np.where((top >= 0.5) if all_positive else (top > 0), 1, best)
        scores = apply_transform(raw, transform) if n_classes > 1 else write_scores(raw, transform, -1)
        return labels[best], scores

    return run


def _svc_mode(coef, rho, labels, per_class, vectors, prob_a, prob_b, transform, kernel_spec):
    n_classes = len(labels)
    if n_classes < 2 or len(per_class) != n_classes:
        raise ValueError(f"SVMClassifier: vectors_per_class has {len(per_class)} entries for {n_classes} class labels "
                         "(SVC mode needs one per class, and at least 2 classes)")
    n_vectors = int(per_class.sum())
    if len(vectors) % n_vectors:
        raise ValueError(f"SVMClassifier: {len(vectors)} support vector values do not make {n_vectors} vectors")
    vectors = vectors.reshape(n_vectors, -1)
    if len(coef) != (n_classes - 1) * n_vectors:
        raise ValueError(f"SVMClassifier: expected {(n_classes - 1) * n_vectors} coefficients "
                         f"((classes - 1) x vectors), got {len(coef)}")
    dual = coef.reshape(n_classes - 1, n_vectors)
    first, second = np.triu_indices(n_classes, k=1)  # the pairs (i, j), i < j, in libsvm's order
    n_pairs = len(first)
    if len(rho) < n_pairs:
        raise ValueError(f"SVMClassifier: rho has {len(rho)} values for {n_pairs} class pairs")
    have_proba = len(prob_a) > 0
    if have_proba and len(prob_a) < n_pairs:
        raise ValueError(f"SVMClassifier: prob_a has {len(prob_a)} values for {n_pairs} class pairs")
    # W[p] holds, on class i's vectors, row j-1 of the dual coefficients, and on class j's, row i
    owner = np.repeat(np.arange(n_classes), per_class)  # the class of each support vector
    in_i = owner[None, :] == first[:, None]
    in_j = owner[None, :] == second[:, None]
    pair_weights = (np.where(in_i, dual[second - 1], 0) + np.where(in_j, dual[first], 0)).astype(_F)

    def run(x):
        x = as_float32_matrix(x, "SVMClassifier")
        if x.shape[1] != vectors.shape[1]:
            raise ValueError(f"SVMClassifier: X has {x.shape[1]} features, the support vectors {vectors.shape[1]}")
        k = svm_kernel(x, vectors, *kernel_spec)
        decision = _decisions(k, pair_weights, rho[:n_pairs])
        winner = np.where(decision > 0, first, second)
        n = len(x)
        votes = np.bincount((np.arange(n)[:, None] * n_classes + winner).ravel(),
                            minlength=n * n_classes).reshape(n, n_classes)
        best = votes.argmax(axis=1)
        if have_proba:
            pairwise = _F(1) - logistic(decision * prob_a[:n_pairs] + prob_b[:n_pairs])
            pairwise = np.clip(pairwise, _F(1e-7), _F(1) - _F(1e-7))
            r = np.zeros((n, n_classes, n_classes), dtype=_F)
            r[:, first, second] = pairwise
            r[:, second, first] = _F(1) - pairwise
            scores = apply_transform(multiclass_probability(r), transform)
        elif n_classes == 2:
            scores = write_scores(decision, transform, 2 if transform == "NONE" else 0)
        else:
            scores = apply_transform(decision, transform)
        return labels[best], scores

    return run


_CHUNK = 1 << 22  # elements of the (rows, pairs, vectors) product array made at once


def _decisions(k: np.ndarray, pair_weights: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """d[n, p] = sum_v float32(K[n, v] W[p, v]) + rho[p], the float32 products summed in float64 and
    the sum rounded to float32: onnxruntime's arithmetic, needed because the sum often cancels
    (a plain float32 matrix product is off by 1e-4 relative on POLY kernels)."""
    n, (pairs, vectors) = len(k), pair_weights.shape
    out = np.empty((n, pairs), dtype=_F)
    step = max(1, _CHUNK // max(1, pairs * vectors))
    for lo in range(0, n, step):  # chunks of rows, to bound memory
        prod = k[lo: lo + step, None, :] * pair_weights[None, :, :]
        out[lo: lo + step] = (prod.sum(axis=2, dtype=np.float64) + rho).astype(_F)
    return out


def multiclass_probability(r: np.ndarray) -> np.ndarray:
    """libsvm's pairwise coupling for all rows at once: ``r`` (N, C, C) holds r[n, i, j] = P(i | i or j);
    returns the (N, C) class probabilities, in float32, step for step as onnxruntime's
    ``multiclass_probability`` (each row stops on its own once its error is below 0.005 / C)."""
    n, c, _ = r.shape
    q = -(np.swapaxes(r, 1, 2) * r)  # Q[i, j] = -r[j, i] r[i, j]
    diag = (r * r).sum(axis=1, dtype=_F)  # Q[i, i] = sum over j != i of r[j, i]^2 (r[i, i] is 0)
    idx = np.arange(c)
    q[:, idx, idx] = diag
    p = np.full((n, c), _F(1) / _F(c), dtype=_F)
    eps = _F(0.005) / _F(c)
    active = np.arange(n)
    for _ in range(100):
        qa, pa = q[active], p[active]
        qp = np.einsum("nij,nj->ni", qa, pa).astype(_F)
        pqp = (pa * qp).sum(axis=1, dtype=_F)
        going = np.abs(qp - pqp[:, None]).max(axis=1) >= eps
        active, qa, pa, qp, pqp = active[going], qa[going], pa[going], qp[going], pqp[going]
        if active.size == 0:
            break
        for i in range(c):
            qii = qa[:, i, i]
            diff = (-qp[:, i] + pqp) / qii
            pa[:, i] += diff
            one = _F(1) + diff
            pqp = (pqp + diff * (diff * qii + _F(2) * qp[:, i])) / one / one
            qp = (qp + diff[:, None] * qa[:, i, :]) / one[:, None]
            pa /= one[:, None]
        p[active] = pa
    return p
