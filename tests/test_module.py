"""Module: parameter registration and order, PyTorch's state-dict keys, train/eval, devices,
and load_state_dict that reports every problem at once and changes nothing when it fails."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, nn
from tests.fake_cupy import FakeDeviceArray, fake_cupy


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 3)
        self.bn = nn.BatchNorm1d(3)
        self.fc2 = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc2(nn.functional.relu(self.bn(self.fc1(x))))


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4))
        self.heads = nn.ModuleList([nn.Linear(2, 1), nn.Linear(2, 1)])

    def forward(self, x):
        return self.decoder(self.encoder(x))


def test_state_dict_keys_follow_pytorch():
    model = AutoEncoder()
    assert list(model.state_dict()) == [
        "encoder.fc1.weight", "encoder.fc1.bias",
        "encoder.bn.weight", "encoder.bn.bias", "encoder.bn.running_mean", "encoder.bn.running_var",
        "encoder.bn.num_batches_tracked",
        "encoder.fc2.weight", "encoder.fc2.bias",
        "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias",
        "heads.0.weight", "heads.0.bias", "heads.1.weight", "heads.1.bias",
    ]
    assert model.state_dict()["encoder.fc1.weight"].shape == (3, 4)
    names = [n for n, _ in model.named_parameters()]
    assert names == [k for k in model.state_dict() if "running" not in k and "num_batches" not in k]
    assert model.num_parameters() == sum(p.numel() for p in model.parameters())


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2


def test_train_eval_and_zero_grad():
    model = AutoEncoder()
    model.eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    loss = model(mg.randn(5, 4)).sum()
    loss.backward()
    assert all(p.grad is not None for p in model.encoder.fc1.parameters())
    model.zero_grad(set_to_none=False)
    assert all(not p.grad.data.any() for p in model.encoder.fc1.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_load_state_dict_round_trip_and_strictness():
    a, b = AutoEncoder(), AutoEncoder()
    a(mg.randn(6, 4))                                   # changes BatchNorm's running statistics
    b.load_state_dict(a.state_dict())
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va.data, vb.data, err_msg=k)
    arrays = {k: v.data for k, v in a.state_dict().items()}   # plain arrays are accepted too
    b.load_state_dict(arrays)


def test_failed_load_reports_everything_and_changes_nothing():
    model = AutoEncoder()
    before = {k: v.data.copy() for k, v in model.state_dict().items()}
    bad = {k: v.data.copy() + 1 for k, v in model.state_dict().items()}
    bad["encoder.fc1.weight"] = np.zeros((4, 4))          # wrong shape
    del bad["decoder.2.bias"]                             # missing
    bad["decoder.9.weight"] = np.zeros(1)                 # unexpected
    bad["encoder.bn.num_batches_tracked"] = np.zeros((), dtype=np.float32)   # wrong dtype kind
    with pytest.raises(KeyError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "4 problem(s)" in message
    assert "encoder.fc1.weight: shape (4, 4) in the checkpoint, (3, 4) in the model" in message
    assert "decoder.2.bias: missing" in message and "decoder.9.weight: in the checkpoint but not" in message
    assert "num_batches_tracked: dtype float32" in message
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k], err_msg=f"{k} was changed by a failed load")
    missing, unexpected = model.load_state_dict({"encoder.fc2.bias": np.ones(2)}, strict=False)
    assert "encoder.fc1.weight" in missing and unexpected == []
    np.testing.assert_array_equal(model.encoder.fc2.bias.data, np.ones(2))


def test_to_device_moves_parameters_and_buffers_in_place(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", fake_cupy)
    monkeypatch.setattr(backend, "_looked_for_cupy", True)
    model = AutoEncoder()
    weight = model.encoder.fc1.weight
    model.to("cuda")
    assert model.encoder.fc1.weight is weight             # an optimizer's references stay valid
    assert all(isinstance(t.data, FakeDeviceArray) for t in list(model.parameters()) + list(model.buffers()))
    x = mg.randn(5, 4, device="cuda")
    out = model(x)
    out.sum().backward()
    assert isinstance(out.data, FakeDeviceArray) and isinstance(weight.grad.data, FakeDeviceArray)
    assert model.to(mg.float64).encoder.fc1.weight.dtype == np.float64
    model.cpu()
    assert type(weight.data) is np.ndarray


def test_module_errors():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        Broken()
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        nn.Linear(1, 1).nope
    assert "Linear(in_features=2, out_features=3, bias=True)" in repr(nn.Sequential(nn.Linear(2, 3)))


def test_the_same_seed_gives_the_same_parameters():
    def build(seed):
        g = mg.Generator(seed)
        return nn.Sequential(nn.Conv2d(1, 4, 3, generator=g), nn.Linear(4, 3, generator=g),
                             nn.ConvTranspose2d(4, 2, 3, generator=g))

    a, b, c = build(7), build(7), build(8)
    for (name, pa), pb, pc in zip(a.named_parameters(), b.parameters(), c.parameters()):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)
        assert not np.array_equal(pa.data, pc.data), name
    mg.manual_seed(3)
    first = nn.Linear(5, 5).weight.data.copy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(5, 5).weight.data, first)      # the default generator too
