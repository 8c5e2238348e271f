"""minigrad.gradcheck itself: it must catch wrong gradients and say where."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import Function


class WrongSquare(Function):
    """y = x^2 with a deliberately wrong derivative (x instead of 2x)."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, gy):
        return gy * self.x


class Mutating(Function):
    def forward(self, x):
        x *= 1.0001   # modifies its input: forbidden
        return x.copy()

    def backward(self, gy):
        return gy


def x64(values, requires_grad=True):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_catches_a_wrong_gradient_and_reports_the_worst_element():
    x = x64([[1.0, -2.0], [3.0, 0.5]])
    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(lambda t: WrongSquare()(t), [x])
    message = str(info.value)
    assert "input 0 (shape (2, 2))" in message and "wrong at 4 of 4 elements" in message
    assert "worst element (1, 0): analytic" in message           # |x| largest at (1, 0)
    assert not mg.gradcheck(lambda t: WrongSquare()(t), [x], raise_exception=False)


def test_accepts_correct_gradients_for_several_inputs_and_outputs():
    a, b = x64([1.0, 2.0, 3.0]), x64([0.5, -1.0, 2.0])
    assert mg.gradcheck(lambda p, q: (p * q, (p / q).exp()), [a, b])
    const = x64([1.0, 1.0, 1.0], requires_grad=False)   # only inputs that require grad are checked
    assert mg.gradcheck(lambda p, c: p * c, [a, const])


def test_restores_existing_gradients():
    a = x64([1.0, 2.0])
    a.grad = mg.tensor(np.array([7.0, 7.0]))
    mg.gradcheck(lambda t: t.exp(), [a])
    np.testing.assert_array_equal(a.grad.data, [7.0, 7.0])


def test_refuses_float32_and_missing_requires_grad():
    with pytest.raises(TypeError, match="input 0 has dtype float32; use float64"):
        mg.gradcheck(lambda t: t * 2, [mg.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="no input requires grad"):
        mg.gradcheck(lambda t: t * 2, [x64([1.0], requires_grad=False)])


def test_detects_an_op_that_mutates_its_input():
    with pytest.raises(mg.GradcheckError, match="modified input 0"):
        mg.gradcheck(lambda t: Mutating()(t), [x64([1.0, 2.0])])
