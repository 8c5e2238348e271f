"""The corruptions of the denoising-autoencoder lesson, each seeded.

All take images with values in [0, 1] (arrays or Tensors, any shape) and return a new
array of the same backend and dtype; the input is never modified.
"""

from __future__ import annotations

import numpy as np

from minigrad import backend, checks
from minigrad.random import _generator
from minigrad.tensor import Tensor


def _array(x, op):
    """The images as a floating NumPy/CuPy array (a Tensor's data; lists become arrays)."""
    a = x.data if isinstance(x, Tensor) else x if backend.is_array(x) else np.asarray(x)
    if a.dtype.kind != "f":
        raise TypeError(f"{op}: expected floating-point images in [0, 1], got dtype {a.dtype}")
    return a


def _noise_like(x, draw):
    xp = backend.array_module(x)
    return xp.asarray(draw(x.shape)).astype(x.dtype)


def gaussian_noise(x, std: float = 0.3, clip: bool = True, generator=None):
    """x + n with n ~ N(0, std^2), clipped back to [0, 1] unless ``clip=False``."""
    checks.finite_number("gaussian_noise", "std", std, minimum=0)
    x = _array(x, "gaussian_noise")
    xp = backend.array_module(x)
    noisy = x + std * _noise_like(x, _generator(generator).numpy.standard_normal)
    return xp.clip(noisy, 0, 1) if clip else noisy


def salt_and_pepper(x, amount: float = 0.2, generator=None):
    """Set a fraction ``amount`` of the pixels to 0 or 1 (half each, in expectation)."""
    checks.finite_number("salt_and_pepper", "amount", amount, minimum=0, maximum=1)
    x = _array(x, "salt_and_pepper")
    xp = backend.array_module(x)
    gen = _generator(generator).numpy
    u = _noise_like(x, gen.random)
    salt = _noise_like(x, gen.random) < 0.5
    return xp.where(u < amount, salt.astype(x.dtype), x)


def occlusion_mask(shape, size, generator=None):
    """A boolean mask (N, ..., H, W) that is True inside one random size[0] x size[1] rectangle per
    image (the inpainting lesson's missing region)."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"occlusion_mask: shape must end in (H, W), got {shape}")
    *lead, h, w = shape
    sizes = checks.sizes("occlusion_mask", "size", size)
    rh, rw = sizes * 2 if len(sizes) == 1 else sizes
    if len(sizes) > 2:
        raise ValueError(f"occlusion_mask: size must be one int or (height, width), got {size}")
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
    x = _array(x, "occlude")
    checks.finite_number("occlude", "fill", fill)
    xp = backend.array_module(x)
    mask = xp.asarray(occlusion_mask(x.shape, size, generator))
    return xp.where(mask, xp.asarray(fill, dtype=x.dtype), x), mask
