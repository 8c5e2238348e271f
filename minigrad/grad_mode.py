"""Global switches of the autodiff engine: gradient recording and anomaly detection.

``no_grad()`` turns graph recording off (evaluation, optimizer updates, sampling);
``enable_grad()`` turns it back on inside a ``no_grad`` block; ``detect_anomaly()``
makes every op check its forward outputs and backward gradients for NaN/Inf.
All three work as context managers and as decorators.
"""

from __future__ import annotations

import functools


class _State:
    grad_enabled = True
    detect_anomaly = False


state = _State()


def is_grad_enabled() -> bool:
    """True when ops record the graph needed for backward."""
    return state.grad_enabled


class _Switch:
    """A context manager / decorator that sets one flag of ``state`` and restores it."""

    flag: str
    value: bool

    def __enter__(self):
        self._previous = getattr(state, self.flag)
        setattr(state, self.flag, self.value)
        return self

    def __exit__(self, *exc):
        setattr(state, self.flag, self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_Switch):
    """Do not record operations: results have ``requires_grad=False`` and no graph.

    >>> with no_grad():
    ...     y = model(x)          # no graph is built, no memory is kept for backward
    """

    flag, value = "grad_enabled", False


class enable_grad(_Switch):
    """Record operations again, even inside a ``no_grad`` block."""

    flag, value = "grad_enabled", True


class detect_anomaly(_Switch):
    """Raise at the first op whose forward output or backward gradient holds NaN or Inf.

    The error names the op and the shapes of its inputs, which is usually all you need to
    find a ``log(0)`` or an exploding ``exp``. It costs one ``isfinite`` check per array,
    so use it to debug, not to train.
    """

    flag, value = "detect_anomaly", True
