"""Adadelta: step sizes from running averages of squared gradients *and* squared updates."""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.optim.optimizer import Optimizer


class Adadelta(Optimizer):
    """The update (Zeiler 2012, PyTorch's formulation):

        g = g + weight_decay * w
        v = rho v + (1 - rho) g^2                               running mean of g^2
        delta = sqrt(u + eps) / sqrt(v + eps) * g              the units of w, not of g
        u = rho u + (1 - rho) delta^2                           running mean of delta^2
        w = w - lr * delta
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0):
        if not 0 <= rho <= 1:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def update(self, w, g, state, group):
        xp = array_module(w)
        rho, eps = group["rho"], group["eps"]
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        if not state:
            state["square_avg"] = xp.zeros_like(w)
            state["acc_delta"] = xp.zeros_like(w)
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * (g * g)
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * (delta * delta)
        w -= group["lr"] * delta
