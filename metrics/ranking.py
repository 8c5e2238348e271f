"""Metrics of a *score*: ROC curve and AUC, precision-recall curve and average precision.

Sweep a threshold from +inf down through every distinct score. At each threshold the
samples with score >= threshold are predicted positive, giving one (FPR, TPR) point.
Tied scores cross the threshold together, so a tie is *one* point (a diagonal segment),
never an arbitrary order.

    AUC = area under the ROC curve (trapezoid rule)
        = P(score of a random positive > score of a random negative) + 1/2 P(tie)

AUC depends only on the order of the scores: any strictly increasing transform of the
scores leaves it unchanged, and reversing the order (1 - s) gives 1 - AUC.

Degenerate input: with only one class in y_true the ROC curve is undefined and these
functions raise ``ValueError`` (returning 0.5 or NaN would hide the problem).
"""

from __future__ import annotations

import numpy as np

from metrics._arrays import host, same_length, vector


def _binary_counts(y_true, scores, pos_label, op):
    """Cumulative TP and FP counts at each distinct threshold (scores sorted descending)."""
    t = vector(y_true, "y_true", op) == pos_label
    s = vector(scores, "scores", op).astype(float)
    same_length(op, y_true=t, scores=s)
    if not np.isfinite(s).all():
        raise ValueError(f"{op}: scores contain NaN or Inf")
    order = np.argsort(-s, kind="mergesort")
    s, t = s[order], t[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]   # the last index of each distinct score
    tps = np.cumsum(t)[last_of_tie]
    fps = (1 + last_of_tie) - tps
    return tps, fps, s[last_of_tie]


def roc_curve(y_true, scores, pos_label=1, drop_intermediate: bool = False):
    """(fpr, tpr, thresholds), starting at (0, 0) with threshold +inf.

    drop_intermediate: remove points that lie on a straight segment between their neighbours
    (they do not change the curve or its area).
    """
    tps, fps, thresholds = _binary_counts(y_true, scores, pos_label, "roc_curve")
    positives, negatives = tps[-1], fps[-1]
    if positives == 0 or negatives == 0:
        raise ValueError(f"roc_curve: y_true has only one class ({positives} positives, {negatives} negatives); "
                         f"the ROC curve needs both")
    tps, fps = np.r_[0, tps], np.r_[0, fps]
    thresholds = np.r_[np.inf, thresholds]
    if drop_intermediate and len(tps) > 2:
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        tps, fps, thresholds = tps[keep], fps[keep], thresholds[keep]
    return fps / negatives, tps / positives, thresholds


def auc(x, y) -> float:
    """Area under a curve through the points (x, y) by the trapezoid rule; x must be monotonic."""
    x, y = host(x).astype(float), host(y).astype(float)
    if len(x) < 2 or len(x) != len(y):
        raise ValueError(f"auc: need at least two points of equal-length x and y, got {len(x)} and {len(y)}")
    dx = np.diff(x)
    if (dx < 0).any() and (dx > 0).any():
        raise ValueError("auc: x is neither increasing nor decreasing")
    area = float(np.sum(dx * (y[1:] + y[:-1]) / 2))
    return -area if (dx <= 0).all() and (dx < 0).any() else area


def roc_auc_score(y_true, scores, pos_label=1, multi_class: str = "ovr", average: str = "macro",
                  labels=None) -> float:
    """Binary: the area under the ROC curve of ``scores`` (1-D).

    Multi-class (``scores`` of shape (n, K)): one-vs-rest -- the AUC of class k's column
    against all other classes, for each k, then averaged ('macro', or 'weighted' by support).
    """
    s = host(scores)
    if s.ndim == 2 and s.shape[1] > 1:
        if multi_class != "ovr":
            raise ValueError(f"roc_auc_score: only multi_class='ovr' is implemented, got {multi_class!r}")
        t = vector(y_true, "y_true", "roc_auc_score")
        labels = np.arange(s.shape[1]) if labels is None else np.asarray(labels)
        aucs = np.array([roc_auc_score(t == label, s[:, j]) for j, label in enumerate(labels.tolist())])
        if average == "macro":
            return float(aucs.mean())
        if average == "weighted":
            support = np.array([(t == label).sum() for label in labels.tolist()])
            return float(aucs @ (support / support.sum()))
        raise ValueError(f"roc_auc_score: average must be 'macro' or 'weighted', got {average!r}")
    fpr_, tpr_, _ = roc_curve(y_true, s, pos_label)
    return auc(fpr_, tpr_)


def precision_recall_curve(y_true, scores, pos_label=1):
    """(precision, recall, thresholds) with thresholds increasing (scikit-learn's convention).

    One point per distinct score, plus a final point (precision 1, recall 0) that has no
    threshold (nothing predicted positive).
    """
    tps, fps, thresholds = _binary_counts(y_true, scores, pos_label, "precision_recall_curve")
    if tps[-1] == 0:
        raise ValueError("precision_recall_curve: y_true has no positive sample; recall is undefined")
    precision_ = tps / (tps + fps)
    recall_ = tps / tps[-1]
    return np.r_[precision_[::-1], 1.0], np.r_[recall_[::-1], 0.0], thresholds[::-1]


def average_precision(y_true, scores, pos_label=1) -> float:
    """AP = sum_n (R_n - R_{n-1}) P_n: precision averaged over the recall steps (no interpolation)."""
    precision_, recall_, _ = precision_recall_curve(y_true, scores, pos_label)
    return float(-np.sum(np.diff(recall_) * precision_[:-1]))
