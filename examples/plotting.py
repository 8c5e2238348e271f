"""The figures of the lessons: image grids, curves, scatter plots, confusion matrices, histograms.

Every function draws one figure, saves it as a PNG when given a ``path``, and returns the
``Figure``. Figures are made with ``matplotlib.figure.Figure`` rather than pyplot, so importing
this module chooses no backend and keeps no global state: a script saves them without a screen,
and a notebook shows the returned figure inline. Images are (N, C, H, W) or (N, H, W) arrays
with values in [0, 1].
"""

from __future__ import annotations

import matplotlib
import matplotlib.colors
import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

COLORS = matplotlib.colormaps["tab10"].colors


def _figure(rows=1, cols=1, figsize=(6, 4), **kwargs):
    """A new figure and its axes, like ``plt.subplots`` but outside pyplot's global state."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, **kwargs)


def _save(fig, path):
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=90)
    return fig


def _as_images(images):
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 4:
        images = images[:, 0]
    return np.clip(images, 0, 1)


def image_grid(images, path, title="", rows=None, row_labels=None, col_labels=None, cell=0.9, captions=None,
               caption_colors=None):
    """A grid of grayscale images (row-major). ``rows`` defaults to a square-ish grid; ``captions``
    puts a line of text above each image (in ``caption_colors``, default black)."""
    images = _as_images(images)
    n = len(images)
    rows = rows or int(np.ceil(np.sqrt(n)))
    cols = int(np.ceil(n / rows))
    height = cell + (0.3 if captions else 0)
    fig, axes = _figure(rows, cols, figsize=(cols * cell + (1 if row_labels else 0), rows * height + 0.5),
                        squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if k < n:
            ax.imshow(images[k], cmap="gray_r", vmin=0, vmax=1)
            if captions:
                ax.set_title(captions[k], fontsize=7, pad=2,
                             color=caption_colors[k] if caption_colors else "black")
    if row_labels:
        for r, label in enumerate(row_labels):
            axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if col_labels:
        for c, label in enumerate(col_labels):
            axes[0, c].set_title(label, fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def curves(series: dict, path, title="", xlabel="epoch", ylabel="", hline=None, hline_label=None, logy=False):
    """Line plots of named series (each a list of y values, or (x, y))."""
    fig, ax = _figure(figsize=(6, 4.6))
    for i, (name, values) in enumerate(series.items()):
        x, y = values if isinstance(values, tuple) else (np.arange(1, len(values) + 1), values)
        # markers while the points are few, so a one- or two-epoch curve is still visible
        ax.plot(x, y, label=name, color=COLORS[i % 10], marker="o" if len(x) <= 30 else None, markersize=4)
    if xlabel == "epoch":
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if hline is not None:
        ax.axhline(hline, color="gray", linestyle="--", label=hline_label)
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    # below the axes, so that the legend never covers a curve
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9, frameon=False)
    return _save(fig, path)


def scatter(points, labels, path, title="", class_names=None, xlabel="h1", ylabel="h2", extra_points=None,
            extra_labels=None):
    """2-D points coloured by class; ``extra_points`` (k, 2) are marked with crosses, numbered with
    ``extra_labels`` when given."""
    points = np.asarray(points)
    fig, ax = _figure(figsize=(6, 5))
    for c in np.unique(labels):
        m = labels == c
        name = class_names[c] if class_names else str(c)
        ax.scatter(points[m, 0], points[m, 1], s=4, alpha=0.6, color=COLORS[int(c) % 10], label=name)
    if extra_points is not None:
        ax.scatter(*np.asarray(extra_points).T, marker="x", s=60, color="black", label="decoded points")
        for (px, py), text in zip(np.asarray(extra_points), extra_labels or []):
            ax.annotate(text, (px, py), textcoords="offset points", xytext=(5, 5), fontsize=10, weight="bold")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(markerscale=3, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return _save(fig, path)


def confusion_matrix(matrix, path, class_names, title="Confusion matrix (rows: true, columns: predicted)"):
    """Counts written in every cell; colours on a log scale, so that a cell of 5 errors is visibly
    coloured next to a diagonal of 1,000 (on a linear scale every error cell looks empty)."""
    matrix = np.asarray(matrix)
    k = len(class_names)
    fig, ax = _figure(figsize=(0.6 * k + 2.6, 0.55 * k + 1.5))
    shown = np.ma.masked_equal(matrix, 0)                   # zero cells stay white
    image = ax.imshow(shown, cmap="Blues", norm=matplotlib.colors.LogNorm(vmin=1, vmax=max(2, matrix.max())))
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="count (log scale)")
    threshold = np.sqrt(max(2, matrix.max()))               # the middle of the log scale
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), class_names, fontsize=8)
    ax.set(title=title, xlabel="predicted", ylabel="true")
    return _save(fig, path)


def roc(curves_: dict, path, title="ROC curve", operating_point=None):
    """curves_: name -> (fpr, tpr, auc). ``operating_point`` (fpr, tpr, label): where the classifier's
    actual decisions sit on its curve."""
    fig, ax = _figure(figsize=(5.2, 5.8))
    for i, (name, (f, t, a)) in enumerate(curves_.items()):
        ax.plot(f, t, color=COLORS[i % 10], label=f"{name} (AUC {a:.3f})")
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="chance (AUC 0.5)")
    if operating_point is not None:
        f, t, label = operating_point
        ax.plot([f], [t], marker="o", markersize=8, color="black", linestyle="none", label=label)
    ax.set(title=title, xlabel="false positive rate (FPR = 1 - TNR)", ylabel="true positive rate (TPR, recall)",
           xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, fontsize=8, frameon=False)
    return _save(fig, path)


def precision_recall(precision, recall, path, title="Precision-recall curve", ap=None, prevalence=None,
                     operating_point=None):
    """The precision-recall curve; ``prevalence`` draws the chance level (precision = the fraction of
    positives), ``operating_point`` (recall, precision, label) the actual decisions."""
    fig, ax = _figure(figsize=(5.2, 5.8))
    ax.step(recall, precision, where="post", color=COLORS[0], label=f"classifier (AP {ap:.3f})" if ap is not None
            else "classifier")
    if prevalence is not None:
        ax.axhline(prevalence, color="gray", linestyle="--", label=f"chance: precision = prevalence {prevalence:.3f}")
    if operating_point is not None:
        r, p, label = operating_point
        ax.plot([r], [p], marker="o", markersize=8, color="black", linestyle="none", label=label)
    ax.set(title=title, xlabel="recall (TPR)", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=1, fontsize=8, frameon=False)
    return _save(fig, path)


def histograms(groups: dict, path, title="", xlabel="", bins=50, logy=False):
    """Overlaid normalised histograms of named groups; ``logy`` for values piled up at one point
    (a sparse code's zeros) next to a long tail."""
    fig, ax = _figure(figsize=(6, 4.6))
    values = np.concatenate([np.asarray(v) for v in groups.values()])
    edges = np.linspace(values.min(), values.max(), bins + 1)
    for i, (name, v) in enumerate(groups.items()):
        ax.hist(v, bins=edges, alpha=0.55, density=True, color=COLORS[i % 10], label=name)
    ax.set(title=title, xlabel=xlabel, ylabel="density" + (" (log scale)" if logy else ""))
    if logy:
        ax.set_yscale("log")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1, fontsize=9, frameon=False)
    return _save(fig, path)


def bars(values: dict, path, title="", ylabel="", hline=None, hline_label=None, groups=None, annotate=None,
         fmt="{:.3f}"):
    """Bar chart of name -> value, or of name -> {group: value} for grouped bars. The legend goes
    right of the axes (never over a bar or a tick label); ``annotate`` writes each value on its bar (default: when
    there are at most 12 bars)."""
    fig, ax = _figure(figsize=(max(6, 0.5 * len(values) * (len(groups) if groups else 1) ** 0.5 + 2) + 2, 4.6))
    names = list(values)
    drawn = []
    if groups:
        width = 0.8 / len(groups)
        for g, group in enumerate(groups):
            drawn.append(ax.bar(np.arange(len(names)) + g * width - 0.4 + width / 2,
                                [values[n][group] for n in names], width, label=group, color=COLORS[g % 10]))
    else:
        drawn.append(ax.bar(range(len(names)), [values[n] for n in names], color=COLORS[0]))
    if annotate is None:
        annotate = sum(len(b) for b in drawn) <= 12
    if annotate:
        for b in drawn:
            ax.bar_label(b, labels=[fmt.format(v) for v in b.datavalues], fontsize=8, padding=2)
        ax.margins(y=0.12)
    if hline is not None:
        ax.axhline(hline, color="gray", linestyle="--", label=hline_label)
    if groups or hline_label:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)
    ax.set_xticks(range(len(names)), names, rotation=30 if max(len(n) for n in names) > 3 else 0)
    ax.set(title=title, ylabel=ylabel)
    return _save(fig, path)


def fit_plot(x, y, x_grid, y_pred, path, title="Regression", x_test=None, y_test=None):
    """Training points (light), test points (if given; the ones a test score is computed on) and the fit."""
    fig, ax = _figure(figsize=(6, 4))
    ax.scatter(x, y, s=6, alpha=0.35, label="training data", color=COLORS[0])
    if x_test is not None:
        ax.scatter(x_test, y_test, s=14, marker="^", label="test data", color=COLORS[2])
    ax.plot(x_grid, y_pred, color=COLORS[1], linewidth=2, label="MLP fit")
    ax.set(title=title, xlabel="x", ylabel="y")
    ax.legend()
    return _save(fig, path)


def point_snapshots(data, rows: dict, path, title="", centres=None):
    """Generated 2-D points (red) over the real data (grey), one row per run and one column per
    moment of training. ``rows`` maps a row label to [(iteration, points, caption), ...]."""
    cols = max(len(snaps) for snaps in rows.values())
    fig, axes = _figure(len(rows), cols, figsize=(2.1 * cols + 1.2, 2.2 * len(rows) + 0.6), squeeze=False)
    lim = 1.3 * float(np.abs(data).max())
    for r, (label, snaps) in enumerate(rows.items()):
        for c, ax in enumerate(axes[r]):
            ax.set_xlim(-lim, lim)
            ax.set_ylim(-lim, lim)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(snaps):
                ax.set_visible(False)
                continue
            iteration, points, caption = snaps[c]
            ax.scatter(data[:, 0], data[:, 1], s=2, color="0.75", label="real data")
            if centres is not None:
                ax.scatter(centres[:, 0], centres[:, 1], s=40, facecolors="none", edgecolors="0.4", linewidths=0.8)
            finite = points[np.isfinite(points).all(1)]
            ax.scatter(finite[:, 0], finite[:, 1], s=3, color=COLORS[3], label="generated")
            ax.set_title(f"iteration {iteration}\n{caption}", fontsize=8)
        axes[r, 0].set_ylabel(label, fontsize=9)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, markerscale=4, frameon=False)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    if path is not None:
        fig.savefig(path, dpi=90)
    return fig


def binary_confusion(tp, fn, fp, tn, path, positive="positive"):
    """The 2 x 2 table of one-vs-rest decisions, each cell named (TP, FN, FP, TN) with its count,
    and beside it the rates each slide defines from those four numbers."""
    fig, (ax, text) = _figure(1, 2, figsize=(9, 3.8), gridspec_kw={"width_ratios": [1, 1.25]})
    cells = np.array([[tp, fn], [fp, tn]])
    ax.imshow(np.array([[1, 0], [0, 1]]), cmap="Blues", vmin=-0.6, vmax=1.6)   # diagonal = correct
    for (i, j), name in np.ndenumerate(np.array([["TP", "FN"], ["FP", "TN"]])):
        ax.text(j, i, f"{name}\n{cells[i, j]}", ha="center", va="center", fontsize=13)
    ax.set_xticks([0, 1], [f"said '{positive}'", "said 'not'"])
    ax.set_yticks([0, 1], [f"is '{positive}'", "is not"])
    ax.set(title=f"'{positive}' vs the rest", xlabel="decision", ylabel="truth")
    rates = [("recall = TPR = sensitivity", "TP / (TP + FN)", tp / max(tp + fn, 1)),
             ("TNR = specificity", "TN / (TN + FP)", tn / max(tn + fp, 1)),
             ("FPR = 1 - TNR", "FP / (FP + TN)", fp / max(fp + tn, 1)),
             ("precision", "TP / (TP + FP)", tp / max(tp + fp, 1)),
             ("accuracy", "(TP + TN) / all", (tp + tn) / max(tp + fn + fp + tn, 1))]
    text.axis("off")
    for k, (name, formula, value) in enumerate(rates):
        text.text(0.0, 0.9 - 0.19 * k, f"{name}\n    {formula} = {value:.3f}", fontsize=10, va="top",
                  transform=text.transAxes)
    return _save(fig, path)


def side_by_side_grids(panels: dict, path, title="", cell=0.75):
    """Image grids next to each other, one per panel: ``{panel title: (images, rows, row_labels)}``.
    For the same noise vectors through two training runs, say, with each row labelled."""
    widths = []
    for images, rows, _ in panels.values():
        widths.append(int(np.ceil(len(images) / rows)))
    rows_max = max(rows for _, rows, _ in panels.values())
    fig = Figure(figsize=(sum(widths) * cell + 1.6 * len(panels), rows_max * cell + 1.0), layout="constrained")
    subfigures = np.atleast_1d(fig.subfigures(1, len(panels), width_ratios=[w + 2 for w in widths]))
    for sub, (name, (images, rows, row_labels)) in zip(subfigures, panels.items()):
        images = _as_images(images)
        cols = int(np.ceil(len(images) / rows))
        axes = sub.subplots(rows, cols, squeeze=False)
        for k, ax in enumerate(axes.flat):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if k < len(images):
                ax.imshow(images[k], cmap="gray_r", vmin=0, vmax=1)
        for r, label in enumerate(row_labels or []):
            axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
        sub.suptitle(name, fontsize=10)
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=90)
    return fig
