"""Datasets, the DataLoader, real data loaders (MNIST, Fashion-MNIST, 8x8 digits) and corruptions."""

from minigrad.data.corruption import gaussian_noise, occlude, occlusion_mask, salt_and_pepper  # noqa: F401
from minigrad.data.dataset import DataLoader, Dataset, Subset, TensorDataset  # noqa: F401
from minigrad.data.digits import load_digits  # noqa: F401
from minigrad.data.mnist import (  # noqa: F401
    MNIST, DatasetFileError, FashionMNIST, download, is_available, load_mnist, read_idx,
)
