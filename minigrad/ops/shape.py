"""Ops that move values around without changing them: reshape, transpose, broadcast,
indexing, concatenate/stack/split, dtype casts and device moves.

Their derivatives are the "inverse moves": the gradient of a reshape is reshaped
back, of a transpose transposed back, of an index scattered back into zeros.
"""

from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.backend import array_module
from minigrad.function import Function


class Reshape(Function):
    """y = x viewed with a new shape (same elements, same order).   dL/dx = reshape(dL/dy, x.shape)."""

    saves_inputs = False

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.in_shape = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {x.shape} ({x.size} elements) "
                             f"into {self.shape}") from None

    def backward(self, gy):
        return gy.reshape(self.in_shape)


class Transpose(Function):
    """y = x with axes permuted: y.shape[i] = x.shape[axes[i]].   dL/dx = dL/dy with the inverse permutation."""

    saves_inputs = False

    def __init__(self, axes=None):
        self.axes = None if axes is None else tuple(axes)

    def forward(self, x):
        if self.axes is not None and sorted(a % max(x.ndim, 1) for a in self.axes) != list(range(x.ndim)):
            raise ValueError(f"permute: {self.axes} is not a permutation of the {x.ndim} axes of {x.shape}")
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return gy.transpose()
        inverse = np.argsort([a % gy.ndim for a in self.axes])
        return gy.transpose(tuple(inverse))


class BroadcastTo(Function):
    """y = x repeated along broadcast axes to ``shape``.

    dL/dx = dL/dy summed over the repeated axes -- which is exactly what the engine's
    ``sum_to`` does for every op, so backward just hands dL/dy back.
    """

    saves_inputs = False

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        try:
            return array_module(x).broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(f"broadcast_to: cannot broadcast {x.shape} to {self.shape}") from None

    def backward(self, gy):
        return gy


def _is_basic_index(index) -> bool:
    """Basic indexing (ints, slices, None, ...) selects each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer)) for p in parts)


class GetItem(Function):
    """y = x[index]: slices, ints, integer arrays and boolean masks, with PyTorch's rules.

    dL/dx is zero except at the selected places, where dL/dy is *added*: an element
    picked twice by an integer index array receives both gradients (scatter-add).

    PyTorch and NumPy differ in one case, ints mixed with index arrays: NumPy treats the ints as
    index arrays too, and when a slice separates them it moves the indexed dims to the front
    (``zeros(2, 5, 6)[1, :, [0, 1]]`` has shape (2, 5) in NumPy, (5, 2) in PyTorch). PyTorch
    first selects with the ints, then indexes with the arrays; so does minigrad (``split_index``).
    """

    saves_inputs = False

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        xp = array_module(x)
        self.first, self.second = split_index(index_on(xp, self.index))
        self.in_shape = x.shape
        try:
            selected = x[self.first]
            return selected if self.second is None else selected[self.second]
        except IndexError as err:
            raise IndexError(f"getitem: {err} (tensor shape {x.shape})") from None

    def backward(self, gy):
        xp = array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        if self.second is not None:
            xp.add.at(gx[self.first], self.second, gy)    # gx[first] is a view (ints and slices)
        elif _is_basic_index(self.first):
            gx[self.first] = gy
        else:
            xp.add.at(gx, self.first, gy)
        return gx


def _is_index_array(part) -> bool:
    return isinstance(part, (list, range)) or backend.is_array(part)


def split_index(index):
    """(first, second) with x[index] == x[first][second] under PyTorch's rules; second is None
    unless ``index`` mixes ints with index arrays, where first does the ints' selection (a view)
    and second the arrays' indexing of what remains."""
    parts = index if isinstance(index, tuple) else (index,)
    is_int = [isinstance(p, (int, np.integer)) and not isinstance(p, (bool, np.bool_)) for p in parts]
    if not (any(is_int) and any(_is_index_array(p) for p in parts)):
        return index, None
    first, second = [], []
    for part, integer in zip(parts, is_int):
        if integer:
            first.append(part)                                   # selected now, gone afterwards
        elif _is_index_array(part):
            dims = part.ndim if getattr(part, "dtype", None) is not None and part.dtype == bool else 1
            first.extend([slice(None)] * dims)                   # keep the dims the array indexes
            second.append(part)
        elif part is Ellipsis:
            first.append(part)
            second.append(part)
        else:                                                    # a slice or None: applied now
            first.append(part)
            second.append(slice(None))
    return tuple(first), tuple(second)


def index_on(xp, index):
    """Index arrays and Tensors as arrays of module ``xp`` (a CuPy tensor needs CuPy indices)."""
    from minigrad.tensor import Tensor

    def convert(part):
        if isinstance(part, Tensor):
            part = part.data
        return xp.asarray(part) if _is_index_array(part) else part

    if isinstance(index, tuple):
        return tuple(convert(p) for p in index)
    return convert(index)


class Concatenate(Function):
    """y = [x_1, x_2, ...] joined along ``dim``.   dL/dx_k = the slice of dL/dy where x_k sits."""

    saves_inputs = False

    def __init__(self, dim=0):
        self.dim = dim

    def forward(self, *xs):
        xp = array_module(xs[0])
        self.sizes = [x.shape[self.dim] for x in xs]
        try:
            return xp.concatenate(xs, axis=self.dim)
        except (ValueError, IndexError) as err:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(f"cat: cannot concatenate shapes {shapes} along dim {self.dim}: {err}") from None

    def backward(self, gy):
        xp = array_module(gy)
        bounds = np.cumsum(self.sizes)[:-1].tolist()
        return tuple(xp.split(gy, bounds, axis=self.dim))


class Stack(Function):
    """y = [x_1, x_2, ...] stacked along a new axis ``dim``.   dL/dx_k = dL/dy taken at index k of ``dim``."""

    saves_inputs = False

    def __init__(self, dim=0):
        self.dim = dim

    def forward(self, *xs):
        xp = array_module(xs[0])
        if len({x.shape for x in xs}) != 1:
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(f"stack: all tensors must have the same shape, got {shapes}")
        return xp.stack(xs, axis=self.dim)

    def backward(self, gy):
        return tuple(gy.take(k, axis=self.dim) for k in range(gy.shape[self.dim]))


class Split(Function):
    """(y_1, y_2, ...) = x cut into pieces along ``dim``.   dL/dx = the pieces' gradients joined back.

    ``sections`` is a list of piece sizes (PyTorch's ``split`` with a list).
    """

    saves_inputs = False

    def __init__(self, sections, dim=0):
        self.sections, self.dim = list(sections), dim

    def forward(self, x):
        if sum(self.sections) != x.shape[self.dim]:
            raise ValueError(f"split: sizes {self.sections} do not add up to {x.shape[self.dim]} "
                             f"(dim {self.dim} of shape {x.shape})")
        xp = array_module(x)
        bounds = np.cumsum(self.sections)[:-1].tolist()
        return tuple(xp.split(x, bounds, axis=self.dim))

    def backward(self, *gys):
        return array_module(gys[0]).concatenate(gys, axis=self.dim)


class Gather(Function):
    """y[..., i, ...] = x[..., index[..., i, ...], ...] along ``dim`` (PyTorch's ``gather``; NumPy's
    ``take_along_axis``): index has x's number of dims and picks, at each place, which element
    of the ``dim`` axis to take.   dL/dx: dL/dy scattered back, *added* where an index repeats.
    """

    saves_inputs = False

    def __init__(self, dim, index):
        self.dim, self.index = dim, index

    def forward(self, x):
        xp = array_module(x)
        if self.index.ndim != x.ndim:
            raise ValueError(f"gather: index has {self.index.ndim} dims but the input has {x.ndim}")
        if self.index.size and (int(self.index.min()) < 0 or int(self.index.max()) >= x.shape[self.dim]):
            raise IndexError(f"gather: index values must be in [0, {x.shape[self.dim] - 1}] along dim "
                             f"{self.dim}, got [{int(self.index.min())}, {int(self.index.max())}]")
        self.in_shape = x.shape
        return xp.take_along_axis(x, self.index, axis=self.dim)

    def backward(self, gy):
        xp = array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        places = list(xp.indices(self.index.shape, sparse=True))
        places[self.dim] = self.index
        xp.add.at(gx, tuple(places), gy)
        return gx


class Pad(Function):
    """y = x with ``value`` added around it: widths ((before, after) per axis).   dL/dx = the
    middle of dL/dy (the padding has no input behind it)."""

    saves_inputs = False

    def __init__(self, widths, value=0.0):
        self.widths, self.value = widths, value

    def forward(self, x):
        return array_module(x).pad(x, self.widths, constant_values=self.value)

    def backward(self, gy):
        return gy[tuple(slice(before, gy.shape[i] - after) for i, (before, after) in enumerate(self.widths))]


class Clone(Function):
    """y = a copy of x.   dL/dx = dL/dy."""

    saves_inputs = False

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


class Cast(Function):
    """y = x converted to ``dtype``.   dL/dx = dL/dy converted back to x's dtype."""

    saves_inputs = False

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return gy.astype(self.in_dtype)


class ToDevice(Function):
    """y = x copied to another device.   dL/dx = dL/dy copied back to x's device."""

    saves_inputs = False

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.in_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, gy):
        return backend.to_device(gy, self.in_device)
