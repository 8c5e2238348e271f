"""The functional form of every op: ``minigrad.exp(x)``, ``minigrad.cat([a, b])``, ...

Each function converts its arguments and calls one ``Function`` from ``minigrad.ops``.
Names and argument orders follow PyTorch (``dim``, ``keepdim``).
"""

from __future__ import annotations

import builtins

from minigrad import backend, checks
from minigrad.ops import activations as _act
from minigrad.ops import arithmetic as _ar
from minigrad.ops import matmul as _mm
from minigrad.ops import reductions as _red
from minigrad.ops import shape as _sh
from minigrad.tensor import Tensor, as_tensor, pow  # noqa: F401  (pow is part of this namespace)


def _pair(a, b, true_division=False):
    """Two operands as tensors of the result's dtype (PyTorch's promotion, ``minigrad.dtypes``)."""
    if isinstance(a, Tensor):
        return a._promoted(b, true_division)
    if isinstance(b, Tensor):
        b, a = b._promoted(a, true_division)
        return a, b
    return as_tensor(a)._promoted(as_tensor(b), true_division)


# ----------------------------------------------------------------- elementwise
def add(a, b):
    return _ar.Add()(*_pair(a, b))


def sub(a, b):
    return _ar.Sub()(*_pair(a, b))


def mul(a, b):
    return _ar.Mul()(*_pair(a, b))


def div(a, b):
    return _ar.Div()(*_pair(a, b, true_division=True))


def neg(x):
    return _ar.Neg()(as_tensor(x))


def exp(x):
    return as_tensor(x).exp()


def log(x):
    return as_tensor(x).log()


def sqrt(x):
    return as_tensor(x).sqrt()


def log1p(x):
    return as_tensor(x).log1p()


def sin(x):
    return as_tensor(x).sin()


def cos(x):
    return as_tensor(x).cos()


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
    condition = xp.asarray(condition)
    if condition.dtype != bool:
        raise TypeError(f"where: condition must be a boolean tensor (e.g. x > 0), got dtype {condition.dtype}")
    return _ar.Where(condition)(a, b)


# ----------------------------------------------------------------- activations
def tanh(x):
    return as_tensor(x).tanh()


def sigmoid(x):
    return as_tensor(x).sigmoid()


def relu(x):
    return _act.ReLU()(as_tensor(x))


def leaky_relu(x, negative_slope=0.01):
    return _act.LeakyReLU(checks.finite_number("leaky_relu", "negative_slope", negative_slope))(as_tensor(x))


def softplus(x):
    return _act.Softplus()(as_tensor(x)._real())


def elu(x, alpha=1.0):
    return _act.ELU(checks.finite_number("elu", "alpha", alpha))(as_tensor(x)._real())


def gelu(x):
    """x Phi(x), the Gaussian error linear unit (exact, erf form)."""
    return _act.GELU()(as_tensor(x)._real())


def silu(x):
    """x sigmoid(x) (also called swish)."""
    x = as_tensor(x)._real()
    return x * x.sigmoid()


def logsigmoid(x):
    """log sigmoid(x) = -softplus(-x), stable for large |x|."""
    return -softplus(-as_tensor(x)._real())


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """x clipped to [min_val, max_val]."""
    checks.finite_number("hardtanh", "min_val", min_val)
    checks.finite_number("hardtanh", "max_val", max_val)
    return clip(as_tensor(x), min_val, max_val)


def relu6(x):
    """min(max(x, 0), 6)."""
    return clip(as_tensor(x), 0.0, 6.0)


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def selu(x):
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al. (2017)."""
    return elu(x, SELU_ALPHA) * SELU_SCALE


def softmax(x, dim=-1):
    return as_tensor(x).softmax(dim)


def log_softmax(x, dim=-1):
    return as_tensor(x).log_softmax(dim)


# ----------------------------------------------------------------- products
def einsum(equation, *operands):
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is a @ b; the operands
    may also come as one list. Without "->" the output is the letters used once, in alphabetical
    order; "..." stands for the remaining (broadcast) dims. Differentiable in every operand (see
    ``minigrad.ops.matmul.Einsum``). A letter repeated inside one operand (a diagonal, "ii->i") is
    refused."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str) or not operands:
        raise TypeError(f"einsum: expected an equation string and tensors, got {equation!r} and {len(operands)} operands")
    tensors = [as_tensor(x) for x in operands]
    terms, output = _einsum_terms(equation, [t.ndim for t in tensors])
    sizes = {}                                    # size 1 broadcasts, as in NumPy and PyTorch
    for k, (term, t) in enumerate(zip(terms, tensors)):
        for letter, n in zip(term, t.shape):
            if n != 1 and sizes.setdefault(letter, n) != n:
                raise ValueError(f"einsum: index {letter!r} has size {n} in operand {k} {t.shape} but "
                                 f"{sizes[letter]} elsewhere ({equation!r})")
    if len({t.dtype for t in tensors}) > 1:
        raise TypeError(f"einsum: operands of different dtypes {[str(t.dtype) for t in tensors]}; "
                        f"convert them to one dtype first (as PyTorch requires)")
    return _mm.Einsum(terms, output)(*tensors)


def _einsum_terms(equation, ndims):
    """Explicit terms, one per operand, and the output: "..." replaced by capital letters."""
    spec = equation.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(ndims):
        raise ValueError(f"einsum: {equation!r} names {len(terms)} operands, {len(ndims)} were given")
    letters = set(spec) - set(".,->")
    if not all(c.isascii() and c.isalpha() for c in letters):
        raise ValueError(f"einsum: {equation!r}: indices must be letters a-z, A-Z (and '...')")
    spare = "".join(c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba" if c not in letters)
    most = 0
    for k, (term, ndim) in enumerate(zip(terms, ndims)):
        named = len(term.replace("...", ""))
        if ("..." in term and named > ndim) or ("..." not in term and named != ndim):
            raise ValueError(f"einsum: operand {k} has {ndim} dims but {term!r} names {named}")
        if "..." in term:
            most = builtins.max(most, ndim - named)
            term = term.replace("...", spare[:ndim - named][::-1])
        if len(set(term)) != len(term):
            raise ValueError(f"einsum: operand {k} repeats an index in {term!r}; diagonals are not supported")
        terms[k] = term
    broadcast = spare[:most][::-1]
    if not arrow:
        once = sorted(c for c in letters if builtins.sum(t.count(c) for t in terms) == 1)
        output = broadcast + "".join(once)
    else:
        output = output.replace("...", broadcast)
        unknown = [c for c in output if not any(c in t for t in terms)]
        if unknown or len(set(output)) != len(output):
            raise ValueError(f"einsum: output {output!r} of {equation!r} names an index twice or one no operand has")
    return terms, output


def matmul(a, b):
    return as_tensor(a) @ b


def mm(a, b):
    """The product of two matrices (2-d only, as ``torch.mm``)."""
    return as_tensor(a).mm(b)


def bmm(a, b):
    """Batched matrix products of (B, n, k) and (B, k, m) tensors (as ``torch.bmm``)."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: expected (B, n, k) and (B, k, m) with one B, got {a.shape} and {b.shape}")
    return a @ b


def linear(x, weight, bias=None):
    """y = x W^T + b (PyTorch's ``F.linear``). As in PyTorch, the input must have the weight's dtype:
    a layer never casts what it is given (integer pixels into a float32 layer would silently
    compute in float64)."""
    x, weight = as_tensor(x), as_tensor(weight)
    if x.data.dtype != weight.data.dtype:
        raise TypeError(f"linear: input dtype {x.dtype} differs from the weight's {weight.dtype}; convert the "
                        f"input first (x.float(), or x.to(weight.dtype))")
    args = (x, weight) if bias is None else (x, weight, bias)
    return _mm.Linear()(*args)


# ----------------------------------------------------------------- reductions
def sum(x, dim=None, keepdim=False):
    return _red.Sum(dim, keepdim)(as_tensor(x))


def mean(x, dim=None, keepdim=False):
    return as_tensor(x).mean(dim, keepdim)


def var(x, dim=None, keepdim=False, unbiased=True):
    return as_tensor(x).var(dim, keepdim, unbiased)


def max(x, dim=None, keepdim=False):
    """``max(x)``, ``max(x, dim)`` -> (values, indices), ``max(x, other)``: see ``Tensor.max``."""
    return as_tensor(x).max(dim, keepdim)


def min(x, dim=None, keepdim=False):
    return as_tensor(x).min(dim, keepdim)


def amax(x, dim=None, keepdim=False):
    return as_tensor(x).amax(dim, keepdim)


def amin(x, dim=None, keepdim=False):
    return as_tensor(x).amin(dim, keepdim)


def logsumexp(x, dim=None, keepdim=False):
    return as_tensor(x).logsumexp(dim, keepdim)


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
    if tensors[0].ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    return _sh.Concatenate(checks.dim("cat", dim, tensors[0].ndim))(*tensors)


concatenate = cat


def stack(tensors, dim=0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    return _sh.Stack(checks.dim("stack", dim, tensors[0].ndim, extra=1))(*tensors)


def split(x, split_size_or_sections, dim=0):
    """Cut ``x`` along ``dim`` into pieces of ``split_size`` (the last may be smaller) or of the listed sizes."""
    return as_tensor(x).split(split_size_or_sections, dim)


def cumsum(x, dim):
    return as_tensor(x).cumsum(dim)


def gather(x, dim, index):
    return as_tensor(x).gather(dim, index)


def flip(x, dims):
    return as_tensor(x).flip(dims)


def chunk(x, chunks, dim=0):
    return as_tensor(x).chunk(chunks, dim)


def std(x, dim=None, keepdim=False, unbiased=True):
    return as_tensor(x).std(dim, keepdim, unbiased)


def norm(x, p=2, dim=None, keepdim=False):
    return as_tensor(x).norm(p, dim, keepdim)


def one_hot(labels, num_classes=-1):
    """(..., ) integer labels -> (..., num_classes) int64 indicator rows (not differentiable)."""
    labels = as_tensor(labels)
    if labels.data.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    xp = backend.array_module(labels.data)
    n = int(labels.data.max()) + 1 if num_classes == -1 else checks.positive_int("one_hot", "num_classes", num_classes)
    if labels.data.size and (int(labels.data.min()) < 0 or int(labels.data.max()) >= n):
        raise ValueError(f"one_hot: labels must be in [0, {n - 1}], got [{int(labels.data.min())}, "
                         f"{int(labels.data.max())}]")
    return Tensor((labels.data[..., None] == xp.arange(n)).astype(xp.int64))


# A bad argument is reported under the name the user called: mg.exp('a') says "exp: ...", not
# "tensor: ..." from the conversion inside (see checks.named_errors).
checks.name_errors_of(globals(), [n for n, f in list(globals().items())
                                  if not n.startswith("_") and getattr(f, "__module__", None) == __name__])
