"""Training utilities that act on gradients."""

from __future__ import annotations

import math

from minigrad import backend
from minigrad.grad_mode import no_grad


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    total = (sum_p ||g_p||^q)^(1/q); if total > max_norm, every g_p *= max_norm / (total + 1e-6).
    Returns the norm before clipping (a float). ``norm_type=inf`` uses the largest |g|.
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        total = max(float(backend.array_module(g.data).abs(g.data).max()) for g in grads)
    else:
        total = sum(float((backend.array_module(g.data).abs(g.data) ** norm_type).sum()) for g in grads)
        total = total ** (1.0 / norm_type)
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1:
        with no_grad():
            for g in grads:
                g.mul_(coefficient)
    return total
