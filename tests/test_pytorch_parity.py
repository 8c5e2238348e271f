"""PyTorch's rules, so that ported code runs unchanged: dtypes (checked literally, PyTorch or not),
and a table of ops whose values and gradients are compared with PyTorch itself when it is
installed (the ``bench`` extra)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

# (expression, the dtype PyTorch gives) -- the cases of issue 14, and their neighbours
DTYPE_CASES = {
    "int tensor + 0.5": (lambda m: m.tensor(1) + 0.5, "float32"),
    "int / int": (lambda m: m.tensor([5, 6]) / m.tensor([1, 2]), "float32"),
    "exp(int)": (lambda m: m.exp(m.tensor(2)), "float32"),
    "int32 ** 0.5": (lambda m: m.tensor([1, 2], dtype=m.int32) ** 0.5, "float32"),
    "int ** 2": (lambda m: m.tensor([1, 2]) ** 2, "int64"),
    "maximum(int, 0-d float)": (lambda m: m.maximum(m.tensor([1, 2, 3]), m.tensor(1.2)), "float32"),
    "float32 * 2.0": (lambda m: m.ones(3) * 2.0, "float32"),
    "float32 + 0-d float64": (lambda m: m.ones(3) + m.tensor(1.0, dtype=m.float64), "float32"),
    "float32 + float64": (lambda m: m.ones(3) + m.ones(3, dtype=m.float64), "float64"),
    "int32 + int64 0-d": (lambda m: m.ones(3, dtype=m.int32) + m.tensor(2), "int32"),
    "int + True": (lambda m: m.tensor([1, 2]) + True, "int64"),
    "2 ** float tensor": (lambda m: 2 ** m.tensor([1.0, 2.0]), "float32"),
    "sigmoid(int)": (lambda m: m.sigmoid(m.tensor([1, 2])), "float32"),
}


@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_dtype_follows_pytorch(name):
    fn, expected = DTYPE_CASES[name]
    assert str(fn(mg).dtype) == expected


@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_dtype_table_is_pytorchs(name):
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    fn, expected = DTYPE_CASES[name]
    assert str(fn(torch).dtype) == f"torch.{expected}"


def test_a_matrix_product_of_two_dtypes_is_refused_as_in_pytorch():
    with pytest.raises(TypeError, match="matmul: operands have dtypes int64 and float32"):
        mg.tensor([[1, 2]]) @ mg.ones(2, 1)


def test_pow_at_a_zero_base_has_pytorchs_gradients():
    x = mg.tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    a, b = mg.tensor([0.0, 2.0], requires_grad=True), mg.tensor([0.0, 3.0], requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, 12.0])
    np.testing.assert_allclose(b.grad.data, [0.0, 8 * np.log(2)], rtol=1e-6)
    e = mg.tensor([1.0, 2.0], requires_grad=True)
    (0 ** e).sum().backward()
    np.testing.assert_array_equal(e.grad.data, [0.0, 0.0])


def test_zero_dim_reductions_accept_dim_0_and_minus_1():
    t = mg.tensor(3.0)
    assert t.sum(0).item() == 3.0 and t.sum(-1).item() == 3.0 and t.logsumexp(-1).item() == 3.0
    with pytest.raises(IndexError, match=r"sum: dim 1 is out of range for a 0-d tensor \(valid: -1..0\)"):
        t.sum(1)


def test_a_mean_of_integers_is_refused_as_in_pytorch():
    with pytest.raises(TypeError, match="mean: input dtype int64 is not floating point"):
        mg.tensor([1, 2]).mean()


# ----------------------------------------------------------------------------- ops against PyTorch
def _ops(m, F_):
    """name -> (function of the framework module m and its functional F_, input shapes, positive?)"""
    return {
        "add_broadcast": (lambda a, b: a + b, [(3, 4), (4,)], False),
        "mul": (lambda a, b: a * b, [(3, 4), (3, 1)], False),
        "div": (lambda a, b: a / b, [(3, 4), (3, 4)], True),
        "pow": (lambda a, b: a ** b, [(3, 4), (3, 4)], True),
        "exp_log": (lambda a: m.log(m.exp(a) + 1), [(3, 4)], False),
        "sqrt": (lambda a: m.sqrt(a), [(3, 4)], True),
        "tanh_sigmoid": (lambda a: m.tanh(a) * m.sigmoid(a), [(3, 4)], False),
        "softmax": (lambda a: m.softmax(a, 1), [(3, 4)], False),
        "log_softmax": (lambda a: m.log_softmax(a, 0), [(3, 4)], False),
        "logsumexp": (lambda a: m.logsumexp(a, 1), [(3, 4)], False),
        "sum_mean_var": (lambda a: a.sum(0) + a.mean(1, keepdim=True) + a.var(1, keepdim=True), [(3, 4)], False),
        "amax_amin": (lambda a: a.amax(1) + a.amin((0, 1)), [(3, 4)], False),
        "max_min_dim_values": (lambda a: a.max(1).values * 2 + a.min(dim=1, keepdim=True)[0].sum(), [(3, 4)], False),
        "max_of_two": (lambda a, b: m.max(a, b) + a.min(b), [(3, 4), (3, 4)], False),
        "matmul_batched": (lambda a, b: a @ b, [(2, 3, 4), (4, 5)], False),
        "reshape_transpose": (lambda a: a.reshape(4, 3).transpose(0, 1) * 2, [(3, 4)], False),
        "getitem": (lambda a: a[1:, ::2] * a[[0, 0, 2]][:2, 1:3], [(3, 4)], False),
        "cat_stack": (lambda a, b: m.cat([a, b], 0).sum() + m.stack([a, b], 1).sum(), [(2, 3), (2, 3)], False),
        "mse": (lambda a, b: F_.mse_loss(a, b), [(3, 4), (3, 4)], False),
        "bce_logits": (lambda a, b: F_.binary_cross_entropy_with_logits(a, m.sigmoid(b)), [(3, 4), (3, 4)], False),
        "conv2d": (lambda a, w: F_.conv2d(a, w, None, 2, 1), [(2, 3, 7, 7), (4, 3, 3, 3)], False),
        "conv_transpose2d": (lambda a, w: F_.conv_transpose2d(a, w, None, 2, 1), [(2, 3, 4, 4), (3, 2, 3, 3)], False),
        "max_pool2d": (lambda a: F_.max_pool2d(a, 2), [(2, 3, 6, 6)], False),
        "avg_pool2d": (lambda a: F_.avg_pool2d(a, 2), [(2, 3, 6, 6)], False),
        "leaky_relu_elu_softplus": (lambda a: F_.leaky_relu(a, 0.1) + F_.elu(a) + F_.softplus(a), [(3, 4)], False),
        "gelu_silu_logsigmoid_selu": (lambda a: F_.gelu(a) + F_.silu(a) + F_.logsigmoid(a) + F_.selu(a), [(3, 4)], False),
        "sin_cos_log1p": (lambda a: m.sin(a) * m.cos(a) + m.log1p(a), [(3, 4)], True),
        "cumsum_flip": (lambda a: a.cumsum(1).flip(0) * a, [(3, 4)], False),
        "gather": (lambda a: a.gather(1, _index(m)), [(3, 4)], False),
        "repeat_chunk": (lambda a: a.repeat(2, 1, 2).chunk(2, 2)[1], [(3, 4)], False),
        "pad": (lambda a: F_.pad(a, (1, 2, 0, 1), value=0.5), [(2, 3, 4)], False),
        "std_norm": (lambda a: a.std(1) + a.norm(dim=0).sum(), [(3, 4)], False),
        "masked_fill_clone": (lambda a: a.masked_fill(_mask(m), 0.25).clone() * a, [(3, 4)], False),
        "hardtanh_relu6": (lambda a: F_.hardtanh(a * 0.7) + F_.relu6(a * 4), [(3, 4)], False),
        "einsum_batched": (lambda a, b: m.einsum("bij,bkj->bik", a, b), [(2, 3, 4), (2, 5, 4)], False),
        "einsum_ellipsis_implicit": (lambda a, b: m.einsum("...ij,jk", a, b), [(2, 3, 4), (4, 2)], False),
        "conv2d_groups": (lambda a, w: F_.conv2d(a, w, None, 1, 1, 1, 2), [(2, 4, 5, 5), (6, 2, 3, 3)], False),
        "conv_transpose2d_groups": (lambda a, w: F_.conv_transpose2d(a, w, None, 2, 1, 1, 2),
                                    [(2, 4, 3, 3), (4, 3, 3, 3)], False),
        "conv1d": (lambda a, w: F_.conv1d(a, w, None, 2, 1, 2), [(2, 3, 9), (4, 3, 3)], False),
        "pool1d": (lambda a: F_.max_pool1d(a, 2) + F_.avg_pool1d(a, 2), [(2, 3, 8)], False),
        "bmm_mm": (lambda a, b: m.bmm(a, b) + m.mm(a[0], b[1]), [(2, 3, 4), (2, 4, 5)], False),
    }


def _index(m):
    return m.tensor([[0, 0, 3], [1, 2, 2], [3, 1, 0]])


def _mask(m):
    return m.tensor(np.random.default_rng(5).random((3, 4)) < 0.5)


@pytest.mark.parametrize("name", sorted(_ops(mg, F)))
def test_op_matches_pytorch_in_value_and_gradient(name):
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    import torch.nn.functional as TF
    fn_mg, shapes, positive = _ops(mg, F)[name]
    fn_torch = _ops(torch, TF)[name][0]
    rng = np.random.default_rng(abs(hash(name)) % 2 ** 32)
    values = [rng.uniform(0.3, 2.0, s) if positive else rng.uniform(-2.0, 2.0, s) for s in shapes]
    ours = [mg.tensor(v, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    out_mg, out_torch = fn_mg(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out_mg.data, out_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(out_mg.shape)
    out_mg.backward(g)
    out_torch.backward(torch.tensor(g))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_max_along_a_dim_returns_values_and_indices_as_pytorch():
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    data = np.array([[1.0, 3.0, 3.0], [5.0, 2.0, 5.0]])          # ties: the first index wins
    for op in ("max", "min"):
        for dim, keepdim in ((0, False), (1, False), (-1, True)):
            ours, theirs = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
            a, b = getattr(ours, op)(dim, keepdim), getattr(theirs, op)(dim, keepdim)
            np.testing.assert_array_equal(a.values.data, b.values.detach().numpy())
            np.testing.assert_array_equal(a.indices.data, b.indices.numpy())
            assert a.indices.dtype == mg.int64
            a.values.sum().backward()
            b.values.sum().backward()
            np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())   # to the returned index only
    values, indices = mg.tensor(2.0).max(0)
    assert values.item() == 2.0 and indices.item() == 0
    with pytest.raises(TypeError, match=r"max: dim must be one int .* use amax"):
        mg.ones(2, 3).max((0, 1))
    with pytest.raises(IndexError, match=r"max: dim 2 is out of range"):
        mg.ones(2, 3).max(2)


# Index expressions where NumPy's and PyTorch's rules could differ (ints mixed with index arrays)
# and the plain ones; written with a placeholder L for "an index list", turned into each library's type.
_INDEXES = [
    (1, slice(None), "L01"), ("L01", slice(None), 1), (slice(None), 1, "L01"), (1, "L01"),
    (1, slice(None), "L01", slice(1, 3)), (Ellipsis, "L02", 1), (1, None, slice(None), "L110"),
    ("L01", "L12"), (slice(None), "L01", "L12"), (0, slice(1, None), slice(None), "L110"),
    (slice(None, None, 2), 2), ("M",), (1, "M5"), (1, slice(None), "R2"),
]
_LISTS = {"L01": [0, 1], "L02": [0, 2], "L110": [1, 1, 0], "L12": [1, 2]}


def _index_for(lib, index):
    rng = np.random.default_rng(3)
    masks = {"M": rng.random((2, 5, 6, 3)) < 0.5, "M5": rng.random((5, 6)) < 0.5}

    def convert(part):
        if part == "R2":
            return range(2)                       # a Python range indexes like a list
        if isinstance(part, str):
            return lib.tensor(masks[part] if part in masks else _LISTS[part])
        return part
    return tuple(convert(p) for p in index)


@pytest.mark.parametrize("index", _INDEXES, ids=str)
def test_indexing_and_assignment_follow_pytorch(index):
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    data = np.random.default_rng(0).standard_normal((2, 5, 6, 3))
    ours, theirs = mg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    a, b = ours[_index_for(mg, index)], theirs[_index_for(torch, index)]
    assert a.shape == tuple(b.shape)
    np.testing.assert_array_equal(a.data, b.detach().numpy())
    g = np.random.default_rng(1).standard_normal(a.shape)
    a.backward(g)
    b.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), atol=1e-12)   # repeats add up
    # x[index] = value writes the same places (the last write wins where an index repeats)
    value = np.arange(np.prod(a.shape), dtype=np.float64).reshape(a.shape)
    ours, theirs = mg.tensor(data), torch.tensor(data)
    ours[_index_for(mg, index)] = mg.tensor(value)
    theirs[_index_for(torch, index)] = torch.tensor(value)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_assignment_is_an_in_place_op_with_its_rules():
    x = mg.zeros(2, 3)
    version = x._version[0]
    x[0] = 1.5
    x[:, 1] = mg.tensor([7, 8])                           # cast to x's dtype
    np.testing.assert_array_equal(x.data, [[1.5, 7, 1.5], [0, 8, 0]])
    assert x.dtype == mg.float32 and x._version[0] == version + 2
    w = mg.ones(3, requires_grad=True)
    y = (w * x[0]).sum()                                  # x[0] saved for backward, then changed
    x[0, 0] = 100.0
    with pytest.raises(RuntimeError, match="modified"):
        y.backward()
    with pytest.raises(RuntimeError, match=r"__setitem__: a leaf tensor that requires grad"):
        w[0] = 2.0
    with mg.no_grad():
        w[0] = 2.0                                         # initialisation, as PyTorch allows
    with pytest.raises(RuntimeError, match=r"__setitem__: in-place modification of a tensor computed by an op"):
        (w * 2)[0] = 1.0
    with pytest.raises(RuntimeError, match=r"__setitem__: the value \(shape \(\)\) requires grad"):
        mg.zeros(3)[0] = w.sum()
    with pytest.raises(ValueError, match=r"__setitem__: .*broadcast.* \(tensor shape \(2, 3\)\)"):
        x[0] = mg.ones(2)
    with pytest.raises(IndexError, match=r"__setitem__: .*out of bounds.*\(tensor shape \(2, 3\)\)"):
        x[5] = 1.0


# ----------------------------------------------------------------------------- what ported programs call
def test_the_calls_pytorchs_example_programs_make_exist_and_behave():
    from minigrad import nn
    from minigrad.utils.data import DataLoader, TensorDataset

    device = mg.accelerator.current_accelerator() if mg.accelerator.is_available() else mg.device("cpu")
    assert str(device) in ("cpu", "cuda") and device.type in ("cpu", "cuda")
    assert mg.tensor([1.0]).to(device).device.startswith(device.type)
    loader = DataLoader(TensorDataset(np.zeros((6, 2), np.float32)), batch_size=4, num_workers=2, pin_memory=True,
                        persistent_workers=True)
    assert [len(b[0]) for b in loader] == [4, 2]
    layer = nn.Linear(3, 2, device=device, dtype=mg.float64)
    assert layer.weight.dtype == np.float64
    seen = []
    nn.Sequential(nn.Linear(2, 2), nn.ReLU(inplace=True), nn.LeakyReLU(0.2, inplace=True)).apply(
        lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "ReLU", "LeakyReLU", "Sequential"]
    assert mg.Tensor([-4.0]).dtype == np.float32
    assert mg.full((2, 2), 4).dtype == np.int64 and mg.full((2,), 1.5).dtype == np.float32
    np.testing.assert_array_equal(mg.linspace(0, 5, 4, dtype=mg.int64).data, [0, 1, 3, 5])
    r = mg.randint(10, (3,))
    assert r.shape == (3,) and r.dtype == np.int64 and mg.randint(2, 5, (4,)).data.min() >= 2
    x = mg.randn(2, 3)
    assert mg.randn_like(x).shape == (2, 3) and x.eq(x).data.all() and x.mm(x.T).shape == (2, 2)
    assert f"{mg.tensor(3.14159):+.2f}" == "+3.14" and not x.is_cuda


def test_full_and_linspace_match_pytorch():
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    assert str(torch.full((2, 2), 4).dtype) == "torch.int64"
    np.testing.assert_array_equal(torch.linspace(0, 5, 4, dtype=torch.int64).numpy(),
                                  mg.linspace(0, 5, 4, dtype=mg.int64).data)
    assert str(torch.Tensor([-4.0]).dtype) == "torch.float32"


CE_CASES = {
    "indices": dict(),
    "indices_weight": dict(weight=True),
    "ignore_index": dict(ignore=True),
    "ignore_index_weight_smoothing": dict(ignore=True, weight=True, label_smoothing=0.2),
    "label_smoothing": dict(label_smoothing=0.1),
    "probabilities": dict(probabilities=True),
    "probabilities_smoothing_weight": dict(probabilities=True, label_smoothing=0.3, weight=True),
    "spatial_indices_ignore": dict(spatial=True, ignore=True),
    "sum": dict(reduction="sum", ignore=True),
    "none": dict(reduction="none", label_smoothing=0.1),
}


def _ce_inputs(case):
    rng = np.random.default_rng(11)
    shape = (4, 3, 2, 2) if case.get("spatial") else (5, 3)
    x = rng.standard_normal(shape)
    if case.get("probabilities"):
        target = rng.random(shape)
        target /= target.sum(1, keepdims=True)
    else:
        target = rng.integers(0, 3, (shape[0],) + shape[2:])
        if case.get("ignore"):
            target.flat[[0, 3]] = -100
    weight = np.array([0.5, 2.0, 1.0]) if case.get("weight") else None
    return x, target, weight


@pytest.mark.parametrize("name", sorted(CE_CASES))
def test_cross_entropy_variants_have_gradients(name):
    case = CE_CASES[name]
    x, target, weight = _ce_inputs(case)
    kwargs = dict(reduction=case.get("reduction", "mean"), label_smoothing=case.get("label_smoothing", 0.0))
    fn = lambda t: F.cross_entropy(t, mg.tensor(target), None if weight is None else weight, **kwargs).sum()  # noqa: E731
    assert mg.gradcheck(fn, [mg.tensor(x, requires_grad=True)])


@pytest.mark.parametrize("name", sorted(CE_CASES))
def test_cross_entropy_variants_match_pytorch(name):
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    case = CE_CASES[name]
    x, target, weight = _ce_inputs(case)
    kwargs = dict(reduction=case.get("reduction", "mean"), label_smoothing=case.get("label_smoothing", 0.0))
    ours_x = mg.tensor(x, requires_grad=True)
    ours = F.cross_entropy(ours_x, mg.tensor(target), None if weight is None else weight, **kwargs)
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.cross_entropy(theirs_x, torch.tensor(target),
                                               None if weight is None else torch.tensor(weight), **kwargs)
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("spatial", [False, True])
def test_nll_loss_with_ignore_index_and_spatial_dims_matches_pytorch(spatial):
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    x, target, _ = _ce_inputs(dict(spatial=spatial, ignore=True))
    weight = np.array([0.5, 2.0, 1.0])
    ours_x = mg.tensor(x, requires_grad=True)
    ours = F.nll_loss(mg.log_softmax(ours_x, 1), mg.tensor(target), weight)
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.nll_loss(torch.log_softmax(theirs_x, 1), torch.tensor(target), torch.tensor(weight))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_smooth_l1_batch_norm_view_as_and_adadelta_match_pytorch():
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3))
    for beta in (1.0, 0.5):
        ours_x = mg.tensor(x, requires_grad=True)
        ours = F.smooth_l1_loss(ours_x, mg.tensor(y), beta=beta)
        theirs_x = torch.tensor(x, requires_grad=True)
        theirs = torch.nn.functional.smooth_l1_loss(theirs_x, torch.tensor(y), beta=beta)
        ours.backward()
        theirs.backward()
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
        np.testing.assert_allclose(ours_x.grad.data, theirs_x.grad.numpy(), rtol=1e-10)
    images = rng.standard_normal((5, 3, 2, 2))
    mean_o, var_o = mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64)
    mean_t, var_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out_o = F.batch_norm(mg.tensor(images), mean_o, var_o, training=True, momentum=0.2)
    out_t = torch.nn.functional.batch_norm(torch.tensor(images), mean_t, var_t, training=True, momentum=0.2)
    np.testing.assert_allclose(out_o.data, out_t.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean_o.data, mean_t.numpy(), rtol=1e-10)
    np.testing.assert_allclose(var_o.data, var_t.numpy(), rtol=1e-10)
    evaluated = F.batch_norm(mg.tensor(images), mean_o, var_o, training=False)
    np.testing.assert_allclose(evaluated.data, torch.nn.functional.batch_norm(torch.tensor(images), mean_t, var_t).numpy(),
                               rtol=1e-10, atol=1e-12)
    assert mg.zeros(2, 6).view_as(mg.zeros(3, 4)).shape == (3, 4)
    w_o, w_t = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    opt_o, opt_t = mg.optim.Adadelta([w_o], lr=0.5, weight_decay=0.1), torch.optim.Adadelta([w_t], lr=0.5, weight_decay=0.1)
    for _ in range(5):
        opt_o.zero_grad()
        (w_o * w_o * w_o).sum().backward()
        opt_o.step()
        opt_t.zero_grad()
        (w_t * w_t * w_t).sum().backward()
        opt_t.step()
    np.testing.assert_allclose(w_o.data, w_t.detach().numpy(), rtol=1e-10)


def test_smooth_l1_loss_gradient():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4)) * 2
    x[np.abs(np.abs(x) - 1.0) < 0.05] += 0.2          # away from the |d| = beta seam
    assert mg.gradcheck(lambda t: F.smooth_l1_loss(t, mg.zeros(3, 4, dtype=mg.float64)), [mg.tensor(x, requires_grad=True)])


# ----------------------------------------------------------------------------- refusals
# Wrong calls that PyTorch refuses: minigrad refuses each too (the exception types may differ --
# PyTorch raises RuntimeError where minigrad raises ValueError / TypeError, which say more).
# Called as fn(m, F, nn, optim) with minigrad's or PyTorch's modules.


def _backward_twice(m):
    x = m.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _param(m):
    return [m.zeros(2, requires_grad=True)]


REFUSED_BY_BOTH = {
    "unsqueeze 10": lambda m, F, nn, o: m.zeros(2, 3).unsqueeze(10),
    "transpose dim 5": lambda m, F, nn, o: m.transpose(m.zeros(2, 3), 0, 5),
    "reshape -2": lambda m, F, nn, o: m.zeros(2, 3).reshape(-2, 3),
    "cat dim 5": lambda m, F, nn, o: m.cat([m.zeros(2, 3), m.zeros(2, 3)], dim=5),
    "zeros(-1)": lambda m, F, nn, o: m.zeros(-1),
    "randn int64": lambda m, F, nn, o: m.randn(2, dtype=m.int64),
    "conv2d stride 0": lambda m, F, nn, o: F.conv2d(m.zeros(1, 1, 6, 6), m.zeros(1, 1, 3, 3), stride=0),
    "conv2d padding -1": lambda m, F, nn, o: F.conv2d(m.zeros(1, 1, 6, 6), m.zeros(1, 1, 3, 3), padding=-1),
    "max_pool2d 0": lambda m, F, nn, o: F.max_pool2d(m.zeros(1, 1, 6, 6), 0),
    "max_pool2d bigger than input": lambda m, F, nn, o: F.max_pool2d(m.zeros(1, 1, 2, 2), 3),
    "Linear(3, -1)": lambda m, F, nn, o: nn.Linear(3, -1),
    "Linear wrong input": lambda m, F, nn, o: nn.Linear(3, 2)(m.zeros(4, 5)),
    "bce input 1.5": lambda m, F, nn, o: F.binary_cross_entropy(m.tensor([1.5]), m.tensor([1.0])),
    "nll target -1": lambda m, F, nn, o: F.nll_loss(m.zeros(4, 3), m.tensor([0, 1, 2, -1])),
    "ce target 3": lambda m, F, nn, o: F.cross_entropy(m.zeros(2, 3), m.tensor([0, 3])),
    "ce target shape": lambda m, F, nn, o: F.cross_entropy(m.zeros(2, 3), m.tensor([0, 1, 2])),
    "mse shapes (2, 3) (3, 2)": lambda m, F, nn, o: F.mse_loss(m.zeros(2, 3), m.zeros(3, 2)),
    "SGD lr -1": lambda m, F, nn, o: o.SGD(_param(m), lr=-1.0),
    "Adam beta2 1": lambda m, F, nn, o: o.Adam(_param(m), betas=(0.9, 1.0)),
    "Adam eps -1": lambda m, F, nn, o: o.Adam(_param(m), eps=-1.0),
    "SGD empty": lambda m, F, nn, o: o.SGD([], lr=0.1),
    "requires_grad ints": lambda m, F, nn, o: m.tensor([1, 2], requires_grad=True),
    "mean of ints": lambda m, F, nn, o: m.tensor([1, 2]).mean(),
    "permute 0 0": lambda m, F, nn, o: m.zeros(2, 3).permute(0, 0),
    "matmul inner": lambda m, F, nn, o: m.zeros(3, 4) @ m.zeros(5, 2),
    "matmul dtypes": lambda m, F, nn, o: m.zeros(2, 2) @ m.zeros(2, 2, dtype=m.float64),
    "where float cond": lambda m, F, nn, o: m.where(m.tensor([1.0, 0.0]), m.zeros(2), m.ones(2)),
    "randperm -1": lambda m, F, nn, o: m.randperm(-1),
    "arange step 0": lambda m, F, nn, o: m.arange(0, 5, 0),
    "Dropout 2": lambda m, F, nn, o: nn.Dropout(2.0),
    "backward twice": lambda m, F, nn, o: _backward_twice(m),
    "backward non-scalar": lambda m, F, nn, o: (m.ones(3, requires_grad=True) * 2).backward(),
    "add_ on leaf": lambda m, F, nn, o: m.zeros(2, requires_grad=True).add_(1.0),
    "numpy of grad tensor": lambda m, F, nn, o: m.zeros(2, requires_grad=True).numpy(),
    "einsum sizes": lambda m, F, nn, o: m.einsum("ij,jk->ik", m.ones(3, 4), m.ones(5, 6)),
    "conv2d groups": lambda m, F, nn, o: F.conv2d(m.zeros(1, 4, 5, 5), m.zeros(6, 2, 3, 3), groups=3),
    "one_hot negative": lambda m, F, nn, o: F.one_hot(m.tensor([-1, 2])),
    "BatchNorm1d channels": lambda m, F, nn, o: nn.BatchNorm1d(3)(m.zeros(4, 5)),
    "split 0": lambda m, F, nn, o: m.zeros(2, 3).split(0),
    "squeeze 50": lambda m, F, nn, o: m.zeros(1, 2).squeeze(50),
    "leaky_relu 'a'": lambda m, F, nn, o: F.leaky_relu(m.zeros(3), "a"),
    "full 'a'": lambda m, F, nn, o: m.full((2,), "a"),
    "ones dtype str": lambda m, F, nn, o: m.ones(2, dtype="float33"),
    "x + 'a'": lambda m, F, nn, o: m.zeros(2) + "a",
    "x + None": lambda m, F, nn, o: m.zeros(2) + None,
    "x + '0'": lambda m, F, nn, o: m.zeros(2) + "0",
    "tensor of text": lambda m, F, nn, o: m.tensor(["a"]),
    "exp('a')": lambda m, F, nn, o: m.exp("a"),
    "sum dim 2": lambda m, F, nn, o: m.zeros(2, 3).sum(2),
    "softmax dim 5": lambda m, F, nn, o: F.softmax(m.zeros(2, 3), 5),
    "Conv2d groups": lambda m, F, nn, o: nn.Conv2d(4, 6, 3, groups=4),
    "MaxPool2d 0 call": lambda m, F, nn, o: nn.MaxPool2d(0)(m.zeros(1, 1, 4, 4)),
    "conv on uint8": lambda m, F, nn, o: F.conv2d(m.tensor(np.zeros((1, 1, 4, 4), np.uint8)), m.zeros(1, 1, 3, 3)),
    "StepLR step 0": lambda m, F, nn, o: o.lr_scheduler.StepLR(o.SGD(_param(m), lr=0.1), step_size=0).step(),
    "gather float index": lambda m, F, nn, o: m.gather(m.zeros(2, 3), 1, m.tensor([[0.0]])),
    "gather index 5": lambda m, F, nn, o: m.gather(m.zeros(2, 3), 1, m.tensor([[5]])),
    "bmm 2-d": lambda m, F, nn, o: m.bmm(m.zeros(2, 3), m.zeros(3, 2)),
    "mm 3-d": lambda m, F, nn, o: m.mm(m.zeros(2, 3, 4), m.zeros(4, 2)),
    "chunk 0": lambda m, F, nn, o: m.zeros(4).chunk(0),
    "broadcast_to": lambda m, F, nn, o: m.zeros(3).broadcast_to((2,)),
    "normal_ std -1": lambda m, F, nn, o: nn.init.normal_(m.zeros(3), std=-1),
    "uniform_ a>b": lambda m, F, nn, o: nn.init.uniform_(m.zeros(3), 1, 0),
    "kaiming mode": lambda m, F, nn, o: nn.init.kaiming_normal_(m.zeros(3, 3), mode="fan"),
    "xavier vector": lambda m, F, nn, o: nn.init.xavier_uniform_(m.zeros(3)),
    "calculate_gain swish": lambda m, F, nn, o: nn.init.calculate_gain("swish"),
    "Flatten(2, 1) call": lambda m, F, nn, o: nn.Flatten(2, 1)(m.zeros(2, 3, 4)),
    "Unflatten -2": lambda m, F, nn, o: nn.Unflatten(1, (-2, 3))(m.zeros(2, 6)),
    "Upsample 0": lambda m, F, nn, o: nn.Upsample(scale_factor=0)(m.zeros(1, 1, 2, 2)),
    "linspace -1": lambda m, F, nn, o: m.linspace(0, 1, -1),
    "eye -1": lambda m, F, nn, o: m.eye(-1),
    "load_state_dict shape": lambda m, F, nn, o: nn.Linear(2, 3).load_state_dict({"weight": m.zeros(2, 3), "bias": m.zeros(3)}),
    "load_state_dict missing": lambda m, F, nn, o: nn.Linear(2, 3).load_state_dict({"weight": m.zeros(3, 2)}),
    "Adam load {}": lambda m, F, nn, o: o.Adam(_param(m)).load_state_dict({}),
    "dropout training 'yes'": lambda m, F, nn, o: F.dropout(m.zeros(3), 0.5, training="yes"),
    "pad value 'a'": lambda m, F, nn, o: F.pad(m.zeros(2, 3), (1, 1), value="a"),
    "Softmax('a') call": lambda m, F, nn, o: nn.Softmax("a")(m.zeros(2)),
    "CE smoothing 2": lambda m, F, nn, o: nn.CrossEntropyLoss(label_smoothing=2)(m.zeros(2, 3), m.tensor([0, 1])),
    "max tuple": lambda m, F, nn, o: m.ones(2, 3).max((0, 1)),
    "setitem parameter": lambda m, F, nn, o: nn.Linear(2, 2).weight.__setitem__(0, 1.0),
    "rand_like ints": lambda m, F, nn, o: m.rand_like(m.tensor([1, 2])),
    "zeros_like list": lambda m, F, nn, o: m.zeros_like([1, 2]),
    "Sequential of int": lambda m, F, nn, o: nn.Sequential(nn.ReLU(), 3),
    "ModuleList of int": lambda m, F, nn, o: nn.ModuleList([3]),
    "LeakyReLU 'a' call": lambda m, F, nn, o: nn.LeakyReLU("a")(m.zeros(2)),
    "Conv1d on images": lambda m, F, nn, o: F.conv1d(m.zeros(1, 4, 5, 5), m.zeros(6, 4, 3)),
    "avg_pool1d on images": lambda m, F, nn, o: F.avg_pool1d(m.zeros(1, 1, 6, 6), 2),
    "conv_t output_padding": lambda m, F, nn, o: F.conv_transpose2d(m.zeros(1, 1, 6, 6), m.zeros(1, 1, 3, 3), stride=2, output_padding=2),
    "smooth_l1 beta -1": lambda m, F, nn, o: F.smooth_l1_loss(m.zeros(2, 3), m.zeros(2, 3), beta=-1),
    "AdamW wd -1": lambda m, F, nn, o: o.AdamW(_param(m), weight_decay=-1),
    "Adadelta rho 2": lambda m, F, nn, o: o.Adadelta(_param(m), rho=2),
    "cumsum dim 'a'": lambda m, F, nn, o: m.cumsum(m.zeros(2), 'a'),
    "flip dim 4": lambda m, F, nn, o: m.flip(m.zeros(2, 3), (4,)),
    "randint float": lambda m, F, nn, o: m.randint(2.5, (3,)),
    "randint size -1": lambda m, F, nn, o: m.randint(5, (-1,)),
    "Parameter ints": lambda m, F, nn, o: nn.Parameter(m.tensor([1, 2])),
    "to dtype str": lambda m, F, nn, o: m.zeros(2).to(dtype="x"),
    "Linear on int input": lambda m, F, nn, o: nn.Linear(2, 3)(m.tensor([[1, 2]])),
    "Linear on float64 input": lambda m, F, nn, o: nn.Linear(2, 3)(m.zeros(1, 2, dtype=m.float64)),
    "dropout of ints": lambda m, F, nn, o: F.dropout(m.tensor([1, 2]), 0.5),
}

# Wrong calls that minigrad refuses and PyTorch computes anyway (or does not implement the same
# way), with the reason; the README's "Rules worth knowing" names them.
STRICTER_THAN_PYTORCH = {
    "mse broadcast (2,3) (3,)": (lambda m, F, nn, o: F.mse_loss(m.zeros(2, 3), m.zeros(3)),
        "a target that only broadcasts to the input is nearly always a bug ((N, 1) vs (N,)); PyTorch warns and computes"),
    "SGD lr nan": (lambda m, F, nn, o: o.SGD([m.zeros(2, requires_grad=True)], lr=float('nan')),
        "a NaN learning rate turns every weight into NaN at the first step"),
    "SGD on ints": (lambda m, F, nn, o: o.SGD([m.tensor([1, 2])], lr=0.1),
        "a parameter that cannot require grad is never updated"),
    "manual_seed -1": (lambda m, F, nn, o: m.manual_seed(-1),
        "NumPy's generators take seeds >= 0; PyTorch maps negative seeds"),
    "einsum diagonal": (lambda m, F, nn, o: m.einsum('ii->i', m.ones(3, 3)),
        "a letter repeated in one operand (diagonals) is not implemented"),
    "tensor complex": (lambda m, F, nn, o: m.tensor(np.array([1 + 2j])),
        "complex tensors are not supported (README)"),
    "Conv2d out 0": (lambda m, F, nn, o: nn.Conv2d(1, 0, 3),
        "a layer with no output channel computes nothing"),
    "clip min>max": (lambda m, F, nn, o: m.zeros(2).clip(1.0, -1.0),
        "min > max has no meaning; PyTorch returns max everywhere"),
    "var one element": (lambda m, F, nn, o: m.zeros(1).var(0),
        "the unbiased variance of one value divides by zero; PyTorch returns NaN with a warning"),
    "RMSprop alpha 2": (lambda m, F, nn, o: o.RMSprop([m.zeros(2, requires_grad=True)], alpha=2),
        "a smoothing constant outside [0, 1] makes the running average negative"),
    "setitem grad value": (lambda m, F, nn, o: m.zeros(3).__setitem__(0, m.ones(1, requires_grad=True).sum()),
        "x[i] = v is not recorded in the graph, so v's gradient would be lost (README)"),
    "hardtanh nan": (lambda m, F, nn, o: F.hardtanh(m.zeros(2, 3), float('nan'), 1.0),
        "a NaN bound makes every output NaN"),
    "BatchNorm2d(0)": (lambda m, F, nn, o: nn.BatchNorm2d(0),
        "a normalisation over no channel"),
    "max_pool2d on ints": (lambda m, F, nn, o: F.max_pool2d(m.ones(1, 1, 4, 4, dtype=m.int32), 2),
        "pooling is for float feature maps; integer images are a missing .float() and scaling"),
    "ELU nan": (lambda m, F, nn, o: nn.ELU(float('nan'))(m.zeros(2)),
        "a NaN alpha makes the negative side NaN"),
}


def _modules(framework):
    if framework == "minigrad":
        from minigrad import nn, optim
        return mg, F, nn, optim
    torch = pytest.importorskip("torch", reason="comparing with PyTorch needs the bench extra")
    return torch, torch.nn.functional, torch.nn, torch.optim


@pytest.mark.parametrize("name", sorted(REFUSED_BY_BOTH))
@pytest.mark.parametrize("framework", ["minigrad", "torch"])
def test_a_call_pytorch_refuses_is_refused(framework, name):
    with warnings.catch_warnings():
        if framework == "torch":              # PyTorch warns about some of these before it refuses
            warnings.simplefilter("ignore")
        with pytest.raises(Exception):
            REFUSED_BY_BOTH[name](*_modules(framework))


@pytest.mark.parametrize("name", sorted(STRICTER_THAN_PYTORCH))
def test_where_minigrad_is_stricter_than_pytorch_it_refuses_and_pytorch_computes(name):
    """Keeps the table true: if PyTorch starts refusing one of these, it moves to REFUSED_BY_BOTH."""
    call, _reason = STRICTER_THAN_PYTORCH[name]
    with pytest.raises((ValueError, TypeError, RuntimeError)):
        call(*_modules("minigrad"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call(*_modules("torch"))
