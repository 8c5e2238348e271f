"""Binary classification metrics, from the confusion matrix up.

The course's confusion-matrix layout (rows: actual class, columns: predicted class,
positive first)::

                    predicted +   predicted -
        actual +        TP            FN
        actual -        FP            TN

    precision   = TP / (TP + FP)          of the predicted positives, how many are right
    recall      = TP / (TP + FN) = TPR    of the actual positives, how many are found
    TNR         = TN / (TN + FP)          specificity
    FPR         = FP / (FP + TN) = 1 - TNR
    accuracy    = (TP + TN) / n
    F_beta      = (1 + beta^2) P R / (beta^2 P + R)      (F1: the harmonic mean of P and R)
    balanced accuracy = (TPR + TNR) / 2   (the mean recall of the two classes)

Degenerate cases (decided once, here): a ratio whose denominator is 0 -- precision with
no predicted positives, recall with no actual positives, ... -- returns ``zero_division``
(default 0.0, as scikit-learn does), or raises ``ValueError`` if ``zero_division="raise"``.
Never NaN. Balanced accuracy averages the recall of the classes *present* in y_true.

Predictions are hard labels; pass ``threshold=`` to turn scores into labels (score >= threshold).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from metrics._arrays import same_length, vector


class BinaryConfusion(NamedTuple):
    tp: int
    fn: int
    fp: int
    tn: int

    @property
    def matrix(self) -> np.ndarray:
        """[[TP, FN], [FP, TN]]: rows actual (+, -), columns predicted (+, -)."""
        return np.array([[self.tp, self.fn], [self.fp, self.tn]])

    @property
    def n(self) -> int:
        return self.tp + self.fn + self.fp + self.tn


def _positives(y_true, y_pred, pos_label, threshold, op):
    t = vector(y_true, "y_true", op)
    p = vector(y_pred, "y_pred", op)
    same_length(op, y_true=t, y_pred=p)
    actual = t == pos_label
    predicted = p >= threshold if threshold is not None else p == pos_label
    return actual, predicted


def binary_confusion(y_true, y_pred, pos_label=1, threshold=None) -> BinaryConfusion:
    """Count TP, FN, FP, TN (see the module docstring for the layout)."""
    actual, predicted = _positives(y_true, y_pred, pos_label, threshold, "binary_confusion")
    return BinaryConfusion(tp=int((actual & predicted).sum()), fn=int((actual & ~predicted).sum()),
                           fp=int((~actual & predicted).sum()), tn=int((~actual & ~predicted).sum()))


def safe_ratio(numerator, denominator, zero_division, what):
    if denominator == 0:
        if zero_division == "raise":
            raise ValueError(f"{what} is undefined: its denominator is 0")
        return float(zero_division)
    return numerator / denominator


def _confusion(y_true, y_pred, pos_label, threshold):
    return binary_confusion(y_true, y_pred, pos_label, threshold)


def precision(y_true, y_pred, pos_label=1, threshold=None, zero_division=0.0) -> float:
    """TP / (TP + FP)."""
    c = _confusion(y_true, y_pred, pos_label, threshold)
    return safe_ratio(c.tp, c.tp + c.fp, zero_division, "precision (no predicted positives)")


def recall(y_true, y_pred, pos_label=1, threshold=None, zero_division=0.0) -> float:
    """TP / (TP + FN), the true positive rate."""
    c = _confusion(y_true, y_pred, pos_label, threshold)
    return safe_ratio(c.tp, c.tp + c.fn, zero_division, "recall (no actual positives)")


true_positive_rate = tpr = sensitivity = recall


def true_negative_rate(y_true, y_pred, pos_label=1, threshold=None, zero_division=0.0) -> float:
    """TN / (TN + FP), the specificity."""
    c = _confusion(y_true, y_pred, pos_label, threshold)
    return safe_ratio(c.tn, c.tn + c.fp, zero_division, "TNR (no actual negatives)")


tnr = specificity = true_negative_rate


def false_positive_rate(y_true, y_pred, pos_label=1, threshold=None, zero_division=0.0) -> float:
    """FP / (FP + TN) = 1 - TNR."""
    c = _confusion(y_true, y_pred, pos_label, threshold)
    return safe_ratio(c.fp, c.fp + c.tn, zero_division, "FPR (no actual negatives)")


fpr = false_positive_rate


def fbeta_score(y_true, y_pred, beta: float = 1.0, pos_label=1, threshold=None, zero_division=0.0) -> float:
    """(1 + beta^2) TP / ((1 + beta^2) TP + beta^2 FN + FP)  -- the same as the P/R formula."""
    if beta < 0:
        raise ValueError(f"fbeta_score: beta must be >= 0, got {beta}")
    c = _confusion(y_true, y_pred, pos_label, threshold)
    b2 = beta * beta
    return safe_ratio((1 + b2) * c.tp, (1 + b2) * c.tp + b2 * c.fn + c.fp, zero_division,
                      "F-score (no actual and no predicted positives)")


def f1_score(y_true, y_pred, pos_label=1, threshold=None, zero_division=0.0) -> float:
    return fbeta_score(y_true, y_pred, 1.0, pos_label, threshold, zero_division)
