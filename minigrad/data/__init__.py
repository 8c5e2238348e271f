"""Datasets, the DataLoader, real data loaders (MNIST, Fashion-MNIST, 8x8 digits) and corruptions."""

from minigrad.data.corruption import gaussian_noise, occlude, occlusion_mask, salt_and_pepper  # noqa: F401
from minigrad.data.dataset import DataLoader, Dataset, Subset, TensorDataset  # noqa: F401
from minigrad.data.digits import load_digits  # noqa: F401
from minigrad.data.mnist import (  # noqa: F401
    MNIST, DatasetFileError, FashionMNIST, download, is_available, load_mnist, read_idx,
)

from minigrad import checks as _checks  # noqa: E402

# Each function reports a bad argument under its own name (download('cifar') says "download: ...").
_checks.name_errors_of(globals(), ["gaussian_noise", "occlude", "occlusion_mask", "salt_and_pepper", "load_digits",
                                   "download", "is_available", "load_mnist", "read_idx"])
