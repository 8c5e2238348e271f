"""``minigrad.utils.data``: the same objects as ``minigrad.data`` under PyTorch's module path."""

from minigrad.data import DataLoader, Dataset, Subset, TensorDataset  # noqa: F401
