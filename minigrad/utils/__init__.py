"""PyTorch's ``torch.utils`` paths: ``from minigrad.utils.data import DataLoader`` works as ported code expects."""

from minigrad.utils import data  # noqa: F401
