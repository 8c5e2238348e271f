"""``minigrad.nn.functional``: the stateless functions behind the layers, PyTorch's names.

    import minigrad.nn.functional as F
    h = F.relu(F.linear(x, W, b))
    loss = F.cross_entropy(logits, labels)
"""

from __future__ import annotations

import numbers

from minigrad.functional import (  # noqa: F401
    einsum, elu, gelu, hardtanh, leaky_relu, linear, log_softmax, logsigmoid, one_hot, relu, relu6, selu, sigmoid, silu,
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


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """y = conv(x, W) + b (see ``minigrad.ops.conv.Conv2d``). With ``groups`` g, the C input and O
    output channels are split into g groups and group i's outputs see only group i's inputs:
    W has shape (O, C / g, kh, kw), and the result is g convolutions joined along the channels."""
    op = "conv2d"
    input, weight = _floating_input(op, input), as_tensor(weight)
    stride, padding, dilation = _pair(stride, op, "stride"), _pair(padding, op, "padding", 0), _pair(dilation, op, "dilation")
    groups = _groups(op, groups, input, weight, in_per_group=weight.shape[1] if weight.ndim == 4 else None,
                     out_channels=weight.shape[0])
    if groups == 1:
        return _conv.Conv2d(stride, padding, dilation)(*((input, weight) if bias is None else (input, weight, bias)))
    c, o = input.shape[1] // groups, weight.shape[0] // groups
    return _cat([conv2d(input[:, i * c:(i + 1) * c], weight[i * o:(i + 1) * o],
                        None if bias is None else bias[i * o:(i + 1) * o], stride, padding, dilation)
                 for i in range(groups)], dim=1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The transposed convolution (see ``minigrad.ops.conv.ConvTranspose2d``); PyTorch's argument
    order. With ``groups`` g, W has shape (C, O / g, kh, kw) and group i maps input channels
    i C/g ... to output channels i O/g ...."""
    op = "conv_transpose2d"
    input, weight = _floating_input(op, input), as_tensor(weight)
    stride, padding, dilation = _pair(stride, op, "stride"), _pair(padding, op, "padding", 0), _pair(dilation, op, "dilation")
    output_padding = _pair(output_padding, op, "output_padding", 0)
    groups = _groups(op, groups, input, weight, in_per_group=None, out_channels=None)
    if groups == 1:
        return _conv.ConvTranspose2d(stride, padding, output_padding, dilation)(
            *((input, weight) if bias is None else (input, weight, bias)))
    c, o = input.shape[1] // groups, weight.shape[1]
    return _cat([conv_transpose2d(input[:, i * c:(i + 1) * c], weight[i * c:(i + 1) * c],
                                  None if bias is None else bias[i * o:(i + 1) * o], stride, padding,
                                  output_padding, 1, dilation)
                 for i in range(groups)], dim=1)


def _groups(op, groups, input, weight, in_per_group, out_channels):
    groups = checks.positive_int(op, "groups", groups)
    if groups == 1:
        return 1
    channels = input.shape[1] if input.ndim == 4 else None
    if channels is None or channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide the input channels, input {input.shape}")
    if in_per_group is not None and in_per_group * groups != channels:
        raise ValueError(f"{op}: with groups={groups} the weight {weight.shape} must have {channels // groups} "
                         f"input channels per group (dim 1), input {input.shape}")
    if out_channels is not None and out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide the output channels, weight {weight.shape}")
    if out_channels is None and weight.shape[0] != channels:
        raise ValueError(f"{op}: weight {weight.shape} must have the input's {channels} channels in dim 0")
    return groups


def _cat(tensors, dim):
    from minigrad.functional import cat
    return cat(tensors, dim)


def _one_d(op, value, minimum=1):
    """An int or a 1-tuple, for the 1-d layers."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not checks.is_integer(value):
        raise TypeError(f"{op}: expected an int or a 1-tuple, got {value!r}")
    return checks.positive_int(op, "size", value, minimum)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d convolution of x (N, C, L) with W (O, C / groups, k): ``conv2d`` on images of height 1,
    y[n, o, l] = b[o] + sum_{c, u} W[o, c, u] x_pad[n, c, l s + u d]."""
    op = "conv1d"
    input, weight = _floating_input(op, input), as_tensor(weight)
    if input.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"{op}: expected input (N, C, L) and weight (O, C, k), got {input.shape} and {weight.shape}")
    y = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, _one_d(op, stride)), (0, _one_d(op, padding, 0)),
               (1, _one_d(op, dilation)), groups)
    return y.squeeze(2)


def _pool1d(op, pool2d, input, kernel_size, stride, padding):
    """A 1-d pooling of a (N, C, L) input: the 2-d pooling on images of height 1."""
    input = _floating_input(op, input)
    if input.ndim != 3:
        raise ValueError(f"{op}: expected input (N, C, L), got {input.shape}")
    k = _one_d(op, kernel_size)
    s = k if stride is None else _one_d(op, stride)
    return pool2d(input.unsqueeze(2), (1, k), (1, s), (0, _one_d(op, padding, 0))).squeeze(2)


def max_pool1d(input, kernel_size, stride=None, padding=0):
    """The maximum of each window of a (N, C, L) input."""
    return _pool1d("max_pool1d", max_pool2d, input, kernel_size, stride, padding)


def avg_pool1d(input, kernel_size, stride=None, padding=0):
    """The mean of each window of a (N, C, L) input."""
    return _pool1d("avg_pool1d", avg_pool2d, input, kernel_size, stride, padding)


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
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"pad: value must be a number (inf and NaN allowed), got {value!r}")
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
    input = _floating_input("batch_norm", input)
    c = input.shape[1] if input.ndim >= 2 else None
    if c is None:
        raise ValueError(f"batch_norm: expected input (N, C, ...), got {input.shape}")
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and tuple(as_tensor(t).shape) != (c,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(as_tensor(t).shape)}, expected ({c},) for the "
                             f"{c} channels of input {input.shape}")
    checks.finite_number("batch_norm", "momentum", momentum, minimum=0, maximum=1)
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
    return _conv.UpsampleNearest(_pair(scale_factor, "upsample_nearest", "scale_factor"))(as_tensor(input))


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

# Every function of this namespace reports a bad argument under its own name (checks.named_errors).
checks.name_errors_of(globals(), [n for n, f in list(globals().items()) if not n.startswith("_")
                                  and getattr(f, "__module__", "").startswith("minigrad.nn")])
