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
        raise NotImplementedError(f"{type(self).__name__}.forward: a Function subclass must define "
                                  f"forward(*arrays) (see the module docstring)")

    def backward(self, *gys):
        raise NotImplementedError(f"{type(self).__name__}.backward: a Function subclass must define "
                                  f"backward(*output_gradients) (see the module docstring)")

    def __call__(self, *inputs):
        for x in inputs:
            if not isinstance(x, Tensor):        # numbers and arrays take part as constant tensors
                inputs = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
                break
        if len(inputs) > 1:
            kind = type(inputs[0].data)
            for t in inputs:
                if type(t.data) is not kind:     # NumPy and CuPy arrays cannot be mixed
                    _check_one_device(self, inputs)
        try:
            ys = self.forward(*[t.data for t in inputs])
        except (ValueError, IndexError, TypeError) as err:
            if _NAMED_ERROR.match(str(err)):       # our own checks already name the op
                raise
            # an error from NumPy/CuPy itself: say which op, and with which shapes and dtypes
            raise type(err)(f"{_describe(self, inputs)}: {err} "
                            f"(dtypes {', '.join(str(t.dtype) for t in inputs)})") from None
        multiple = type(ys) is tuple
        if not multiple:
            ys = (ys,)
        if state.detect_anomaly:
            _check_finite(self, ys, inputs, "forward")
        if state.grad_enabled and _any_requires_grad(inputs):
            outputs = self._record(inputs, ys)
        else:
            outputs = [Tensor._made_by_op(y, False) for y in ys]
            for out in outputs:
                if out.data.base is not None:     # views of data share its version too
                    _share_version_with_viewed_input(out, inputs)
        return tuple(outputs) if multiple else outputs[0]

    def _record(self, inputs, ys):
        """Link the outputs to this function and this function to its inputs: the graph."""
        self.inputs = inputs
        if self.saves_inputs:
            self.input_versions = [t._version[0] for t in inputs]
        self.output_meta = meta = []           # each output's (shape, dtype), for backward
        outputs = []
        for index, y in enumerate(ys):
            meta.append((y.shape, y.dtype))
            out = Tensor._made_by_op(y, y.dtype.kind == "f")
            out.creator, out.output_index = self, index
            if y.base is not None:                # a view (reshape, transpose, a slice, ...)
                _share_version_with_viewed_input(out, inputs)
            outputs.append(out)
        return outputs

    def release(self):
        """Drop the inputs and every array saved for backward (the graph is 'freed').

        ``inputs`` falls back to the class default None, which is how backward recognises a
        freed node if it is asked to run through it again."""
        self.__dict__.clear()

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _check_one_device(fn, inputs):
    """All inputs of one op live on one device (NumPy and CuPy arrays cannot be mixed)."""
    kind = type(inputs[0].data)
    for i, t in enumerate(inputs[1:], start=1):
        if type(t.data) is not kind and backend.device_of(t.data) != backend.device_of(inputs[0].data):
            raise RuntimeError(
                f"{type(fn).__name__.lower()}: input {i} (shape {t.shape}) is on {t.device} but input 0 "
                f"(shape {inputs[0].shape}) is on {inputs[0].device}; move them to one device with "
                f".to(device) first")


def _any_requires_grad(inputs):
    for t in inputs:
        if t.requires_grad:
            return True
    return False


def _share_version_with_viewed_input(out, inputs):
    """An output that views an input's memory shares that input's version counter: modifying
    the input in place then also marks the view as changed, so an op that saved the view
    refuses to use its stale values."""
    for t in inputs:
        if type(t.data) is type(out.data) and backend.array_module(t.data).may_share_memory(out.data, t.data):
            out._version = t._version
            return


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


# ----------------------------------------------------------------------------- the engine
def run_backward(root: Tensor, grad, retain_graph: bool = False):
    """Backpropagation: leave dL/dleaf in ``leaf.grad`` for every leaf that requires grad,
    where L is ``root`` and ``grad`` = dL/droot.

    The chain rule, one function at a time, consumers before producers:

    1. count, for every function in the graph, how many uses of its outputs (by other
       functions) will send it a gradient (``_count_consumers``);
    2. a function is *ready* when all of them have: dL/d(its outputs) is then the complete
       *sum* over every consumer. The root's function is ready first;
    3. call a ready function's ``backward`` to get dL/d(its inputs);
    4. add those into the inputs' gradients, and tell each input's creator that one more
       consumer is done -- the last one makes it ready.

    (Kahn's algorithm for a topological order, run backwards; PyTorch's engine counts
    dependencies the same way. No recursion, so a chain of 100,000 ops is fine.)

    Gradients are summed with ``+`` into new arrays, never in place: one array may be handed
    to several inputs (``Add`` returns the same ``gy`` for both), so adding into it in place
    would change the other gradient too.
    """
    grads = {_key(root): grad}                # where a tensor's gradient is summed (see _key)
    private = set()                           # leaves whose gradient array nothing else holds
    if root.creator is not None:
        waiting = _count_consumers(root.creator)
        ready = [root.creator]
        while ready:
            fn = ready.pop()
            gys = _output_gradients(fn, grads)
            if fn.saves_inputs:
                _check_saved_inputs_unchanged(fn)
            gxs = _call_backward(fn, gys)
            for t, gx in zip(fn.inputs, gxs):
                if not t.requires_grad:
                    continue
                creator = t.creator
                if gx is not None:
                    data = t.data       # bring gx to t's shape and dtype (the common case: it fits)
                    if not (type(gx) is type(data) and gx.shape == data.shape
                            and (gx.dtype is data.dtype or gx.dtype == data.dtype)):
                        gx = _fit_to_input(fn, gx, t)
                    key = t if creator is None else (creator, t.output_index)      # _key(t), inlined
                    if key in grads:
                        total = grads[key] + gx
                        grads[key] = total if type(total) is type(gx) else _as_array(total, t)
                        private.add(key)      # a sum the engine just made
                    else:
                        grads[key] = gx
                        if creator is None and _is_fresh(gx, gys, gxs):
                            private.add(key)
                if creator is not None:
                    left = waiting[creator] = waiting[creator] - 1
                    if left == 0:              # every consumer has sent its gradient
                        ready.append(creator)
            if not retain_graph:
                fn.release()                  # free what forward saved, as soon as it is used
    for leaf, g in grads.items():             # what is left are the leaves' gradients
        _accumulate_into_leaf(leaf, g, private=leaf in private)


def _key(t: Tensor):
    """Where a tensor's gradient is collected: a computed tensor is "output i of its creator"
    (the graph keeps functions, not their outputs); a leaf is itself."""
    return t if t.creator is None else (t.creator, t.output_index)


def _count_consumers(root_fn):
    """{function: the number of times its outputs are inputs (needing a gradient) of the
    functions that ``root_fn`` depends on}, for every function below ``root_fn``: how many
    gradients each must wait for. One walk over the graph, each function visited once."""
    waiting = {}
    stack = [root_fn]
    while stack:
        fn = stack.pop()
        if fn.inputs is None:
            raise RuntimeError(
                f"backward: trying to go through {type(fn).__name__} a second time, but its graph was "
                f"already freed; pass retain_graph=True to the first backward() to run backward twice")
        for t in fn.inputs:
            producer = t.creator
            if producer is not None and t.requires_grad:
                if producer in waiting:
                    waiting[producer] += 1
                else:
                    waiting[producer] = 1
                    stack.append(producer)
    return waiting


def _output_gradients(fn, grads):
    """dL/d(each output of fn); zeros for an output that did not reach the loss."""
    if len(fn.output_meta) == 1:                  # the common case, without the loop
        g = grads.pop((fn, 0), None)
        if g is not None:
            return [g]
    gys = [grads.pop((fn, i), None) for i in range(len(fn.output_meta))]
    for i, g in enumerate(gys):
        if g is None:
            shape, dtype = fn.output_meta[i]
            gys[i] = backend.array_module(fn.inputs[0].data).zeros(shape, dtype=dtype)
    return gys


def _check_saved_inputs_unchanged(fn):
    """Refuse to differentiate with values that were modified in place after forward saw them."""
    for t, version in zip(fn.inputs, fn.input_versions):
        if t._version[0] != version:
            raise RuntimeError(
                f"backward: an input of {_describe(fn, fn.inputs)} with shape {t.shape} was modified "
                f"in place after it was used (version {version} -> {t._version[0]}); its saved values "
                f"are stale")


def _call_backward(fn, gys):
    """Run ``fn.backward``: one gradient (or None) per input, checked for NaN/Inf in anomaly mode.
    (The engine then brings each to its input's shape, ``sum_to``, and dtype: ``_fit_to_input``.)"""
    gxs = fn.backward(*gys)
    if type(gxs) is not tuple:
        gxs = (gxs,)
    if len(gxs) != len(fn.inputs):
        raise RuntimeError(f"{type(fn).__name__}.backward returned {len(gxs)} gradients "
                           f"for {len(fn.inputs)} inputs")
    if state.detect_anomaly:
        _check_finite(fn, gxs, fn.inputs, "backward")
    return gxs


def _as_array(g, t: Tensor):
    """NumPy turns 0-d results into scalars; the engine keeps arrays."""
    return g if backend.is_array(g) else backend.array_module(t.data).asarray(g)


def _fit_to_input(fn, gx, t: Tensor):
    data = t.data
    if type(gx) is not type(data):            # e.g. a NumPy scalar from a 0-d result
        gx = _as_array(gx, t)
    if gx.shape != data.shape:
        gx = sum_to(gx, data.shape)           # undo broadcasting
        if gx.shape != data.shape:
            raise RuntimeError(f"{type(fn).__name__}.backward returned a gradient of shape "
                               f"{gx.shape} for an input of shape {data.shape}")
    return gx if gx.dtype == data.dtype else gx.astype(data.dtype)


def _is_fresh(gx, gys, gxs) -> bool:
    """Whether an op's gradient for a leaf is an array nobody else holds.

    An op's backward returns new arrays, or dL/dy itself or a view of it (Add returns gy for
    both inputs, Reshape a view); it never returns an array it keeps (a test checks this for
    every op). So a gradient is fresh when it owns its memory (not a view: a broadcast view is
    read-only and may share its base), shares none with the gys it was given, and is not
    returned twice by the same call.
    """
    if gx.base is not None:
        return False
    xp = backend.array_module(gx)
    if any(type(gy) is type(gx) and xp.may_share_memory(gx, gy) for gy in gys):
        return False
    return sum(other is gx for other in gxs) < 2     # (0: a refitted copy, made by the engine)


def _accumulate_into_leaf(t: Tensor, g, private: bool):
    """``t.grad += g``. A leaf owns its ``.grad`` array (optimizers and clip_grad_norm_ change it
    in place), so a gradient that may be shared -- dL/dy handed on, or one array returned for two
    inputs -- is copied; a fresh array or a sum the engine made is taken as it is."""
    if t.grad is None:
        t.grad = Tensor(g if private else g.copy())
    else:
        t.grad.data += g
