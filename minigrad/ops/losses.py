"""Loss functions that deserve a hand-written, numerically stable backward.

The simple losses (MSE, L1, Gaussian KL) are composed from ordinary ops in
``minigrad.nn.losses``; the ones here need care with log(0) and exp overflow.
Each returns the *unreduced* per-element loss; reduction happens outside.
"""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.function import Function
from minigrad.ops.activations import exp_neg_abs, stable_log_softmax, stable_sigmoid, stable_softplus


class BinaryCrossEntropyWithLogits(Function):
    """l = -[y log s(x) + (1 - y) log(1 - s(x))], s the sigmoid, from logits x.

    Written as l = max(x, 0) - x y + log(1 + e^-|x|), which never overflows
    (e^-|x| <= 1) and stays exact for logits of +-1e4.

    dl/dx = s(x) - y          (the sigmoid's derivative cancels the log's)
    dl/dy = -x                (targets may be soft labels, so y gets a gradient too)
    """

    def forward(self, x, y):
        self.x, self.y, self.z = x, y, exp_neg_abs(x)    # z = e^-|x|: backward's sigmoid needs it too
        return stable_softplus(x, self.z) - x * y       # softplus(x) = max(x, 0) + log(1 + e^-|x|)

    def backward(self, gl):
        gx = gl * (stable_sigmoid(self.x, self.z) - self.y)
        gy = -gl * self.x if self.inputs[1].requires_grad else None
        return gx, gy


class BinaryCrossEntropy(Function):
    """l = -[y log p + (1 - y) log(1 - p)] from probabilities p in [0, 1].

    Like PyTorch, each log is clamped at -100, so p = 0 or p = 1 gives a large but finite loss.

    dl/dp = (p - y) / (p (1 - p)), with the denominator clamped at 1e-12 (PyTorch's rule)
    dl/dy = log(1 - p) - log p   (with the clamped logs)
    """

    def forward(self, p, y):
        xp = array_module(p)
        if p.size and not bool(xp.all((p >= 0) & (p <= 1))):      # NaN fails both comparisons
            raise ValueError(f"binary_cross_entropy: input must be probabilities in [0, 1], got values in "
                             f"[{float(xp.nanmin(p)):.4g}, {float(xp.nanmax(p)):.4g}]"
                             f"{' and NaN' if bool(xp.isnan(p).any()) else ''}; use "
                             f"binary_cross_entropy_with_logits for logits")
        self.log_p, self.log_1mp = _clamped_log(p), _clamped_log(1 - p)
        self.p, self.y = p, y
        return -(y * self.log_p + (1 - y) * self.log_1mp)

    def backward(self, gl):
        xp = array_module(gl)
        p, y = self.p, self.y
        gp = gl * (p - y) / xp.maximum(p * (1 - p), 1e-12)
        gy = gl * (self.log_1mp - self.log_p) if self.inputs[1].requires_grad else None
        return gp, gy


def _clamped_log(x):
    """log x clamped below at -100 (so log 0 = -100, without a divide-by-zero warning)."""
    xp = array_module(x)
    positive = x > 0
    return xp.where(positive, xp.maximum(xp.log(xp.where(positive, x, 1)), -100), -100).astype(x.dtype)


class CrossEntropy(Function):
    """l_n = -w[t_n] log softmax(x_n)[t_n] for logits x (N, C) and integer targets t (N,).

    log softmax is computed with the log-sum-exp shift, so large logits are safe.
    With p = softmax(x):   dl_n/dx_n = w[t_n] (p_n - onehot(t_n)).
    The class weights w (optional) are constants.
    """

    def __init__(self, target, weight=None):
        self.target, self.weight = target, weight

    def forward(self, x):
        xp = array_module(x)
        n, c = x.shape
        t = self.target
        if t.shape != (n,):
            raise ValueError(f"cross_entropy: target shape {t.shape} does not match input {x.shape}; "
                             f"expected ({n},) class indices")
        if t.size and (int(t.min()) < 0 or int(t.max()) >= c):
            raise IndexError(f"cross_entropy: target values must be in [0, {c - 1}], got "
                             f"[{int(t.min())}, {int(t.max())}]")
        self.log_p = stable_log_softmax(x, axis=1)
        rows = xp.arange(n)
        loss = -self.log_p[rows, t]
        if self.weight is not None:
            loss = loss * self.weight[t]
        return loss

    def backward(self, gl):
        xp = array_module(gl)
        n = gl.shape[0]
        g = xp.exp(self.log_p)                  # softmax
        g[xp.arange(n), self.target] -= 1       # p - onehot(t)
        scale = gl if self.weight is None else gl * self.weight[self.target]
        return g * scale[:, None]
