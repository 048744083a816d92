"""NonMaxSuppression: per batch and class, keep boxes in descending score order, dropping each box
whose IoU with an already kept one exceeds iou_threshold.

Every (batch, class) pair runs its greedy pass at the same time: each step keeps the best remaining
candidate of every pair still running and computes its IoU with all of that pair's candidates in one
array operation, so the Python loop runs at most max_output_boxes_per_class times in all.
"""

from __future__ import annotations

import numpy as np

from refrt.registry import kernel


def _corners(boxes: np.ndarray, center_point_box: int) -> tuple[np.ndarray, ...]:
    """(y_min, x_min, y_max, x_max) of [..., 4] boxes, in their own type (as onnxruntime computes)."""
    if center_point_box:
        cx, cy, w, h = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
        half_w, half_h = w / 2, h / 2
        return cy - half_h, cx - half_w, cy + half_h, cx + half_w
    # Either diagonal pair of corners may be given.
    y1, x1, y2, x2 = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    return np.minimum(y1, y2), np.minimum(x1, x2), np.maximum(y1, y2), np.maximum(x1, x2)


def _scalar(value, default, dtype, what: str):
    if value is None or np.size(value) == 0:
        return default
    if np.size(value) != 1:
        raise ValueError(f"NonMaxSuppression: {what} must hold one value, got shape {np.shape(value)}")
    return np.asarray(value).reshape(-1)[0].astype(dtype)


@kernel("NonMaxSuppression", since=10)
def non_max_suppression(boxes, scores, max_output_boxes_per_class=None, iou_threshold=None, score_threshold=None,
                        *, center_point_box=0):
    if boxes.ndim != 3 or boxes.shape[2] != 4:
        raise ValueError(f"NonMaxSuppression: boxes must have shape [batches, boxes, 4], got {boxes.shape}")
    if scores.ndim != 3 or scores.shape[0] != boxes.shape[0] or scores.shape[2] != boxes.shape[1]:
        raise ValueError(
            f"NonMaxSuppression: scores {scores.shape} must be [batches, classes, boxes] for boxes {boxes.shape}"
        )
    if center_point_box not in (0, 1):
        raise ValueError(f"NonMaxSuppression: center_point_box must be 0 or 1, got {center_point_box}")
    work = boxes.dtype if boxes.dtype.kind == "f" and boxes.dtype.itemsize >= 4 else np.dtype(np.float32)
    max_out = int(_scalar(max_output_boxes_per_class, 0, np.int64, "max_output_boxes_per_class"))
    iou_thr = _scalar(iou_threshold, work.type(0), work, "iou_threshold")
    if not 0 <= iou_thr <= 1:
        raise ValueError(f"NonMaxSuppression: iou_threshold must lie in [0, 1], got {iou_thr}")
    score_thr = _scalar(score_threshold, None, scores.dtype, "score_threshold")
    batches, classes, n = scores.shape
    if max_out <= 0 or n == 0 or batches * classes == 0:
        return np.empty((0, 3), np.int64)

    # One row per (batch, class): candidates in descending score order, equal scores keeping the
    # lower box index first; those at or under score_threshold form a suffix and start out dead.
    flat_scores = scores.reshape(batches * classes, n)
    order = np.argsort(-flat_scores, axis=1, kind="stable")
    alive = np.ones(order.shape, bool)
    if score_thr is not None:
        alive = np.take_along_axis(flat_scores, order, axis=1) > score_thr
        width = int(alive.sum(axis=1).max(initial=0))
        order, alive = order[:, :width], alive[:, :width]
    rows_batch = np.repeat(np.arange(batches), classes)
    sorted_boxes = boxes.astype(work, copy=False)[rows_batch[:, None], order]  # (rows, width, 4)
    y0, x0, y1, x1 = _corners(sorted_boxes, center_point_box)
    areas = (x1 - x0) * (y1 - y0)

    kept = np.full((order.shape[0], min(max_out, order.shape[1])), -1, np.int64)
    for step in range(kept.shape[1]):
        rows = np.flatnonzero(alive.any(axis=1))
        if rows.size == 0:
            break
        pick = np.argmax(alive[rows], axis=1)  # the first (best) live candidate of each row
        kept[rows, step] = order[rows, pick]
        alive[rows, pick] = False
        ky0, kx0, ky1, kx1, ka = (a[rows, pick][:, None] for a in (y0, x0, y1, x1, areas))
        ih = np.minimum(ky1, y1[rows]) - np.maximum(ky0, y0[rows])
        iw = np.minimum(kx1, x1[rows]) - np.maximum(kx0, x0[rows])
        inter = ih * iw
        union = ka + areas[rows] - inter
        overlap = (ih > 0) & (iw > 0) & (inter > 0) & (ka > 0) & (areas[rows] > 0) & (union > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            suppress = overlap & (inter / np.where(overlap, union, 1) > iou_thr)
        alive[rows] &= ~suppress

    row, step = np.nonzero(kept >= 0)  # row-major: by batch, class, then selection order
    out = np.empty((row.size, 3), np.int64)
    out[:, 0] = rows_batch[row]
    out[:, 1] = row % classes
    out[:, 2] = kept[row, step]
    return out
