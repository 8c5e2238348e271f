"""The backward engine: accumulation, linearity, graph shapes, freeing, no_grad, in-place safety,
memory, and anomaly detection."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.function import Function
from tests.strategies import arrays, leaf, shapes


def test_scalar_backward_and_chain_rule():
    x = mg.tensor(2.0, requires_grad=True)
    y = (x * x * x + mg.exp(x)).log()     # y = log(x^3 + e^x)
    y.backward()
    expected = (3 * 4 + np.exp(2)) / (8 + np.exp(2))
    assert x.grad.item() == pytest.approx(expected, rel=1e-6)


def test_non_scalar_backward_needs_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element tensor.*shape \(2,\)"):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\)"):
        (x * 2).backward(np.ones(3))
    (x * 2).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [2.0, 20.0])


def test_backward_without_graph_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


@given(data=st.data())
def test_gradients_accumulate_until_zeroed(data):
    values = data.draw(arrays(shapes))
    x = leaf(values)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 + 2 * values)
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full(values.shape, 3.0))


@given(data=st.data(), alpha=st.floats(-2, 2), beta=st.floats(-2, 2))
def test_backward_is_linear_in_the_upstream_gradient(data, alpha, beta):
    values = data.draw(arrays(shapes))
    g1, g2 = data.draw(arrays(values.shape, layout=False)), data.draw(arrays(values.shape, layout=False))

    def grad(upstream):
        x = leaf(values)
        (x.tanh() * x).backward(upstream)
        return x.grad.data

    np.testing.assert_allclose(grad(alpha * g1 + beta * g2), alpha * grad(g1) + beta * grad(g2), atol=1e-12)


def test_reused_nodes_and_diamonds():
    x = mg.tensor(3.0, dtype=mg.float64, requires_grad=True)
    (x * x).backward()                       # the same tensor twice in one op
    assert x.grad.item() == 6.0
    x.grad = None
    a = x * 2                                # diamond: x -> a -> (b, c) -> d
    b, c = a.exp(), a * a
    (b + c).backward()
    assert x.grad.item() == pytest.approx(2 * np.exp(6.0) + 2 * 2 * 6.0)


def test_each_node_propagates_once_with_its_summed_gradient():
    calls = []

    class Spy(Function):
        def forward(self, x):
            return x.copy()

        def backward(self, gy):
            calls.append(gy.copy())
            return gy

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    s = Spy()(x)
    (s * 2 + s * 3 + s).sum().backward()
    assert len(calls) == 1                    # backward ran once ...
    np.testing.assert_array_equal(calls[0], [6.0, 6.0])   # ... with the complete sum


def test_deep_chain_of_100k_ops_is_iterative():
    x = mg.tensor(1.0, dtype=mg.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_is_freed_and_second_backward_is_an_error():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 4 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_no_grad_records_nothing():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2 + 1
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            z = x * 2
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad and z.creator is not None

    @mg.no_grad()
    def evaluate(t):
        return t * 3

    assert evaluate(x).creator is None


def test_requires_grad_propagation():
    a = mg.tensor([1.0], requires_grad=True)
    b = mg.tensor([2.0])
    assert (a + b).requires_grad and not (b * 2).requires_grad
    assert (a + b).is_leaf is False and a.is_leaf and b.is_leaf
    d = (a * 2).detach()
    assert d.is_leaf and not d.requires_grad
    assert not (a > 0).requires_grad           # comparisons are not differentiable
    assert a.argmax().dtype == np.int64


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating-point.*int64"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        mg.tensor([1, 2]).requires_grad_()


def test_only_leaves_receive_grad():
    x = mg.tensor([1.0], requires_grad=True)
    h = x * 2
    (h * 3).sum().backward()
    assert h.grad is None and x.grad.data[0] == 6.0


def test_in_place_change_of_a_saved_input_is_detected():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    x = mg.tensor([3.0, 4.0])
    y = (w * x).sum()
    x.add_(1.0)                                # x was saved by Mul for dL/dw
    with pytest.raises(RuntimeError, match=r"modified in place.*version 0 -> 1"):
        y.backward()


def test_in_place_on_parameters_only_under_no_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1.0)
    y = (w * w).sum()
    with mg.no_grad():
        w.sub_(0.5)                            # an optimizer step between forward and backward
    with pytest.raises(RuntimeError, match="modified in place"):
        y.backward()
    with pytest.raises(RuntimeError, match="computed by an op"):
        (w * 2).mul_(3)


def test_detach_shares_the_version_counter():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (w.exp()).sum()
    z = (w * w).sum()
    w.detach().mul_(2.0)                       # modifies w's values through a detached view
    y.backward()                               # Exp saved its output, not w: still valid
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_leaf_gradients_are_never_shared_arrays():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()                   # Add hands the same array to both inputs
    assert a.grad.data is not b.grad.data
    with mg.no_grad():
        a.grad.mul_(10)
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_user_upstream_gradient_is_not_aliased():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    upstream = np.array([1.0, 1.0], dtype=np.float32)
    (x + 0).backward(upstream)
    x.grad.data *= 5
    np.testing.assert_array_equal(upstream, [1.0, 1.0])


def _training_step(w, x):
    loss = ((x @ w).tanh() ** 2).mean()
    loss.backward()
    with mg.no_grad():
        w.sub_(0.1 * w.grad.data)
    w.grad = None
    return loss


def test_no_reference_cycles_survive_backward():
    w = mg.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    x = mg.tensor(np.ones((5, 4)))
    loss = ((x @ w).tanh() ** 2).mean()
    fn_ref = weakref.ref(loss.creator)
    loss.backward()
    del loss
    assert fn_ref() is None                    # freed by reference counting alone, no gc needed

    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(50):
            _training_step(w, x)
        after = len(gc.get_objects())
        assert gc.collect() == 0               # nothing needed the cycle collector
    finally:
        gc.enable()
    assert after - before < 50                 # memory does not grow with the number of steps


def test_graph_without_backward_is_collected_by_refcount():
    w = mg.tensor(np.ones(3), requires_grad=True)
    y = (w * 2).exp().sum()
    ref = weakref.ref(y.creator)
    del y
    assert ref() is None


def test_detect_anomaly_names_the_op():
    x = mg.tensor([1.0, 0.0], requires_grad=True)
    with mg.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(FloatingPointError, match=r"Log \(input shapes \(2,\)\) forward produced NaN or Inf"):
            x.log()
        y = mg.sqrt(x)                          # finite forward, infinite gradient at 0
        with pytest.raises(FloatingPointError, match="Sqrt.*backward produced NaN or Inf"):
            y.sum().backward()
    with np.errstate(divide="ignore"):
        assert not np.isfinite(x.log().data).all()   # outside the context: no check


# ------------------------------------------------------------------ saves_inputs, kept by the machine
def _all_function_classes():
    from minigrad import ops  # noqa: F401  (every op module registers its classes)

    found, stack = [], [Function]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("minigrad."):       # not the ops that tests define
                found.append(sub)
            stack.append(sub)
    return found


def _ops_that_save_no_inputs():
    """One call per Function class that declares saves_inputs = False: (constructor args, input shapes)."""
    from minigrad.ops import activations as A, arithmetic as R, conv as C
    from minigrad.ops import reductions as D, shape as S
    rng = np.random.default_rng(0)
    return {
        A.Tanh: ((), [(3, 4)]), A.Sigmoid: ((), [(3, 4)]), A.ReLU: ((), [(3, 4)]),
        A.LeakyReLU: ((0.1,), [(3, 4)]), A.ELU: ((1.0,), [(3, 4)]), A.Softmax: ((-1,), [(3, 4)]),
        A.LogSoftmax: ((-1,), [(3, 4)]),
        R.Add: ((), [(3, 4), (3, 4)]), R.Sub: ((), [(3, 4), (3, 4)]), R.Neg: ((), [(3, 4)]),
        R.Exp: ((), [(3, 4)]), R.Sqrt: ((), [(3, 4)]), R.Abs: ((), [(3, 4)]), R.Clip: ((-0.5, 0.5), [(3, 4)]),
        R.Maximum: ((), [(3, 4), (3, 4)]), R.Minimum: ((), [(3, 4), (3, 4)]),
        R.Where: ((rng.random((3, 4)) < 0.5,), [(3, 4), (3, 4)]),
        C.AvgPool2d: (((2, 2), (2, 2), (0, 0)), [(2, 3, 4, 4)]),
        C.MaxPool2d: (((2, 2), (2, 2), (0, 0)), [(2, 3, 4, 4)]),
        C.UpsampleNearest: (((2, 2),), [(2, 3, 4, 4)]),
        D.Sum: ((1, False), [(3, 4)]), D.Mean: ((1, False), [(3, 4)]), D.Var: ((1, False, True), [(3, 4)]),
        D.Max: ((1, False), [(3, 4)]), D.Min: ((1, False), [(3, 4)]),
        S.Reshape: (((4, 3),), [(3, 4)]), S.Transpose: (((1, 0),), [(3, 4)]),
        S.BroadcastTo: (((2, 3, 4),), [(3, 4)]), S.GetItem: ((slice(1, None),), [(3, 4)]),
        S.Concatenate: ((0,), [(3, 4), (2, 4)]), S.Stack: ((0,), [(3, 4), (3, 4)]),
        S.Split: (([1, 2], 0), [(3, 4)]), S.Cast: ((np.float32,), [(3, 4)]), S.ToDevice: (("cpu",), [(3, 4)]),
        S.Gather: ((1, np.array([[0, 0], [3, 1], [2, 2]])), [(3, 4)]), S.Pad: ((((1, 0), (0, 2)),), [(3, 4)]),
        S.Clone: ((), [(3, 4)]), D.CumSum: ((1,), [(3, 4)]),
    }


def _ops_that_save_inputs():
    """One call per Function class that keeps (some of) its inputs: (constructor args, input shapes)."""
    from minigrad.ops import activations as A, arithmetic as R, conv as C, losses as L, matmul as M
    from minigrad.ops import noise as Z, normalization as N, reductions as D
    rng = np.random.default_rng(2)
    return {
        A.Softplus: ((), [(3, 4)]), R.Mul: ((), [(3, 4), (3, 4)]), R.Div: ((), [(3, 4), (3, 4)]),
        R.PowConstant: ((2.0,), [(3, 4)]), R.Pow: ((), [(3, 4), (3, 4)]), R.Log: ((), [(3, 4)]),
        R.Log1p: ((), [(3, 4)]), R.Sin: ((), [(3, 4)]), R.Cos: ((), [(3, 4)]), A.GELU: ((), [(3, 4)]),
        C.Conv2d: (((1, 1), (1, 1), (1, 1)), [(2, 3, 5, 5), (4, 3, 3, 3), (4,)]),
        C.ConvTranspose2d: (((2, 2), (1, 1), (0, 0), (1, 1)), [(2, 3, 4, 4), (3, 2, 3, 3), (2,)]),
        L.BinaryCrossEntropyWithLogits: ((), [(3, 4), (3, 4)]),
        L.BinaryCrossEntropy: ((), [(3, 4), (3, 4)]),
        L.CrossEntropy: ((np.array([0, 2, 1]),), [(3, 4)]),
        Z.Reparameterize: ((rng.standard_normal((3, 4)),), [(3, 4), (3, 4)]),
        M.MatMul: ((), [(3, 4), (4, 2)]), M.Linear: ((), [(3, 4), (2, 4), (2,)]),
        M.Einsum: ((["ij", "jk"], "ik"), [(3, 4), (4, 2)]),
        N.BatchNorm: ((), [(4, 3), (3,), (3,)]), D.LogSumExp: ((1, False), [(3, 4)]),
    }


def _arrays_in(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _arrays_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays_in(v)


def test_every_op_that_declares_saves_inputs_false_keeps_nothing_of_its_inputs():
    """An op with saves_inputs = False gets no version check, so if it kept (a view of) an input,
    an in-place change after forward would silently give a wrong gradient. Checked for every
    such class, not by reading: np.shares_memory against each input, for every array it keeps."""
    table = _ops_that_save_no_inputs()
    declared = {cls for cls in _all_function_classes() if cls.saves_inputs is False}
    missing = sorted(c.__name__ for c in declared - set(table))
    assert not missing, f"add these ops to the table: {missing}"
    rng = np.random.default_rng(1)
    for cls, (args, shapes) in table.items():
        assert cls.saves_inputs is False, cls.__name__
        inputs = [mg.Tensor(rng.uniform(0.5, 2.0, s), requires_grad=True) for s in shapes]
        fn = cls(*args)
        fn(*inputs)
        for name, value in vars(fn).items():
            if name == "inputs":
                continue
            for kept in _arrays_in(value):
                for t in inputs:
                    assert not np.shares_memory(kept, t.data), f"{cls.__name__} keeps {name}, which shares memory with an input"


def test_no_backward_returns_an_array_it_keeps_or_one_array_twice():
    """The engine stores a leaf's first gradient without a copy when the op made it fresh, so every
    op's backward must return new arrays -- or dL/dy itself or views of it -- never an array the op
    keeps (a second backward through a retained graph would add into it), and never one new array
    for two inputs. Checked for every Function class."""
    table = {**_ops_that_save_no_inputs(), **_ops_that_save_inputs()}
    concrete = {cls for cls in _all_function_classes() if not cls.__name__.startswith("_")}
    missing = sorted(c.__name__ for c in concrete - set(table))
    assert not missing, f"add these ops to the tables: {missing}"
    rng = np.random.default_rng(3)
    for cls, (args, shapes) in table.items():
        inputs = [mg.Tensor(rng.uniform(0.2, 0.8, s), requires_grad=True) for s in shapes]
        fn = cls(*args)
        out = fn(*inputs)
        outs = out if isinstance(out, tuple) else (out,)
        gys = [rng.standard_normal(o.shape) for o in outs]
        gxs = fn.backward(*gys)
        gxs = gxs if isinstance(gxs, tuple) else (gxs,)
        kept = [a for name, v in vars(fn).items() if name != "inputs" for a in _arrays_in(v)]
        for i, gx in enumerate(gxs):
            if gx is None or not isinstance(gx, np.ndarray):
                continue
            assert not any(np.shares_memory(gx, k) for k in kept), f"{cls.__name__} returns an array it keeps"
            if not any(np.shares_memory(gx, gy) for gy in gys):
                assert sum(other is gx for other in gxs) == 1, f"{cls.__name__} returns one new array twice"


def test_an_in_place_change_to_a_viewed_leaf_is_caught_through_the_view():
    """y = x.reshape(...) is a view of x; an op that saved y must notice that x changed."""
    x = mg.tensor(np.arange(1.0, 7.0), requires_grad=True)
    y = x.reshape(2, 3)
    z = (y * y).sum()
    with mg.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified in place"):
        z.backward()


def test_max_pool_routes_the_gradient_by_the_argmax_recorded_in_forward():
    """MaxPool2d keeps only which element won each window, not its input (saves_inputs is
    False), so an in-place change to x after forward cannot change where the gradient goes:
    it goes where the maximum was when y was computed."""
    x = mg.tensor(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), requires_grad=True)
    y = mg.nn.functional.max_pool2d(x, 2)
    with mg.no_grad():
        x.mul_(-1.0)                     # the maximum is now at the 1's position
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 1.0], [0.0, 0.0]]]])
