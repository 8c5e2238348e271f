"""MNIST and Fashion-MNIST from the original gzipped IDX files.

Where the files are looked for, in order:
  1. the ``root`` argument (a folder holding the four .gz files),
  2. ``$MINIGRAD_DATA/<name>`` (name = "mnist" or "fashion-mnist"),
  3. ``~/.cache/minigrad/<name>`` (or ``$XDG_CACHE_HOME/minigrad/<name>``).

Every file is checked against the md5 its authors publish before it is parsed, and the
IDX header is checked against the file's length, so a truncated or corrupted download is
reported with its path and the expected checksum instead of being half-loaded.
``download=True`` fetches missing files from the dataset's public mirrors, writing each
to a temporary file that is renamed into place only after its checksum matched.

The IDX format: a big-endian header -- two zero bytes, a type byte (0x08 = uint8), the
number of dimensions, then one uint32 size per dimension -- followed by the raw bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from minigrad.data.dataset import Dataset

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

MIRRORS = {
    "mnist": ["https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"],
    "fashion-mnist": ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
}

CLASSES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                      "Bag", "Ankle boot"],
}


class DatasetFileError(RuntimeError):
    """A data file is missing, truncated or corrupt; the message names the file and what was expected."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "minigrad"


def find_root(name: str, root=None) -> Path:
    """The folder to read ``name`` from (see the module docstring for the search order)."""
    if name not in MD5:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(MD5)}")
    if root is not None:
        return Path(root)
    env = os.environ.get("MINIGRAD_DATA")
    if env and (Path(env) / name).is_dir():
        return Path(env) / name
    return cache_dir() / name


def is_available(name: str = "mnist", root=None) -> bool:
    folder = find_root(name, root)
    return all((folder / f).is_file() for pair in FILES.values() for f in pair)


def md5sum(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, expected_md5: str) -> None:
    actual = md5sum(path)
    if actual != expected_md5:
        raise DatasetFileError(f"{path}: md5 {actual} does not match the published {expected_md5}; "
                               f"the file is corrupt or truncated -- delete it and download it again")


def download(name: str, root=None, mirrors=None, timeout: float = 60.0) -> Path:
    """Fetch every missing or corrupt file of ``name`` into its root; returns the root."""
    folder = find_root(name, root)
    folder.mkdir(parents=True, exist_ok=True)
    for filename, expected in MD5[name].items():
        target = folder / filename
        if target.is_file() and md5sum(target) == expected:
            continue
        errors = []
        for mirror in (mirrors or MIRRORS[name]):
            url = mirror + filename
            fd, tmp = tempfile.mkstemp(prefix=filename + ".", suffix=".part", dir=folder)
            try:
                with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                    shutil.copyfileobj(response, out)
                verify(Path(tmp), expected)
                os.replace(tmp, target)            # atomic: the file appears whole or not at all
                break
            except Exception as err:               # try the next mirror
                errors.append(f"{url}: {err}")
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
        else:
            raise DatasetFileError(f"could not download {filename} for {name}:\n  " + "\n  ".join(errors))
    return folder


def read_idx(path: Path, expected_md5: str | None = None) -> np.ndarray:
    """Parse one gzipped IDX file into a uint8 array, checking checksum and header first."""
    path = Path(path)
    if not path.is_file():
        raise DatasetFileError(f"{path}: file not found")
    if expected_md5 is not None:
        verify(path, expected_md5)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as err:       # a damaged block inside the stream, too
        raise DatasetFileError(f"{path}: not a valid gzip file ({type(err).__name__}: {err}); "
                               f"delete it and download it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetFileError(f"{path}: not an IDX file of unsigned bytes (header {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) != header + int(np.prod(shape)):
        raise DatasetFileError(f"{path}: header says shape {shape} ({header + int(np.prod(shape))} bytes) "
                               f"but the file holds {len(raw)} bytes")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist(name: str = "mnist", train: bool = True, root=None, download_missing: bool = False,
               mirrors=None):
    """(images uint8 (N, 28, 28), labels int64 (N,)) of the train or test split."""
    folder = find_root(name, root)
    if download_missing and not is_available(name, root):
        download(name, root, mirrors)
    image_file, label_file = FILES["train" if train else "test"]
    if not (folder / image_file).is_file():
        raise DatasetFileError(f"{name} not found in {folder}: set MINIGRAD_DATA to a folder holding "
                               f"{name}/, pass root=..., or use download=True")
    images = read_idx(folder / image_file, MD5[name][image_file])
    labels = read_idx(folder / label_file, MD5[name][label_file]).astype(np.int64)
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise DatasetFileError(f"{folder}: images {images.shape} and labels {labels.shape} do not match")
    return images, labels


class MNIST(Dataset):
    """MNIST as a Dataset: ``images`` float32 (N, 1, 28, 28) in [0, 1], ``labels`` int64 (N,)."""

    name = "mnist"

    def __init__(self, root=None, train: bool = True, download: bool = False, mirrors=None):
        for flag, value in (("train", train), ("download", download)):
            if not isinstance(value, bool):
                raise TypeError(f"{type(self).__name__}: {flag} must be True or False, got {value!r}")
        raw, self.labels = load_mnist(self.name, train, root, download, mirrors)
        self.images = (raw.astype(np.float32) / 255.0)[:, None]
        self.classes = CLASSES[self.name]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

    def arrays(self):
        return self.images, self.labels


class FashionMNIST(MNIST):
    name = "fashion-mnist"
