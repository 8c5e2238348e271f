"""Whole graphs, not single ops: hypothesis draws random programs whose values fan out and meet
again, and backward must agree with central differences in float64.

Bugs live where ops meet: a gradient array handed to two inputs, a node used on both sides of
one op, an output of a multi-output op that never reaches the loss, a second backward through
a retained graph, a value computed under ``no_grad`` in the middle. Every single op can pass
its own gradient check while the engine gets such a graph wrong, so this file draws the
graphs themselves.

A drawn ``Program`` is a list of steps over numbered values v0, v1, ...: the first few are
leaves (broadcast-compatible shapes; some require grad, some do not), each later step applies
one op from ``OPS`` to earlier values (any earlier value, so fan-out and reuse are the norm).
Every op is total: it adapts to any input shape through the small integers ("knobs") it is
given, so any draw is a valid program and hypothesis can shrink freely. The loss is a weighted
sum of a few values (others never reach it). On failure hypothesis prints the program as
readable lines::

    v0 = leaf (2, 3)            requires_grad
    v1 = leaf (3,)              requires_grad
    v2 = add(v0, v1)                              -> (2, 3)
    v3 = mul(v2, v2)                              -> (2, 3)
    loss = sum(w0 * v3) + sum(w1 * v1)    [backward once]
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F


# ----------------------------------------------------------------------------- the op table
# Each op: (arity, apply(values, knobs) -> (Tensor or tuple of Tensors, text)).
# ``knobs`` are small non-negative integers; each op turns them into dims, sizes, indices.

def _dim(x, k):
    return k % x.ndim


def _broadcastable(a, b):
    try:
        np.broadcast_shapes(a.shape, b.shape)
        return True
    except ValueError:
        return False


def _elementwise(name, f):
    """A binary elementwise op; when the shapes do not broadcast, b is reduced to a scalar."""
    def apply(v, k):
        a, b = v
        if _broadcastable(a, b):
            return f(a, b), f"{name}(a, b)"
        return f(a, b.sum()), f"{name}(a, sum(b))"
    return 2, apply


def _unary(text, f):
    return 1, lambda v, k: (f(v[0]), text)


def _reduction(name, f):
    def apply(v, k):
        x = v[0]
        keepdim = bool(k[1] % 2)
        if x.ndim == 0 or k[0] % 3 == 0:
            return f(x, None, keepdim), f"{name}(x, keepdim={keepdim})"
        dim = _dim(x, k[0])
        return f(x, dim, keepdim), f"{name}(x, dim={dim}, keepdim={keepdim})"
    return 1, apply


def _var(x, dim, keepdim):
    count = x.numel() if dim is None else x.shape[dim]
    return x.var(dim, keepdim, unbiased=count > 1)


def _softmax_like(name, f):
    def apply(v, k):
        x = v[0] if v[0].ndim else v[0].reshape(1)
        dim = _dim(x, k[0])
        return f(x, dim), f"{name}(x, dim={dim})"
    return 1, apply


def _reshape(v, k):
    x = v[0]
    target = [(-1,), (1, -1), tuple(reversed(x.shape)), x.shape + (1,)][k[0] % 4]
    return x.reshape(target), f"reshape(x, {target})"


def _transpose(v, k):
    x = v[0]
    if x.ndim < 2:
        return x.transpose(), "transpose(x)"
    d0, d1 = _dim(x, k[0]), _dim(x, k[1])
    return x.transpose(d0, d1), f"transpose(x, {d0}, {d1})"


def _getitem(v, k):
    x = v[0]
    if x.ndim == 0:
        return x.reshape(1)[[0, 0]], "reshape(x, (1,))[[0, 0]]"
    n = x.shape[0]
    kind = k[0] % 4
    if kind == 0:
        start = k[1] % n
        return x[start::2], f"x[{start}::2]"
    if kind == 1:                                     # integer indices with repeats: they accumulate
        index = [(k[1] + i) % n for i in range(3)]
        return x[index], f"x[{index}]"
    if kind == 2:
        last = x.shape[-1]
        index = [k[1] % last, 0]
        return x[..., index], f"x[..., {index}]"
    mask = np.random.default_rng(k[1]).random(x.shape) < 0.6
    mask.flat[k[1] % mask.size] = True                # never empty
    return x[mask], f"x[mask {mask.astype(int).tolist()}]"


def _squeeze_unsqueeze(v, k):
    x = v[0]
    if k[0] % 2 or x.ndim == 0:
        dim = k[1] % (x.ndim + 1)
        return x.unsqueeze(dim), f"unsqueeze(x, {dim})"
    return x.squeeze(), "squeeze(x)"


def _broadcast(v, k):
    x = v[0]
    shape = (2,) + x.shape
    return x.broadcast_to(shape), f"broadcast_to(x, {shape})"


def _join(name, f):
    """cat / stack of two values; b is replaced by a when they do not fit together."""
    def apply(v, k):
        a, b = v
        a = a if a.ndim else a.reshape(1)
        dim = _dim(a, k[0]) if name == "cat" else k[0] % (a.ndim + 1)
        fits = (b.ndim == a.ndim and all(m == n for i, (m, n) in enumerate(zip(a.shape, b.shape))
                                         if name == "stack" or i != dim))
        return (f([a, b], dim), f"{name}([a, b], dim={dim})") if fits else \
            (f([a, a], dim), f"{name}([a, a], dim={dim})")
    return 2, apply


def _split(v, k):
    """A multi-output op: every piece becomes a value (some never reach the loss)."""
    x = v[0] if v[0].ndim else v[0].reshape(1)
    dim = _dim(x, k[0])
    size = 1 + k[1] % max(1, x.shape[dim])
    return tuple(mg.split(x, size, dim)), f"split(x, {size}, dim={dim})"


def _matmul(v, k):
    a, b = v
    if a.ndim >= 1 and b.ndim >= 1 and a.shape[-1] == b.shape[0 if b.ndim == 1 else -2]:
        if a.ndim <= 2 or b.ndim <= 2 or _broadcastable(a[..., 0, 0], b[..., 0, 0]):
            return a @ b, "a @ b"
    a = a if a.ndim else a.reshape(1)
    if a.ndim == 1:
        return a @ a, "a @ a"                        # the same node on both sides
    return a @ a.transpose(-1, -2), "a @ transpose(a, -1, -2)"


def _where(v, k):
    a, b = v
    if not _broadcastable(a, b):
        b = b.sum()
    shape = np.broadcast_shapes(a.shape, b.shape)
    cond = np.random.default_rng(k[0]).random(shape) < 0.5
    return mg.where(cond, a, b), f"where(mask {cond.astype(int).tolist()}, a, b)"


def _same_shape_loss(name, f):
    def apply(v, k):
        a, b = v
        if a.shape != b.shape:
            return f(a, mg.tanh(a)), f"{name}(a, tanh(a))"
        return f(a, b), f"{name}(a, b)"
    return 2, apply


def _cross_entropy(v, k):
    x = v[0] if v[0].ndim == 2 else v[0].reshape(1, -1)
    target = np.random.default_rng(k[0]).integers(0, x.shape[1], x.shape[0])
    return F.cross_entropy(x, mg.tensor(target)), f"cross_entropy(x as {x.shape}, {target.tolist()})"


OPS = {
    "neg": _unary("-x", lambda x: -x),
    "exp": _unary("exp(tanh(x))", lambda x: mg.exp(mg.tanh(x))),
    "log": _unary("log(x * x + 1)", lambda x: mg.log(x * x + 1)),
    "sqrt": _unary("sqrt(x * x + 0.5)", lambda x: mg.sqrt(x * x + 0.5)),
    "square": _unary("x ** 2", lambda x: x ** 2),
    "cube": _unary("x ** 3", lambda x: x ** 3),
    "tanh": _unary("tanh(x)", mg.tanh),
    "sigmoid": _unary("sigmoid(x)", mg.sigmoid),
    "softplus": _unary("softplus(x)", mg.softplus),
    "relu": _unary("relu(x)", mg.relu),
    "leaky_relu": _unary("leaky_relu(x, 0.1)", lambda x: mg.leaky_relu(x, 0.1)),
    "elu": _unary("elu(x)", mg.elu),
    "abs": _unary("abs(x)", mg.abs),
    "add": _elementwise("add", lambda a, b: a + b),
    "sub": _elementwise("sub", lambda a, b: a - b),
    "mul": _elementwise("mul", lambda a, b: a * b),
    "div": _elementwise("div", lambda a, b: a / (b * b + 1)),
    "pow": _elementwise("pow", lambda a, b: (a * a + 0.5) ** mg.tanh(b)),
    "maximum": _elementwise("maximum", mg.maximum),
    "minimum": _elementwise("minimum", mg.minimum),
    "where": (2, _where),
    "matmul": (2, _matmul),
    "sum": _reduction("sum", lambda x, d, kd: x.sum(d, kd)),
    "mean": _reduction("mean", lambda x, d, kd: x.mean(d, kd)),
    "max": _reduction("max", lambda x, d, kd: x.amax(d, kd)),
    "min": _reduction("min", lambda x, d, kd: x.amin(d, kd)),
    "logsumexp": _reduction("logsumexp", lambda x, d, kd: x.logsumexp(d, kd)),
    "var": _reduction("var", _var),
    "softmax": _softmax_like("softmax", mg.softmax),
    "log_softmax": _softmax_like("log_softmax", mg.log_softmax),
    "reshape": (1, _reshape),
    "transpose": (1, _transpose),
    "getitem": (1, _getitem),
    "squeeze": (1, _squeeze_unsqueeze),
    "broadcast_to": (1, _broadcast),
    "cat": _join("cat", mg.cat),
    "stack": _join("stack", mg.stack),
    "split": (1, _split),
    "mse_loss": _same_shape_loss("mse_loss", F.mse_loss),
    "bce_with_logits": _same_shape_loss("bce_with_logits", lambda a, b: F.binary_cross_entropy_with_logits(
        a, mg.sigmoid(b))),
    "cross_entropy": (1, _cross_entropy),
    "sin": _unary("sin(x)", mg.sin),
    "cumsum": (1, lambda v, k: (v[0].cumsum(_dim(v[0], k[0]) if v[0].ndim else 0),
                                f"cumsum(x, {_dim(v[0], k[0]) if v[0].ndim else 0})")),
    "flip": (1, lambda v, k: (v[0].flip(_dim(v[0], k[0])), f"flip(x, {_dim(v[0], k[0])})") if v[0].ndim
             else (-v[0], "-x")),
    "repeat": (1, lambda v, k: (v[0].repeat(*([1 + k[0] % 2] + [1] * v[0].ndim)), f"repeat(x, {1 + k[0] % 2}, 1, ...)")),
}
OP_NAMES = sorted(OPS)
# Where values meet: a third of the programs draw only from + - * and negation, a third from
# the ops that pass one gradient array on unchanged or join values (add, sub, reshape,
# transpose, cat, split, ...), since that is where an engine's sums go wrong; the last third
# draw from the whole table.
MEETING_OPS = ["add", "sub", "neg", "mul", "reshape", "transpose", "cat", "split", "matmul", "sum"]
ARITHMETIC_OPS = ["add", "sub", "neg", "mul"]


# ----------------------------------------------------------------------------- programs
class Step:
    """One op applied to earlier values: ``args`` are their indices, ``knobs`` small integers the
    op turns into dims, sizes and indices; a ``no_grad`` step's outputs are constants for
    backward and for the finite differences alike."""

    def __init__(self, op, args, knobs, no_grad):
        self.op, self.args, self.knobs, self.no_grad = op, args, knobs, no_grad


class Program:
    """leaves: float64 arrays; trainable: which leaves require grad; steps; roots: (value index,
    weight array) pairs, the loss being the sum of sum(w * v); mode: "once", "twice" (retain_graph
    and two backward calls) or "two roots" (roots[:split_at] and roots[split_at:] are two losses,
    each backward separately). Printed as the lines of the program."""

    def __init__(self, leaves, trainable, steps, roots, mode, split_at=1, text=""):
        self.leaves, self.trainable, self.steps = leaves, trainable, steps
        self.roots, self.mode, self.split_at, self.text = roots, mode, split_at, text

    def __repr__(self):
        return "Program:\n" + self.text


def evaluate(program, leaves, frozen=None, record=None):
    """Run the program on ``leaves`` (Tensors) and return the list of values.

    frozen: a dict; empty, it is filled with each no_grad step's outputs; filled, those outputs
        are taken from it (so finite differences see the same constants that backward saw).
    record: a list that collects one line of text per step."""
    values = list(leaves)
    for number, step in enumerate(program.steps):
        arity, apply = OPS[step.op]
        args = [values[i] for i in step.args[:arity]]
        index = len(values)
        if step.no_grad and frozen is not None and number in frozen:
            out, text = frozen[number], "(frozen)"
        elif step.no_grad:
            with mg.no_grad():
                out, text = apply(args, step.knobs)
            if frozen is not None:
                frozen[number] = out
        else:
            out, text = apply(args, step.knobs)
        outs = out if isinstance(out, tuple) else (out,)
        if record is not None:
            names = ", ".join(f"v{i}" for i in step.args[:arity])
            targets = ", ".join(f"v{index + i}" for i in range(len(outs)))
            shapes = ", ".join(str(o.shape) for o in outs)
            where = "   [no_grad]" if step.no_grad else ""
            record.append(f"{targets} = {step.op}({names}): {text} -> {shapes}{where}")
        values.extend(outs)
    return values


def _loss(values, roots):
    total = None
    for index, weight in roots:
        term = (values[index] * weight).sum()
        total = term if total is None else total + term
    return total


@st.composite
def programs(draw, max_steps=10):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=draw(st.integers(1, 3)), min_dims=0,
                                                    max_dims=3, min_side=1, max_side=3)).input_shapes
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    leaves = [rng.uniform(-1.5, 1.5, s) for s in shapes]
    trainable = [True] + [draw(st.booleans()) for _ in shapes[1:]]
    steps, values = [], [mg.tensor(a) for a in leaves]
    pool = draw(st.sampled_from([ARITHMETIC_OPS, MEETING_OPS, OP_NAMES]))
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(pool))
        arity = OPS[op][0]
        # operands: any earlier value, counted back from the newest (hypothesis's small numbers then
        # mean "a recent value", so chains form and meet again), or one that is already in use
        used = sorted({i for earlier in steps for i in earlier.args[:OPS[earlier.op][0]]}) or [0]
        back = st.integers(1, len(values)).map(lambda b: len(values) - b)
        args = tuple(draw(st.one_of(back, st.sampled_from(used))) for _ in range(arity))
        knobs = tuple(draw(st.integers(0, 5)) for _ in range(2))
        step = Step(op, args, knobs, no_grad=draw(st.integers(0, 9)) == 0)
        out = evaluate(Program(leaves, trainable, [step], [], "once"), [values[i] for i in range(len(values))])
        steps.append(step)
        values.extend(out[len(values):])
    # the loss: the newest value, plus up to two others (counted back from the newest)
    extra = draw(st.lists(st.integers(1, len(values)).map(lambda b: len(values) - b), max_size=2))
    chosen = [len(values) - 1] + extra
    roots = [(i, np.round(rng.uniform(-1, 1, values[i].shape), 2)) for i in chosen]
    mode = draw(st.sampled_from(["once", "twice", "two roots"])) if len(roots) > 1 else \
        draw(st.sampled_from(["once", "twice"]))
    program = Program(leaves, trainable, steps, roots, mode, split_at=max(1, len(roots) // 2))
    lines = [f"v{i} = leaf {a.shape}{'   requires_grad' if t else ''}" for i, (a, t) in
             enumerate(zip(leaves, trainable))]
    evaluate(program, [mg.tensor(a) for a in leaves], record=lines)
    terms = " + ".join(f"sum(w{j} * v{i})" for j, (i, _) in enumerate(roots))
    lines.append(f"loss = {terms}    [backward: {mode}]")
    lines.append(f"leaf values seed {seed}; weights " + "; ".join(f"w{j} = {w.tolist()}"
                                                                   for j, (_, w) in enumerate(roots)))
    program.text = "\n".join(lines)
    return program


# ----------------------------------------------------------------------------- the checks
def numerical_gradients(program, frozen, h=1e-6):
    """Central differences of the total loss with respect to each trainable leaf, and for each
    element an upper estimate of the rounding noise in that difference.

    The difference is taken root element by root element, sum(w * (v(x + h) - v(x - h))) / 2h,
    not as (L(x + h) - L(x - h)) / 2h: elements the nudge leaves unchanged then cancel exactly.
    Differencing the totals would cost eps * |L| / h wherever L is large, and x^27 programs
    have |L| ~ 1e4: 2e-6 of noise on a true gradient of 8e-5.

    The elements that do change are rounded by about eps relative to their size at each of the
    program's steps, so the reference itself carries rounding noise up to

        noise = (steps + 1) * eps * sum(|w| * (|v(x + h)| + |v(x - h)|)) / 2h,

    summed over the changed elements; the comparison adds it to its tolerance."""
    eps = np.finfo(np.float64).eps
    grads, noises = [], []
    for index, (base, trainable) in enumerate(zip(program.leaves, program.trainable)):
        if not trainable:
            grads.append(None)
            noises.append(None)
            continue
        g, noise = np.zeros_like(base), np.zeros_like(base)
        for pos in np.ndindex(base.shape):
            outputs = []
            for sign in (1, -1):
                leaves = [a.copy() for a in program.leaves]
                leaves[index][pos] += sign * h
                with mg.no_grad():
                    values = evaluate(program, [mg.tensor(a) for a in leaves], frozen)
                outputs.append([np.asarray(values[i].data) for i, _ in program.roots])
            difference = magnitude = 0.0
            for (_, weight), plus, minus in zip(program.roots, *outputs):
                changed = plus != minus
                difference += float((weight * (plus - minus))[changed].sum())
                magnitude += float((np.abs(weight) * (np.abs(plus) + np.abs(minus)))[changed].sum())
            g[pos] = difference / (2 * h)
            noise[pos] = (len(program.steps) + 1) * eps * magnitude / (2 * h)
        grads.append(g)
        noises.append(noise)
    return grads, noises


def backward_gradients(program):
    """Run the program with gradients recorded and backward as its mode says; return the leaves'
    .grad (divided by 2 in mode "twice", where two backward calls accumulate) and the frozen
    no_grad values."""
    leaves = [mg.tensor(a, requires_grad=t) for a, t in zip(program.leaves, program.trainable)]
    frozen = {}
    values = evaluate(program, leaves, frozen)
    if program.mode == "two roots":
        first = _loss(values, program.roots[:program.split_at])
        second = _loss(values, program.roots[program.split_at:])
        for loss, retain in ((first, True), (second, False)):
            if loss.requires_grad:
                loss.backward(retain_graph=retain)
        scale = 1.0
    else:
        loss = _loss(values, program.roots)
        if loss.requires_grad:
            loss.backward(retain_graph=program.mode == "twice")
            if program.mode == "twice":
                loss.backward()
        scale = 2.0 if program.mode == "twice" else 1.0
    grads = []
    for t, trainable in zip(leaves, program.trainable):
        if not trainable:
            grads.append(None)
        else:
            grads.append(np.zeros(t.shape) if t.grad is None else t.grad.data / scale)
    return grads, frozen


# Graphs per run: enough for the default suite to stay fast, thousands in the thorough profile.
def assert_gradients_match(analytic, numeric, noise, program):
    """Each trainable leaf's backward gradient within atol 1e-6 + rtol 1e-5 of central differences,
    plus the rounding noise those carry (see ``numerical_gradients``)."""
    for i, (a, n, r) in enumerate(zip(analytic, numeric, noise)):
        if n is None:
            continue
        tolerance = 1e-6 + 1e-5 * np.abs(n) + r
        wrong = ~(np.abs(a - n) <= tolerance)       # written this way round it also catches NaN
        if wrong.any():
            rows = "\n".join(f"  at {pos}: backward {float(a[pos])!r}, central differences {float(n[pos])!r} "
                             f"(tolerance {tolerance[pos]:.2g})" for pos in np.ndindex(a.shape) if wrong[pos])
            raise AssertionError(f"gradient of leaf v{i} differs in {wrong.sum()} of {a.size} "
                                 f"elements:\n{rows}\n{program.text}")


GRAPHS = {"thorough": 5000}.get(os.environ.get("MINIGRAD_HYPOTHESIS_PROFILE", "ci"), 400)


@given(program=programs())
@settings(max_examples=GRAPHS)
def test_random_graphs_match_central_differences(program):
    analytic, frozen = backward_gradients(program)
    assert_gradients_match(analytic, *numerical_gradients(program, frozen), program)


def test_the_issue_12_graph():
    """Shared sub-expressions used on both sides of an add: dL/dx = 1 - 2x - 0 (c = b + a = 0)."""
    x = mg.tensor([0.5, 1.0, 2.0], dtype=mg.float64, requires_grad=True)
    a = x * x
    b = -a
    c = b + a
    ((x + b) + c + c).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, -1.0, -3.0])


def test_add_hands_one_array_to_two_leaves_that_stay_independent():
    """Add returns the same gy for both inputs; the two leaves must not share one .grad array."""
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data *= 10                 # what clip_grad_norm_ does in place
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_a_gradient_summed_twice_into_a_saved_array_leaves_it_intact():
    """x feeds mul (which saves x) and, through add's shared gy, two buffers; nothing saved moves."""
    x = mg.tensor([1.5, -0.5], dtype=mg.float64, requires_grad=True)
    y = x + x
    z = (y * y + y).sum()
    z.backward(retain_graph=True)
    first = x.grad.data.copy()
    z.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)
    np.testing.assert_allclose(first, 2 * (2 * 2 * np.array([1.5, -0.5]) + 1))


def test_the_check_catches_a_wrong_backward(monkeypatch):
    """Not vacuous: with Neg's derivative broken, the same comparison fails on the issue's graph."""
    steps = [Step("mul", (0, 0), (0, 0), False), Step("neg", (1,), (0, 0), False),
             Step("add", (2, 1), (0, 0), False), Step("add", (0, 2), (0, 0), False)]
    program = Program([np.array([0.5, 1.0, 2.0])], [True], steps, [(4, np.ones(3)), (3, np.ones(3))], "once")
    analytic, frozen = backward_gradients(program)
    assert_gradients_match(analytic, *numerical_gradients(program, frozen), program)
    monkeypatch.setattr(mg.ops.arithmetic.Neg, "backward", lambda self, gy: gy)
    analytic, frozen = backward_gradients(program)
    with pytest.raises(AssertionError, match="gradient of leaf v0 differs in 3 of 3 elements"):
        assert_gradients_match(analytic, *numerical_gradients(program, frozen), program)


def test_a_leaf_gradient_that_is_a_broadcast_view_is_copied_so_it_can_accumulate():
    """Found by the thorough profile: mean's backward broadcasts a fresh temporary; stored as the
    leaf's .grad without a copy it was read-only, and a second backward could not add into it."""
    x = mg.tensor(1.5, dtype=mg.float64, requires_grad=True)
    y = mg.abs(x.mean()).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 2.0 and x.grad.data.flags.writeable
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    w.sum().backward()
    w.grad.data *= 3                                  # what clip_grad_norm_ does: must be allowed
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0])
