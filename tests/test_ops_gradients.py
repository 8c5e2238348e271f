"""Every differentiable op: hypothesis-generated shapes and values, the forward pass compared
with a NumPy reference, and the backward pass checked by ``minigrad.gradcheck`` (float64,
central differences, random upstream gradient, inputs never mutated)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import activations as A
from minigrad.ops import arithmetic as AR
from minigrad.ops import matmul as MM
from tests.strategies import arrays, broadcastable_shapes, leaf, nonscalar_shapes, shapes


def check_op(fn, reference, *values, op=None):
    """Forward equals the NumPy reference; gradcheck passes; inputs are not modified;
    and, if ``op`` is given, the result was made by that Function class."""
    originals = [v.copy() for v in values]
    tensors = [leaf(v) for v in values]
    out = fn(*tensors)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    expected = reference(*values)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    if op is not None:
        assert type(outs[0].creator) is op, f"made by {type(outs[0].creator).__name__}, not {op.__name__}"
    for o, e in zip(outs, expected):
        assert o.dtype == np.float64
        np.testing.assert_allclose(o.data, e, rtol=1e-10, atol=1e-12)
    assert mg.gradcheck(fn, tensors)
    for v, orig in zip(values, originals):
        np.testing.assert_array_equal(v, orig)


def sigmoid_ref(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    "exp": (mg.exp, np.exp, {}, AR.Exp),
    "log": (mg.log, np.log, dict(low=0.2, high=4.0), AR.Log),
    "sqrt": (mg.sqrt, np.sqrt, dict(low=0.2, high=4.0), AR.Sqrt),
    "abs": (mg.abs, np.abs, dict(away_from=0.0), AR.Abs),
    "neg": (mg.neg, np.negative, {}, AR.Neg),
    "pow_constant_int": (lambda t: t ** 3, lambda x: x ** 3, {}, AR.PowConstant),
    "pow_constant_negative": (lambda t: t ** -2, lambda x: x ** -2.0, dict(away_from=0.0, margin=0.3), AR.PowConstant),
    "pow_constant_fraction": (lambda t: mg.pow(t, 0.5), np.sqrt, dict(low=0.2, high=4.0), AR.PowConstant),
    "clip": (lambda t: mg.clip(t, -1.0, 1.5), lambda x: np.clip(x, -1.0, 1.5), dict(away_from=[-1.0, 1.5]), AR.Clip),
    "clip_low_only": (lambda t: t.clamp(min=0.5), lambda x: np.maximum(x, 0.5), dict(away_from=0.5), AR.Clip),
    "tanh": (mg.tanh, np.tanh, {}, A.Tanh),
    "sigmoid": (mg.sigmoid, sigmoid_ref, dict(low=-8.0, high=8.0), A.Sigmoid),
    "relu": (F.relu, lambda x: np.maximum(x, 0), dict(away_from=0.0), A.ReLU),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x), dict(away_from=0.0), A.LeakyReLU),
    "softplus": (F.softplus, lambda x: np.logaddexp(0, x), dict(low=-8.0, high=8.0), A.Softplus),
    "elu": (lambda t: F.elu(t, 1.3), lambda x: np.where(x > 0, x, 1.3 * np.expm1(x)), dict(away_from=0.0), A.ELU),
    "log1p": (mg.log1p, np.log1p, dict(low=-0.7, high=3.0), AR.Log1p),
    "sin": (mg.sin, np.sin, {}, AR.Sin),
    "cos": (mg.cos, np.cos, {}, AR.Cos),
    "gelu": (F.gelu, lambda x: x * 0.5 * (1 + _erf(x / np.sqrt(2))), {}, A.GELU),
    "silu": (F.silu, lambda x: x * sigmoid_ref(x), {}, AR.Mul),
    "logsigmoid": (F.logsigmoid, lambda x: -np.logaddexp(0, -x), dict(low=-8.0, high=8.0), AR.Neg),
    "selu": (F.selu, lambda x: mg.functional.SELU_SCALE * np.where(x > 0, x, mg.functional.SELU_ALPHA * np.expm1(x)), dict(away_from=0.0),
             AR.Mul),
    "hardtanh": (F.hardtanh, lambda x: np.clip(x, -1, 1), dict(away_from=[-1.0, 1.0]), AR.Clip),
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6), dict(low=-2.0, high=8.0, away_from=[0.0, 6.0]), AR.Clip),
}


def _erf(x):
    import math
    return np.vectorize(math.erf)(x)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary(name, data):
    fn, reference, options, op = UNARY[name]
    x = data.draw(arrays(shapes, **options))
    check_op(fn, reference, x, op=op)


BINARY = {
    "add": (lambda a, b: a + b, np.add, {}, {}, AR.Add),
    "sub": (lambda a, b: a - b, np.subtract, {}, {}, AR.Sub),
    "mul": (lambda a, b: a * b, np.multiply, {}, {}, AR.Mul),
    "div": (lambda a, b: a / b, np.divide, {}, dict(away_from=0.0, margin=0.25), AR.Div),
    "pow": (lambda a, b: a ** b, np.power, dict(low=0.3, high=3.0), dict(low=-2.0, high=2.0), AR.Pow),
    "maximum": (mg.maximum, np.maximum, {}, {}, AR.Maximum),
    "minimum": (mg.minimum, np.minimum, {}, {}, AR.Minimum),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_broadcasting(name, data):
    fn, reference, options_a, options_b, op = BINARY[name]
    shape_a, shape_b = data.draw(broadcastable_shapes(2))
    a = data.draw(arrays(shape_a, **options_a))
    b = data.draw(arrays(shape_b, **options_b))
    if name in ("maximum", "minimum"):  # keep a and b apart so no element sits at the tie
        gap = np.abs(np.broadcast_to(a, np.broadcast_shapes(a.shape, b.shape)) - b)
        if gap.size and gap.min() < 1e-3:
            b = b + 0.5
    check_op(fn, reference, a, b, op=op)


@given(data=st.data())
def test_where(data):
    shape_c, shape_a, shape_b = data.draw(broadcastable_shapes(3))
    condition = data.draw(arrays(shape_c)) > 0
    a, b = data.draw(arrays(shape_a)), data.draw(arrays(shape_b))
    check_op(lambda x, y: mg.where(condition, x, y), lambda x, y: np.where(condition, x, y), a, b)


@given(data=st.data())
def test_operators_with_constants_on_either_side(data):
    x = data.draw(arrays(shapes, away_from=0.0, margin=0.3))
    c = data.draw(st.floats(0.5, 2.0))
    array = data.draw(arrays(x.shape, low=0.5, high=2.0, layout=False))
    check_op(lambda t: 2.0 * t + c, lambda v: 2.0 * v + c, x)
    check_op(lambda t: c / t - t / c, lambda v: c / v - v / c, x)
    check_op(lambda t: array * t - np.float64(c) ** t, lambda v: array * v - c ** v, x)
    check_op(lambda t: array - t, lambda v: array - v, x)


# ------------------------------------------------------------------ reductions
@st.composite
def reduction_case(draw):
    shape = draw(nonscalar_shapes)
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        dim = None
    elif choice == "int":
        dim = draw(st.integers(-len(shape), len(shape) - 1))
    else:
        dim = tuple(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1)))
    return shape, dim, draw(st.booleans())


def np_axes(dim):
    return dim if dim is None or isinstance(dim, int) else tuple(dim)


REDUCTIONS = {
    "sum": (lambda d, k: (lambda t: t.sum(d, k)), lambda d, k: (lambda x: x.sum(np_axes(d), keepdims=k)), {}),
    "mean": (lambda d, k: (lambda t: mg.mean(t, d, k)), lambda d, k: (lambda x: x.mean(np_axes(d), keepdims=k)), {}),
    "max": (lambda d, k: (lambda t: t.amax(d, k)), lambda d, k: (lambda x: x.max(np_axes(d), keepdims=k)),
            dict(distinct=True)),
    "min": (lambda d, k: (lambda t: mg.amin(t, d, k)), lambda d, k: (lambda x: x.min(np_axes(d), keepdims=k)),
            dict(distinct=True)),
    "logsumexp": (lambda d, k: (lambda t: t.logsumexp(d, k)),
                  lambda d, k: (lambda x: np.log(np.exp(x).sum(np_axes(d), keepdims=k))), {}),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(case=reduction_case(), data=st.data())
def test_reductions(name, case, data):
    make_fn, make_ref, options = REDUCTIONS[name]
    shape, dim, keepdim = case
    x = data.draw(arrays(shape, **options))
    check_op(make_fn(dim, keepdim), make_ref(dim, keepdim), x)


@given(case=reduction_case(), unbiased=st.booleans(), data=st.data())
def test_var(case, unbiased, data):
    shape, dim, keepdim = case
    count = np.prod([shape[a] for a in (range(len(shape)) if dim is None else np.atleast_1d(dim))])
    if unbiased and count < 2:
        unbiased = False
    x = data.draw(arrays(shape))
    check_op(lambda t: t.var(dim, keepdim, unbiased),
          lambda v: v.var(np_axes(dim), keepdims=keepdim, ddof=int(unbiased)), x)


@given(shape=nonscalar_shapes, data=st.data())
def test_softmax_and_log_softmax(shape, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = data.draw(arrays(shape, low=-5, high=5))

    def softmax_ref(v):
        e = np.exp(v - v.max(dim, keepdims=True))
        return e / e.sum(dim, keepdims=True)

    check_op(lambda t: F.softmax(t, dim), softmax_ref, x)
    check_op(lambda t: F.log_softmax(t, dim), lambda v: np.log(softmax_ref(v)), x)


# ------------------------------------------------------------------ matrix products
@st.composite
def matmul_shapes(draw):
    n, k, m = draw(matrix_sides_triple())
    kind = draw(st.sampled_from(["vec-vec", "mat-vec", "vec-mat", "mat-mat", "batched", "broadcast"]))
    if kind == "vec-vec":
        return (k,), (k,)
    if kind == "mat-vec":
        return (n, k), (k,)
    if kind == "vec-mat":
        return (k,), (k, m)
    if kind == "mat-mat":
        return (n, k), (k, m)
    batch = draw(st.integers(1, 3))
    if kind == "batched":
        return (batch, n, k), (batch, k, m)
    return draw(st.sampled_from([((batch, 1, n, k), (2, k, m)), ((n, k), (batch, k, m)),
                                 ((batch, n, k), (k,))]))


def matrix_sides_triple():
    return st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))


@given(pair=matmul_shapes(), data=st.data())
def test_matmul(pair, data):
    a, b = data.draw(arrays(pair[0])), data.draw(arrays(pair[1]))
    check_op(lambda x, y: x @ y, np.matmul, a, b)


@given(lead=st.lists(st.integers(1, 3), max_size=2), sides=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       bias=st.booleans(), data=st.data())
def test_linear(lead, sides, bias, data):
    n_in, n_out = sides
    x = data.draw(arrays(tuple(lead) + (n_in,)))
    w = data.draw(arrays((n_out, n_in)))
    if bias:
        b = data.draw(arrays((n_out,)))
        check_op(F.linear, lambda xv, wv, bv: xv @ wv.T + bv, x, w, b)
    else:
        check_op(F.linear, lambda xv, wv: xv @ wv.T, x, w)


@st.composite
def einsum_case(draw):
    """A random explicit or implicit equation over up to 3 operands, each a few distinct letters
    in random order (sizes shared per letter, sometimes 1 to broadcast), maybe with '...'."""
    sizes = {c: draw(st.integers(1, 3)) for c in "abcd"}
    n_operands = draw(st.integers(1, 3))
    ellipsis = draw(st.sampled_from([None, (), (2,), (2, 3)]))
    terms, shapes = [], []
    for _ in range(n_operands):
        term = draw(st.permutations(sorted(draw(st.sets(st.sampled_from("abcd"), max_size=3)))))
        shape = [sizes[c] if draw(st.integers(0, 4)) else 1 for c in term]
        if ellipsis is not None:
            lead = ellipsis[len(ellipsis) - draw(st.integers(0, len(ellipsis))):]
            terms.append("..." + "".join(term))
            shapes.append(tuple(lead) + tuple(shape))
        else:
            terms.append("".join(term))
            shapes.append(tuple(shape))
    used = sorted(set("".join(terms)) - set("."))
    if draw(st.booleans()):
        out = "".join(draw(st.permutations(sorted(draw(st.sets(st.sampled_from(used), max_size=len(used))))))
                      if used else [])
        equation = ",".join(terms) + "->" + ("..." if ellipsis is not None else "") + out
    else:
        equation = ",".join(terms)
    return equation, shapes


@given(case=einsum_case(), data=st.data())
def test_einsum(case, data):
    equation, shapes = case
    xs = [data.draw(arrays(s, layout=False)) for s in shapes]
    check_op(lambda *ts: mg.einsum(equation, *ts), lambda *vs: np.einsum(equation, *vs), *xs, op=MM.Einsum)


# ------------------------------------------------------------------ shapes and indexing
@given(shape=nonscalar_shapes, data=st.data())
def test_reshape_flatten_squeeze_unsqueeze(shape, data):
    x = data.draw(arrays(shape))
    n = x.size
    check_op(lambda t: t.reshape(n, 1) * 1.0, lambda v: v.reshape(n, 1), x)
    check_op(lambda t: t.reshape(-1), lambda v: v.reshape(-1), x)
    check_op(lambda t: mg.flatten(t, 0, -1), lambda v: v.reshape(-1), x)
    check_op(lambda t: t.unsqueeze(1).squeeze(), lambda v: np.squeeze(v), x)
    check_op(lambda t: mg.unsqueeze(t, -1), lambda v: v[..., None], x)


@given(shape=nonscalar_shapes, data=st.data())
def test_transpose_and_permute(shape, data):
    x = data.draw(arrays(shape))
    order = data.draw(st.permutations(range(len(shape))))
    check_op(lambda t: t.permute(*order), lambda v: v.transpose(order), x)
    check_op(lambda t: t.T, lambda v: v.T, x)
    if len(shape) >= 2:
        check_op(lambda t: t.transpose(0, -1), lambda v: np.swapaxes(v, 0, -1), x)


@given(shapes_=broadcastable_shapes(2), data=st.data())
def test_broadcast_to(shapes_, data):
    small, other = shapes_
    target = np.broadcast_shapes(small, other)
    x = data.draw(arrays(small))
    check_op(lambda t: t.broadcast_to(target), lambda v: np.broadcast_to(v, target), x)


@st.composite
def index_case(draw):
    shape = draw(hnp_shapes_for_index())
    kind = draw(st.sampled_from(["int", "slice", "negative-step", "ellipsis-none", "int-array", "bool-mask",
                                 "mixed"]))
    if kind == "int":
        return shape, draw(st.integers(-shape[0], shape[0] - 1))
    if kind == "slice":
        start = draw(st.integers(0, shape[0] - 1))
        return shape, slice(start, None, draw(st.integers(1, 2)))
    if kind == "negative-step":
        return shape, (slice(None, None, -1),)
    if kind == "ellipsis-none":
        return shape, (Ellipsis, None)
    if kind == "int-array":  # repeated indices must accumulate
        return shape, np.array(draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=6)))
    if kind == "bool-mask":
        mask = np.array(draw(st.lists(st.booleans(), min_size=shape[0], max_size=shape[0])))
        return shape, mask
    rows = np.array(draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=4)))
    return shape, (rows, slice(None)) if len(shape) > 1 else rows


def hnp_shapes_for_index():
    return st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@given(case=index_case(), data=st.data())
def test_getitem(case, data):
    shape, index = case
    x = data.draw(arrays(shape))
    check_op(lambda t: t[index], lambda v: v[index], x)


def test_getitem_repeated_indices_accumulate():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mg.tensor([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


@given(data=st.data())
def test_cat_stack_split(data):
    base = data.draw(nonscalar_shapes)
    dim = data.draw(st.integers(0, len(base) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = [data.draw(arrays(base[:dim] + (s,) + base[dim + 1:])) for s in sizes]
    check_op(lambda *ts: mg.cat(ts, dim), lambda *vs: np.concatenate(vs, dim), *parts)
    same = [data.draw(arrays(base)) for _ in sizes]
    check_op(lambda *ts: mg.stack(ts, dim), lambda *vs: np.stack(vs, dim), *same)
    whole = np.concatenate(parts, dim)
    bounds = np.cumsum(sizes)[:-1]
    check_op(lambda t: t.split(sizes, dim), lambda v: np.split(v, bounds, dim), whole)


def test_split_with_size_and_unused_piece():
    x = mg.tensor(np.arange(7.0), requires_grad=True)
    pieces = mg.split(x, 3)
    assert [p.shape for p in pieces] == [(3,), (3,), (1,)]
    (pieces[1] * 2).sum().backward()   # pieces 0 and 2 never reach the loss: zero gradient
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0, 2, 2, 2, 0])


@given(data=st.data())
def test_cast_is_differentiable(data):
    x = data.draw(arrays(shapes))
    t = leaf(x)
    y = t.to(mg.float32)
    assert y.dtype == np.float32
    (y.double() * 3).sum().backward()
    assert t.grad.dtype == np.float64
    np.testing.assert_allclose(t.grad.data, np.full(x.shape, 3.0))


# ------------------------------------------------------------------ the rules at kinks and ties
def grad_of(fn, values):
    x = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.data


def test_kink_rules():
    np.testing.assert_array_equal(grad_of(F.relu, [-1.0, 0.0, 2.0]), [0, 0, 1])        # relu'(0) = 0
    np.testing.assert_array_equal(grad_of(mg.abs, [-1.0, 0.0, 2.0]), [-1, 0, 1])      # abs'(0) = 0
    np.testing.assert_allclose(grad_of(lambda t: F.leaky_relu(t, 0.1), [-1.0, 0.0, 2.0]), [0.1, 0.1, 1])
    np.testing.assert_allclose(grad_of(lambda t: F.elu(t, 2.0), [0.0]), [2.0])         # elu'(0) = alpha
    np.testing.assert_array_equal(grad_of(lambda t: t.clip(0.0, 1.0), [-0.5, 0.0, 1.0, 1.5]), [0, 1, 1, 0])


def test_tie_rules():
    # max() and amax/amin: the gradient is shared evenly by all tied extremes (as PyTorch)
    np.testing.assert_allclose(grad_of(lambda t: t.max(), [1.0, 3.0, 3.0, 2.0]), [0, 0.5, 0.5, 0])
    np.testing.assert_allclose(grad_of(lambda t: t.amin(dim=1), [[1.0, 1.0, 1.0], [0.0, 2.0, 0.0]]),
                               [[1 / 3, 1 / 3, 1 / 3], [0.5, 0, 0.5]])
    # max(dim)/min(dim) return an index, and the gradient goes to that (first) index only
    np.testing.assert_allclose(grad_of(lambda t: t.min(dim=1).values, [[1.0, 1.0, 1.0], [0.0, 2.0, 0.0]]),
                               [[1, 0, 0], [1, 0, 0]])
    # maximum/minimum of two tensors: a tie gives 1/2 to each side
    a = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([1.0, 0.0], dtype=mg.float64, requires_grad=True)
    mg.maximum(a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.5, 1.0])
    np.testing.assert_allclose(b.grad.data, [0.5, 0.0])


# ----------------------------------------------------------------------------- the ops PyTorch code needs
def _dim_of(data, x):
    return data.draw(st.integers(-x.ndim, x.ndim - 1)) if x.ndim else 0


@given(data=st.data())
def test_cumsum(data):
    x = data.draw(arrays(nonscalar_shapes))
    d = _dim_of(data, x)
    check_op(lambda t: t.cumsum(d), lambda v: np.cumsum(v, axis=d), x)


@given(data=st.data())
def test_gather_with_repeated_indices(data):
    x = data.draw(arrays(nonscalar_shapes))
    d = _dim_of(data, x)
    shape = list(x.shape)
    shape[d] = data.draw(st.integers(1, 5))
    index = np.random.default_rng(data.draw(st.integers(0, 99))).integers(0, x.shape[d], shape)
    check_op(lambda t: t.gather(d, index), lambda v: np.take_along_axis(v, index, axis=d), x)


@given(data=st.data())
def test_flip_chunk_repeat(data):
    x = data.draw(arrays(nonscalar_shapes))
    d = _dim_of(data, x)
    check_op(lambda t: t.flip(d), lambda v: np.flip(v, axis=d), x)
    pieces = data.draw(st.integers(1, 4))
    size = -(-x.shape[d] // pieces)
    check_op(lambda t: t.chunk(pieces, d), lambda v: np.split(v, range(size, v.shape[d], size), axis=d), x)
    reps = tuple(data.draw(st.integers(1, 3)) for _ in range(x.ndim + 1))
    check_op(lambda t: t.repeat(*reps), lambda v: np.tile(v, reps), x)


@given(data=st.data())
def test_pad_std_norm_masked_fill_clone(data):
    x = data.draw(arrays(nonscalar_shapes, low=0.5, high=3.0))
    widths = tuple(data.draw(st.integers(0, 2)) for _ in range(2 * x.ndim))
    np_widths = [(0, 0)] * x.ndim
    for k in range(x.ndim):
        np_widths[x.ndim - 1 - k] = (widths[2 * k], widths[2 * k + 1])
    check_op(lambda t: F.pad(t, widths, value=0.5), lambda v: np.pad(v, np_widths, constant_values=0.5), x)
    if x.size > 1:
        check_op(lambda t: t.std(), lambda v: np.std(v, ddof=1), x)
    check_op(lambda t: t.norm(), lambda v: np.sqrt((v * v).sum()), x)
    check_op(lambda t: t.norm(1, dim=-1), lambda v: np.abs(v).sum(-1), x)
    mask = np.random.default_rng(0).random(x.shape) < 0.5
    check_op(lambda t: t.masked_fill(mask, -1.0), lambda v: np.where(mask, -1.0, v), x)
    check_op(lambda t: t.clone() * 2, lambda v: v * 2, x)
