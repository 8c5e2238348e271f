"""Tensor creation, dtype rules, conversions, operators with foreign operands, and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def test_dtype_rules():
    assert mg.tensor(1.5).dtype == np.float32                       # Python floats: float32
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([True, False]).dtype == np.bool_
    assert mg.tensor(np.zeros(3)).dtype == np.float64               # arrays keep their dtype
    assert mg.tensor(np.zeros(3, np.float32)).dtype == np.float32
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == np.float64
    assert mg.tensor([1.0], dtype="float64").dtype == np.float64
    assert mg.zeros(2, 3).dtype == np.float32 and mg.randn(4).dtype == np.float32
    assert mg.arange(5).dtype == np.int64 and mg.arange(0.0, 1.0, 0.5).dtype == np.float32


def test_tensor_copies_its_data():
    values = np.ones(3)
    t = mg.tensor(values)
    values[0] = 5
    assert t.data[0] == 1.0
    shared = mg.as_tensor(values)
    assert shared.data is values


@pytest.mark.parametrize("constant", [2.0, 2, np.float64(2.0), np.float32(2.0), np.int64(2),
                                      np.array(2.0), np.full((3,), 2.0)])
def test_constants_on_either_side_keep_float32(constant):
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x * constant, constant * x, x + constant, constant + x, x - constant, constant - x,
                   x / constant, constant / x, x ** constant, constant ** x):
        assert isinstance(result, mg.Tensor)
        assert result.dtype == np.float32, (type(constant), result.dtype)
        assert result.requires_grad
    np.testing.assert_allclose((constant - x).data, [1.0, 0.0, -1.0])
    np.testing.assert_allclose((constant / x).data, [2.0, 1.0, 2 / 3], rtol=1e-6)


def test_float64_kept_when_asked():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = (x * 2.5 + 1).exp().sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float64


def test_basic_properties_and_conversions():
    t = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert t.shape == (2, 3) and t.ndim == 2 and t.size() == (2, 3) and t.size(1) == 3
    assert t.numel() == 6 and len(t) == 2 and t.device == "cpu"
    assert t.T.shape == (3, 2)
    assert t.sum().item() == 21.0 and float(t[1, 2]) == 6.0
    assert t.tolist() == [[1, 2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(t.numpy(), t.data)
    assert t.to("cpu") is t and t.cpu() is t
    assert "tensor(" in repr(t) and "grad_fn=<Mul>" in repr(mg.tensor([1.0], requires_grad=True) * 2)


def test_numpy_of_a_tensor_that_requires_grad_is_refused():
    t = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        t.numpy()
    assert t.detach().numpy()[0] == 1.0


def test_item_of_many_elements_is_an_error():
    with pytest.raises(ValueError, match=r"one-element.*\(2,\)"):
        mg.tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(mg.tensor([1.0, 2.0]))


def test_comparisons_give_boolean_tensors():
    t = mg.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal((t > 1.5).data, [False, True, True])
    np.testing.assert_array_equal((t == mg.tensor([1.0, 0.0, 3.0])).data, [True, False, True])
    assert {t, t} == {t}                                            # hashable by identity


def test_error_messages_name_the_op_and_shapes():
    a, b = mg.randn(3, 4), mg.randn(5, 2)
    with pytest.raises(ValueError, match=r"matmul: \(3, 4\) @ \(5, 2\): inner dimensions 4 and 5 differ"):
        a @ b
    with pytest.raises(ValueError, match=r"matmul: \(\) @ \(5, 2\)"):
        mg.tensor(1.0) @ b
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(3, 4\) \(12 elements\) into \(5, 2\)"):
        a.reshape(5, 2)
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast \(3, 4\) to \(2, 4\)"):
        a.broadcast_to(2, 4)
    with pytest.raises(ValueError, match=r"cat: cannot concatenate shapes \(3, 4\), \(5, 2\) along dim 0"):
        mg.cat([a, b])
    with pytest.raises(ValueError, match=r"stack: all tensors must have the same shape"):
        mg.stack([a, b])
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1\] do not add up to 3"):
        a.split([1, 1])
    with pytest.raises(IndexError, match=r"sum: dim 2 is out of range for a 2-d tensor \(valid: -2..1\)"):
        a.sum(2)
    with pytest.raises(IndexError, match=r"getitem: .*\(tensor shape \(3, 4\)\)"):
        a[7]
    with pytest.raises(ValueError, match=r"clip: min \(2\) is larger than max \(1\)"):
        a.clip(2, 1)
    with pytest.raises(ValueError, match=r"linear: input \(3, 4\) does not match weight \(5, 2\)"):
        mg.linear(a, b)
    with pytest.raises(ValueError, match=r"var: 1 element\(s\)"):
        mg.randn(1, 3).var(0)
    with pytest.raises(ValueError, match=r"permute: \(0, 0\) is not a permutation"):
        a.permute(0, 0)
    # errors raised by NumPy itself are re-raised naming the op, the shapes and the dtypes
    with pytest.raises(ValueError, match=r"Add \(input shapes \(3, 4\), \(5, 2\)\): operands could not be "
                                         r"broadcast.*\(dtypes float32, float32\)"):
        a + b
    with pytest.raises(ValueError, match=r"Mul \(input shapes \(3,\), \(4,\)\)"):
        mg.randn(3) * mg.randn(4)


def test_failed_op_leaves_inputs_untouched():
    a = mg.tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(ValueError):
        a @ mg.randn(5, 2, dtype=mg.float64)
    (a * 2).sum().backward()                          # a is still usable and unchanged
    np.testing.assert_array_equal(a.data, np.ones((3, 4)))


def test_seeded_random_numbers_repeat():
    mg.manual_seed(7)
    first = mg.randn(3).data
    mg.manual_seed(7)
    np.testing.assert_array_equal(first, mg.randn(3).data)
    g1, g2 = mg.Generator(3), mg.Generator(3)
    np.testing.assert_array_equal(mg.rand(2, 2, generator=g1).data, mg.rand(2, 2, generator=g2).data)
    state = g1.get_state()
    a = mg.randint(0, 10, (5,), generator=g1).data
    g1.set_state(state)
    np.testing.assert_array_equal(a, mg.randint(0, 10, (5,), generator=g1).data)
