"""Gradient checking: compare backward's gradients with central finite differences.

For a function y = f(x_1, ..., x_n) and a random upstream gradient v (so that every
output element matters, with a different weight), define the scalar L = sum(v * y).
Backward gives dL/dx analytically. Numerically, for each element x_k of each input,

    dL/dx_k  ~  (L(x_k + eps) - L(x_k - eps)) / (2 eps)       (error O(eps^2))

Both must agree to within ``atol + rtol * |numeric|``. Use float64: in float32 the
difference quotient loses about half of the 7 significant digits.

Write your own op, then::

    x = minigrad.tensor(np.random.randn(3, 4), dtype=minigrad.float64, requires_grad=True)
    minigrad.gradcheck(lambda t: MyOp()(t), [x])
"""

from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.grad_mode import enable_grad, no_grad
from minigrad.tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when analytic and numeric gradients disagree; the message says where and by how much."""


def _outputs(result):
    outs = result if isinstance(result, (tuple, list)) else (result,)
    if not all(isinstance(o, Tensor) for o in outs):
        raise TypeError("gradcheck: fn must return a Tensor or a tuple of Tensors")
    return outs


def _weighted_sum(outs, vs) -> float:
    """L = sum_k sum(v_k * y_k) as a Python float (the scalar whose gradient we check)."""
    return float(sum(float((o.data * v).sum()) for o, v in zip(outs, vs)))


def gradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0, raise_exception: bool = True) -> bool:
    """Check ``fn``'s backward against central differences for every input that requires grad.

    Args:
        fn: a function of the tensors in ``inputs`` returning a Tensor or a tuple of Tensors.
        inputs: the tensors to call ``fn`` with; those with ``requires_grad`` are checked and must
            be float64.
        eps: the finite-difference step.
        atol, rtol: an element passes when |analytic - numeric| <= atol + rtol * |numeric|.
        seed: seeds the random upstream gradient v.
        raise_exception: raise ``GradcheckError`` on failure (else return False).

    Also checks that ``fn`` does not modify its inputs.
    """
    inputs = list(inputs)
    for name, v in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not (isinstance(v, (int, float)) and v > 0 and np.isfinite(v)):
            raise ValueError(f"gradcheck: {name} must be a positive number, got {v!r}")
    if not all(isinstance(t, Tensor) for t in inputs):
        raise TypeError("gradcheck: inputs must all be Tensors")
    checked = [i for i, t in enumerate(inputs) if t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {inputs[i].dtype}; use float64, since central "
                            f"differences in lower precision are too inaccurate to check anything")

    originals = [t.data.copy() for t in inputs]
    saved_grads = [t.grad for t in inputs]
    for t in inputs:
        t.grad = None
    try:
        with enable_grad():
            outs = _outputs(fn(*inputs))
        for i, (t, original) in enumerate(zip(inputs, originals)):
            if not bool((backend.to_numpy(t.data) == backend.to_numpy(original)).all()):
                raise GradcheckError(f"gradcheck: fn modified input {i} (shape {t.shape}) in place")
        rng = np.random.default_rng(seed)
        vs = []
        for o in outs:
            xp = backend.array_module(o.data)
            vs.append(xp.asarray(rng.standard_normal(o.shape)).astype(o.dtype))
        differentiable = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        if not differentiable:
            raise ValueError("gradcheck: no output of fn requires grad (is fn differentiable?)")
        loss = None
        for o, v in differentiable:
            term = (o * Tensor(v)).sum()
            loss = term if loss is None else loss + term
        loss.backward()

        for i in checked:
            t = inputs[i]
            analytic = backend.to_numpy(t.grad.data) if t.grad is not None else np.zeros(t.shape)
            numeric = _numeric_gradient(fn, inputs, t, vs, eps)
            _compare(i, t, analytic, numeric, atol, rtol)

    except GradcheckError:
        if raise_exception:
            raise
        return False
    finally:
        for t, g in zip(inputs, saved_grads):
            t.grad = g
    return True


def _numeric_gradient(fn, inputs, t: Tensor, vs, eps: float) -> np.ndarray:
    """Central differences of L = sum(v * fn(inputs)) with respect to every element of ``t``.

    Each element is perturbed in place (any memory layout works) and restored exactly.
    """
    grad = np.zeros(t.shape)
    with no_grad():
        for index in np.ndindex(*t.shape):
            old = t.data[index].item()
            t.data[index] = old + eps
            plus = _weighted_sum(_outputs(fn(*inputs)), vs)
            t.data[index] = old - eps
            minus = _weighted_sum(_outputs(fn(*inputs)), vs)
            t.data[index] = old
            grad[index] = (plus - minus) / (2 * eps)
    return grad


def _compare(i, t, analytic, numeric, atol, rtol):
    error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    if bool((error <= allowed).all()):
        return
    worst = np.unravel_index(np.argmax(error - allowed), t.shape) if t.ndim else ()
    bad = int((error > allowed).sum())
    raise GradcheckError(
        f"gradcheck: gradient of input {i} (shape {t.shape}) is wrong at {bad} of {t.numel()} elements.\n"
        f"  worst element {tuple(int(k) for k in worst)}: analytic {analytic[worst]:.10g}, "
        f"numeric {numeric[worst]:.10g}, |difference| {error[worst]:.3g} > allowed {allowed[worst]:.3g}\n"
        f"  (allowed = atol {atol:g} + rtol {rtol:g} * |numeric|)")
