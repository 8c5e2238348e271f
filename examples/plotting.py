"""The figures of the lessons: image grids, curves, scatter plots, confusion matrices, histograms.

Every function draws one figure, saves it as a PNG when given a ``path``, and returns the
``Figure``. Figures are made with ``matplotlib.figure.Figure`` rather than pyplot, so importing
this module chooses no backend and keeps no global state: a script saves them without a screen,
and a notebook shows the returned figure inline. Images are (N, C, H, W) or (N, H, W) arrays
with values in [0, 1].
"""

from __future__ import annotations

import matplotlib
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


def image_grid(images, path, title="", rows=None, row_labels=None, col_labels=None, cell=0.9):
    """A grid of grayscale images (row-major). ``rows`` defaults to a square-ish grid."""
    images = _as_images(images)
    n = len(images)
    rows = rows or int(np.ceil(np.sqrt(n)))
    cols = int(np.ceil(n / rows))
    fig, axes = _figure(rows, cols, figsize=(cols * cell + (1 if row_labels else 0), rows * cell + 0.5),
                        squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if k < n:
            ax.imshow(images[k], cmap="gray_r", vmin=0, vmax=1)
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
        ax.plot(x, y, label=name, color=COLORS[i % 10])
    if hline is not None:
        ax.axhline(hline, color="gray", linestyle="--", label=hline_label)
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    # below the axes, so that the legend never covers a curve
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=9, frameon=False)
    return _save(fig, path)


def scatter(points, labels, path, title="", class_names=None, xlabel="h1", ylabel="h2", extra_points=None):
    """2-D points coloured by class; ``extra_points`` (k, 2) are marked with crosses."""
    points = np.asarray(points)
    fig, ax = _figure(figsize=(6, 5))
    for c in np.unique(labels):
        m = labels == c
        name = class_names[c] if class_names else str(c)
        ax.scatter(points[m, 0], points[m, 1], s=4, alpha=0.6, color=COLORS[int(c) % 10], label=name)
    if extra_points is not None:
        ax.scatter(*np.asarray(extra_points).T, marker="x", s=60, color="black", label="decoded points")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(markerscale=3, fontsize=7, loc="best")
    return _save(fig, path)


def confusion_matrix(matrix, path, class_names, title="Confusion matrix (rows: true, columns: predicted)"):
    matrix = np.asarray(matrix)
    k = len(class_names)
    fig, ax = _figure(figsize=(0.55 * k + 2, 0.55 * k + 1.5))
    ax.imshow(matrix, cmap="Blues")
    threshold = matrix.max() / 2
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > threshold else "black")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), class_names, fontsize=8)
    ax.set(title=title, xlabel="predicted", ylabel="true")
    return _save(fig, path)


def roc(curves_: dict, path, title="ROC curve"):
    """curves_: name -> (fpr, tpr, auc)."""
    fig, ax = _figure(figsize=(5, 5))
    for i, (name, (f, t, a)) in enumerate(curves_.items()):
        ax.plot(f, t, color=COLORS[i % 10], label=f"{name} (AUC {a:.3f})")
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="chance")
    ax.set(title=title, xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right")
    return _save(fig, path)


def precision_recall(precision, recall, path, title="Precision-recall curve", ap=None):
    fig, ax = _figure(figsize=(5, 5))
    ax.step(recall, precision, where="post", label=f"AP {ap:.3f}" if ap is not None else None)
    ax.set(title=title, xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    if ap is not None:
        ax.legend(loc="lower left")
    return _save(fig, path)


def histograms(groups: dict, path, title="", xlabel="", bins=50):
    fig, ax = _figure(figsize=(6, 4))
    values = np.concatenate([np.asarray(v) for v in groups.values()])
    edges = np.linspace(values.min(), values.max(), bins + 1)
    for i, (name, v) in enumerate(groups.items()):
        ax.hist(v, bins=edges, alpha=0.55, density=True, color=COLORS[i % 10], label=name)
    ax.set(title=title, xlabel=xlabel, ylabel="density")
    ax.legend()
    return _save(fig, path)


def bars(values: dict, path, title="", ylabel="", hline=None, hline_label=None, groups=None):
    """Bar chart of name -> value, or of name -> {group: value} for grouped bars."""
    fig, ax = _figure(figsize=(max(5, 0.5 * len(values) + 2), 4))
    names = list(values)
    if groups:
        width = 0.8 / len(groups)
        for g, group in enumerate(groups):
            ax.bar(np.arange(len(names)) + g * width - 0.4 + width / 2, [values[n][group] for n in names],
                   width, label=group, color=COLORS[g % 10])
        ax.legend()
    else:
        ax.bar(range(len(names)), [values[n] for n in names], color=COLORS[0])
    if hline is not None:
        ax.axhline(hline, color="gray", linestyle="--", label=hline_label)
        if hline_label:
            ax.legend()
    ax.set_xticks(range(len(names)), names, rotation=30 if max(len(n) for n in names) > 3 else 0)
    ax.set(title=title, ylabel=ylabel)
    return _save(fig, path)


def fit_plot(x, y, x_grid, y_pred, path, title="Regression"):
    fig, ax = _figure(figsize=(6, 4))
    ax.scatter(x, y, s=6, alpha=0.5, label="data", color=COLORS[0])
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
