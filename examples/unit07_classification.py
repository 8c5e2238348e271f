"""Unit 7 -- classification metrics.

    python -m examples.unit07_classification [--positive 3] [--quick] ...

Trains an MLP classifier, then measures it every way the lecture does: the confusion
matrix, precision / recall / F1 per class, accuracy, top-k accuracy; the binary
one-vs-rest problem "is it a <positive>?" with its ROC curve, AUC and precision-recall
curve; and the imbalanced 95/5 scenario, where accuracy flatters a useless classifier
and balanced accuracy does not.
"""

from __future__ import annotations

import numpy as np

import metrics
import minigrad as mg
import models
from examples import plotting
from examples.common import Run, class_index, number_in, parser, positive_int  # noqa: F401
from minigrad import optim


def configure(argv=None) -> Run:
    """Parse the command line (or a notebook's list of flags) and load the data."""
    p = parser("unit07_classification", __doc__.splitlines()[1], epochs=3)
    p.add_argument("--positive", type=class_index, default=3, help="the class of the binary one-vs-rest problem")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs = 3
    return Run(args)


def train_classifier(run: Run):
    """An MLP classifier; returns its class probabilities on the test images."""
    args = run.args
    d = int(np.prod(run.image_shape))
    model = models.MLPClassifier(d, (256,), 10, generator=mg.Generator(args.seed)).to(run.device)
    models.fit(model, (run.train_x, run.train_y), epochs=args.epochs, optimizer=optim.Adam(model.parameters(), 1e-3),
               batch_size=args.batch_size, device=run.device, seed=args.seed, progress_bar=not run.quick)
    return model.predict_proba(mg.tensor(run.test_x, device=run.device))


def multiclass(run: Run, probs):
    """The confusion matrix, per-class precision / recall / F1, accuracy, top-k accuracy."""
    y, predicted = run.test_y, probs.argmax(1)
    names = run.classes
    cm = metrics.confusion_matrix(y, predicted, labels=list(range(10)))
    plotting.confusion_matrix(cm, run.path("confusion_matrix.png"), names)
    report = metrics.classification_report(y, predicted, labels=list(range(10)), target_names=names)
    print(report)
    run.path("classification_report.txt").write_text(report + "\n")
    precision, recall, f1, support = metrics.precision_recall_fscore(y, predicted, labels=list(range(10)))
    plotting.bars({n: {"precision": p_, "recall": r_, "F1": f_} for n, p_, r_, f_ in zip(names, precision, recall, f1)},
                  run.path("per_class_metrics.png"), "Precision, recall and F1 per class",
                  groups=["precision", "recall", "F1"], ylabel="score (1 is perfect)")
    run.record(accuracy=metrics.accuracy(y, predicted), balanced_accuracy=metrics.balanced_accuracy(y, predicted),
               macro_f1=metrics.f_score(y, predicted, "macro"), micro_f1=metrics.f_score(y, predicted, "micro"),
               **{f"top{k}_accuracy": metrics.top_k_accuracy(y, probs, k) for k in (1, 2, 3, 5)})
    top_k = {f"top-{k}": metrics.top_k_accuracy(y, probs, k) for k in range(1, 6)}
    plotting.bars(top_k, run.path("top_k_accuracy.png"),
                  "Top-k accuracy: the true class among the k highest scores\n(top-1 = the accuracy of argmax)",
                  ylabel="fraction of test images", hline=0.1, hline_label="top-1 of guessing (1 in 10)")
    run.metrics["per_class"] = {n: {"precision": float(a), "recall": float(b), "f1": float(c), "support": int(s)}
                                for n, a, b, c, s in zip(names, precision, recall, f1, support)}


def binary(run: Run, probs):
    """One-vs-rest "is it a <positive>?": TP/FN/FP/TN, precision, recall = TPR, TNR, FPR, ROC, AUC, PR.
    Returns the truth and the classifier's decisions (1 = positive) for the imbalanced scenario."""
    y, predicted, names, pos = run.test_y, probs.argmax(1), run.classes, run.args.positive
    is_pos = (y == pos).astype(int)
    score = probs[:, pos]
    fpr, tpr, _ = metrics.roc_curve(is_pos, score)
    auc = metrics.roc_auc_score(is_pos, score)
    said_pos = (predicted == pos).astype(int)                # the classifier's decision: argmax is <positive>
    conf = metrics.binary_confusion(is_pos, said_pos)
    plotting.binary_confusion(conf.tp, conf.fn, conf.fp, conf.tn, run.path("binary_confusion.png"), names[pos])
    run.record(binary_positive_class=names[pos], binary_auc=auc,
               binary_tp=conf.tp, binary_fn=conf.fn, binary_fp=conf.fp, binary_tn=conf.tn,
               binary_precision=metrics.precision(is_pos, said_pos),
               binary_recall_tpr=metrics.recall(is_pos, said_pos),
               binary_tnr=metrics.tnr(is_pos, said_pos),
               binary_fpr=metrics.fpr(is_pos, said_pos),
               binary_f1=metrics.f1_score(is_pos, said_pos),
               average_precision=metrics.average_precision(is_pos, score),
               ovr_macro_auc=metrics.roc_auc_score(y, probs))
    pixel_score = run.test_x.reshape(len(y), -1).mean(1)       # a weak baseline: the amount of ink
    plotting.roc({f"MLP p({names[pos]})": (fpr, tpr, auc),
                  "ink baseline": (*metrics.roc_curve(is_pos, pixel_score)[:2], metrics.roc_auc_score(is_pos, pixel_score))},
                 run.path("roc_curve.png"), f"ROC: '{names[pos]}' vs the rest",
                 operating_point=(run.metrics["binary_fpr"], run.metrics["binary_recall_tpr"],
                                  f"the argmax decision (TP {conf.tp}, FN {conf.fn}, FP {conf.fp}, TN {conf.tn});\n"
                                  f"it uses every class's score, so it may lie off the p({names[pos]}) curve"))
    prec, rec, _ = metrics.precision_recall_curve(is_pos, score)
    plotting.precision_recall(prec, rec, run.path("precision_recall_curve.png"),
                              f"Precision-recall: '{names[pos]}' vs the rest", ap=run.metrics["average_precision"],
                              prevalence=float(is_pos.mean()),
                              operating_point=(run.metrics["binary_recall_tpr"], run.metrics["binary_precision"],
                                               "the argmax decision"))
    return is_pos, said_pos


def imbalanced(run: Run, is_pos, said_pos):
    """The 95/5 scenario: accuracy flatters a classifier that always says "no"; balanced accuracy does not."""
    y = run.test_y
    rng = np.random.default_rng(run.args.seed)
    negatives = rng.choice(np.flatnonzero(is_pos == 0), 950 if len(y) > 2000 else 190, replace=False)
    positives = rng.choice(np.flatnonzero(is_pos == 1), len(negatives) // 19, replace=False)
    subset = np.concatenate([negatives, positives])
    truth = is_pos[subset]
    always_negative = np.zeros(len(subset), dtype=int)
    model_says = said_pos[subset]
    scenario = {
        "always 'no'": (metrics.accuracy(truth, always_negative), metrics.balanced_accuracy(truth, always_negative)),
        "trained MLP": (metrics.accuracy(truth, model_says), metrics.balanced_accuracy(truth, model_says)),
    }
    run.metrics["imbalanced_95_5"] = {k: {"accuracy": a, "balanced_accuracy": b} for k, (a, b) in scenario.items()}
    print(f"  imbalanced 95/5 ({len(negatives)} negatives, {len(positives)} positives):")
    for k, (a, b) in scenario.items():
        print(f"    {k:14s} accuracy {a:.3f}  balanced accuracy {b:.3f}")
    plotting.bars({k: {"accuracy": a, "balanced accuracy": b} for k, (a, b) in scenario.items()},
                  run.path("imbalanced_accuracy.png"), "95/5 data: accuracy vs balanced accuracy",
                  groups=["accuracy", "balanced accuracy"], ylabel="score (1 is perfect)",
                  hline=0.5, hline_label="balanced accuracy of guessing")


def main(argv=None):
    run = configure(argv)
    probs = train_classifier(run)
    multiclass(run, probs)
    is_pos, said_pos = binary(run, probs)
    imbalanced(run, is_pos, said_pos)
    return run.finish()


if __name__ == "__main__":
    main()
