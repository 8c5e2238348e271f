"""The functional form of every op: ``minigrad.exp(x)``, ``minigrad.cat([a, b])``, ...

Each function converts its arguments and calls one ``Function`` from ``minigrad.ops``.
Names and argument orders follow PyTorch (``dim``, ``keepdim``).
"""

from __future__ import annotations

from minigrad import backend
from minigrad.ops import activations as _act
from minigrad.ops import arithmetic as _ar
from minigrad.ops import matmul as _mm
from minigrad.ops import reductions as _red
from minigrad.ops import shape as _sh
from minigrad.tensor import Tensor, as_tensor, pow  # noqa: F401  (pow is part of this namespace)


def _pair(a, b):
    """Two operands as tensors; a non-tensor becomes a constant of the tensor's dtype."""
    if isinstance(a, Tensor):
        return a, a._constant(b)
    if isinstance(b, Tensor):
        return b._constant(a), b
    return as_tensor(a), as_tensor(b)


# ----------------------------------------------------------------- elementwise
def add(a, b):
    return _ar.Add()(*_pair(a, b))


def sub(a, b):
    return _ar.Sub()(*_pair(a, b))


def mul(a, b):
    return _ar.Mul()(*_pair(a, b))


def div(a, b):
    return _ar.Div()(*_pair(a, b))


def neg(x):
    return _ar.Neg()(as_tensor(x))


def exp(x):
    return _ar.Exp()(as_tensor(x))


def log(x):
    return _ar.Log()(as_tensor(x))


def sqrt(x):
    return _ar.Sqrt()(as_tensor(x))


def abs(x):
    return _ar.Abs()(as_tensor(x))


def clip(x, min=None, max=None):
    return _ar.Clip(min, max)(as_tensor(x))


clamp = clip


def maximum(a, b):
    return _ar.Maximum()(*_pair(a, b))


def minimum(a, b):
    return _ar.Minimum()(*_pair(a, b))


def where(condition, a, b):
    """Elementwise ``a if condition else b``; ``condition`` is a boolean tensor or array (no gradient)."""
    if isinstance(condition, Tensor):
        condition = condition.data
    a, b = _pair(a, b)
    xp = backend.array_module(a.data)
    return _ar.Where(xp.asarray(condition, dtype=bool))(a, b)


# ----------------------------------------------------------------- activations
def tanh(x):
    return _act.Tanh()(as_tensor(x))


def sigmoid(x):
    return _act.Sigmoid()(as_tensor(x))


def relu(x):
    return _act.ReLU()(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    return _act.LeakyReLU(negative_slope)(as_tensor(x))


def softplus(x):
    return _act.Softplus()(as_tensor(x))


def elu(x, alpha=1.0):
    return _act.ELU(alpha)(as_tensor(x))


def softmax(x, dim=-1):
    return _act.Softmax(dim)(as_tensor(x))


def log_softmax(x, dim=-1):
    return _act.LogSoftmax(dim)(as_tensor(x))


# ----------------------------------------------------------------- products
def matmul(a, b):
    return _mm.MatMul()(*_pair(a, b))


def linear(x, weight, bias=None):
    """y = x W^T + b (PyTorch's ``F.linear``)."""
    args = (x, weight) if bias is None else (x, weight, bias)
    return _mm.Linear()(*args)


# ----------------------------------------------------------------- reductions
def sum(x, dim=None, keepdim=False):
    return _red.Sum(dim, keepdim)(as_tensor(x))


def mean(x, dim=None, keepdim=False):
    return _red.Mean(dim, keepdim)(as_tensor(x))


def var(x, dim=None, keepdim=False, unbiased=True):
    return _red.Var(dim, keepdim, unbiased)(as_tensor(x))


def max(x, dim=None, keepdim=False):
    return _red.Max(dim, keepdim)(as_tensor(x))


def min(x, dim=None, keepdim=False):
    return _red.Min(dim, keepdim)(as_tensor(x))


amax, amin = max, min


def logsumexp(x, dim=None, keepdim=False):
    return _red.LogSumExp(dim, keepdim)(as_tensor(x))


def argmax(x, dim=None, keepdim=False):
    return as_tensor(x).argmax(dim, keepdim)


def argmin(x, dim=None, keepdim=False):
    return as_tensor(x).argmin(dim, keepdim)


# ----------------------------------------------------------------- shapes
def reshape(x, *shape):
    return as_tensor(x).reshape(*shape)


def transpose(x, *dims):
    """No dims: reverse all axes. Two dims: swap them (PyTorch's ``transpose(dim0, dim1)``)."""
    return as_tensor(x).transpose(*dims)


def permute(x, *dims):
    return as_tensor(x).permute(*dims)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (a reshape)."""
    return as_tensor(x).flatten(start_dim, end_dim)


def squeeze(x, dim=None):
    """Remove length-1 axes (all of them, or only ``dim`` if it has length 1)."""
    return as_tensor(x).squeeze(dim)


def unsqueeze(x, dim):
    """Insert a length-1 axis at position ``dim``."""
    return as_tensor(x).unsqueeze(dim)


def broadcast_to(x, *shape):
    return as_tensor(x).broadcast_to(*shape)


def cat(tensors, dim=0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    return _sh.Concatenate(dim)(*tensors)


concatenate = cat


def stack(tensors, dim=0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    return _sh.Stack(dim)(*tensors)


def split(x, split_size_or_sections, dim=0):
    """Cut ``x`` along ``dim`` into pieces of ``split_size`` (the last may be smaller) or of the listed sizes."""
    return as_tensor(x).split(split_size_or_sections, dim)
