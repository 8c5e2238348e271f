"""Convolution, transposed convolution, pooling and upsampling layers (NCHW).

The math and the im2col/col2im machinery live in ``minigrad.ops.conv``. Output sizes:

    Conv2d / pooling:   H_out = floor((H + 2 padding - dilation (kernel - 1) - 1) / stride) + 1
    ConvTranspose2d:    H_out = (H - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1
"""

from __future__ import annotations

import numpy as np

from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter
from minigrad import checks
from minigrad.nn.functional import _pair


def _check_groups(op, groups, in_channels, out_channels):
    groups = checks.positive_int(op, "groups", groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide in_channels={in_channels} and "
                         f"out_channels={out_channels}")
    return groups


class Conv2d(Module):
    """2-D convolution: weight (out_channels, in_channels / groups, kh, kw), bias (out_channels,)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, generator=None):
        super().__init__()
        op = type(self).__name__
        self.in_channels = checks.positive_int(op, "in_channels", in_channels)
        self.out_channels = checks.positive_int(op, "out_channels", out_channels)
        self.groups = _check_groups(op, groups, in_channels, out_channels)
        self.kernel_size, self.stride = _pair(kernel_size, op, "kernel_size"), _pair(stride, op, "stride")
        self.padding, self.dilation = _pair(padding, op, "padding", 0), _pair(dilation, op, "dilation")
        self.weight = Parameter(np.empty((out_channels, in_channels // groups) + self.kernel_size, dtype=np.float32))
        self.bias = Parameter(np.empty(out_channels, dtype=np.float32)) if bias else None
        init.default_layer_init_(self.weight, self.bias, generator)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2d({self.in_channels}, {self.out_channels}): expected input "
                             f"(N, {self.in_channels}, H, W), got {x.shape}")
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        groups = f", groups={self.groups}" if self.groups != 1 else ""
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}{groups}")


class Conv1d(Conv2d):
    """1-d convolution of (N, C, L) inputs: weight (out_channels, in_channels / groups, k)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, generator=None):
        op = "Conv1d"
        super().__init__(in_channels, out_channels, (1, F._one_d(op, kernel_size)), (1, F._one_d(op, stride)),
                         (0, F._one_d(op, padding, 0)), (1, F._one_d(op, dilation)), groups, bias, generator)
        bias = self.bias
        del self.bias                                           # keep the order weight, bias
        self.weight = Parameter(self.weight.data[:, :, 0])       # (O, C / groups, k), initialised as 2-d
        self.bias = bias
        self.kernel_size, self.stride = self.kernel_size[1:], self.stride[1:]
        self.padding, self.dilation = self.padding[1:], self.dilation[1:]

    def forward(self, x):
        if x.ndim != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv1d({self.in_channels}, {self.out_channels}): expected input "
                             f"(N, {self.in_channels}, L), got {x.shape}")
        return F.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(Module):
    """Transposed convolution: weight (in_channels, out_channels, kh, kw), as in PyTorch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1, generator=None):
        super().__init__()
        op = "ConvTranspose2d"
        self.in_channels = checks.positive_int(op, "in_channels", in_channels)
        self.out_channels = checks.positive_int(op, "out_channels", out_channels)
        self.groups = _check_groups(op, groups, in_channels, out_channels)
        self.kernel_size, self.stride = _pair(kernel_size, op, "kernel_size"), _pair(stride, op, "stride")
        self.padding, self.dilation = _pair(padding, op, "padding", 0), _pair(dilation, op, "dilation")
        self.output_padding = _pair(output_padding, op, "output_padding", 0)
        self.weight = Parameter(np.empty((in_channels, out_channels // groups) + self.kernel_size, dtype=np.float32))
        self.bias = Parameter(np.empty(out_channels, dtype=np.float32)) if bias else None
        # PyTorch computes fan_in from weight.size(1) = out_channels here, and so do we.
        init.default_layer_init_(self.weight, self.bias, generator)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"ConvTranspose2d({self.in_channels}, {self.out_channels}): expected input "
                             f"(N, {self.in_channels}, H, W), got {x.shape}")
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, output_padding={self.output_padding}")


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        op = type(self).__name__
        self.kernel_size = _pair(kernel_size, op, "kernel_size")
        self.stride = self.kernel_size if stride is None else _pair(stride, op, "stride")
        self.padding = _pair(padding, op, "padding", 0)

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class AvgPool2d(MaxPool2d):
    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class MaxPool1d(Module):
    """The maximum of each window of a (N, C, L) input."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        op = type(self).__name__
        self.kernel_size = F._one_d(op, kernel_size)
        self.stride = self.kernel_size if stride is None else F._one_d(op, stride)
        self.padding = F._one_d(op, padding, 0)

    def forward(self, x):
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class AvgPool1d(MaxPool1d):
    """The mean of each window of a (N, C, L) input."""

    def forward(self, x):
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding)


class Upsample(Module):
    """Nearest-neighbour upsampling by an integer ``scale_factor``."""

    def __init__(self, scale_factor=2, mode: str = "nearest"):
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: only mode='nearest' is implemented, got {mode!r}")
        self.scale_factor = _pair(scale_factor, "Upsample", "scale_factor")

    def forward(self, x):
        return F.upsample_nearest(x, self.scale_factor)
