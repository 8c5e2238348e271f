"""Optimizers against hand-computed updates, their state dicts, schedulers and gradient clipping."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim


def run(optimizer_cls, grads, w0=1.0, **kwargs):
    w = mg.tensor([w0], dtype=mg.float64, requires_grad=True)
    opt = optimizer_cls([w], **kwargs)
    history = []
    for g in grads:
        w.grad = mg.tensor([g], dtype=mg.float64)
        opt.step()
        history.append(w.item())
    return history


def test_sgd_plain_momentum_nesterov_weight_decay():
    assert run(optim.SGD, [2.0, 2.0], lr=0.1) == pytest.approx([0.8, 0.6])
    # momentum 0.5: b1 = 2, w = 1 - 0.2 = 0.8; b2 = 0.5*2 + 2 = 3, w = 0.8 - 0.3 = 0.5
    assert run(optim.SGD, [2.0, 2.0], lr=0.1, momentum=0.5) == pytest.approx([0.8, 0.5])
    # nesterov: step uses g + m b: 2 + 0.5*2 = 3 -> 0.7; b2 = 3, g + m b = 2 + 1.5 = 3.5 -> 0.35
    assert run(optim.SGD, [2.0, 2.0], lr=0.1, momentum=0.5, nesterov=True) == pytest.approx([0.7, 0.35])
    # weight decay 0.1: g = 2 + 0.1 * 1 = 2.1
    assert run(optim.SGD, [2.0], lr=0.1, weight_decay=0.1) == pytest.approx([1 - 0.21])


def test_adam_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w, m, v, expected = 1.0, 0.0, 0.0, []
    for t, g in enumerate([0.5, -1.0, 2.0], start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
        expected.append(w)
    assert run(optim.Adam, [0.5, -1.0, 2.0], lr=lr) == pytest.approx(expected, rel=1e-12)
    # the first Adam step moves every weight by almost exactly lr, whatever the gradient's scale
    assert run(optim.Adam, [1e-3], lr=0.1)[0] == pytest.approx(0.9, rel=1e-4)


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_adam_in_blocks_equals_the_formula_and_adam_on_whole_arrays(monkeypatch, layout, weight_decay):
    """On the CPU, Adam updates a large contiguous parameter in blocks of Adam.BLOCK numbers (for
    the cache); a block edge must change nothing. Blocks of 7 on 5 x 11 = 55 numbers (a last block
    of 6), over three steps: against the textbook formula in float64, and bit for bit against one
    block. A transposed gradient without weight decay is not contiguous, so it takes the
    whole-array path (with weight decay, g + wd * w is a new, contiguous array)."""
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 11))
    grads = [rng.standard_normal((11, 5)).T if layout == "transposed" else rng.standard_normal((5, 11))
             for _ in range(3)]

    def train(block):
        monkeypatch.setattr(optim.Adam, "BLOCK", block)
        w = mg.tensor(w0.copy(), requires_grad=True)
        opt = optim.Adam([w], lr=lr, weight_decay=weight_decay)
        for g in grads:
            w.grad = mg.tensor(g)
            assert w.grad.data.flags.c_contiguous == (layout == "contiguous")
            opt.step()
        return w.detach().numpy()

    w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    blocked, whole = train(7), train(10 ** 9)
    np.testing.assert_allclose(blocked, w, rtol=1e-12)
    np.testing.assert_array_equal(blocked, whole)


def test_adamw_decouples_weight_decay():
    decay_only = run(optim.AdamW, [0.0], lr=0.1, weight_decay=0.5)   # g = 0: only the decay acts
    assert decay_only == pytest.approx([1 - 0.1 * 0.5])
    coupled = run(optim.Adam, [0.0], lr=0.1, weight_decay=0.5)       # L2: g = 0.5 w -> a full Adam step
    assert coupled == pytest.approx([0.9], rel=1e-6)


def test_rmsprop_by_hand():
    lr, alpha, eps = 0.01, 0.99, 1e-8
    w, v, expected = 1.0, 0.0, []
    for g in [1.0, -3.0]:
        v = alpha * v + (1 - alpha) * g * g
        w -= lr * g / (math.sqrt(v) + eps)
        expected.append(w)
    assert run(optim.RMSprop, [1.0, -3.0], lr=lr) == pytest.approx(expected, rel=1e-12)


def test_state_dict_round_trip_continues_identically():
    def make():
        model = nn.Linear(3, 2, generator=mg.Generator(0))
        return model, optim.Adam(model.parameters(), lr=0.01)

    x = mg.tensor(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))
    model_a, opt_a = make()
    for _ in range(3):
        opt_a.zero_grad()
        model_a(x).pow(2).sum().backward()
        opt_a.step()
    model_b, opt_b = make()
    model_b.load_state_dict(model_a.state_dict())
    opt_b.load_state_dict(opt_a.state_dict())
    for model, opt in ((model_a, opt_a), (model_b, opt_b)):
        opt.zero_grad()
        model(x).pow(2).sum().backward()
        opt.step()
    np.testing.assert_array_equal(model_a.weight.data, model_b.weight.data)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1).load_state_dict(opt_a.state_dict())


def test_parameter_groups_and_zero_grad():
    a, b = mg.zeros(1, requires_grad=True), mg.zeros(1, requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = mg.ones(1), mg.ones(1)
    opt.step()
    assert a.item() == pytest.approx(-0.1) and b.item() == pytest.approx(-1.0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    with pytest.raises(TypeError, match="require grad"):
        optim.SGD([mg.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])


def test_step_invalidates_graphs_built_before_it():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_schedulers():
    def lrs(make, epochs=6):
        opt = optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
        scheduler = make(opt)
        out = []
        for _ in range(epochs):
            scheduler.step()
            out.append(scheduler.get_last_lr()[0])
        return out

    assert lrs(lambda o: optim.lr_scheduler.StepLR(o, 2, 0.5)) == pytest.approx([1, 0.5, 0.5, 0.25, 0.25, 0.125])
    assert lrs(lambda o: optim.lr_scheduler.ExponentialLR(o, 0.9)) == pytest.approx([0.9 ** k for k in range(1, 7)])
    cosine = lrs(lambda o: optim.lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.1))
    assert cosine[-1] == pytest.approx(0.1) and cosine[2] == pytest.approx(0.55)


def test_clip_grad_norm():
    a, b = mg.zeros(2, requires_grad=True), mg.zeros(1, requires_grad=True)
    a.grad, b.grad = mg.tensor([3.0, 0.0]), mg.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.data, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(b.grad.data, [0.8], rtol=1e-5)
    assert nn.utils.clip_grad_norm_([a, b], max_norm=10.0) == pytest.approx(1.0, rel=1e-5)   # unchanged
