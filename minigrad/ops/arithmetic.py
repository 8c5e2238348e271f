"""Elementwise arithmetic: + - * / negation, powers, exp/log/sqrt, abs, clip, max/min, where.

Every backward returns gradients with the output's (broadcast) shape; the engine
sums them back to each input's shape. ``gy`` is dL/dy throughout.
"""

from __future__ import annotations

import operator

from minigrad.backend import array_module
from minigrad.function import Function


class Add(Function):
    """y = a + b.   dy/da = 1, dy/db = 1."""

    saves_inputs = False

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        return gy, gy


class Sub(Function):
    """y = a - b.   dy/da = 1, dy/db = -1."""

    saves_inputs = False

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        return gy, -gy


class Mul(Function):
    """y = a * b.   dy/da = b, dy/db = a."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, gy):
        ga = gy * self.b if self.inputs[0].requires_grad else None
        gb = gy * self.a if self.inputs[1].requires_grad else None
        return ga, gb


class Div(Function):
    """y = a / b.   dy/da = 1 / b, dy/db = -a / b^2 = -y / b."""

    def forward(self, a, b):
        self.b = b
        self.y = a / b
        return self.y

    def backward(self, gy):
        ga = gy / self.b
        gb = -ga * self.y if self.inputs[1].requires_grad else None
        return ga, gb


class Neg(Function):
    """y = -x.   dy/dx = -1."""

    saves_inputs = False

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class PowConstant(Function):
    """y = x^c for a constant exponent c.   dy/dx = c * x^(c-1).

    Separate from ``Pow`` because a constant exponent needs no log(x), so negative
    bases work (x^2, x^3, 1/x = x^-1). For c = 0, y = 1 and dy/dx = 0 everywhere (also at
    x = 0, where c * x^(c-1) would be 0 * inf), as in PyTorch.
    """

    def __init__(self, exponent):
        # A Python number, so that a NumPy float64 exponent cannot promote float32 data.
        self.c = exponent.item() if hasattr(exponent, "item") else exponent

    def forward(self, x):
        self.x = x
        return x ** self.c

    def backward(self, gy):
        if self.c == 0:
            return gy * 0
        return gy * self.c * self.x ** (self.c - 1)


class Pow(Function):
    """y = a^b with both a tensor.   dy/da = b * a^(b-1),  dy/db = a^b * log(a)  (needs a > 0).

    At a zero base, PyTorch's conventions: dy/da = 0 where b = 0 (the limit of b a^(b-1) is not
    taken: a^0 = 1 is constant), and dy/db = 0 where a = 0 and b >= 0 (0^b is constant 0 for
    b > 0, and 0 * log 0 is taken as 0).
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = a ** b
        return self.y

    def backward(self, gy):
        xp = array_module(gy)
        a, b = self.a, self.b
        ga = gb = None
        if self.inputs[0].requires_grad:
            with _quiet(xp):
                ga = gy * xp.where(b == 0, 0, b * a ** (b - 1))
        if self.inputs[1].requires_grad:
            with _quiet(xp):
                gb = gy * xp.where((a == 0) & (b >= 0), 0, self.y * xp.log(xp.where(a == 0, 1, a)))
        return ga, gb


def _quiet(xp):
    """NumPy warns about 0 ** -1 and log(0) in the branch ``where`` then discards; silence just that."""
    import contextlib
    return xp.errstate(divide="ignore", invalid="ignore") if hasattr(xp, "errstate") else contextlib.nullcontext()


class Exp(Function):
    """y = e^x.   dy/dx = e^x = y."""

    saves_inputs = False

    def forward(self, x):
        self.y = array_module(x).exp(x)
        return self.y

    def backward(self, gy):
        return gy * self.y


class Log1p(Function):
    """y = ln(1 + x), accurate for tiny x.   dy/dx = 1 / (1 + x)."""

    def forward(self, x):
        self.x = x
        return array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (1 + self.x)


class Sin(Function):
    """y = sin x.   dy/dx = cos x."""

    def forward(self, x):
        self.x = x
        return array_module(x).sin(x)

    def backward(self, gy):
        return gy * array_module(gy).cos(self.x)


class Cos(Function):
    """y = cos x.   dy/dx = -sin x."""

    def forward(self, x):
        self.x = x
        return array_module(x).cos(x)

    def backward(self, gy):
        return -gy * array_module(gy).sin(self.x)


class Log(Function):
    """y = ln x.   dy/dx = 1 / x."""

    def forward(self, x):
        self.x = x
        return array_module(x).log(x)

    def backward(self, gy):
        return gy / self.x


class Sqrt(Function):
    """y = sqrt(x).   dy/dx = 1 / (2 sqrt(x)) = 1 / (2y)."""

    saves_inputs = False

    def forward(self, x):
        self.y = array_module(x).sqrt(x)
        return self.y

    def backward(self, gy):
        return gy / (2 * self.y)


class Abs(Function):
    """y = |x|.   dy/dx = sign(x), and we take 0 at the kink x = 0 (as PyTorch does)."""

    saves_inputs = False

    def forward(self, x):
        xp = array_module(x)
        self.sign = xp.sign(x)
        return xp.abs(x)

    def backward(self, gy):
        return gy * self.sign


class Clip(Function):
    """y = min(max(x, lo), hi).   dy/dx = 1 where lo <= x <= hi, else 0.

    At the boundaries (x == lo or x == hi) the gradient is 1, as in PyTorch's clamp.
    ``lo`` or ``hi`` may be None (no bound on that side).
    """

    saves_inputs = False

    def __init__(self, lo=None, hi=None):
        if lo is None and hi is None:
            raise ValueError("clip: at least one of min and max must be given")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"clip: min ({lo}) is larger than max ({hi})")
        self.lo, self.hi = lo, hi

    def forward(self, x):
        xp = array_module(x)
        inside = xp.ones(x.shape, dtype=bool)
        if self.lo is not None:
            inside &= x >= self.lo
        if self.hi is not None:
            inside &= x <= self.hi
        self.inside = inside
        return xp.clip(x, self.lo, self.hi)

    def backward(self, gy):
        return gy * self.inside


class Maximum(Function):
    """y = max(a, b) elementwise.   dy/da = [a > b] + 0.5 [a == b], dy/db = [b > a] + 0.5 [a == b].

    Tie rule: where a == b the gradient is split evenly, 1/2 to each (as PyTorch does).
    """

    saves_inputs = False
    pick, beats = "maximum", staticmethod(operator.gt)

    def forward(self, a, b):
        self.share_a = (self.beats(a, b) + 0.5 * (a == b)).astype(a.dtype)
        return getattr(array_module(a), self.pick)(a, b)

    def backward(self, gy):
        g = gy * self.share_a
        return g, gy - g


class Minimum(Maximum):
    """y = min(a, b) elementwise.   dy/da = [a < b] + 0.5 [a == b]; ties split evenly."""

    pick, beats = "minimum", staticmethod(operator.lt)


class Where(Function):
    """y = a where cond else b.   dy/da = [cond], dy/db = [not cond]; ``cond`` is a constant mask."""

    saves_inputs = False

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return array_module(a).where(self.condition, a, b)

    def backward(self, gy):
        xp = array_module(gy)
        zero = xp.zeros((), dtype=gy.dtype)
        return xp.where(self.condition, gy, zero), xp.where(self.condition, zero, gy)
