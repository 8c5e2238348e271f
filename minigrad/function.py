"""Function: one differentiable op, and the engine that runs backward through a graph of them.

A subclass implements two methods on raw arrays (NumPy or CuPy, never Tensors):

* ``forward(*xs)``  computes y = f(x1, x2, ...) and saves on ``self`` whatever backward needs;
* ``backward(*gys)`` receives dL/dy for each output and returns dL/dx for each input
  (``None`` for an input that needs no gradient).

``backward`` may return a gradient with the *broadcast* shape of the output: the
engine sums it back to the input's shape in one place (``sum_to``), so no op has to
think about broadcasting. Calling a Function on Tensors runs ``forward`` and, when
gradients are being recorded, links the outputs to the function (``out.creator``)
and the function to its inputs (``self.inputs``). That link structure *is* the graph.

Example -- the whole of multiplication::

    class Mul(Function):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b
        def backward(self, gy):
            return gy * self.b, gy * self.a      # d(ab)/da = b, d(ab)/db = a
"""

from __future__ import annotations

import re

from minigrad import backend
from minigrad.grad_mode import state
from minigrad.tensor import Tensor


_NAMED_ERROR = re.compile(r"^[a-z_0-9]+: ")


class Function:
    """Base class of every differentiable operation (see the module docstring)."""

    inputs = None  # the input Tensors, set only when the call is recorded
    # Whether backward reads the values of the inputs themselves. If so, the engine records
    # their versions and refuses to run backward after one was modified in place. Ops that
    # only keep outputs or masks computed in forward set this to False.
    saves_inputs = True

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, *gys):
        raise NotImplementedError

    def __call__(self, *inputs):
        inputs = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
        try:
            ys = self.forward(*[t.data for t in inputs])
        except (ValueError, IndexError, TypeError) as err:
            if _NAMED_ERROR.match(str(err)):       # our own checks already name the op
                raise
            # an error from NumPy/CuPy itself: say which op, and with which shapes and dtypes
            raise type(err)(f"{_describe(self, inputs)}: {err} "
                            f"(dtypes {', '.join(str(t.dtype) for t in inputs)})") from None
        multiple = isinstance(ys, tuple)
        if not multiple:
            ys = (ys,)
        if state.detect_anomaly:
            _check_finite(self, ys, inputs, "forward")

        record = state.grad_enabled and any(t.requires_grad for t in inputs)
        outputs = tuple(Tensor(y, requires_grad=record and y.dtype.kind == "f") for y in ys)
        if record:
            self.inputs = inputs
            if self.saves_inputs:
                self.input_versions = tuple(t._version[0] for t in inputs)
            self.output_meta = tuple((y.shape, y.dtype) for y in ys)
            for index, out in enumerate(outputs):
                out.creator = self
                out.output_index = index
        return outputs if multiple else outputs[0]

    def release(self):
        """Drop the inputs and every array saved for backward (the graph is 'freed').

        ``inputs`` falls back to the class default None, which is how backward recognises a
        freed node if it is asked to run through it again."""
        self.__dict__.clear()

    def __repr__(self):
        return f"<{type(self).__name__}>"


def sum_to(x, shape):
    """Sum array ``x`` down to ``shape``: the adjoint of broadcasting ``shape`` up to ``x.shape``.

    If y = broadcast(a), each element of ``a`` was copied to several places of ``y``, so
    dL/da is the sum of dL/dy over those places: over the leading axes broadcasting added,
    and over the axes where ``a`` had length 1.
    """
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead:
        x = x.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and x.shape[i] != 1)
    if stretched:
        x = x.sum(axis=stretched, keepdims=True)
    return x


def _describe(fn, inputs):
    shapes = ", ".join(str(tuple(t.shape)) for t in inputs) if inputs else "?"
    return f"{type(fn).__name__} (input shapes {shapes})"


def _check_finite(fn, arrays, inputs, phase):
    for i, a in enumerate(arrays):
        if a is None:
            continue
        xp = backend.array_module(a)
        if not bool(xp.isfinite(a).all()):
            raise FloatingPointError(
                f"detect_anomaly: {_describe(fn, inputs)} {phase} produced NaN or Inf "
                f"in {'output' if phase == 'forward' else 'gradient'} {i} (shape {tuple(a.shape)})")


def _freed_error(fn):
    return RuntimeError(
        f"backward: trying to go through {type(fn).__name__} a second time, but its graph was already "
        f"freed; pass retain_graph=True to the first backward() if you need to run backward twice")


def _graph_order(root_fn):
    """Count, for every function reachable from ``root_fn``, how many gradients it will receive.

    An iterative depth-first walk (no recursion, so a chain of 100,000 ops is fine).
    """
    dependencies = {root_fn: 0}
    stack = [root_fn]
    while stack:
        fn = stack.pop()
        if fn.inputs is None:
            raise _freed_error(fn)
        for t in fn.inputs:
            parent = t.creator
            if parent is None:
                continue
            if parent in dependencies:
                dependencies[parent] += 1
            else:
                dependencies[parent] = 1
                stack.append(parent)
    return dependencies


def run_backward(root: Tensor, grad, retain_graph: bool = False):
    """Propagate ``grad`` = dL/droot to every leaf that requires grad.

    Functions are processed in reverse topological order (Kahn's algorithm on the
    dependency counts above): a function runs its ``backward`` only once the gradients
    from *all* its consumers have been summed, so each node's gradient is complete --
    and summed exactly once -- before it propagates further.
    """
    root_fn = root.creator
    if root_fn is None:                       # backward() on a leaf: d(root)/d(root) = grad
        _accumulate_leaf(root, grad, (), {})
        return
    dependencies = _graph_order(root_fn)

    # buffers[fn][i] holds the running sum of dL/d(output i of fn)
    buffers = {root_fn: [None] * len(root_fn.output_meta)}
    buffers[root_fn][root.output_index] = grad
    owned = set()     # ids of buffer arrays the engine allocated itself (safe to add into in place)
    claimed = {}      # id -> "leaf" | "buffer": who already holds a gradient array
    ready = [root_fn]
    while ready:
        fn = ready.pop()
        gys = buffers.pop(fn)
        for i, (shape, dtype) in enumerate(fn.output_meta):
            if gys[i] is None:                # an output that did not reach the loss
                gys[i] = backend.array_module(fn.inputs[0].data).zeros(shape, dtype=dtype)
        for t, version in zip(fn.inputs, fn.input_versions if fn.saves_inputs else ()):
            if t._version[0] != version:
                raise RuntimeError(
                    f"backward: an input of {_describe(fn, fn.inputs)} with shape {t.shape} was modified "
                    f"in place after it was used (version {version} -> {t._version[0]}); "
                    f"its saved values are stale")

        gxs = fn.backward(*gys)
        if not isinstance(gxs, tuple):
            gxs = (gxs,)
        if len(gxs) != len(fn.inputs):
            raise RuntimeError(f"{type(fn).__name__}.backward returned {len(gxs)} gradients "
                               f"for {len(fn.inputs)} inputs")
        if state.detect_anomaly:
            _check_finite(fn, gxs, fn.inputs, "backward")

        for t, gx in zip(fn.inputs, gxs):
            if gx is None or not t.requires_grad:
                continue
            if not backend.is_array(gx):      # NumPy reductions can return scalars
                gx = backend.array_module(t.data).asarray(gx)
            if gx.shape != t.shape:
                gx = sum_to(gx, t.shape)
                if gx.shape != t.shape:
                    raise RuntimeError(f"{type(fn).__name__}.backward returned a gradient of shape "
                                       f"{gx.shape} for an input of shape {t.shape}")
            if gx.dtype != t.dtype:
                gx = gx.astype(t.dtype)
            parent = t.creator
            if parent is None:
                _accumulate_leaf(t, gx, gys, claimed)
                continue
            buffer = buffers.get(parent)
            if buffer is None:
                buffer = buffers[parent] = [None] * len(parent.output_meta)
            current = buffer[t.output_index]
            if current is None:
                if claimed.get(id(gx)) == "leaf":   # a leaf may add into it in place later
                    gx = gx.copy()
                claimed[id(gx)] = "buffer"
                buffer[t.output_index] = gx
            else:
                if id(current) in owned:
                    current += gx             # our own array: add in place, no temporary
                else:
                    current = current + gx
                    owned.add(id(current))
                buffer[t.output_index] = current   # (a NumPy scalar is rebound, not updated)
            dependencies[parent] -= 1
            if dependencies[parent] == 0:
                ready.append(parent)
        if not retain_graph:
            fn.release()


def _accumulate_leaf(t: Tensor, gx, gys, claimed):
    """Add ``gx`` into ``t.grad``. The first gradient is stored without a copy when it is a
    fresh array that nothing else holds; later ones are added in place."""
    if t.grad is None:
        shared = gx.base is not None or id(gx) in claimed or any(gx is g for g in gys)
        if shared:
            gx = gx.copy()
        claimed[id(gx)] = "leaf"
        t.grad = Tensor(gx)
    else:
        t.grad.data += gx
