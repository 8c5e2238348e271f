"""The backend: device names, the CUDA status report, and -- through a CPU test double of
CuPy -- that every op keeps device tensors on the device, forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend
from tests.fake_cupy import FakeDeviceArray, HostDeviceMixError, fake_cupy
from tests.test_ops_gradients import BINARY, UNARY


@pytest.fixture
def no_cupy(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", None)
    monkeypatch.setattr(backend, "_looked_for_cupy", True)
    monkeypatch.setattr(backend, "_cupy_error", f"cupy is not installed (No module named 'cupy'); "
                                                f"{backend.INSTALL_HINT}")


@pytest.fixture
def fake_gpu(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", fake_cupy)
    monkeypatch.setattr(backend, "_looked_for_cupy", True)
    monkeypatch.setattr(backend, "_cupy_error", None)


def test_missing_cuda_says_why_and_how_to_install(no_cupy):
    usable, reason = mg.cuda_status()
    assert not usable and "cupy is not installed" in reason
    assert not mg.cuda_is_available()
    with pytest.raises(RuntimeError, match=r"'cuda' requested but CUDA is unusable: cupy is not installed.*"
                                           r'pip install -e "\.\[gpu\]"'):
        mg.tensor([1.0]).to("cuda")
    with pytest.raises(RuntimeError, match="CUDA is unusable"):
        mg.zeros(3, device="cuda:0")


def test_device_names(no_cupy):
    assert backend.parse_device(None) == "cpu" and backend.parse_device("CPU") == "cpu"
    with pytest.raises(ValueError, match="cannot parse 'gpu'"):
        backend.parse_device("gpu")
    with pytest.raises(ValueError, match="cannot parse 'cuda:x'"):
        backend.parse_device("cuda:x")


def test_real_cuda_status_is_reported():
    usable, reason = mg.cuda_status()      # on CI: cupy missing; on a GPU machine: the device count
    assert isinstance(usable, bool) and reason


def test_moving_between_devices(fake_gpu):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    d = x.to("cuda")
    assert d.device == "cuda:0" and isinstance(d.data, FakeDeviceArray)
    assert type(d.creator).__name__ == "ToDevice"      # a differentiable move
    assert backend.array_module(d.data) is fake_cupy and backend.array_module(x.data) is np
    back = d.cpu()
    assert back.device == "cpu" and type(back.data) is np.ndarray
    (back * 3).sum().backward()            # the gradient travels back through both moves
    assert type(x.grad.data) is np.ndarray
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    assert mg.zeros(2, device="cuda").device == "cuda:0"


def test_the_double_catches_host_arrays(fake_gpu):
    d = mg.tensor([1.0, 2.0]).to("cuda").data
    with pytest.raises(HostDeviceMixError):
        d + np.ones(2)
    with pytest.raises(HostDeviceMixError):
        fake_cupy.concatenate([d, np.ones(2)])
    with pytest.raises(HostDeviceMixError):
        d[np.array([0, 1])]


def _on_device_values(values):
    return mg.tensor(values, device="cuda", requires_grad=True)


def _assert_on_device(*tensors):
    for t in tensors:
        assert t.device.startswith("cuda") and backend.array_module(t.data) is not np, \
            f"{t.shape} came back on the host"


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops_stay_on_device(gpu, name):
    fn, _, options, _ = UNARY[name]
    values = np.linspace(options.get("low", -2.0), options.get("high", 2.0), 12).reshape(3, 4) + 0.013
    t = _on_device_values(values)
    out = fn(t)
    out.sum().backward()
    _assert_on_device(out, t.grad)
    assert mg.gradcheck(fn, [_on_device_values(values)])


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_stay_on_device(gpu, name):
    fn, _, options_a, options_b, _ = BINARY[name]
    a = _on_device_values(np.linspace(options_a.get("low", -2), options_a.get("high", 2), 12).reshape(3, 4))
    b = _on_device_values(np.linspace(options_b.get("low", 0.5), options_b.get("high", 2), 4) + 0.01)
    out = fn(a, b)
    out.sum().backward()
    _assert_on_device(out, a.grad, b.grad)
    assert mg.gradcheck(fn, [a.detach().requires_grad_(), b.detach().requires_grad_()])


STRUCTURAL = {
    "matmul": lambda a: a @ a.T,
    "matmul_vector": lambda a: a @ a[0],
    "linear": lambda a: mg.linear(a, a[:2], a[0, :2] * 0 + a[1, :2]),
    "sum": lambda a: a.sum(1, keepdim=True),
    "mean": lambda a: a.mean(0),
    "var": lambda a: a.var(1),
    "max": lambda a: a.amax(1),
    "min": lambda a: a.min(),
    "logsumexp": lambda a: a.logsumexp(0),
    "softmax": lambda a: mg.softmax(a, 1),
    "log_softmax": lambda a: mg.log_softmax(a, 0),
    "reshape": lambda a: a.reshape(4, 3),
    "permute": lambda a: a.permute(1, 0),
    "broadcast_to": lambda a: a[None].broadcast_to(2, 3, 4),
    "getitem_slice": lambda a: a[1:, ::2],
    "getitem_int_array": lambda a: a[mg.tensor([0, 0, 2])],
    "getitem_list": lambda a: a[[0, 2]],
    "getitem_bool_mask": lambda a: a[a.detach() > 0],
    "cat": lambda a: mg.cat([a, a * 2], 1),
    "stack": lambda a: mg.stack([a, a], 0),
    "split": lambda a: a.split([1, 3], 1)[1],
    "where": lambda a: mg.where(a.detach() > 0, a, a * a),
    "where_constant": lambda a: mg.where(a.detach() > 0, a, 0.0),
    "clip": lambda a: a.clip(-0.5, 0.5),
    "pow_tensor": lambda a: (a * a + 1) ** a,
    "pow_array": lambda a: a ** np.full(4, 2.0),
    "cast": lambda a: a.to(mg.float32).double(),
}


@pytest.mark.parametrize("name", sorted(STRUCTURAL))
def test_structural_ops_stay_on_device(gpu, name):
    fn = STRUCTURAL[name]
    values = np.array([[0.3, -1.2, 0.7, 1.9], [-0.4, 0.9, -1.7, 0.15], [1.1, -0.8, 0.45, -0.25]])
    t = _on_device_values(values)
    out = fn(t)
    out.sum().backward()
    _assert_on_device(out, t.grad)
    cpu = mg.Tensor(values.copy(), requires_grad=True)
    np.testing.assert_allclose(backend.to_numpy(out.data), fn(cpu).data)
    if name != "cast":  # a float32 round trip is too coarse for finite differences
        assert mg.gradcheck(fn, [_on_device_values(values)])


# ------------------------------------------------------------------ the double itself behaves like CuPy
def test_the_double_accepts_device_out_and_refuses_host_out():
    a, b = fake_cupy.ones(3), fake_cupy.ones(3)
    out = fake_cupy.empty(3)
    result = fake_cupy.add(a, b, out=out)
    assert isinstance(result, FakeDeviceArray) and float(out.sum()) == 6.0
    with pytest.raises(HostDeviceMixError, match="out="):
        fake_cupy.add(a, b, out=np.empty(3))
    with pytest.raises(HostDeviceMixError, match="where="):
        fake_cupy.copyto(a, b, where=np.ones(3, dtype=bool))


def test_the_doubles_submodules_return_device_arrays():
    x = fake_cupy.arange(12.0).reshape(3, 4)
    view = fake_cupy.lib.stride_tricks.as_strided(x, shape=(2, 2), strides=x.strides)
    assert isinstance(view, FakeDeviceArray)
    assert isinstance(fake_cupy.linalg.norm(x), FakeDeviceArray)
    with pytest.raises(HostDeviceMixError):
        fake_cupy.linalg.norm(np.ones(3))
    total = x.sum()
    assert isinstance(total, FakeDeviceArray) and total.ndim == 0      # CuPy: 0-d arrays, not host scalars
    back = fake_cupy.asnumpy(x)
    assert type(back) is np.ndarray and back.shape == (3, 4)


def test_a_tensor_on_the_wrong_device_names_the_op_and_both_devices(fake_gpu):
    host = mg.tensor([1.0, 2.0])
    device = mg.tensor([1.0, 2.0], device="cuda")
    with pytest.raises(RuntimeError, match=r"add: input 1 \(shape \(2,\)\) is on cuda:0 but input 0 .* is on cpu"):
        host + device
    w = mg.randn(3, 2, device="cuda")
    with pytest.raises(RuntimeError, match=r"linear: input 1 .* is on cuda:0 but input 0 .* is on cpu"):
        mg.linear(mg.randn(4, 2), w)
