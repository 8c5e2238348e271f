"""Checkpoints: round trips, atomic writes, corruption detection, and a resumed training run that
continues bit for bit like an uninterrupted one."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad import data, nn, optim


def test_round_trip_of_nested_state(tmp_path):
    state = {"model": {"w": mg.tensor([[1.0, 2.0]]), "n": np.arange(3)}, "epoch": 7, "name": "vae",
             "betas": (0.9, 0.999), "history": [0.5, 0.25], 3: None, "rng": mg.Generator(1).get_state()}
    mg.save(state, tmp_path / "ckpt.npz")
    loaded = mg.load(tmp_path / "ckpt.npz")
    assert isinstance(loaded["model"]["w"], mg.Tensor)
    np.testing.assert_array_equal(loaded["model"]["w"].data, [[1.0, 2.0]])
    assert loaded["model"]["w"].dtype == np.float32 and loaded["model"]["n"].dtype == np.int64
    assert loaded["epoch"] == 7 and loaded["betas"] == (0.9, 0.999) and loaded[3] is None
    assert loaded["rng"] == state["rng"]                 # 128-bit integers survive
    with pytest.raises(TypeError, match="cannot store an object of type object"):
        mg.save({"x": object()}, tmp_path / "bad.npz")
    assert not (tmp_path / "bad.npz").exists()


def test_failed_write_leaves_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    mg.save({"v": np.ones(2)}, path)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        mg.save({"v": np.zeros(2)}, path)
    np.testing.assert_array_equal(mg.load(path)["v"], np.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.npz"]     # no temporary left behind


def test_corruption_is_detected(tmp_path):
    path = tmp_path / "ckpt.npz"
    mg.save({"w": np.arange(1000.0)}, path)
    raw = path.read_bytes()
    (tmp_path / "truncated.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(mg.CheckpointError, match="truncated.npz: cannot read checkpoint"):
        mg.load(tmp_path / "truncated.npz")
    # flip bytes inside the stored array (uncompressed npz: the values are in the file as is)
    position = raw.index(np.arange(1000.0)[500:502].tobytes())
    flipped = raw[:position] + bytes(16) + raw[position + 16:]
    (tmp_path / "flipped.npz").write_bytes(flipped)
    with pytest.raises(mg.CheckpointError, match=r"flipped.npz: cannot read checkpoint \(BadZipFile: Bad CRC"):
        mg.load(tmp_path / "flipped.npz")
    # a well-formed archive whose array was replaced: the per-array SHA-256 catches it
    with np.load(path) as entries:
        meta = entries["__meta__"]
    np.savez(tmp_path / "replaced.npz", __meta__=meta, a0=np.arange(1000.0) * 2)
    with pytest.raises(mg.CheckpointError, match=r"entry a0 \(1000,\) fails its SHA-256 check"):
        mg.load(tmp_path / "replaced.npz")
    with zipfile.ZipFile(tmp_path / "foreign.npz", "w") as z:
        z.writestr("x.npy", b"")
    with pytest.raises(mg.CheckpointError, match="not a minigrad checkpoint"):
        mg.load(tmp_path / "foreign.npz")
    with pytest.raises(mg.CheckpointError, match="no such checkpoint"):
        mg.load(tmp_path / "missing.npz")


def _setup(seed=0):
    gen = mg.Generator(seed)
    model = nn.Sequential(nn.Linear(8, 16, generator=gen), nn.ReLU(), nn.Dropout(0.2, generator=gen),
                          nn.BatchNorm1d(16), nn.Linear(16, 3, generator=gen))
    opt = optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 8)).astype(np.float32), rng.integers(0, 3, 64)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=16, shuffle=True, generator=gen)
    return model, opt, gen, loader


def _train(model, opt, loader, epochs):
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()


def test_resumed_training_continues_bit_for_bit(tmp_path):
    model, opt, gen, loader = _setup()
    _train(model, opt, loader, 4)

    model2, opt2, gen2, loader2 = _setup()
    _train(model2, opt2, loader2, 2)
    mg.save({"model": model2.state_dict(), "optimizer": opt2.state_dict(), "rng": gen2.get_state(),
             "epoch": 2}, tmp_path / "train.npz")

    model3, opt3, gen3, loader3 = _setup(seed=99)          # a fresh process with another seed
    ckpt = mg.load(tmp_path / "train.npz")
    model3.load_state_dict(ckpt["model"])
    opt3.load_state_dict(ckpt["optimizer"])
    gen3.set_state(ckpt["rng"])
    _train(model3, opt3, loader3, 4 - ckpt["epoch"])
    for (name, a), b in zip(model.state_dict().items(), model3.state_dict().values()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


# ------------------------------------------------------------------ every failure is a clear error, nothing is lost
def test_a_damaged_zip_header_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "ck.npz"
    mg.save({"w": mg.randn(50, 50)}, path)
    raw = bytearray(path.read_bytes())
    entry = raw.index(b"PK\x01\x02")              # the first central-directory record
    raw[entry + 10:entry + 12] = b"\x63\x00"     # its compression method: one zipfile does not support
    path.write_bytes(bytes(raw))
    with pytest.raises(mg.CheckpointError, match="ck.npz"):
        mg.load(path)


def test_save_refuses_what_load_would_refuse_and_changes_nothing(tmp_path):
    path = tmp_path / "ck.npz"
    mg.save({"epoch": 1}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="save: cannot store an array of dtype object"):
        mg.save({"bad": np.array([{"a": 1}], dtype=object)}, path)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]
    with pytest.raises(IsADirectoryError, match="save: .* is a directory"):
        mg.save({"epoch": 2}, tmp_path)


def test_a_killed_save_leaves_nothing_once_the_next_save_finishes(tmp_path):
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "ck.npz"
    mg.save({"w": mg.zeros(3)}, path)
    # a writer killed midway: its temporary file stays behind, the checkpoint is untouched
    script = textwrap.dedent(f"""
        import os, sys, numpy as np, minigrad as mg
        import minigrad.serialization as s
        real_fsync = os.fsync
        def die(fd):
            os._exit(9)
        s.os.fsync = die
        mg.save({{"w": mg.ones(1000)}}, {str(path)!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == 9
    leftovers = list(tmp_path.glob("ck.npz.*.tmp"))
    assert len(leftovers) == 1
    np.testing.assert_array_equal(mg.load(path)["w"].data, np.zeros(3))
    mg.save({"w": mg.full((3,), 2.0)}, path)
    assert list(tmp_path.iterdir()) == [path]
    np.testing.assert_array_equal(mg.load(path)["w"].data, [2.0, 2.0, 2.0])
