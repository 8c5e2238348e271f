"""Classification metrics against scikit-learn as an oracle on hypothesis-generated labels and
scores (ties included), their defining properties, and the course's worked examples."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

import metrics as M
import minigrad as mg


@st.composite
def binary_case(draw, min_size=1):
    n = draw(st.integers(min_size, 30))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    p = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    return y, p


@st.composite
def scored_case(draw):
    """Binary labels with both classes, and scores drawn from a few levels so that ties are common."""
    n = draw(st.integers(2, 30))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    y[0], y[1] = 0, 1
    levels = draw(st.integers(1, 8))
    s = np.array(draw(st.lists(st.integers(0, levels), min_size=n, max_size=n))) / levels
    return y, s + 0.0


@st.composite
def multiclass_case(draw):
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 40))
    y = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    p = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    return k, y, p


@given(case=binary_case())
def test_binary_metrics_match_sklearn(case):
    y, p = case
    c = M.binary_confusion(y, p)
    tn, fp, fn, tp = skm.confusion_matrix(y, p, labels=[0, 1]).ravel()
    assert (c.tp, c.fn, c.fp, c.tn) == (tp, fn, fp, tn)
    np.testing.assert_array_equal(c.matrix, [[tp, fn], [fp, tn]])
    assert c.n == len(y)                                    # a confusion matrix sums to n
    assert M.precision(y, p) == pytest.approx(skm.precision_score(y, p, zero_division=0))
    assert M.recall(y, p) == pytest.approx(skm.recall_score(y, p, zero_division=0))
    assert M.f1_score(y, p) == pytest.approx(skm.f1_score(y, p, zero_division=0))
    assert M.fbeta_score(y, p, beta=2) == pytest.approx(skm.fbeta_score(y, p, beta=2, zero_division=0))
    assert M.accuracy(y, p) == pytest.approx(skm.accuracy_score(y, p))
    assert M.tnr(y, p) == pytest.approx(skm.recall_score(y, p, pos_label=0, zero_division=0))
    if (y == 0).any():
        assert M.fpr(y, p) == pytest.approx(1 - M.tnr(y, p))
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = skm.balanced_accuracy_score(y, p)
    assert M.balanced_accuracy(y, p) == pytest.approx(expected)


@given(case=multiclass_case(), average=st.sampled_from([None, "macro", "micro", "weighted"]))
def test_multiclass_metrics_match_sklearn(case, average):
    k, y, p = case
    labels = list(range(k))
    c = M.confusion_matrix(y, p, labels=labels)
    np.testing.assert_array_equal(c, skm.confusion_matrix(y, p, labels=labels))
    assert c.sum() == len(y)
    ours = M.precision_recall_fscore(y, p, average=average, labels=labels)
    theirs = skm.precision_recall_fscore_support(y, p, average=average, labels=labels, zero_division=0)
    for a, b in zip(ours[:3], theirs[:3]):
        np.testing.assert_allclose(a, b)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert M.balanced_accuracy(y, p) == pytest.approx(skm.balanced_accuracy_score(y, p))


@given(data=st.data(), k=st.integers(3, 6), top=st.integers(1, 5))
def test_top_k_accuracy_matches_sklearn_without_ties(data, k, top):
    # (scikit-learn reads 2-column scores as binary scores, and warns for k >= K: both excluded)
    n = data.draw(st.integers(1, 30))
    scores = np.random.default_rng(data.draw(st.integers(0, 999))).random((n, k))
    y = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    top = min(top, k - 1)
    expected = skm.top_k_accuracy_score(y, scores, k=top, labels=list(range(k)))
    assert M.top_k_accuracy(y, scores, k=top) == pytest.approx(expected)
    # top-1 accuracy is the accuracy of argmax predictions -- with ties too, by the stated rule
    tied = np.round(scores * 2) / 2
    assert M.top_k_accuracy(y, tied, k=1) == pytest.approx(M.accuracy(y, tied.argmax(1)))
    assert M.top_k_accuracy(y, scores, k=k) == 1.0


def test_top_k_tie_rule():
    scores = np.array([[0.5, 0.5, 0.5]])
    # all tied: class 0 ranks first, class 2 last
    assert M.top_k_accuracy([0], scores, k=1) == 1.0
    assert M.top_k_accuracy([2], scores, k=2) == 0.0 and M.top_k_accuracy([2], scores, k=3) == 1.0


@given(case=scored_case())
def test_roc_curve_auc_and_average_precision_match_sklearn(case):
    y, s = case
    fpr, tpr, thresholds = M.roc_curve(y, s)
    sk_fpr, sk_tpr, sk_thr = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    np.testing.assert_allclose(thresholds, sk_thr)
    assert len(thresholds) == len(np.unique(s)) + 1           # each distinct score is one point
    assert M.roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s))
    fd, td, _ = M.roc_curve(y, s, drop_intermediate=True)
    assert M.auc(fd, td) == pytest.approx(M.roc_auc_score(y, s))
    precision, recall, thr = M.precision_recall_curve(y, s)
    sk_p, sk_r, sk_t = skm.precision_recall_curve(y, s)
    np.testing.assert_allclose(precision, sk_p)
    np.testing.assert_allclose(recall, sk_r)
    np.testing.assert_allclose(thr, sk_t)
    assert M.average_precision(y, s) == pytest.approx(skm.average_precision_score(y, s))


@given(case=scored_case(), shift=st.floats(-5, 5), scale=st.floats(0.1, 10))
def test_auc_properties(case, shift, scale):
    y, s = case
    a = M.roc_auc_score(y, s)
    assert M.roc_auc_score(y, np.exp(scale * s + shift)) == pytest.approx(a)   # strictly increasing map
    assert M.roc_auc_score(y, 1 - s) == pytest.approx(1 - a)                    # reversed order
    pairs = [(si, sj) for si, yi in zip(s, y) if yi == 1 for sj, yj in zip(s, y) if yj == 0]
    concordance = np.mean([1.0 if si > sj else 0.5 if si == sj else 0.0 for si, sj in pairs])
    assert a == pytest.approx(concordance)                                      # the probabilistic meaning


def test_multiclass_roc_auc_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 200)
    scores = rng.random((200, 4)) + np.eye(4)[y] * 0.3
    probs = scores / scores.sum(1, keepdims=True)
    for average in ("macro", "weighted"):
        assert M.roc_auc_score(y, probs, average=average) == pytest.approx(
            skm.roc_auc_score(y, probs, multi_class="ovr", average=average))


def test_degenerate_inputs_are_decided_not_nan():
    y_one_class = np.zeros(5)
    with pytest.raises(ValueError, match="only one class"):
        M.roc_auc_score(y_one_class, np.random.rand(5))
    with pytest.raises(ValueError, match="no positive sample"):
        M.average_precision(y_one_class, np.random.rand(5))
    all_negative = np.zeros(5, dtype=int)
    assert M.precision([1, 0, 1, 0, 0], all_negative) == 0.0      # no predicted positives -> zero_division
    with pytest.raises(ValueError, match="precision .* undefined"):
        M.precision([1, 0, 1, 0, 0], all_negative, zero_division="raise")
    assert M.f1_score([0, 0], [0, 0]) == 0.0
    with pytest.raises(ValueError, match="different lengths"):
        M.accuracy([0, 1], [0])


def test_course_examples():
    # the 95/5 classifier: always "negative" on 95 negatives and 5 positives
    y = np.array([0] * 95 + [1] * 5)
    always_negative = np.zeros(100, dtype=int)
    assert M.accuracy(y, always_negative) == pytest.approx(0.95)
    assert M.balanced_accuracy(y, always_negative) == pytest.approx(0.5)
    assert M.recall(y, always_negative) == 0.0 and M.tnr(y, always_negative) == 1.0
    # "83 of 100 correct" is 83 %
    y = np.arange(100) % 10
    pred = y.copy()
    pred[:17] = (pred[:17] + 1) % 10
    assert M.accuracy(y, pred) == pytest.approx(0.83)


def test_inputs_of_every_backend_kind():
    y = mg.tensor([0, 1, 1, 0])
    scores = mg.tensor([0.1, 0.9, 0.6, 0.4], requires_grad=True)     # no graph is recorded or needed
    assert M.roc_auc_score(y, scores) == 1.0
    assert M.accuracy([0, 1, 1, 0], mg.tensor([0, 1, 0, 0])) == 0.75
    assert M.precision(y, scores, threshold=0.5) == 1.0
    report = M.classification_report([0, 1, 2, 2], [0, 2, 2, 2], target_names=["zero", "one", "two"])
    assert "zero" in report and "macro avg" in report and "accuracy" in report
    d = M.classification_report([0, 1, 2, 2], [0, 2, 2, 2], output_dict=True)
    assert d["accuracy"] == 0.75 and d["2"]["recall"] == 1.0
