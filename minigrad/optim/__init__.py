"""Optimizers and learning-rate schedules (PyTorch's names and update rules)."""

from minigrad.optim import lr_scheduler  # noqa: F401
from minigrad.optim.adadelta import Adadelta  # noqa: F401
from minigrad.optim.adam import Adam, AdamW  # noqa: F401
from minigrad.optim.optimizer import Optimizer  # noqa: F401
from minigrad.optim.rmsprop import RMSprop  # noqa: F401
from minigrad.optim.sgd import SGD  # noqa: F401
