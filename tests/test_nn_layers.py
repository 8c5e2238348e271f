"""Layers: hypothesis gradient checks of conv, transposed conv, pooling, upsampling, batch norm,
dropout; output shapes against the documented formulas; a naive-loop reference for the
convolution; tie rules; initialisation; bad input."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.ops.conv import conv2d_reference, conv_output_size, conv_transpose_output_size
from tests.strategies import arrays, leaf
from minigrad.ops import conv as conv_ops


@contextlib.contextmanager
def conv_path(path):
    """Run the convolutions on one of their paths: "auto" (the measured rules), "phased" (block
    copies wherever the geometry allows, however many extra columns), "gather" (strided copies),
    or "scatter" (the automatic im2col, but every adjoint -- dL/dx, a transposed convolution's
    forward -- by col2im rather than as a convolution with the flipped kernel)."""
    saved = conv_ops.PHASE_EXTRA_COLUMNS, conv_ops.ADJOINT_BY_CONVOLUTION
    conv_ops.PHASE_EXTRA_COLUMNS = {"phased": float("inf"), "gather": -1}.get(path, saved[0])
    conv_ops.ADJOINT_BY_CONVOLUTION = path != "scatter"
    try:
        yield
    finally:
        conv_ops.PHASE_EXTRA_COLUMNS, conv_ops.ADJOINT_BY_CONVOLUTION = saved


@st.composite
def conv_case(draw):
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    reach = [dilation[a] * (kernel[a] - 1) + 1 - 2 * padding[a] for a in (0, 1)]
    h = draw(st.integers(max(1, reach[0]), max(1, reach[0]) + 4))
    w = draw(st.integers(max(1, reach[1]), max(1, reach[1]) + 4))
    return (n, c, h, w), (o, c) + kernel, stride, padding, dilation, draw(st.booleans())


@given(case=conv_case(), path=st.sampled_from(["auto", "phased", "scatter"]), data=st.data())
def test_conv2d(case, path, data):
    with conv_path(path):
        check_conv2d(case, data)


def check_conv2d(case, data):
    x_shape, w_shape, stride, padding, dilation, bias = case
    x, w = data.draw(arrays(x_shape, layout=False)), data.draw(arrays(w_shape, layout=False))
    b = data.draw(arrays((w_shape[0],))) if bias else None
    tensors = [leaf(x), leaf(w)] + ([leaf(b)] if bias else [])
    y = F.conv2d(*tensors[:2], tensors[2] if bias else None, stride, padding, dilation)
    expected_hw = tuple(conv_output_size(x_shape[2 + a], w_shape[2 + a], stride[a], padding[a], dilation[a])
                        for a in (0, 1))
    assert y.shape == (x_shape[0], w_shape[0]) + expected_hw
    np.testing.assert_allclose(y.data, conv2d_reference(x, w, b, stride, padding, dilation), atol=1e-10)
    fn = (lambda a, k, c: F.conv2d(a, k, c, stride, padding, dilation)) if bias else \
        (lambda a, k: F.conv2d(a, k, None, stride, padding, dilation))
    assert mg.gradcheck(fn, tensors)


@given(groups=st.integers(1, 3), per_group=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       kernel=st.integers(1, 3), stride=st.integers(1, 2), padding=st.integers(0, 1), bias=st.booleans(),
       data=st.data())
def test_grouped_conv2d_is_one_convolution_per_group(groups, per_group, kernel, stride, padding, bias, data):
    c, o = per_group[0] * groups, per_group[1] * groups
    x = data.draw(arrays((2, c, 4, 5), layout=False))
    w = data.draw(arrays((o, c // groups, kernel, kernel), layout=False))
    b = data.draw(arrays((o,))) if bias else None
    tensors = [leaf(x), leaf(w)] + ([leaf(b)] if bias else [])
    y = F.conv2d(*tensors[:2], tensors[2] if bias else None, stride, padding, 1, groups)
    ci, oi = c // groups, o // groups
    expected = np.concatenate([conv2d_reference(x[:, g * ci:(g + 1) * ci], w[g * oi:(g + 1) * oi],
                                                None if b is None else b[g * oi:(g + 1) * oi], (stride,) * 2,
                                                (padding,) * 2) for g in range(groups)], axis=1)
    np.testing.assert_allclose(y.data, expected, atol=1e-10)
    assert mg.gradcheck(lambda *ts: F.conv2d(ts[0], ts[1], ts[2] if bias else None, stride, padding, 1, groups),
                        tensors)
    # the transposed convolution with groups is its adjoint: <conv_T(g), x> = <g, conv(x)>
    g = np.random.default_rng(0).standard_normal(y.shape)
    out_pad = tuple(x.shape[2 + a] - conv_transpose_output_size(y.shape[2 + a], kernel, stride, padding)
                    for a in (0, 1))
    if max(out_pad) < stride:
        back = F.conv_transpose2d(leaf(g, False), leaf(w, False), None, stride, padding, out_pad, groups)
        plain = F.conv2d(leaf(x, False), leaf(w, False), None, stride, padding, 1, groups)
        np.testing.assert_allclose((back.data * x).sum(), (g * plain.data).sum(), rtol=1e-9, atol=1e-9)
        assert mg.gradcheck(lambda a, k: F.conv_transpose2d(a, k, None, stride, padding, out_pad, groups),
                            [leaf(g), leaf(w)])


@given(n=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3), length=st.integers(3, 7),
       kernel=st.integers(1, 3), stride=st.integers(1, 2), padding=st.integers(0, 1), dilation=st.integers(1, 2),
       data=st.data())
def test_conv1d_and_1d_pooling(n, c, o, length, kernel, stride, padding, dilation, data):
    """conv1d is the definition y[n, o, l] = b[o] + sum_{c,u} W[o, c, u] x_pad[n, c, l s + u d]."""
    if dilation * (kernel - 1) + 1 > length + 2 * padding:
        return
    x, w, b = data.draw(arrays((n, c, length), layout=False)), data.draw(arrays((o, c, kernel))), data.draw(arrays((o,)))
    y = F.conv1d(leaf(x), leaf(w), leaf(b), stride, padding, dilation)
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    out = (length + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    expected = np.stack([np.einsum("ncu,ocu->no", x_pad[:, :, [l * stride + u * dilation for u in range(kernel)]], w)
                         for l in range(out)], axis=2) + b[:, None]
    np.testing.assert_allclose(y.data, expected, atol=1e-10)
    assert mg.gradcheck(lambda *ts: F.conv1d(*ts, stride=stride, padding=padding, dilation=dilation),
                        [leaf(x), leaf(w), leaf(b)])
    layer = nn.Conv1d(c, o, kernel, stride, padding, dilation)
    assert layer.weight.shape == (o, c, kernel) and layer(mg.tensor(x.astype(np.float32))).shape == y.shape
    k = min(kernel + 1, length)
    xd = data.draw(arrays((n, c, length), distinct=True, layout=False))
    windows = np.stack([xd[:, :, i * k:i * k + k] for i in range(length // k)], axis=2)
    np.testing.assert_allclose(F.max_pool1d(leaf(xd), k).data, windows.max(-1))
    np.testing.assert_allclose(nn.AvgPool1d(k)(leaf(xd)).data, windows.mean(-1), atol=1e-12)
    assert mg.gradcheck(lambda t: F.max_pool1d(t, k, 1), [leaf(xd)])


@st.composite
def conv_transpose_case(draw):
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple(draw(st.integers(0, (dilation[a] * (kernel[a] - 1)) // 2)) for a in (0, 1))
    output_padding = tuple(draw(st.integers(0, max(stride[a], dilation[a]) - 1)) for a in (0, 1))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return (n, c, h, w), (c, o) + kernel, stride, padding, output_padding, dilation, draw(st.booleans())


@given(case=conv_transpose_case(), path=st.sampled_from(["auto", "phased", "scatter"]), data=st.data())
def test_conv_transpose2d(case, path, data):
    with conv_path(path):
        check_conv_transpose2d(case, data)


def check_conv_transpose2d(case, data):
    x_shape, w_shape, stride, padding, output_padding, dilation, bias = case
    out_hw = tuple(conv_transpose_output_size(x_shape[2 + a], w_shape[2 + a], stride[a], padding[a],
                                              output_padding[a], dilation[a]) for a in (0, 1))
    if min(out_hw) <= 0:
        return
    x, w = data.draw(arrays(x_shape, layout=False)), data.draw(arrays(w_shape, layout=False))
    tensors = [leaf(x), leaf(w)] + ([leaf(data.draw(arrays((w_shape[1],))))] if bias else [])

    def fn(*ts):
        return F.conv_transpose2d(ts[0], ts[1], ts[2] if bias else None, stride, padding, output_padding, dilation=dilation)

    y = fn(*tensors)
    assert y.shape == (x_shape[0], w_shape[1]) + out_hw
    # the defining property: conv_transpose is the adjoint of conv with the same weight,
    # <conv_T(x), g> = <x, conv(g)> for every g of the output's shape
    g = np.random.default_rng(0).standard_normal(y.shape)
    no_bias = F.conv_transpose2d(leaf(x, False), leaf(w, False), None, stride, padding, output_padding,
                                  dilation=dilation)
    conv_of_g = F.conv2d(leaf(g, False), leaf(w, False), None, stride, padding, dilation)
    conv_of_g = conv_of_g.data[:, :, :x_shape[2], :x_shape[3]]   # output_padding >= stride adds rows
    assert conv_of_g.shape == x.shape
    np.testing.assert_allclose((no_bias.data * g).sum(), (x * conv_of_g).sum(), rtol=1e-9, atol=1e-9)
    assert mg.gradcheck(fn, tensors)


@st.composite
def pool_case(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, kernel[a] // 2)) for a in (0, 1))
    h = draw(st.integers(max(1, kernel[0] - 2 * padding[0]), 6))
    w = draw(st.integers(max(1, kernel[1] - 2 * padding[1]), 6))
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w), kernel, stride, padding


@given(case=pool_case(), data=st.data())
def test_max_pool2d(case, data):
    shape, kernel, stride, padding = case
    x = data.draw(arrays(shape, distinct=True, layout=False))       # no ties inside a window
    y = F.max_pool2d(leaf(x), kernel, stride, padding)
    assert y.shape == shape[:2] + tuple(conv_output_size(shape[2 + a], kernel[a], stride[a], padding[a])
                                        for a in (0, 1))
    assert mg.gradcheck(lambda t: F.max_pool2d(t, kernel, stride, padding), [leaf(x)])


@given(case=pool_case(), data=st.data())
def test_avg_pool2d(case, data):
    shape, kernel, stride, padding = case
    x = data.draw(arrays(shape, layout=False))
    y = F.avg_pool2d(leaf(x), kernel, stride, padding)
    w = np.full((shape[1], 1) + kernel, 1.0 / (kernel[0] * kernel[1]))
    # average pooling = a depthwise convolution with a constant kernel
    reference = np.concatenate([conv2d_reference(x[:, c:c + 1], w[c:c + 1], None, stride, padding, (1, 1))
                                for c in range(shape[1])], axis=1)
    np.testing.assert_allclose(y.data, reference, atol=1e-12)
    assert mg.gradcheck(lambda t: F.avg_pool2d(t, kernel, stride, padding), [leaf(x)])


@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)),
       scale=st.tuples(st.integers(1, 3), st.integers(1, 3)), data=st.data())
def test_upsample_nearest(shape, scale, data):
    x = data.draw(arrays(shape, layout=False))
    y = F.upsample_nearest(leaf(x), scale)
    np.testing.assert_array_equal(y.data, x.repeat(scale[0], 2).repeat(scale[1], 3))
    assert mg.gradcheck(lambda t: F.upsample_nearest(t, scale), [leaf(x)])


def test_max_pool_tie_rule_first_in_window_wins():
    x = mg.tensor(np.array([[[[1.0, 1.0], [1.0, 0.0]]]]), dtype=mg.float64, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1.0, 0.0], [0.0, 0.0]])
    # overlapping windows add their gradients
    x = mg.tensor(np.array([[[[0.0, 5.0, 0.0]]]]), requires_grad=True)
    F.max_pool2d(x, (1, 2), stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0.0, 2.0, 0.0]])


@given(shape=st.sampled_from([(4, 3), (3, 2, 5), (2, 3, 2, 2)]), data=st.data())
def test_batch_norm_train_mode(shape, data):
    x = data.draw(arrays(shape, layout=False))
    gamma, beta = data.draw(arrays((shape[1],))), data.draw(arrays((shape[1],)))
    module = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(shape[1]).to(mg.float64)
    with mg.no_grad():
        module.weight.copy_(gamma)
        module.bias.copy_(beta)
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = (1, -1) + (1,) * (len(shape) - 2)
    y = module(leaf(x))
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    expected = gamma.reshape(bshape) * (x - mean) / np.sqrt(var + 1e-5) + beta.reshape(bshape)
    np.testing.assert_allclose(y.data, expected, atol=1e-10)
    m = x.size // shape[1]
    np.testing.assert_allclose(module.running_mean.data, 0.1 * mean.reshape(-1), atol=1e-12)
    np.testing.assert_allclose(module.running_var.data, 0.9 + 0.1 * var.reshape(-1) * m / (m - 1), atol=1e-12)
    assert int(module.num_batches_tracked.item()) == 1
    assert mg.gradcheck(lambda t, g, b: mg.ops.normalization.BatchNorm(1e-5)(t, g, b),
                        [leaf(x), leaf(gamma), leaf(beta)])


def test_batch_norm_eval_uses_running_statistics():
    bn = nn.BatchNorm1d(2).to(mg.float64)
    x = mg.tensor(np.random.default_rng(0).standard_normal((8, 2)) * 3 + 1)
    for _ in range(30):
        bn(x)
    bn.eval()
    y = bn(x)
    np.testing.assert_allclose(bn.running_mean.data, x.data.mean(0), rtol=0.05)
    expected = (x.data - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-5)
    np.testing.assert_allclose(y.data, expected, atol=1e-10)
    xt = mg.Tensor(x.data.copy(), requires_grad=True)
    assert mg.gradcheck(lambda t: bn(t), [xt])
    with pytest.raises(ValueError, match=r"BatchNorm1d\(2\): expected input with 2 or 3 dims and 2 channels"):
        bn(mg.randn(4, 3))


def test_dropout_mask_scaling_and_determinism():
    x = mg.ones(2000, requires_grad=True)
    y = F.dropout(x, 0.25, generator=mg.Generator(5))
    kept = y.data != 0
    assert abs(kept.mean() - 0.75) < 0.04
    np.testing.assert_allclose(y.data[kept], 1 / 0.75)
    np.testing.assert_array_equal(F.dropout(x, 0.25, generator=mg.Generator(5)).data, y.data)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, y.data)             # dy/dx = mask / (1 - p)
    layer = nn.Dropout(0.5)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)


def test_layer_modules_match_their_functions_and_initialise_like_pytorch():
    g = mg.Generator(0)
    conv = nn.Conv2d(3, 8, 3, stride=2, padding=1, generator=g)
    bound = 1 / np.sqrt(3 * 9)
    assert conv.weight.shape == (8, 3, 3, 3) and np.abs(conv.weight.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.9 * bound                 # uniform on the whole range
    convt = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
    assert convt.weight.shape == (8, 4, 4, 4) and np.abs(convt.weight.data).max() <= 1 / np.sqrt(4 * 16)
    x = mg.randn(2, 3, 8, 8)
    assert conv(x).shape == (2, 8, 4, 4) and convt(conv(x)).shape == (2, 4, 8, 8)
    lin = nn.Linear(50, 20)
    w = lin.weight.data
    assert abs(w.std() - 1 / np.sqrt(50) / np.sqrt(3)) < 0.01         # std of U(-b, b) is b / sqrt(3)
    assert nn.Unflatten(1, (1, 4, 4))(mg.randn(3, 16)).shape == (3, 1, 4, 4)
    assert nn.Flatten()(mg.randn(3, 1, 4, 4)).shape == (3, 16)
    assert nn.Upsample(2)(mg.randn(1, 2, 3, 3)).shape == (1, 2, 6, 6)
    assert nn.AvgPool2d(2)(mg.randn(1, 2, 4, 4)).shape == (1, 2, 2, 2)


def test_init_functions():
    w = mg.nn.Parameter(np.empty((300, 200), dtype=np.float32))
    nn.init.xavier_uniform_(w, generator=mg.Generator(1))
    assert abs(w.data.var() - 2 / 500) < 2e-4
    nn.init.kaiming_normal_(w, nonlinearity="relu", generator=mg.Generator(1))
    assert abs(w.data.var() - 2 / 200) < 5e-4
    nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh"), generator=mg.Generator(1))
    assert abs(w.data.var() - (5 / 3) ** 2 * 2 / 500) < 5e-4
    nn.init.zeros_(w)
    assert not w.data.any()
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        nn.init.calculate_gain("swish")


def test_layer_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8\): expected input \(N, 3, H, W\), got \(2, 1, 8, 8\)"):
        nn.Conv2d(3, 8, 3)(mg.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"conv2d: kernel \(5, 5\).*larger than the padded input \(3, 3\)"):
        F.conv2d(mg.randn(1, 1, 3, 3), mg.randn(1, 1, 5, 5))
    with pytest.raises(ValueError, match=r"Linear\(4, 2\): input shape \(3, 5\) does not end in 4"):
        nn.Linear(4, 2)(mg.randn(3, 5))
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(4, 2\): expected input \(N, 4, H, W\)"):
        nn.ConvTranspose2d(4, 2, 3)(mg.randn(1, 3, 5, 5))
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be smaller than stride \(2, 2\)"):
        F.conv_transpose2d(mg.randn(1, 1, 3, 3), mg.randn(1, 1, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"pool2d: kernel \(5, 5\) is larger than the input \(3, 3\)"):
        F.max_pool2d(mg.randn(1, 1, 3, 3), 5)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", [
    ((2, 3, 28, 28), (4, 3, 3, 3), 1, 1),       # the CNN's convolutions
    ((2, 3, 14, 14), (4, 3, 3, 3), 1, 1),
    ((2, 1, 28, 28), (4, 1, 4, 4), 2, 1),       # the DCGAN discriminator's
    ((2, 4, 14, 14), (3, 4, 4, 4), 2, 1),
    ((2, 2, 9, 11), (3, 2, 4, 2), (2, 1), (1, 0)),
])
def test_both_im2col_paths_agree_with_the_loops_on_course_shapes(x_shape, w_shape, stride, padding):
    """The phase path (contiguous block copies) and the gather path give the loops' values, and
    the same gradients, for conv2d and for conv_transpose2d (its adjoint) at the shapes the lessons use."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    pair = (lambda v: v if isinstance(v, tuple) else (v, v))
    stride, padding = pair(stride), pair(padding)
    results = {}
    for path in ("gather", "phased", "scatter"):
        with conv_path(path):
            geometry = conv_ops.conv_geometry(x_shape[2:], w_shape[2:], stride, padding, (1, 1))
            if path != "scatter":
                assert geometry.phased == (path == "phased")
            xt, wt = leaf(x.copy()), leaf(w.copy())
            y = F.conv2d(xt, wt, None, stride, padding)
            g = np.random.default_rng(1).standard_normal(y.shape)
            y.backward(g)
            # the transposed convolution of g with the same weight, back to x's size
            gt, wt2 = leaf(g.copy()), leaf(w.copy())
            out_pad = tuple(x_shape[2 + a] - conv_ops.conv_transpose_output_size(y.shape[2 + a], w_shape[2 + a],
                                                                                 stride[a], padding[a]) for a in (0, 1))
            z = F.conv_transpose2d(gt, wt2, None, stride, padding, out_pad)
            z.backward(x)
            results[path] = [y.data, xt.grad.data, wt.grad.data, z.data, gt.grad.data, wt2.grad.data]
    np.testing.assert_allclose(results["gather"][0], conv2d_reference(x, w, None, stride, padding), atol=1e-10)
    np.testing.assert_allclose(results["gather"][1], results["gather"][3], atol=1e-10)   # dL/dx = conv_T(g)
    for other in ("phased", "scatter"):
        for a, b in zip(results["gather"], results[other]):
            np.testing.assert_allclose(b, a, atol=1e-10)


@pytest.mark.parametrize("stride", [1, 2])
def test_kept_and_rebuilt_patch_matrices_give_the_same_gradients_twice(monkeypatch, stride):
    """Forward keeps its patch matrices for dL/dW when they are small enough, and backward frees
    them; a second backward through a retained graph rebuilds them. Kept or rebuilt (the limit
    set to 0), in one chunk or many, both backward passes give the same gradients."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((3, 2, 6, 6)), rng.standard_normal((4, 2, 3, 3))
    gy = None
    results = []
    for keep, chunk in ((conv_ops.KEEP_COLUMNS_BYTES, conv_ops.CHUNK_BYTES), (0, conv_ops.CHUNK_BYTES), (10 ** 9, 1)):
        monkeypatch.setattr(conv_ops, "KEEP_COLUMNS_BYTES", keep)
        monkeypatch.setattr(conv_ops, "CHUNK_BYTES", chunk)
        xt, wt = leaf(x.copy()), leaf(w.copy())
        y = F.conv2d(xt, wt, stride=stride, padding=1)
        assert bool(y.creator.cols) == (keep > 0)
        gy = rng.standard_normal(y.shape) if gy is None else gy
        y.backward(gy, retain_graph=True)
        first = [xt.grad.data.copy(), wt.grad.data.copy()]
        y.backward(gy)
        results.append(first + [xt.grad.data / 2, wt.grad.data / 2])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(b, a, atol=1e-12)
    np.testing.assert_allclose(results[0][2], results[0][0], atol=1e-12)     # second pass = first


def test_no_patch_matrix_is_kept_without_grad():
    with mg.no_grad():
        y = F.conv2d(mg.randn(2, 2, 5, 5, dtype=mg.float64), mg.randn(3, 2, 3, 3, dtype=mg.float64))
    assert y.creator is None
    conv = conv_ops.Conv2d()
    with mg.no_grad():
        conv.forward(np.ones((2, 2, 5, 5)), np.ones((3, 2, 3, 3)))
    assert conv.cols == []


def test_conv_in_batch_chunks_matches_the_whole_batch(monkeypatch):
    """The chunked im2col path (used when a batch's patch matrix is large) gives the same values
    and gradients as one chunk; here every sample becomes its own chunk."""
    from minigrad.ops import conv as conv_ops

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((3, 2, 5, 5)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)

    def run():
        tensors = [leaf(x.copy()), leaf(w.copy()), leaf(b.copy())]
        y = F.conv2d(*tensors, stride=1, padding=1)
        y.backward(np.ones(y.shape))
        return y.data, [t.grad.data for t in tensors]

    whole = run()
    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 1)
    assert len(conv_ops.batch_chunks(3, 100)) == 3
    chunked = run()
    np.testing.assert_allclose(chunked[0], whole[0], atol=1e-12)
    for a, c in zip(whole[1], chunked[1]):
        np.testing.assert_allclose(c, a, atol=1e-12)
    np.testing.assert_allclose(chunked[0], conv2d_reference(x, w, b, (1, 1), (1, 1), (1, 1)), atol=1e-10)
    assert mg.gradcheck(lambda a, k: F.conv2d(a, k, padding=1), [leaf(x[:2].copy()), leaf(w.copy())])


def test_the_adjoint_is_gathered_as_a_convolution_only_where_that_is_exact_and_cheaper():
    """adjoint_geometry: a stride-1 convolution's adjoint is the convolution of the padded
    gradient with the flipped kernel, back to exactly x's size; it is used when O <= C, and
    never for strides, transposed convolutions cut short by output_padding, or padding beyond
    the kernel's reach (those scatter with col2im)."""
    geometry = conv_ops.conv_geometry((28, 28), (3, 3), (1, 1), (1, 1), (1, 1))
    gathered = conv_ops.adjoint_geometry(geometry, 64, 64)
    assert gathered is not None and gathered.in_size == (28, 28) and gathered.out_size == (28, 28)
    assert gathered.padding == (1, 1)                                          # d (k - 1) - p
    dilated = conv_ops.conv_geometry((9, 9), (3, 3), (1, 1), (0, 0), (2, 2))  # 9 -> 5, pad 4 back to 9
    assert conv_ops.adjoint_geometry(dilated, 2, 2).out_size == (9, 9)
    assert conv_ops.adjoint_geometry(geometry, 1, 32) is None                  # O > C: col2im moves less
    strided = conv_ops.conv_geometry((14, 14), (4, 4), (2, 2), (1, 1), (1, 1))
    assert conv_ops.adjoint_geometry(strided, 64, 64) is None
    too_padded = conv_ops.conv_geometry((5, 5), (1, 1), (1, 1), (1, 1), (1, 1))
    assert conv_ops.adjoint_geometry(too_padded, 4, 4) is None                 # p > d (k - 1)
    cut_short = conv_ops.conv_geometry((10, 10), (3, 3), (1, 1), (0, 0), (2, 2), out_size=(5, 5))
    assert conv_ops.adjoint_geometry(cut_short, 4, 4) is None                  # full output is 6, not 5
    # and it computes what col2im computes
    rng = np.random.default_rng(0)
    w, gy = rng.standard_normal((3, 3, 3, 3)), rng.standard_normal((2, 3, 28, 28))
    with conv_path("scatter"):
        scattered = conv_ops.adjoint(gy, w, geometry, 3)
    np.testing.assert_allclose(conv_ops.adjoint(gy, w, geometry, 3), scattered, atol=1e-10)


def test_leaky_relu_keeps_one_byte_per_number_for_backward():
    x = mg.randn(4, 8, requires_grad=True)
    y = F.leaky_relu(x, 0.2)
    saved = [v for v in vars(y.creator).values() if isinstance(v, np.ndarray)]
    assert saved and all(a.dtype == bool for a in saved)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.where(x.data > 0, 1, 0.2), rtol=1e-6)


@pytest.mark.parametrize("path", ["auto", "scatter"])
def test_conv2d_input_gradient_alone(path):
    """dL/dx when the weight needs no gradient (a frozen layer; the gathered route then skips
    dL/dW's loop) equals dL/dx computed with the weight's gradient too."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((2, 3, 3, 3))
    with conv_path(path):
        alone, both = leaf(x.copy()), leaf(x.copy())
        F.conv2d(alone, leaf(w, False), padding=1).sum().backward()
        F.conv2d(both, leaf(w.copy()), padding=1).sum().backward()
        assert mg.gradcheck(lambda t: F.conv2d(t, leaf(w, False), padding=1), [leaf(x.copy())])
    np.testing.assert_allclose(alone.grad.data, both.grad.data, atol=1e-12)


# ------------------------------------------------------------------------------ Winograd F(2x2, 3x3)
@contextlib.contextmanager
def winograd_everywhere(on=True, tile=None):
    """Winograd's algorithm (with output tiles of ``tile`` x ``tile``, the default unless given) for
    every 3x3 stride-1 convolution however few its channels or tiles (``on``), or for none (the
    im2col paths)."""
    from minigrad.ops import winograd

    saved = winograd.WINOGRAD, winograd.MIN_CHANNELS, winograd.MIN_TILES_PER_ROW, winograd.TILE
    winograd.WINOGRAD, winograd.MIN_CHANNELS, winograd.MIN_TILES_PER_ROW = on, 1, 1
    winograd.TILE = tile or winograd.TILE
    try:
        yield
    finally:
        winograd.WINOGRAD, winograd.MIN_CHANNELS, winograd.MIN_TILES_PER_ROW, winograd.TILE = saved


@pytest.mark.parametrize("m", [2, 4])
def test_winograd_matrices_compute_m_outputs_of_a_three_tap_filter(m):
    """F(m, 3) in one dimension: A^T [(G g) * (B^T d)] is the correlation of d (m + 2) with g (3)."""
    from minigrad.ops import winograd

    b_t, g_, a_t = winograd.TRANSFORMS[m]
    assert b_t.shape == (m + 2, m + 2) and g_.shape == (m + 2, 3) and a_t.shape == (m, m + 2)
    rng = np.random.default_rng(0)
    for _ in range(5):
        d, g = rng.standard_normal(m + 2), rng.standard_normal(3)
        expected = [d[i:i + 3] @ g for i in range(m)]
        np.testing.assert_allclose(a_t @ ((g_ @ g) * (b_t @ d)), expected, atol=1e-12)


@given(n=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3), h=st.integers(1, 11), w=st.integers(1, 11),
       padding=st.tuples(st.integers(0, 2), st.integers(0, 2)), bias=st.booleans(), m=st.sampled_from([2, 4]),
       data=st.data())
def test_winograd_conv2d_is_the_convolution(n, c, o, h, w, padding, bias, m, data):
    """Every size (one that m does not divide gets a last row or column of tiles that is cut off),
    every padding up to the kernel's reach, both tile sizes: the loops' values, the gradients of
    the im2col path, and a gradient check."""
    if min(h + 2 * padding[0], w + 2 * padding[1]) < 3:
        return
    x, k = data.draw(arrays((n, c, h, w), layout=False)), data.draw(arrays((o, c, 3, 3), layout=False))
    b = data.draw(arrays((o,))) if bias else None
    gy = data.draw(arrays((n, o, h + 2 * padding[0] - 2, w + 2 * padding[1] - 2), layout=False))
    results = []
    for on in (True, False):
        with winograd_everywhere(on, m):
            tensors = [leaf(x), leaf(k)] + ([leaf(b)] if bias else [])
            y = F.conv2d(*tensors[:2], tensors[2] if bias else None, 1, padding)
            assert y.creator.winograd == on
            y.backward(gy)
            results.append([y.data] + [t.grad.data for t in tensors])
    np.testing.assert_allclose(results[0][0], conv2d_reference(x, k, b, (1, 1), padding), atol=1e-10)
    for a, b_ in zip(results[0], results[1]):
        np.testing.assert_allclose(a, b_, atol=1e-10)
    with winograd_everywhere(tile=m):
        assert mg.gradcheck(lambda a, kk: F.conv2d(a, kk, None, 1, padding), [leaf(x), leaf(k)])


def test_winograd_is_used_where_measured_faster_and_agrees_in_float32():
    """With the default rules, a 64 -> 64 3x3 layer on 28x28 images takes the Winograd path and a
    14x14 one (7 tiles per row + 1 extra) or a 1-channel one keeps im2col; in float32 the two paths
    agree to float32's precision, in values and in every gradient."""
    rng = np.random.default_rng(0)
    for shape, expect in (((4, 64, 28, 28), True), ((4, 64, 14, 14), False), ((4, 1, 28, 28), False)):
        x = rng.standard_normal(shape).astype(np.float32)
        k = (rng.standard_normal((64, shape[1], 3, 3)) / np.sqrt(9 * shape[1])).astype(np.float32)
        gy = rng.standard_normal((shape[0], 64) + shape[2:]).astype(np.float32)
        xt, kt = leaf(x), leaf(k)
        y = F.conv2d(xt, kt, padding=1)
        assert y.creator.winograd == expect
        y.backward(gy)
        if expect:
            with winograd_everywhere(False):
                xr, kr = leaf(x), leaf(k)
                yr = F.conv2d(xr, kr, padding=1)
                yr.backward(gy)
            for a, r in ((y, yr), (xt.grad, xr.grad), (kt.grad, kr.grad)):    # F(2, 3) rounds like im2col
                scale = np.abs(r.data).max()
                np.testing.assert_allclose(a.data, r.data, atol=3e-6 * scale)


@pytest.mark.parametrize("columns", [1, 10 ** 6])
@pytest.mark.parametrize("m", [2, 4])
def test_winograd_in_chunks_twice_through_a_retained_graph_and_for_x_or_w_alone(monkeypatch, columns, m):
    """One sample per chunk or the whole batch at once; kept transformed tiles or, on a second
    backward through a retained graph, rebuilt ones; only dL/dx or only dL/dW asked for: always the
    same gradients. Without grad nothing is kept."""
    from minigrad.ops import winograd

    monkeypatch.setattr(winograd, "CHUNK_COLUMNS", columns)
    rng = np.random.default_rng(0)
    x, k, gy = rng.standard_normal((3, 2, 6, 5)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((3, 4, 6, 5))
    with winograd_everywhere(tile=m):
        xt, kt = leaf(x), leaf(k)
        y = F.conv2d(xt, kt, padding=1)
        assert len(y.creator.saved[2]) == (3 if columns == 1 else 1)
        y.backward(gy, retain_graph=True)
        first = [xt.grad.data.copy(), kt.grad.data.copy()]
        y.backward(gy)
        np.testing.assert_allclose(xt.grad.data, 2 * first[0], atol=1e-12)
        np.testing.assert_allclose(kt.grad.data, 2 * first[1], atol=1e-12)
        for needs in ((True, False), (False, True)):
            xs, ks = leaf(x, needs[0]), leaf(k, needs[1])
            F.conv2d(xs, ks, padding=1).backward(gy)
            for t, expected, need in ((xs, first[0], needs[0]), (ks, first[1], needs[1])):
                assert (t.grad is None) != need
                if need:
                    np.testing.assert_allclose(t.grad.data, expected, atol=1e-12)
        with mg.no_grad():
            conv = conv_ops.Conv2d(padding=(1, 1))
            conv.forward(x, k)
        assert conv.winograd and conv.saved[2] == []
