"""``minigrad.nn.functional``: the stateless functions behind the layers, PyTorch's names.

    import minigrad.nn.functional as F
    h = F.relu(F.linear(x, W, b))
"""

from minigrad.functional import (  # noqa: F401
    elu, leaky_relu, linear, log_softmax, relu, sigmoid, softmax, softplus, tanh,
)
