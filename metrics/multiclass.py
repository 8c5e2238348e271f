"""Multi-class metrics: the K x K confusion matrix and everything read off it.

C[i, j] = number of samples of true class labels[i] predicted as labels[j].

Per class k (one-vs-rest): precision_k = C[k,k] / sum_i C[i,k], recall_k = C[k,k] / sum_j C[k,j].
Averages over classes:
    macro     the plain mean of the per-class values (every class counts the same)
    weighted  the mean weighted by each class's support (number of true samples)
    micro     pool all counts first; for single-label data micro P = micro R = accuracy
Balanced accuracy = the macro-average recall (over classes present in y_true).
"""

from __future__ import annotations

import numpy as np

from metrics._arrays import host, same_length, vector
from metrics.binary import safe_ratio
from minigrad import checks

AVERAGES = (None, "macro", "micro", "weighted")


def _label_set(t, p, labels):
    if labels is None:
        return np.unique(np.concatenate([t, p]))
    labels = np.asarray(labels)
    if len(np.unique(labels)) != len(labels):
        raise ValueError(f"labels contain duplicates: {labels}")
    return labels


def confusion_matrix(y_true, y_pred, labels=None) -> np.ndarray:
    """K x K counts, rows = true class, columns = predicted class, in the order of ``labels``
    (default: the sorted union of the labels seen). Samples whose label is not in ``labels``
    are ignored."""
    t, p = vector(y_true, "y_true", "confusion_matrix"), vector(y_pred, "y_pred", "confusion_matrix")
    same_length("confusion_matrix", y_true=t, y_pred=p)
    labels = _label_set(t, p, labels)
    index = {label: i for i, label in enumerate(labels.tolist())}
    k = len(labels)
    ti = np.array([index.get(v, -1) for v in t.tolist()])
    pi = np.array([index.get(v, -1) for v in p.tolist()])
    keep = (ti >= 0) & (pi >= 0)
    return np.bincount(ti[keep] * k + pi[keep], minlength=k * k).reshape(k, k)


def accuracy(y_true, y_pred) -> float:
    """The fraction of samples predicted correctly (binary or multi-class)."""
    raw_pred = host(y_pred)
    if raw_pred.ndim == 2 and min(raw_pred.shape) > 1:
        raise ValueError(f"accuracy: y_pred has shape {raw_pred.shape}, scores or probabilities per class; pass "
                         f"the predicted labels (e.g. probs.argmax(1)), or use top_k_accuracy(y_true, scores, 1)")
    t, p = vector(y_true, "y_true", "accuracy"), vector(raw_pred, "y_pred", "accuracy")
    same_length("accuracy", y_true=t, y_pred=p)
    if p.dtype.kind == "f" and not np.array_equal(p, np.round(p)):
        raise ValueError("accuracy: y_pred holds non-integer values (probabilities?); pass predicted labels")
    return float((t == p).mean())


def precision_recall_fscore(y_true, y_pred, average=None, labels=None, beta: float = 1.0,
                            zero_division=0.0):
    """(precision, recall, F_beta, support) per class (``average=None``, arrays) or averaged (floats)."""
    if average not in AVERAGES:
        raise ValueError(f"precision_recall_fscore: average must be one of {AVERAGES}, got {average!r}")
    c = confusion_matrix(y_true, y_pred, labels)
    tp = np.diag(c).astype(float)
    predicted, support = c.sum(0), c.sum(1)
    b2 = beta * beta
    if average == "micro":
        tp_all, pred_all, true_all = tp.sum(), predicted.sum(), support.sum()
        p = safe_ratio(tp_all, pred_all, zero_division, "micro precision")
        r = safe_ratio(tp_all, true_all, zero_division, "micro recall")
        f = safe_ratio((1 + b2) * tp_all, b2 * true_all + pred_all, zero_division, "micro F")
        return p, r, f, int(true_all)
    p = np.array([safe_ratio(tp[k], predicted[k], zero_division, f"precision of class {k}") for k in range(len(tp))])
    r = np.array([safe_ratio(tp[k], support[k], zero_division, f"recall of class {k}") for k in range(len(tp))])
    f = np.array([safe_ratio((1 + b2) * tp[k], b2 * support[k] + predicted[k], zero_division, f"F of class {k}")
                  for k in range(len(tp))])
    if average is None:
        return p, r, f, support
    weights = support / support.sum() if average == "weighted" else np.full(len(tp), 1 / len(tp))
    return float(p @ weights), float(r @ weights), float(f @ weights), int(support.sum())


def precision_score(y_true, y_pred, average="macro", labels=None, zero_division=0.0):
    return precision_recall_fscore(y_true, y_pred, average, labels, zero_division=zero_division)[0]


def recall_score(y_true, y_pred, average="macro", labels=None, zero_division=0.0):
    return precision_recall_fscore(y_true, y_pred, average, labels, zero_division=zero_division)[1]


def f_score(y_true, y_pred, average="macro", labels=None, beta: float = 1.0, zero_division=0.0):
    return precision_recall_fscore(y_true, y_pred, average, labels, beta, zero_division)[2]


def balanced_accuracy(y_true, y_pred) -> float:
    """The mean recall over the classes present in y_true. For two classes: (TPR + TNR) / 2.

    On a 95/5 data set, always predicting the majority class has accuracy 0.95 but balanced
    accuracy 0.5 -- no better than chance, which is the point of the metric.
    """
    t = vector(y_true, "y_true", "balanced_accuracy")
    c = confusion_matrix(t, y_pred)
    present = c.sum(1) > 0
    return float((np.diag(c)[present] / c.sum(1)[present]).mean())


def top_k_accuracy(y_true, scores, k: int = 5, labels=None) -> float:
    """The fraction of samples whose true class is among the k highest-scoring classes.

    scores: (n, K), column j scoring class labels[j] (default 0..K-1).
    Tie rule: classes are ranked by score, ties broken in favour of the lower class index
    (the same rule as ``argmax``), so top-1 accuracy equals the accuracy of argmax predictions.
    """
    s = host(scores)
    t = vector(y_true, "y_true", "top_k_accuracy")
    if s.ndim != 2 or len(s) != len(t):
        raise ValueError(f"top_k_accuracy: scores must be (n, K) with n = {len(t)}, got {s.shape}")
    checks.positive_int("top_k_accuracy", "k", k)
    if s.dtype.kind == "f" and not np.isfinite(s).all():
        raise ValueError("top_k_accuracy: scores contain NaN or Inf")
    labels = np.arange(s.shape[1]) if labels is None else np.asarray(labels)
    column = {label: j for j, label in enumerate(labels.tolist())}
    if not set(t.tolist()) <= set(column):
        raise ValueError(f"top_k_accuracy: y_true holds labels {sorted(set(t.tolist()) - set(column))} "
                         f"that have no score column")
    j = np.array([column[v] for v in t.tolist()])
    true_score = s[np.arange(len(t)), j][:, None]
    above = (s > true_score).sum(1)
    tied_before = ((s == true_score) & (np.arange(s.shape[1])[None, :] < j[:, None])).sum(1)
    return float(((above + tied_before) < k).mean())


def classification_report(y_true, y_pred, labels=None, target_names=None, digits: int = 3,
                          output_dict: bool = False):
    """A table of per-class precision, recall, F1 and support, with accuracy and averages."""
    t, p = vector(y_true, "y_true", "classification_report"), vector(y_pred, "y_pred", "classification_report")
    labels = _label_set(t, p, labels)
    names = [str(n) for n in (target_names if target_names is not None else labels)]
    prec, rec, f1, support = precision_recall_fscore(t, p, None, labels)
    rows = {name: dict(precision=float(a), recall=float(b), f1=float(c), support=int(d))
            for name, a, b, c, d in zip(names, prec, rec, f1, support)}
    for avg in ("macro", "weighted"):
        a, b, c, d = precision_recall_fscore(t, p, avg, labels)
        rows[f"{avg} avg"] = dict(precision=a, recall=b, f1=c, support=d)
    acc = accuracy(t, p)
    if output_dict:
        return {**rows, "accuracy": acc}
    width = max(12, max(len(n) for n in rows) + 2)
    lines = [f"{'':>{width}} {'precision':>10} {'recall':>10} {'f1-score':>10} {'support':>9}", ""]
    for name in names:
        r = rows[name]
        lines.append(f"{name:>{width}} {r['precision']:>10.{digits}f} {r['recall']:>10.{digits}f} "
                     f"{r['f1']:>10.{digits}f} {r['support']:>9d}")
    lines += ["", f"{'accuracy':>{width}} {'':>10} {'':>10} {acc:>10.{digits}f} {int(support.sum()):>9d}"]
    for avg in ("macro avg", "weighted avg"):
        r = rows[avg]
        lines.append(f"{avg:>{width}} {r['precision']:>10.{digits}f} {r['recall']:>10.{digits}f} "
                     f"{r['f1']:>10.{digits}f} {r['support']:>9d}")
    return "\n".join(lines)
