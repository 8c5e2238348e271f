"""RMSprop: divide the step by a running root-mean-square of recent gradients."""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.optim.optimizer import Optimizer


class RMSprop(Optimizer):
    """The update (PyTorch's formulation, non-centered):

        g = g + weight_decay * w
        v = alpha v + (1 - alpha) g^2
        step = g / (sqrt(v) + eps)
        b = momentum b + step, step = b      (only if momentum > 0)
        w = w - lr * step
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum))

    def update(self, w, g, state, group):
        xp = array_module(w)
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        if not state:
            state["square_avg"] = xp.zeros_like(w)
            if group["momentum"]:
                state["momentum_buffer"] = xp.zeros_like(w)
        v = state["square_avg"]
        v *= group["alpha"]
        v += (1 - group["alpha"]) * (g * g)
        step = g / (xp.sqrt(v) + group["eps"])
        if group["momentum"]:
            b = state["momentum_buffer"]
            b *= group["momentum"]
            b += step
            step = b
        w -= group["lr"] * step
