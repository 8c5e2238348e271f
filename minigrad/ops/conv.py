"""Convolution, transposed convolution, pooling and nearest upsampling (NCHW layout).

The idea that makes convolution fast in NumPy is **im2col**: copy every receptive field
(a C x kh x kw patch) into a column, so that the whole convolution becomes *one* large
matrix product of the (O, C*kh*kw) weight matrix with the (C*kh*kw, Ho*Wo) column matrix.

    im2col   x (N, C, H, W)  ->  cols (N, C*kh*kw, Ho*Wo)
    col2im   cols            ->  x, *adding* where patches overlap    (the adjoint of im2col)

im2col is built from a strided *view* of the padded input (no Python loop over pixels);
col2im loops over the kh*kw kernel offsets, never over output pixels.

Memory: the column matrix holds N * C*kh*kw * Ho*Wo numbers -- about kh*kw times the
input (9x for a 3x3 kernel with stride 1). That is the price of using one matrix product.

Convolution and transposed convolution are each other's backward: the gradient of a
convolution with respect to its input is a transposed convolution of dL/dy with the same
weight, and vice versa. Both are written with the same two helpers.
"""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.function import Function


def conv_output_size(size, kernel, stride, padding, dilation=1):
    """floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1"""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(size, kernel, stride, padding, output_padding=0, dilation=1):
    """(size - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1"""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _pad(x, padding, value=0):
    if padding == (0, 0):
        return x
    ph, pw = padding
    return array_module(x).pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _windows(xp_, kernel, stride, dilation, out_size):
    """A strided view (N, C, kh, kw, Ho, Wo) of the padded input: element [n, c, i, j, h, w] is
    x[n, c, h*stride + i*dilation, w*stride + j*dilation]. No data is copied."""
    xp = array_module(xp_)
    n, c = xp_.shape[:2]
    sn, sc, sh, sw = xp_.strides
    shape = (n, c, kernel[0], kernel[1], out_size[0], out_size[1])
    strides = (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1])
    return xp.lib.stride_tricks.as_strided(xp_, shape=shape, strides=strides)


def im2col(x, kernel, stride, padding, dilation):
    """x (N, C, H, W) -> cols (N, C*kh*kw, Ho*Wo), one column per output pixel."""
    n, c, h, w = x.shape
    out = (conv_output_size(h, kernel[0], stride[0], padding[0], dilation[0]),
           conv_output_size(w, kernel[1], stride[1], padding[1], dilation[1]))
    windows = _windows(_pad(x, padding), kernel, stride, dilation, out)
    return windows.reshape(n, c * kernel[0] * kernel[1], out[0] * out[1]), out


def col2im(cols, in_shape, kernel, stride, padding, dilation, out_size):
    """The adjoint of im2col: cols (N, C*kh*kw, Ho*Wo) -> (N, C, H, W), summing overlaps."""
    xp = array_module(cols)
    n, c, h, w = in_shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    ho, wo = out_size
    cols = cols.reshape(n, c, kh, kw, ho, wo)
    padded = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):              # one strided add per kernel offset
        for j in range(kw):
            top, left = i * dh, j * dw
            padded[:, :, top:top + sh * ho:sh, left:left + sw * wo:sw] += cols[:, :, i, j]
    return padded[:, :, ph:ph + h, pw:pw + w]


class Conv2d(Function):
    """y[n, o] = b[o] + sum_c  W[o, c] (*) x[n, c]   (cross-correlation, as in every framework).

    Shapes: x (N, C, H, W), W (O, C, kh, kw), b (O,), y (N, O, Ho, Wo) with
    Ho = floor((H + 2p - d(kh - 1) - 1) / s) + 1.

    With cols = im2col(x) and W as an (O, C*kh*kw) matrix Wm:
        y = Wm @ cols + b
        dL/dWm   = sum_n dL/dy[n] @ cols[n]^T
        dL/dcols = Wm^T @ dL/dy,   dL/dx = col2im(dL/dcols)    (a transposed convolution)
        dL/db    = sum of dL/dy over n, h, w
    """

    def __init__(self, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x, weight, bias=None):
        if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
            raise ValueError(f"conv2d: input {x.shape} and weight {weight.shape} do not match; expected "
                             f"input (N, {weight.shape[1] if weight.ndim == 4 else 'C'}, H, W)")
        kernel = weight.shape[2:]
        for axis in (0, 1):
            size = x.shape[2 + axis] + 2 * self.padding[axis]
            reach = self.dilation[axis] * (kernel[axis] - 1) + 1
            if reach > size:
                raise ValueError(f"conv2d: kernel {tuple(kernel)} (dilation {self.dilation}) is larger than "
                                 f"the padded input {x.shape[2:]} + padding {self.padding}")
        cols, out = im2col(x, kernel, self.stride, self.padding, self.dilation)
        self.cols, self.in_shape, self.out_size, self.weight = cols, x.shape, out, weight
        y = weight.reshape(weight.shape[0], -1) @ cols          # (N, O, Ho*Wo)
        if bias is not None:
            y += bias[:, None]
        return y.reshape(x.shape[0], weight.shape[0], *out)

    def backward(self, gy):
        xp = array_module(gy)
        weight = self.weight
        n, o = gy.shape[:2]
        gy = gy.reshape(n, o, -1)
        gx = gw = gb = None
        if self.inputs[0].requires_grad:
            gcols = weight.reshape(o, -1).T @ gy                # (N, C*kh*kw, Ho*Wo)
            gx = col2im(gcols, self.in_shape, weight.shape[2:], self.stride, self.padding, self.dilation,
                        self.out_size)
        if self.inputs[1].requires_grad:
            gw = xp.tensordot(gy, self.cols, axes=([0, 2], [0, 2])).reshape(weight.shape)
        if len(self.inputs) == 3 and self.inputs[2].requires_grad:
            gb = gy.sum(axis=(0, 2))
        return (gx, gw) if len(self.inputs) == 2 else (gx, gw, gb)


class ConvTranspose2d(Function):
    """The transposed convolution: the backward-with-respect-to-input of ``Conv2d``, used as a layer.

    Shapes: x (N, C, H, W), W (C, O, kh, kw) -- PyTorch's layout --, y (N, O, Ho, Wo) with
    Ho = (H - 1) s - 2p + d (kh - 1) + output_padding + 1.

    Each input pixel *scatters* a weighted kernel into the output:
        cols = Wm^T @ x   (Wm = W as a (C, O*kh*kw) matrix),   y = col2im(cols) + b
    and so, reading Conv2d's formulas backwards,
        dL/dx  = Wm @ im2col(dL/dy)          (a plain convolution of dL/dy)
        dL/dWm = sum_n x[n] @ im2col(dL/dy)[n]^T
    """

    def __init__(self, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1)):
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.output_padding = output_padding

    def forward(self, x, weight, bias=None):
        if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[0]:
            raise ValueError(f"conv_transpose2d: input {x.shape} and weight {weight.shape} do not match; "
                             f"expected input (N, {weight.shape[0] if weight.ndim == 4 else 'C'}, H, W)")
        for axis in (0, 1):
            if self.output_padding[axis] >= max(self.stride[axis], self.dilation[axis]):
                raise ValueError(f"conv_transpose2d: output_padding {self.output_padding} must be smaller "
                                 f"than stride {self.stride} or dilation {self.dilation}")
        n, c, h, w = x.shape
        o, kernel = weight.shape[1], weight.shape[2:]
        out = tuple(conv_transpose_output_size((h, w)[a], kernel[a], self.stride[a], self.padding[a],
                                               self.output_padding[a], self.dilation[a]) for a in (0, 1))
        if min(out) <= 0:
            raise ValueError(f"conv_transpose2d: input {x.shape} gives an empty output {out}")
        self.x, self.weight, self.out_shape = x, weight, (n, o) + out
        cols = weight.reshape(c, -1).T @ x.reshape(n, c, h * w)     # (N, O*kh*kw, H*W)
        y = col2im(cols, self.out_shape, kernel, self.stride, self.padding, self.dilation, (h, w))
        if bias is not None:
            y = y + bias[:, None, None]
        return y

    def backward(self, gy):
        xp = array_module(gy)
        x, weight = self.x, self.weight
        n, c, h, w = x.shape
        gcols, (gh, gw_) = im2col(gy, weight.shape[2:], self.stride, self.padding, self.dilation)
        if (gh, gw_) != (h, w):   # output_padding >= stride (possible with dilation) adds positions
            gcols = gcols.reshape(n, -1, gh, gw_)[:, :, :h, :w].reshape(n, -1, h * w)
        gx = gw = gb = None
        if self.inputs[0].requires_grad:
            gx = (weight.reshape(c, -1) @ gcols).reshape(x.shape)
        if self.inputs[1].requires_grad:
            gw = xp.tensordot(x.reshape(n, c, h * w), gcols, axes=([0, 2], [0, 2])).reshape(weight.shape)
        if len(self.inputs) == 3 and self.inputs[2].requires_grad:
            gb = gy.sum(axis=(0, 2, 3))
        return (gx, gw) if len(self.inputs) == 2 else (gx, gw, gb)


class MaxPool2d(Function):
    """y[n, c, h, w] = max of the window at (h, w).   dL/dx = dL/dy routed to the window's argmax.

    Tie rule: when several elements of a window share the maximum, the *first* one in
    row-major order inside the window receives the whole gradient (as PyTorch does).
    Padding pads with -inf, so it is never selected. Overlapping windows (stride < kernel)
    add their gradients.
    """

    saves_inputs = False

    def __init__(self, kernel, stride, padding=(0, 0)):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"max_pool2d: expected input (N, C, H, W), got {x.shape}")
        self.in_shape = x.shape
        cols, self.out_size = _pool_columns(x, self.kernel, self.stride, self.padding, -float("inf"))
        self.argmax = cols.argmax(axis=2)                              # (N, C, Ho*Wo)
        y = array_module(x).take_along_axis(cols, self.argmax[:, :, None], axis=2)
        return y.reshape(x.shape[:2] + self.out_size)

    def backward(self, gy):
        n, c = gy.shape[:2]
        gy = gy.reshape(n, c, -1)
        kk = self.kernel[0] * self.kernel[1]
        # one-hot of the argmax inside each window, as columns, then back to pixels
        gcols = (self.argmax[:, :, None, :] == array_module(gy).arange(kk)[None, None, :, None]) * gy[:, :, None, :]
        gcols = gcols.astype(gy.dtype, copy=False).reshape(n, c * kk, -1)
        return col2im(gcols, self.in_shape, self.kernel, self.stride, self.padding, (1, 1), self.out_size)


class AvgPool2d(Function):
    """y = mean of each kh x kw window (zero padding counted, PyTorch's default).

    dL/dx = dL/dy / (kh kw), spread over each window (overlaps add).
    """

    saves_inputs = False

    def __init__(self, kernel, stride, padding=(0, 0)):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"avg_pool2d: expected input (N, C, H, W), got {x.shape}")
        self.in_shape = x.shape
        cols, self.out_size = _pool_columns(x, self.kernel, self.stride, self.padding, 0)
        return cols.mean(axis=2).reshape(x.shape[:2] + self.out_size)

    def backward(self, gy):
        xp = array_module(gy)
        n, c = gy.shape[:2]
        kk = self.kernel[0] * self.kernel[1]
        share = gy.reshape(n, c, 1, -1) / kk
        gcols = xp.broadcast_to(share, (n, c, kk, share.shape[-1])).reshape(n, c * kk, -1)
        return col2im(gcols, self.in_shape, self.kernel, self.stride, self.padding, (1, 1), self.out_size)


def _pool_columns(x, kernel, stride, padding, pad_value):
    """Windows of each channel separately: (N, C, kh*kw, Ho*Wo)."""
    n, c, h, w = x.shape
    for axis in (0, 1):
        if padding[axis] * 2 > kernel[axis]:
            raise ValueError(f"pool2d: padding {padding} must be at most half the kernel {kernel}")
        if kernel[axis] > x.shape[2 + axis] + 2 * padding[axis]:
            raise ValueError(f"pool2d: kernel {kernel} is larger than the input {x.shape[2:]} "
                             f"+ padding {padding}")
    out = (conv_output_size(h, kernel[0], stride[0], padding[0]),
           conv_output_size(w, kernel[1], stride[1], padding[1]))
    windows = _windows(_pad(x, padding, pad_value), kernel, stride, (1, 1), out)
    return windows.reshape(n, c, kernel[0] * kernel[1], out[0] * out[1]), out


class UpsampleNearest(Function):
    """y[n, c, h, w] = x[n, c, h // s, w // s]: each pixel repeated s x s times.

    dL/dx = dL/dy summed over each s x s block.
    """

    saves_inputs = False

    def __init__(self, scale):
        self.scale = scale

    def forward(self, x):
        if x.ndim != 4:
            raise ValueError(f"upsample: expected input (N, C, H, W), got {x.shape}")
        sh, sw = self.scale
        return x.repeat(sh, axis=2).repeat(sw, axis=3)

    def backward(self, gy):
        n, c, h, w = gy.shape
        sh, sw = self.scale
        return gy.reshape(n, c, h // sh, sh, w // sw, sw).sum(axis=(3, 5))
