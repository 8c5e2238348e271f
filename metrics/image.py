"""Image quality for the denoising and inpainting lessons.

PSNR = 10 log10(MAX^2 / MSE) in decibels, MAX the data range (1 for images in [0, 1]).
  Identical images have MSE = 0 and PSNR = +inf (returned as such, not as NaN).

SSIM (Wang et al. 2004) compares local means, variances and covariance in a Gaussian
window (11 x 11, sigma 1.5 -- shrunk to the image size for small images):

    SSIM = ((2 mu_x mu_y + C1)(2 s_xy + C2)) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2))

with C1 = (0.01 MAX)^2, C2 = (0.03 MAX)^2, averaged over the window positions inside the
image. It is 1 for identical images and lower as structure is lost.
"""

from __future__ import annotations

import numpy as np

from metrics._arrays import host
from minigrad import checks


def _images(x, y, op):
    a, b = host(x).astype(np.float64), host(y).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{op}: image shapes differ: {a.shape} and {b.shape}")
    if a.ndim < 2:
        raise ValueError(f"{op}: expected images (..., H, W), got {a.shape}")
    for name, v in (("x", a), ("y", b)):
        if not np.isfinite(v).all():
            raise ValueError(f"{op}: {name} contains NaN or infinite values")
    return a, b


def psnr(x, y, data_range: float = 1.0, reduction: str = "mean"):
    """PSNR per image (all axes but the first are one image), averaged unless reduction='none'."""
    a, b = _images(x, y, "psnr")
    data_range = checks.finite_number("psnr", "data_range", data_range, minimum=0, strict_minimum=True)
    a, b = (a[None], b[None]) if a.ndim == 2 else (a, b)
    mse = ((a - b) ** 2).reshape(len(a), -1).mean(1)
    with np.errstate(divide="ignore"):
        values = 10 * np.log10(data_range ** 2 / mse)
    return values if reduction == "none" else float(values.mean())


def _gaussian_window(size: int, sigma: float = 1.5) -> np.ndarray:
    offsets = np.arange(size) - (size - 1) / 2
    w = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    return w / w.sum()


def _filter_valid(img, w):
    """Separable 'valid' filtering of the last two axes with the 1-D window w."""
    k = len(w)
    rows = sum(w[i] * img[..., i:img.shape[-2] - k + 1 + i, :] for i in range(k))
    return sum(w[j] * rows[..., :, j:img.shape[-1] - k + 1 + j] for j in range(k))


def ssim(x, y, data_range: float = 1.0, window: int = 11, reduction: str = "mean"):
    """Mean structural similarity per image; averaged over images unless reduction='none'."""
    a, b = _images(x, y, "ssim")
    data_range = checks.finite_number("ssim", "data_range", data_range, minimum=0, strict_minimum=True)
    checks.positive_int("ssim", "window", window, 3)
    a, b = (a[None], b[None]) if a.ndim == 2 else (a, b)
    size = min(window, a.shape[-1], a.shape[-2])
    size -= (size + 1) % 2                       # keep it odd
    w = _gaussian_window(size)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_a, mu_b = _filter_valid(a, w), _filter_valid(b, w)
    var_a = _filter_valid(a * a, w) - mu_a ** 2
    var_b = _filter_valid(b * b, w) - mu_b ** 2
    cov = _filter_valid(a * b, w) - mu_a * mu_b
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    per_image = value.reshape(len(a), -1).mean(1)
    return per_image if reduction == "none" else float(per_image.mean())
