"""The Tensor: an array, its gradient, and the op that made it.

A ``Tensor`` wraps a NumPy or CuPy array (``.data``). When it ``requires_grad``,
every op applied to it is recorded: the result remembers the ``Function`` that
made it (``.creator``), and that function remembers its inputs. Calling
``.backward()`` on a scalar result walks this graph in reverse and leaves
d(result)/d(leaf) in each leaf's ``.grad``.

The operators and methods below are thin: each one calls a ``Function`` from
``minigrad.ops``, where the forward formula and its derivative live.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from minigrad import backend, checks, dtypes
from minigrad.grad_mode import state as _grad_state

float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_


def _is_floating(dtype) -> bool:
    return np.dtype(dtype).kind == "f"


def _as_dtype(dtype):
    return checks.dtype("tensor", dtype)


class ValuesIndices(NamedTuple):
    """What ``max(dim)`` / ``min(dim)`` return, as PyTorch's ``torch.return_types.max``."""
    values: "Tensor"
    indices: "Tensor"


class Tensor:
    """An n-dimensional array that can record the operations applied to it.

    Attributes:
        data: the NumPy/CuPy array holding the values.
        grad: a ``Tensor`` with d(output)/d(self) after ``backward()``, else ``None``.
            Gradients accumulate across ``backward`` calls until zeroed, as in PyTorch.
        requires_grad: whether ops on this tensor are recorded for backward.
        creator: the ``Function`` that produced this tensor (``None`` for a leaf).
    """

    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "_version", "__weakref__")
    # Make NumPy hand control to our reflected operators: ``ndarray * Tensor``
    # calls ``Tensor.__rmul__`` instead of building an object array.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False):
        if not backend.is_array(data):
            python_floats = not isinstance(data, np.generic)
            data = np.asarray(data)
            if python_floats and data.dtype == np.float64:      # Tensor([-4.0]) is float32, as in PyTorch
                data = data.astype(float32)
        if data.dtype.kind in "USV":
            raise TypeError(f"tensor: cannot build a tensor from text or raw bytes (dtype {data.dtype}); "
                            f"tensors hold numbers")
        if data.dtype.kind == "c":
            raise TypeError(f"tensor: complex dtypes ({data.dtype}) are not supported by minigrad; "
                            f"use two real tensors (real and imaginary parts)")
        if requires_grad and not _is_floating(data.dtype):
            raise TypeError(
                f"tensor: only floating-point tensors can require gradients (got dtype {data.dtype})")
        self.data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.creator = None
        self.output_index = 0
        # Shared with views made by detach(): counts in-place modifications so that
        # backward can refuse to use values that changed after they were saved.
        self._version = [0]

    @classmethod
    def _made_by_op(cls, data, requires_grad: bool) -> "Tensor":
        """The engine's constructor for an op's output: the same fields as ``__init__``, without
        its checks (the data is already an array, and only floating outputs require grad)."""
        if type(data) is not np.ndarray and not backend.is_array(data):
            data = np.asarray(data)               # NumPy returns scalars from 0-d results
        t = object.__new__(cls)
        t.data, t.grad, t.requires_grad, t.creator, t.output_index = data, None, requires_grad, None, 0
        t._version = [0]
        return t

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def device(self) -> str:
        return backend.device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        """A leaf was made by the user, not by an op; only leaves receive ``.grad``."""
        return self.creator is None

    @property
    def grad_fn(self):
        """PyTorch's name for ``creator``."""
        return self.creator

    @property
    def T(self) -> "Tensor":
        """The transpose: axes reversed."""
        return self.transpose()

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension ``dim`` (PyTorch's ``size``)."""
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ------------------------------------------------------------------ conversion
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted (shape {self.shape})")
        return self.data.reshape(()).item()

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (copied to the host if on a GPU).

        Like PyTorch, refuses a tensor that requires grad: call ``.detach().numpy()``.
        """
        if self.requires_grad:
            raise RuntimeError("numpy: tensor requires grad; call .detach().numpy() instead")
        return backend.to_numpy(self.data)

    def tolist(self):
        return backend.to_numpy(self.data).tolist()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor with shape {self.shape} is ambiguous")
        return bool(self.item())

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's data, cut off from the graph."""
        out = Tensor(self.data)
        out._version = self._version
        return out

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self.creator is not None and not requires_grad:
            raise RuntimeError("requires_grad_: cannot turn off gradients of a non-leaf tensor; use detach()")
        if requires_grad and not _is_floating(self.dtype):
            raise TypeError(f"requires_grad_: only floating-point tensors can require gradients (got {self.dtype})")
        self.requires_grad = requires_grad
        return self

    def to(self, device=None, dtype=None) -> "Tensor":
        """Move to ``device`` and/or cast to ``dtype``; differentiable. Returns ``self`` if nothing changes.

        ``t.to("cuda")``, ``t.to("cpu")``, ``t.to(dtype=minigrad.float64)`` and ``t.to(minigrad.float64)``.
        """
        if device is not None and not backend.is_device(device):
            device, dtype = None, device
        out = self
        dtype = checks.dtype("to", dtype)
        if dtype is not None and dtype != self.dtype:
            out = ops.shape.Cast(dtype)(out)
        if device is not None and backend.parse_device(device) != out.device:
            out = ops.shape.ToDevice(device)(out)
        return out

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, device: int | None = None) -> "Tensor":
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self) -> "Tensor":
        return self.to(dtype=float32)

    def double(self) -> "Tensor":
        return self.to(dtype=float64)

    def __repr__(self) -> str:
        body = np.array2string(backend.to_numpy(self.data), separator=", ", prefix="tensor(")
        extras = [] if self.dtype == float32 else [f"dtype={self.dtype}"]
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.creator is not None:
            extras.append(f"grad_fn=<{type(self.creator).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ------------------------------------------------------------------ autodiff
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad.

        Args:
            grad: the upstream gradient d(loss)/d(self), same shape as ``self``. May be omitted
                only for a one-element tensor (it is then 1).
            retain_graph: keep the graph so that ``backward`` can run through it again.
                By default the graph and everything it saved is freed as it is used.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: tensor does not require grad and has no graph "
                               "(did you forget requires_grad=True, or build it under no_grad?)")
        xp = backend.array_module(self.data)
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for a one-element "
                                   f"tensor, but the tensor has shape {self.shape}; pass grad=")
            grad = xp.ones(self.shape, dtype=self.dtype)
        else:
            grad = grad.data if isinstance(grad, Tensor) else grad
            grad = xp.array(grad, dtype=self.dtype)  # a private copy: the engine may reuse it
            if grad.shape != self.shape:
                raise ValueError(f"backward: grad has shape {grad.shape} but the tensor has shape {self.shape}")
        function.run_backward(self, grad, retain_graph)

    def zero_grad_(self) -> None:
        self.grad = None

    # ------------------------------------------------------------------ in-place updates
    # In-place ops exist for optimizers and initialisation, under no_grad. They bump the
    # version counter, so a backward that needs the old values raises instead of
    # silently using the new ones.
    def _check_inplace(self, name: str):
        if self.creator is not None:
            raise RuntimeError(f"{name}: in-place modification of a tensor computed by an op "
                               f"(shape {self.shape}) is not supported; use the out-of-place op")
        if self.requires_grad and _grad_state.grad_enabled:
            raise RuntimeError(f"{name}: a leaf tensor that requires grad (shape {self.shape}) can only be "
                               f"modified in place under minigrad.no_grad()")

    def _modified(self) -> "Tensor":
        self._version[0] += 1
        return self

    def _operand_data(self, other):
        return other.data if isinstance(other, Tensor) else other

    def add_(self, other, alpha=1.0) -> "Tensor":
        self._check_inplace("add_")
        other = self._operand_data(other)
        self.data += other if alpha == 1 else alpha * other
        return self._modified()

    def sub_(self, other) -> "Tensor":
        self._check_inplace("sub_")
        self.data -= self._operand_data(other)
        return self._modified()

    def mul_(self, other) -> "Tensor":
        self._check_inplace("mul_")
        self.data *= self._operand_data(other)
        return self._modified()

    def div_(self, other) -> "Tensor":
        self._check_inplace("div_")
        self.data /= self._operand_data(other)
        return self._modified()

    def copy_(self, src) -> "Tensor":
        self._check_inplace("copy_")
        src = self._operand_data(src)
        if tuple(src.shape) != self.shape:
            raise ValueError(f"copy_: source shape {tuple(src.shape)} differs from destination {self.shape}")
        self.data[...] = src
        return self._modified()

    def __setitem__(self, index, value):
        """x[index] = value, in place, with the indexing rules of ``x[index]`` (PyTorch's); value is
        cast to x's dtype. For data, masks and initialisation: like the other in-place ops it is
        refused on a tensor computed by an op and on a leaf that requires grad outside no_grad(),
        and a value that requires grad is refused, since the assignment is not recorded in the
        graph (build such a tensor out of place: ``where``, ``masked_fill``, ``cat``)."""
        self._check_inplace("__setitem__")
        if isinstance(value, Tensor):
            if value.requires_grad and _grad_state.grad_enabled:
                raise RuntimeError(f"__setitem__: the value (shape {value.shape}) requires grad, and an "
                                   f"assignment is not recorded in the graph; build the tensor out of place "
                                   f"(minigrad.where, masked_fill, cat) or assign value.detach()")
            if value.device != self.device:
                raise ValueError(f"__setitem__: the value is on {value.device}, the tensor on {self.device}")
            value = value.data
        first, second = ops.shape.split_index(ops.shape.index_on(backend.array_module(self.data), index))
        try:
            if second is None:
                self.data[first] = value
            else:
                self.data[first][second] = value          # self.data[first] is a view
        except (IndexError, ValueError) as err:
            raise type(err)(f"__setitem__: {err} (tensor shape {self.shape})") from None
        self._modified()

    def fill_(self, value) -> "Tensor":
        self._check_inplace("fill_")
        self.data.fill(value)
        return self._modified()

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    # ------------------------------------------------------------------ operators
    def _constant(self, value, dtype=None) -> "Tensor":
        """Wrap a Python number / NumPy scalar or array as a constant on this tensor's device, of
        ``dtype`` (default: this tensor's dtype if floating, so that ``x * 2.0`` never promotes a
        float32 computation to float64)."""
        if isinstance(value, Tensor):
            return value
        xp = backend.array_module(self.data)
        if dtype is None:
            dtype = self.dtype if _is_floating(self.dtype) else None
        if type(value) in (float, int, bool):                  # the common case: a Python number
            return Tensor(xp.asarray(value, dtype=dtype))
        # Anything else is converted without a dtype first, so that what NumPy would quietly turn
        # into a number is refused: None (NaN), text ('0' -> 0.0), complex (imaginary part dropped).
        try:
            array = xp.asarray(value)
        except (TypeError, ValueError):
            array = None
        if array is None or array.dtype.kind not in "fiub":
            raise TypeError(f"cannot combine a {self.dtype} tensor with {type(value).__name__} {value!r:.60}: "
                            f"expected a real number, an array of them or a tensor")
        return Tensor(array.astype(dtype, copy=False) if dtype is not None else array)

    def _promoted(self, other, true_division=False):
        """(self, other) as two tensors of the dtype the op's result will have: PyTorch's promotion
        rules (``minigrad.dtypes``); true division always computes in floating point."""
        if isinstance(other, Tensor):
            a, b = self.data.dtype, other.data.dtype
            same = a is b or a == b
            if same and (not true_division or self.data.dtype.kind == "f"):
                return self, other                 # the common case: nothing to decide
            dtype = dtypes.result_dtype([self, other])
        else:
            dtype = dtypes.result_dtype([self], [other])
        if true_division:
            dtype = dtypes.floating(dtype)
        other = other.to(dtype=dtype) if isinstance(other, Tensor) else self._constant(other, dtype)
        return self.to(dtype=dtype), other

    def _real(self) -> "Tensor":
        """This tensor for an op defined on real numbers: integers and bools become float32."""
        return self if self.data.dtype.kind == "f" else self.to(dtype=dtypes.DEFAULT_FLOAT)

    def __add__(self, other):
        return ops.arithmetic.Add()(*self._promoted(other))

    def __radd__(self, other):
        a, b = self._promoted(other)
        return ops.arithmetic.Add()(b, a)

    def __sub__(self, other):
        return ops.arithmetic.Sub()(*self._promoted(other))

    def __rsub__(self, other):
        a, b = self._promoted(other)
        return ops.arithmetic.Sub()(b, a)

    def __mul__(self, other):
        return ops.arithmetic.Mul()(*self._promoted(other))

    def __rmul__(self, other):
        a, b = self._promoted(other)
        return ops.arithmetic.Mul()(b, a)

    def __truediv__(self, other):
        return ops.arithmetic.Div()(*self._promoted(other, true_division=True))

    def __rtruediv__(self, other):
        a, b = self._promoted(other, true_division=True)
        return ops.arithmetic.Div()(b, a)

    def __neg__(self):
        return ops.arithmetic.Neg()(self)

    def __pos__(self):
        return self

    def __pow__(self, exponent):
        return pow(self, exponent)

    def __rpow__(self, base):
        return pow(base, self)

    def __matmul__(self, other):
        return ops.matmul.MatMul()(*self._same_dtype("matmul", other))

    def __rmatmul__(self, other):
        a, b = self._same_dtype("matmul", other)
        return ops.matmul.MatMul()(b, a)

    def _same_dtype(self, op, other):
        """As PyTorch: a matrix product of two tensors needs one dtype (constants take self's)."""
        if isinstance(other, Tensor):
            if other.dtype != self.dtype:
                raise TypeError(f"{op}: operands have dtypes {self.dtype} and {other.dtype}; cast one first "
                                f"(e.g. .float() or .to(dtype))")
            return self, other
        return self, self._constant(other, self.dtype)

    def __abs__(self):
        return ops.arithmetic.Abs()(self)

    def __getitem__(self, index):
        return ops.shape.GetItem(index)(self)

    # Comparisons are not differentiable: they return boolean tensors without a graph.
    def _compare(self, other, op):
        return Tensor(op(self.data, self._operand_data(other)))

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        return self._compare(other, lambda a, b: a != b)

    __hash__ = object.__hash__  # tensors are hashed by identity, as in PyTorch

    # ------------------------------------------------------------------ methods
    # Each method applies one Function from minigrad.ops; minigrad.functional's functions of
    # the same names call these methods (so argument checks live here, once).
    def exp(self):
        return ops.arithmetic.Exp()(self._real())

    def log(self):
        return ops.arithmetic.Log()(self._real())

    def sqrt(self):
        return ops.arithmetic.Sqrt()(self._real())

    def abs(self):
        return ops.arithmetic.Abs()(self)

    def log1p(self):
        return ops.arithmetic.Log1p()(self._real())

    def sin(self):
        return ops.arithmetic.Sin()(self._real())

    def cos(self):
        return ops.arithmetic.Cos()(self._real())

    # PyTorch's method spellings of the operators
    def neg(self):
        return -self

    def add(self, other):
        return self + other

    def sub(self, other):
        return self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def mm(self, other):
        """The matrix product of two 2-d tensors (PyTorch's ``mm``)."""
        if self.ndim != 2 or getattr(other, "ndim", 0) != 2:
            raise ValueError(f"mm: expected two 2-d tensors, got shapes {self.shape} and {getattr(other, 'shape', '?')}")
        return self @ other

    def eq(self, other):
        return self == other

    def clone(self):
        """A copy that stays in the graph (dL/dx = dL/dy), unlike ``detach``."""
        return ops.shape.Clone()(self)

    def long(self):
        return self.to(dtype=int64)

    def int(self):
        return self.to(dtype=int32)

    def half(self):
        return self.to(dtype=float16)

    @property
    def is_cuda(self) -> bool:
        return self.device.startswith("cuda")

    def __format__(self, spec):
        """'{:.2f}'.format(t) formats a one-element tensor as its number, as in PyTorch."""
        if spec and self.data.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def pow(self, exponent):
        return pow(self, exponent)

    def clip(self, min=None, max=None):
        return ops.arithmetic.Clip(min, max)(self)

    clamp = clip

    def maximum(self, other):
        return ops.arithmetic.Maximum()(*self._promoted(other))

    def minimum(self, other):
        return ops.arithmetic.Minimum()(*self._promoted(other))

    def tanh(self):
        return ops.activations.Tanh()(self._real())

    def sigmoid(self):
        return ops.activations.Sigmoid()(self._real())

    def relu(self):
        return ops.activations.ReLU()(self)

    def softmax(self, dim=-1):
        return ops.activations.Softmax(checks.dim("softmax", dim, self.ndim))(self._real())

    def log_softmax(self, dim=-1):
        return ops.activations.LogSoftmax(checks.dim("log_softmax", dim, self.ndim))(self._real())

    def sum(self, dim=None, keepdim=False):
        return ops.reductions.Sum(dim, keepdim)(self)

    def mean(self, dim=None, keepdim=False):
        return ops.reductions.Mean(dim, keepdim)(self._floating_only("mean"))

    def var(self, dim=None, keepdim=False, unbiased=True):
        return ops.reductions.Var(dim, keepdim, unbiased)(self._floating_only("var"))

    def _floating_only(self, op):
        """As PyTorch: a mean of integers has no natural dtype, so it is refused."""
        if self.data.dtype.kind != "f":
            raise TypeError(f"{op}: input dtype {self.dtype} is not floating point; cast with .float() first")
        return self

    def max(self, dim=None, keepdim=False):
        """As PyTorch: ``x.max()`` is the largest element; ``x.max(dim)`` is the pair (values,
        indices) along one dim, the gradient going to the *first* maximum (the index returned);
        ``x.max(other)`` is ``maximum(x, other)``. ``amax`` takes several dims and splits the
        gradient among ties."""
        return self._extreme("max", dim, keepdim)

    def min(self, dim=None, keepdim=False):
        """As ``max``, for the smallest element."""
        return self._extreme("min", dim, keepdim)

    def _extreme(self, op, dim, keepdim):
        if isinstance(dim, Tensor):
            return self.maximum(dim) if op == "max" else self.minimum(dim)
        if dim is None:
            return (ops.reductions.Max if op == "max" else ops.reductions.Min)(None, keepdim)(self)
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(f"{op}: dim must be one int (it returns values and indices); for several dims "
                            f"use a{op}(dim=...), got {dim!r}")
        dim = checks.dim(op, dim, max(self.ndim, 1))
        source = self.reshape(1) if self.ndim == 0 else self
        indices = (source.argmax if op == "max" else source.argmin)(dim, keepdim=True)
        values = source.gather(dim, indices)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        if self.ndim == 0:
            values, indices = values.reshape(()), indices.reshape(())
        return ValuesIndices(values, indices)

    def amax(self, dim=None, keepdim=False):
        """The maximum over one or several dims (all by default); ties share the gradient equally."""
        return ops.reductions.Max(dim, keepdim)(self)

    def amin(self, dim=None, keepdim=False):
        """The minimum over one or several dims (all by default); ties share the gradient equally."""
        return ops.reductions.Min(dim, keepdim)(self)

    def std(self, dim=None, keepdim=False, unbiased=True):
        """The standard deviation sqrt(var)."""
        return self.var(dim, keepdim, unbiased).sqrt()

    def norm(self, p=2, dim=None, keepdim=False):
        """The p-norm (sum |x|^p)^(1/p) over ``dim`` (all elements by default); p = 2 or 1."""
        if p == 2:
            return (self * self).sum(dim, keepdim).sqrt()
        if p == 1:
            return self.abs().sum(dim, keepdim)
        raise ValueError(f"norm: p must be 1 or 2, got {p!r}")

    def cumsum(self, dim):
        return ops.reductions.CumSum(checks.dim("cumsum", dim, self.ndim))(self.reshape(1) if self.ndim == 0 else self)

    def logsumexp(self, dim=None, keepdim=False):
        return ops.reductions.LogSumExp(dim, keepdim)(self._real())

    def argmax(self, dim=None, keepdim=False):
        return Tensor(ops.reductions.arg_reduce(self.data, "argmax", dim, keepdim))

    def argmin(self, dim=None, keepdim=False):
        return Tensor(ops.reductions.arg_reduce(self.data, "argmin", dim, keepdim))

    def reshape(self, *shape):
        """The same elements in a new shape; one size may be -1 (inferred). Also ``view``."""
        return ops.shape.Reshape(checks.shape("reshape", shape, allow_minus_one=True))(self)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    def transpose(self, *dims):
        """No dims: reverse all axes. Two dims: swap them (PyTorch's ``transpose(dim0, dim1)``)."""
        if not dims:
            return ops.shape.Transpose(None)(self)
        if len(dims) != 2:
            raise TypeError(f"transpose: expected two dims to swap, got {dims}; use permute for a full order")
        d0, d1 = (checks.dim("transpose", d, self.ndim) for d in dims)
        axes = list(range(self.ndim))
        if self.ndim:
            axes[d0], axes[d1] = axes[d1], axes[d0]
        return ops.shape.Transpose(axes)(self)

    def permute(self, *dims):
        """Axes in the order ``dims`` (a permutation of 0..ndim-1, negatives allowed)."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        order = tuple(checks.dim("permute", d, self.ndim) for d in dims)
        if sorted(order) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} dims of a tensor "
                             f"of shape {self.shape}")
        return ops.shape.Transpose(order)(self)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims start_dim..end_dim into one (a reshape)."""
        if self.ndim == 0:
            return self.reshape(1)
        start, end = checks.dim("flatten", start_dim, self.ndim), checks.dim("flatten", end_dim, self.ndim)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def squeeze(self, dim=None):
        """Remove length-1 axes: all of them, or only ``dim`` if it has length 1."""
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        d = checks.dim("squeeze", dim, self.ndim)
        if self.ndim == 0 or self.shape[d] != 1:
            return self.reshape(self.shape)
        return self.reshape(self.shape[:d] + self.shape[d + 1:])

    def unsqueeze(self, dim):
        """Insert a length-1 axis at position ``dim`` (-ndim-1 .. ndim)."""
        d = checks.dim("unsqueeze", dim, self.ndim, extra=1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def broadcast_to(self, *shape):
        return ops.shape.BroadcastTo(checks.shape("broadcast_to", shape))(self)

    expand = broadcast_to

    def split(self, split_size_or_sections, dim=0):
        """Cut along ``dim`` into pieces of ``split_size`` (the last may be smaller) or of the listed sizes."""
        d = checks.dim("split", dim, self.ndim)
        if self.ndim == 0:
            raise ValueError("split: cannot split a 0-d tensor")
        n = self.shape[d]
        if checks.is_integer(split_size_or_sections):
            size = checks.positive_int("split", "split_size", split_size_or_sections)
            sections = [size] * (n // size) + ([n % size] if n % size else [])
        else:
            sections = list(split_size_or_sections)
        return ops.shape.Split(sections, d)(self)

    def matmul(self, other):
        return self @ other

    def gather(self, dim, index):
        """out[..., i, ...] = self[..., index[..., i, ...], ...] along ``dim``."""
        index = index.data if isinstance(index, Tensor) else backend.array_module(self.data).asarray(index)
        if index.dtype.kind not in "iu":
            raise TypeError(f"gather: index must hold integers, got dtype {index.dtype}")
        return ops.shape.Gather(checks.dim("gather", dim, self.ndim), index)(self)

    def flip(self, dims):
        """The elements in reverse order along each of ``dims``."""
        dims = (dims,) if checks.is_integer(dims) else tuple(dims)
        index = [slice(None)] * self.ndim
        for d in dims:
            index[checks.dim("flip", d, self.ndim)] = slice(None, None, -1)
        return self[tuple(index)]

    def chunk(self, chunks, dim=0):
        """``chunks`` pieces of (nearly) equal size along ``dim`` (the last may be smaller)."""
        chunks = checks.positive_int("chunk", "chunks", chunks)
        d = checks.dim("chunk", dim, self.ndim)
        return self.split(-(-self.shape[d] // chunks), d)

    def repeat(self, *sizes):
        """The tensor tiled ``sizes[i]`` times along each dim (PyTorch's ``repeat``)."""
        sizes = checks.shape("repeat", sizes)
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: got {len(sizes)} sizes for a {self.ndim}-d tensor; give at least one per dim")
        x = self.reshape((1,) * (len(sizes) - self.ndim) + self.shape)
        spread = tuple(n for pair in zip((1,) * x.ndim, x.shape) for n in pair)
        tiled = tuple(n for pair in zip(sizes, x.shape) for n in pair)
        return x.reshape(spread).broadcast_to(tiled).reshape(tuple(r * n for r, n in zip(sizes, x.shape)))

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is True, self elsewhere (dL/dself is 0 under the mask)."""
        mask = mask.data if isinstance(mask, Tensor) else mask
        return functional_where(mask, self._constant(value, self.dtype), self)


def pow(base, exponent):
    """``base ** exponent``; a constant scalar exponent uses the simpler ``PowConstant``.

    dtype: PyTorch's rules (``minigrad.dtypes``): an integer tensor to an integer power stays an
    integer tensor, to a float power becomes float32.
    """
    if isinstance(exponent, Tensor):
        if not isinstance(base, Tensor):
            exponent, base = exponent._promoted(base)
        else:
            base, exponent = base._promoted(exponent)
        return ops.arithmetic.Pow()(base, exponent)
    base = base if isinstance(base, Tensor) else as_tensor(base)
    if isinstance(exponent, (str, bytes)) or np.asarray(exponent).dtype.kind not in "biuf":
        raise TypeError(f"pow: the exponent must be a number or a tensor, got {exponent!r}")
    if np.ndim(exponent) == 0:
        dtype = dtypes.result_dtype([base], [exponent])
        return ops.arithmetic.PowConstant(exponent)(base.to(dtype=dtype))
    return ops.arithmetic.Pow()(*base._promoted(exponent))


# --------------------------------------------------------------------------- factories
def tensor(data, requires_grad: bool = False, dtype=None, device=None) -> Tensor:
    """Create a new leaf tensor holding a *copy* of ``data`` (like ``torch.tensor``).

    dtype rules: Python floats become float32 (the default), Python ints int64, bools bool;
    an array keeps its dtype (a float64 array stays float64) unless ``dtype`` is given.
    Only floating-point tensors may ``requires_grad``.
    """
    dtype = _as_dtype(dtype)
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_array(data):
        xp = backend.array_module(data)
        array = xp.array(data, dtype=dtype)
    else:
        array = np.array(data, dtype=dtype)
        if dtype is None and array.dtype == np.float64 and not isinstance(data, np.generic):
            array = array.astype(float32)
        if array.dtype == object:
            raise TypeError(f"tensor: cannot build a tensor from {type(data).__name__} (got an object array)")
    if device is not None:
        array = backend.to_device(array, device)
    return Tensor(array, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but without copying when ``data`` is already a suitable array or Tensor."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if backend.is_array(data) and dtype is None and device is None:
        return Tensor(data)
    try:
        return tensor(data, dtype=dtype, device=device)
    except (TypeError, ValueError) as err:
        raise type(err)(f"as_tensor: {str(err).removeprefix('tensor: ')}") from None


def functional_where(condition, a, b):
    """``minigrad.where``, for masked_fill (functional.py imports this module, not the other way)."""
    xp = backend.array_module(b.data)
    return ops.arithmetic.Where(xp.asarray(condition, dtype=bool))(a, b)


# Imported last: these modules need the Tensor class defined above.
from minigrad import function  # noqa: E402
from minigrad import ops  # noqa: E402
