"""The 8x8 handwritten digits (1,797 images, UCI) that ship inside scikit-learn: no download."""

from __future__ import annotations

import numpy as np


def load_digits():
    """(images float32 (1797, 1, 8, 8) scaled to [0, 1], labels int64 (1797,))."""
    from sklearn.datasets import load_digits as _sklearn_load_digits

    digits = _sklearn_load_digits()
    images = (digits.images.astype(np.float32) / 16.0)[:, None]
    return images, digits.target.astype(np.int64)
