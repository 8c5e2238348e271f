"""Data: DataLoader batching and seeded shuffling, the real MNIST files (checksums, header
checks, corruption reports), the download path against a local HTTP server, the 8x8 digits,
and the corruptions of the denoising lesson."""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import data
from minigrad.data import mnist as mnist_module

DATA = os.environ.get("MINIGRAD_DATA")
needs_mnist = pytest.mark.skipif(not data.is_available("mnist"),
                                 reason="MNIST not found: set MINIGRAD_DATA to the folder holding mnist/")


def test_dataloader_batches_shuffle_and_drop_last():
    x, y = np.arange(10, dtype=np.float32)[:, None], np.arange(10)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[0].shape for b in batches] == [(4, 1), (4, 1), (2, 1)]
    np.testing.assert_array_equal(np.concatenate([b[1].data for b in batches]), y)
    assert len(data.DataLoader(data.TensorDataset(x, y), batch_size=4, drop_last=True)) == 2

    def epoch_order(seed):
        loader = data.DataLoader(data.TensorDataset(x, y), batch_size=3, shuffle=True, generator=mg.Generator(seed))
        return [np.concatenate([b[1].data for b in loader]) for _ in range(2)]

    first, second = epoch_order(1)
    assert sorted(first) == list(range(10)) and not np.array_equal(first, second)   # a new order each epoch
    np.testing.assert_array_equal(epoch_order(1)[0], first)                         # same seed, same batches


def test_dataloader_over_a_generic_dataset():
    class Squares(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i], dtype=np.float32), i * i

    (xb, yb), = list(data.DataLoader(Squares(), batch_size=5))
    np.testing.assert_array_equal(yb.data, [0, 1, 4, 9, 16])
    assert xb.shape == (5, 1)
    with pytest.raises(ValueError, match="different lengths"):
        data.TensorDataset(np.zeros(3), np.zeros(4))


@needs_mnist
def test_mnist_loads_with_the_published_counts():
    images, labels = data.load_mnist("mnist", train=False)
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    train = data.MNIST(train=True)
    assert len(train) == 60000 and train.images.shape == (60000, 1, 28, 28)
    assert np.bincount(train.labels)[1] == 6742
    assert train.images.dtype == np.float32 and 0 <= train.images.min() and train.images.max() == 1.0


@pytest.mark.skipif(not data.is_available("fashion-mnist"), reason="Fashion-MNIST not found in MINIGRAD_DATA")
def test_fashion_mnist_loads():
    test = data.FashionMNIST(train=False)
    assert len(test) == 10000 and np.bincount(test.labels).tolist() == [1000] * 10
    assert test.classes[9] == "Ankle boot"


@needs_mnist
def test_corrupt_and_truncated_files_are_reported(tmp_path):
    source = data.mnist.find_root("mnist")
    for name in mnist_module.MD5["mnist"]:
        shutil.copy(source / name, tmp_path / name)
    target = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = target.read_bytes()
    target.write_bytes(raw[: len(raw) // 2])                          # truncated
    with pytest.raises(data.DatasetFileError, match=r"t10k-labels-idx1-ubyte.gz: md5 .* does not match the "
                                                    r"published ec29112dd5afa0611ce80d1b7f02629c"):
        data.load_mnist("mnist", train=False, root=tmp_path)
    # the header check works on its own too: a valid gzip whose IDX body is too short
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (100).to_bytes(4, "big") + bytes(50))
    with pytest.raises(data.DatasetFileError, match=r"header says shape \(100,\) \(108 bytes\) but the file "
                                                    r"holds 58 bytes"):
        data.read_idx(short)
    with pytest.raises(data.DatasetFileError, match="not found"):
        data.load_mnist("mnist", root=tmp_path / "nowhere")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def local_mirrors(tmp_path):
    """Two HTTP mirrors on 127.0.0.1: the first serves corrupt files, the second the real ones."""
    source = data.mnist.find_root("mnist")
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    for name in mnist_module.MD5["mnist"]:
        shutil.copy(source / name, good / name)
        (bad / name).write_bytes(b"not the real file")
    servers = []
    for folder in (bad, good):
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [f"http://127.0.0.1:{s.server_address[1]}/" for s in servers]
    for s in servers:
        s.shutdown()
        s.server_close()


@needs_mnist
def test_download_verifies_and_falls_back_to_the_next_mirror(tmp_path, local_mirrors):
    bad_mirror, good_mirror = local_mirrors
    root = tmp_path / "downloaded"
    with pytest.raises(data.DatasetFileError, match="could not download train-images-idx3-ubyte.gz"):
        data.download("mnist", root=root, mirrors=[bad_mirror])
    assert list(root.iterdir()) == []                                # nothing half-written is left
    test = data.MNIST(root=root, train=False, download=True, mirrors=[bad_mirror, good_mirror])
    assert len(test) == 10000
    assert sorted(p.name for p in root.iterdir()) == sorted(mnist_module.MD5["mnist"])


def test_digits_ship_with_the_installation():
    images, labels = data.load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.max() == 1.0 and sorted(set(labels)) == list(range(10))


def test_corruptions_are_seeded_and_do_not_touch_the_input():
    x = np.random.default_rng(0).random((50, 1, 8, 8)).astype(np.float32)
    original = x.copy()
    noisy = data.gaussian_noise(x, 0.3, generator=mg.Generator(1))
    np.testing.assert_array_equal(noisy, data.gaussian_noise(x, 0.3, generator=mg.Generator(1)))
    assert noisy.dtype == np.float32 and 0 <= noisy.min() and noisy.max() <= 1
    assert 0.2 < np.std(data.gaussian_noise(x, 0.3, clip=False, generator=mg.Generator(1)) - x) < 0.4
    sp = data.salt_and_pepper(x, 0.2, generator=mg.Generator(2))
    changed = sp != x
    assert 0.15 < changed.mean() < 0.25 and set(np.unique(sp[changed])) <= {0.0, 1.0}
    occluded, mask = data.occlude(x, (3, 4), generator=mg.Generator(3))
    assert mask.shape == x.shape and (mask.reshape(50, -1).sum(1) == 12).all()
    assert (occluded[mask] == 0).all() and (occluded[~mask] == x[~mask]).all()
    np.testing.assert_array_equal(x, original)
    with pytest.raises(ValueError, match="does not fit"):
        data.occlusion_mask((2, 8, 8), 9)


def test_a_zeroed_block_inside_a_gzip_is_a_dataset_file_error(tmp_path):
    import gzip

    images = np.random.default_rng(0).integers(0, 256, (50, 28, 28), dtype=np.uint8)
    header = bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in images.shape)
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(header + images.tobytes()))
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2: len(raw) // 2 + 512] = bytes(512)          # a zeroed block in the deflate stream
    path.write_bytes(bytes(raw))
    with pytest.raises(data.DatasetFileError, match="images-idx3-ubyte.gz: not a valid gzip file"):
        data.read_idx(path)
