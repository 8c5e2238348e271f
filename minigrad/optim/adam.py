"""Adam and AdamW: per-parameter step sizes from running moments of the gradient."""

from __future__ import annotations

import math

from minigrad.backend import array_module
from minigrad.optim.optimizer import Optimizer


class Adam(Optimizer):
    """The update at step t (Kingma & Ba, as PyTorch implements it):

        g = g + weight_decay * w                  (L2 penalty; AdamW decouples it instead)
        m = beta1 m + (1 - beta1) g               (first moment)
        v = beta2 v + (1 - beta2) g^2             (second moment)
        w = w - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
    """

    decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def update(self, w, g, state, group):
        xp = array_module(w)
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if wd and self.decoupled:
            w *= 1 - lr * wd
        elif wd:
            g = g + wd * w
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(w)
            state["exp_avg_sq"] = xp.zeros_like(w)
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        # The same formulas, written as in-place operations on one scratch array: an update
        # then makes no new arrays, which matters because it is pure memory traffic.
        tmp = self._scratch(w)
        xp.subtract(g, m, out=tmp)                # m = beta1 m + (1 - beta1) g  =  m + (1 - beta1)(g - m)
        tmp *= 1 - beta1
        m += tmp
        xp.multiply(g, g, out=tmp)                # v = v + (1 - beta2)(g^2 - v)
        tmp -= v
        tmp *= 1 - beta2
        v += tmp
        # step = lr/(1 - beta1^t) * m / (sqrt(v/(1 - beta2^t)) + eps)
        #      = c * m / (sqrt(v) + eps * s)    with s = sqrt(1 - beta2^t), c = lr * s / (1 - beta1^t)
        s = math.sqrt(1 - beta2 ** t)
        xp.sqrt(v, out=tmp)
        tmp += eps * s
        xp.divide(m, tmp, out=tmp)
        tmp *= lr * s / (1 - beta1 ** t)
        w -= tmp

    def _scratch(self, w):
        """A reusable temporary of w's shape and dtype (not part of the optimizer's state)."""
        key = (w.shape, w.dtype, type(w))
        buffers = self.__dict__.setdefault("_buffers", {})
        if key not in buffers:
            buffers[key] = array_module(w).empty_like(w)
        return buffers[key]


class AdamW(Adam):
    """Adam with *decoupled* weight decay (Loshchilov & Hutter): w = w - lr * wd * w, then Adam
    without the L2 term. Default weight_decay = 0.01, as in PyTorch."""

    decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        super().__init__(params, lr, betas, eps, weight_decay)
