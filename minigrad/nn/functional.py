"""``minigrad.nn.functional``: the stateless functions behind the layers, PyTorch's names.

    import minigrad.nn.functional as F
    h = F.relu(F.linear(x, W, b))
    loss = F.cross_entropy(logits, labels)
"""

from __future__ import annotations

from minigrad.functional import (  # noqa: F401
    elu, gelu, hardtanh, leaky_relu, linear, log_softmax, logsigmoid, one_hot, relu, relu6, selu, sigmoid, silu,
    softmax, softplus, tanh,
)
from minigrad import backend, checks
from minigrad.ops import conv as _conv
from minigrad.ops import noise as _noise
from minigrad.ops import shape as _shape_ops
from minigrad.grad_mode import no_grad
from minigrad.random import _generator
from minigrad.tensor import Tensor, as_tensor


def _pair(value, op="conv2d", name="size", minimum=1):
    """3 -> (3, 3); (3, 2) stays; each an integer >= minimum (kernel sizes, strides and dilations
    are >= 1, paddings >= 0)."""
    pair = (value, value) if checks.is_integer(value) else tuple(value) if isinstance(value, (tuple, list)) else None
    if pair is None or len(pair) != 2:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return tuple(checks.positive_int(op, name, v, minimum) for v in pair)


def _floating_input(op, x):
    x = as_tensor(x)
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: input dtype {x.dtype} is not floating point; convert images with .float() "
                        f"(and scale them to [0, 1]) first")
    return x


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1):
    input = _floating_input("conv2d", input)
    args = (input, weight) if bias is None else (input, weight, bias)
    return _conv.Conv2d(_pair(stride, "conv2d", "stride"), _pair(padding, "conv2d", "padding", 0),
                        _pair(dilation, "conv2d", "dilation"))(*args)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1):
    input = _floating_input("conv_transpose2d", input)
    args = (input, weight) if bias is None else (input, weight, bias)
    op = "conv_transpose2d"
    return _conv.ConvTranspose2d(_pair(stride, op, "stride"), _pair(padding, op, "padding", 0),
                                 _pair(output_padding, op, "output_padding", 0), _pair(dilation, op, "dilation"))(*args)


def max_pool2d(input, kernel_size, stride=None, padding=0):
    kernel = _pair(kernel_size, "max_pool2d", "kernel_size")
    stride = kernel if stride is None else _pair(stride, "max_pool2d", "stride")
    return _conv.MaxPool2d(kernel, stride, _pair(padding, "max_pool2d", "padding", 0))(
        _floating_input("max_pool2d", input))


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    kernel = _pair(kernel_size, "avg_pool2d", "kernel_size")
    stride = kernel if stride is None else _pair(stride, "avg_pool2d", "stride")
    return _conv.AvgPool2d(kernel, stride, _pair(padding, "avg_pool2d", "padding", 0))(
        _floating_input("avg_pool2d", input))


def pad(input, pad, mode="constant", value=0.0):
    """PyTorch's ``F.pad``: ``pad`` lists (before, after) widths from the *last* dim backwards,
    e.g. (1, 2) pads the last dim by 1 before and 2 after; (1, 1, 2, 0) also the one before it."""
    input = as_tensor(input)
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is implemented, got {mode!r}")
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: expected pairs (before, after) for at most {input.ndim} dims, got {pad}")
    for width in pad:
        checks.positive_int("pad", "padding width", width, 0)
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):
        widths[input.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    return _shape_ops.Pad(tuple(widths), value)(input)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """PyTorch's functional batch norm: normalise over every axis but the channels (dim 1) with the
    batch statistics (training, and then running_mean / running_var are updated in place with
    ``momentum``) or the running ones (evaluation)."""
    from minigrad.ops.normalization import BatchNorm
    input = as_tensor(input)
    c = input.shape[1] if input.ndim >= 2 else None
    if c is None:
        raise ValueError(f"batch_norm: expected input (N, C, ...), got {input.shape}")
    xp = backend.array_module(input.data)
    weight = as_tensor(weight) if weight is not None else Tensor(xp.ones(c, dtype=input.dtype))
    bias = as_tensor(bias) if bias is not None else Tensor(xp.zeros(c, dtype=input.dtype))
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation (training=False) needs running_mean and running_var")
        return BatchNorm(eps, as_tensor(running_mean).data, as_tensor(running_var).data)(input, weight, bias)
    op = BatchNorm(eps)
    y = op(input, weight, bias)
    m = input.numel() // c
    if running_mean is not None and running_var is not None:
        with no_grad():
            running_mean.mul_(1 - momentum).add_(op.batch_mean.reshape(-1) * momentum)
            running_var.mul_(1 - momentum).add_(op.batch_var.reshape(-1) * (m / max(m - 1, 1)) * momentum)
    return y


def upsample_nearest(input, scale_factor=2):
    return _conv.UpsampleNearest(_pair(scale_factor))(as_tensor(input))


def reparameterize(mu, logvar, eps=None, generator=None):
    """The reparameterization trick: z = mu + exp(logvar / 2) * eps, eps ~ N(0, I).

    eps is drawn from ``generator`` (or the global one) outside the graph, or given; the
    gradients dz/dmu = 1 and dz/dlogvar = eps * exp(logvar / 2) / 2 are in
    ``minigrad.ops.noise.Reparameterize``.
    """
    mu, logvar = as_tensor(mu), as_tensor(logvar)
    xp = backend.array_module(mu.data)
    if eps is None:
        eps = _generator(generator).numpy.standard_normal(mu.shape)
    eps = eps.data if isinstance(eps, Tensor) else eps
    return _noise.Reparameterize(xp.asarray(eps, dtype=mu.dtype))(mu, logvar)


# Imported after the definitions above: these modules import from this one.
from minigrad.nn.dropout import dropout  # noqa: E402,F401
from minigrad.nn.losses import (  # noqa: E402,F401
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, gaussian_kl, gaussian_kl_between,
    l1_loss, mse_loss, nll_loss, smooth_l1_loss,
)
