"""Datasets and the DataLoader that cuts them into (shuffled) mini-batches."""

from __future__ import annotations

import math

import numpy as np

from minigrad import checks

from minigrad import backend
from minigrad.random import _generator
from minigrad.tensor import Tensor


class Dataset:
    """Anything with ``__len__`` and ``__getitem__(i)`` returning one sample (a tuple of arrays)."""

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__}: a Dataset subclass must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: a Dataset subclass must define __getitem__(index)")


class TensorDataset(Dataset):
    """Samples are the i-th rows of several equally long arrays/tensors (e.g. images and labels)."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = [a.data if isinstance(a, Tensor) else a for a in arrays]
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ValueError(f"TensorDataset: arrays have different lengths {[len(a) for a in self.arrays]}")

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class Subset(Dataset):
    def __init__(self, dataset, indices):
        indices = np.asarray(indices)
        if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
            raise TypeError(f"Subset: indices must be a 1-d sequence of integers, got {indices.dtype} of shape "
                            f"{indices.shape}")
        n = len(dataset)
        if indices.size and (indices.min() < -n or indices.max() >= n):
            raise IndexError(f"Subset: indices must be in [0, {n - 1}] for a dataset of {n} samples, got "
                             f"[{indices.min()}, {indices.max()}]")
        self.dataset, self.indices = dataset, indices.astype(np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``, yielding tuples of Tensors.

    shuffle: a new random order each epoch, drawn from ``generator`` (or the default one),
        so the same seed gives the same batches.
    drop_last: skip the final, smaller batch.
    device: move every batch there ("cpu", "cuda").

    A ``TensorDataset`` is sliced with one fancy index per batch (fast); any other
    dataset is read sample by sample and stacked.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 generator=None, device=None, num_workers: int = 0, pin_memory: bool = False,
                 persistent_workers: bool = False):
        # num_workers, pin_memory and persistent_workers are accepted so that PyTorch code runs
        # unchanged; batches are always made in this process (the data sets here fit in memory).
        checks.positive_int("DataLoader", "num_workers", num_workers, 0)
        checks.positive_int("DataLoader", "batch_size", batch_size)
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: dataset must support len() and indexing (e.g. TensorDataset(x, y)), "
                            f"got {type(dataset).__name__}")
        shuffle = False if shuffle is None else shuffle          # PyTorch's default is None
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"DataLoader: {name} must be True or False, got {flag!r}")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last = shuffle, drop_last
        self.generator, self.device = generator, device

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = _generator(self.generator).numpy.permutation(n) if self.shuffle else np.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start:start + self.batch_size]
            if self.drop_last and len(index) < self.batch_size:
                break
            if isinstance(self.dataset, TensorDataset):
                parts = self.dataset[index]
            else:
                samples = [self.dataset[int(i)] for i in index]
                parts = tuple(np.stack([np.asarray(s[k]) for s in samples]) for k in range(len(samples[0])))
            yield tuple(self._to_tensor(p) for p in parts)

    def _to_tensor(self, array):
        if self.device is not None:
            array = backend.to_device(array, self.device)
        return Tensor(array)
