"""Neural-network building blocks: Module, layers, losses, init, and their functional forms.

    from minigrad import nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
"""

from minigrad.nn import functional, init, utils  # noqa: F401
from minigrad.nn.activation import ELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh  # noqa: F401
from minigrad.nn.conv import (  # noqa: F401
    AvgPool1d, AvgPool2d, Conv1d, Conv2d, ConvTranspose2d, MaxPool1d, MaxPool2d, Upsample,
)
from minigrad.nn.dropout import Dropout  # noqa: F401
from minigrad.nn.linear import Flatten, Identity, Linear, Unflatten  # noqa: F401
from minigrad.nn.losses import (  # noqa: F401
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss,
)
from minigrad.nn.module import Module, ModuleList, Parameter, Sequential, StateDictError  # noqa: F401
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d  # noqa: F401
