"""Annotations computed from MNIST images themselves, for the attribute-vector lesson.

MNIST has no labelled features (unlike face data sets with "smiling" or "glasses"), so we
derive two by documented rules, each measured *within* a digit class so that the
attribute does not simply encode which digit it is:

* ink (stroke thickness): the total intensity sum_ij x_ij. With the same digit shape,
  thicker strokes mean more ink.
* slant: from the second-order central moments of the intensity distribution, with
  row i growing downwards and column j to the right,
      slant = -mu_11 / mu_02,   mu_pq = sum (j - j_mean)^p (i - i_mean)^q x_ij
  It is the shear of the best-fitting line: positive when the digit leans to the right
  (its top is further right than its bottom).

``split_by_attribute`` marks the top and bottom quantiles of an attribute within each
class: the samples "with" and "without" the feature.
"""

from __future__ import annotations

import numpy as np


def _images(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 3:
        raise ValueError(f"ink / slant: expected a batch of images (n, [C,] H, W), got shape {x.shape}")
    return x.reshape(len(x), x.shape[-2], x.shape[-1])


def ink(images) -> np.ndarray:
    """Total intensity of each image (a proxy for stroke thickness)."""
    return _images(images).sum(axis=(1, 2))


def slant(images) -> np.ndarray:
    """-mu_11 / mu_02 of each image: > 0 leans right, < 0 leans left."""
    x = _images(images)
    rows, cols = np.arange(x.shape[1])[:, None], np.arange(x.shape[2])[None, :]
    mass = x.sum(axis=(1, 2)) + 1e-12
    i_mean = (x * rows).sum(axis=(1, 2)) / mass
    j_mean = (x * cols).sum(axis=(1, 2)) / mass
    di = rows[None] - i_mean[:, None, None]
    dj = cols[None] - j_mean[:, None, None]
    mu11 = (x * di * dj).sum(axis=(1, 2))
    mu02 = (x * di * di).sum(axis=(1, 2)) + 1e-12
    return -mu11 / mu02


def split_by_attribute(values, labels=None, quantile: float = 0.25):
    """(with_mask, without_mask): top and bottom ``quantile`` of ``values`` within each class."""
    if not 0 < quantile <= 0.5:
        raise ValueError(f"split_by_attribute: quantile must be in (0, 0.5] (the two sets must not overlap), "
                         f"got {quantile}")
    values = np.asarray(values, dtype=float)
    labels = np.zeros(len(values), dtype=int) if labels is None else np.asarray(labels)
    with_mask, without_mask = np.zeros(len(values), bool), np.zeros(len(values), bool)
    for c in np.unique(labels):
        idx = labels == c
        lo, hi = np.quantile(values[idx], [quantile, 1 - quantile])
        with_mask |= idx & (values >= hi)
        without_mask |= idx & (values <= lo)
    return with_mask, without_mask
