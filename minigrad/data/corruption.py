"""The corruptions of the denoising-autoencoder lesson, each seeded.

All take images with values in [0, 1] (arrays or Tensors, any shape) and return a new
array of the same backend and dtype; the input is never modified.
"""

from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.random import _generator
from minigrad.tensor import Tensor


def _array(x):
    return x.data if isinstance(x, Tensor) else x


def _noise_like(x, draw):
    xp = backend.array_module(x)
    return xp.asarray(draw(x.shape)).astype(x.dtype)


def gaussian_noise(x, std: float = 0.3, clip: bool = True, generator=None):
    """x + n with n ~ N(0, std^2), clipped back to [0, 1] unless ``clip=False``."""
    x = _array(x)
    xp = backend.array_module(x)
    noisy = x + std * _noise_like(x, _generator(generator).numpy.standard_normal)
    return xp.clip(noisy, 0, 1) if clip else noisy


def salt_and_pepper(x, amount: float = 0.2, generator=None):
    """Set a fraction ``amount`` of the pixels to 0 or 1 (half each, in expectation)."""
    if not 0 <= amount <= 1:
        raise ValueError(f"salt_and_pepper: amount must be in [0, 1], got {amount}")
    x = _array(x)
    xp = backend.array_module(x)
    gen = _generator(generator).numpy
    u = _noise_like(x, gen.random)
    salt = _noise_like(x, gen.random) < 0.5
    return xp.where(u < amount, salt.astype(x.dtype), x)


def occlusion_mask(shape, size, generator=None):
    """A boolean mask (N, ..., H, W) that is True inside one random size[0] x size[1] rectangle per
    image (the inpainting lesson's missing region)."""
    *lead, h, w = shape
    rh, rw = (size, size) if isinstance(size, int) else size
    if rh > h or rw > w:
        raise ValueError(f"occlusion_mask: rectangle {rh}x{rw} does not fit in {h}x{w} images")
    gen = _generator(generator).numpy
    n = lead[0] if lead else 1
    tops, lefts = gen.integers(0, h - rh + 1, n), gen.integers(0, w - rw + 1, n)
    mask = np.zeros((n, h, w), dtype=bool)
    for k in range(n):
        mask[k, tops[k]:tops[k] + rh, lefts[k]:lefts[k] + rw] = True
    if not lead:
        return mask[0]
    return np.broadcast_to(mask.reshape([n] + [1] * (len(lead) - 1) + [h, w]), tuple(shape)).copy()


def occlude(x, size, fill: float = 0.0, generator=None):
    """Return (occluded copy of x, mask): a random rectangle per image set to ``fill``."""
    x = _array(x)
    xp = backend.array_module(x)
    mask = xp.asarray(occlusion_mask(x.shape, size, generator))
    return xp.where(mask, xp.asarray(fill, dtype=x.dtype), x), mask
