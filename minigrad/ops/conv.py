"""Convolution, transposed convolution, pooling and nearest upsampling (NCHW layout).

Notation, used in every docstring and variable name of this file:

    N  batch size            C  input channels        O  output channels
    H, W    input height and width          Ho, Wo  output height and width
    kh, kw  kernel height and width         s  stride    p  padding    d  dilation
    x (N, C, H, W)    W (O, C, kh, kw)    b (O,)    y (N, O, Ho, Wo)
    Ho = floor((H + 2p - d (kh - 1) - 1) / s) + 1      (the same for Wo)

Read ``conv2d_reference`` first: the definition of a convolution as plain loops, the version
the tests compare the fast one against. Everything after it computes the same numbers faster.

The idea that makes convolution fast in NumPy is **im2col**: copy every receptive field
(a C x kh x kw patch) into a column of a matrix, so that the whole convolution becomes
*one* large matrix product of the (O, C*kh*kw) weights with that (C*kh*kw, N*Ho*Wo) patch
matrix.

    im2col   x (N, C, H, W)  ->  cols (C*kh*kw, N*Ho*Wo), one column per output pixel
    col2im   cols  ->  x, *adding* where patches overlap     (the adjoint of im2col)

im2col is built in one of two ways, both without a Python loop over pixels:

* **gather** (any stride and dilation): a strided *view* (C, kh, kw, Ho, Wo, N) of the padded
  input with the *batch innermost* (C, H, W, N), which one reshape copies into the matrix. With
  the samples of one pixel side by side, every copy moves runs of N numbers (for stride 1, whole
  rows of Wo*N), not runs of Wo (7 at the DCGAN's 7x7): measured 2-3x faster for im2col and 2x
  for col2im. Its columns are ordered (pixel row, pixel column, sample).
* **phases** (stride 1, or a kernel that is a multiple of the stride -- the CNN's 3x3 and the
  DCGAN's 4x4 stride-2 convolutions): split the padded input into its s x s phases
  (space-to-depth: phase (a, b) holds the pixels at rows a, a+s, ... and columns b, b+s, ...).
  Inside a phase the convolution has stride 1, and then kernel tap (u, v) reads, for every output
  pixel at once, one *contiguous* run of the flattened phase image -- if each output row is
  allowed Wq - Wo extra columns (Wq the phase width) that are computed and thrown away. The
  copies become whole-image block copies, for a few percent more matrix-product work. Its
  columns are ordered (sample, pixel row, pixel column).

col2im is the adjoint of whichever im2col was used: the same loop over the kh*kw kernel
offsets, adding instead of copying. The forward product and both gradient products (dL/dW and
dL/dcols) are single large matrix products.

Memory: the patch matrix holds N*Ho*Wo * C*kh*kw numbers -- about kh*kw times the input
(9x for a 3x3 kernel with stride 1). That is the price of using one matrix product, so a
large batch is processed in chunks of samples (``CHUNK_BYTES``); forward keeps the chunks'
matrices for backward while they are not too large in all (``KEEP_COLUMNS_BYTES``), else backward
rebuilds each from x.

A 3x3 stride-1 convolution with many channels takes another route, Winograd's minimal filtering
(``winograd.py``): 2.25x fewer multiplies, gathering its 4x4 input tiles with this file's phase path.

Convolution and transposed convolution are each other's backward: the gradient of a
convolution with respect to its input is a transposed convolution of dL/dy with the same
weight, and vice versa. Both are written with the same helpers: ``correlate`` (im2col, one
product) and ``adjoint`` (its transpose). For stride 1 the adjoint is itself a convolution,
with the flipped kernel (``adjoint_geometry``), so it too gathers instead of scattering.

Tried and measured, not kept: dL/dW as kh*kw products of shifted views, without a patch
matrix (NumPy hands a row-strided view to BLAS uncopied, but nine thin products ran slower
than one wide one plus the copy). Estimated, not built: splitting a stride-2 transposed
convolution into four stride-1 ones (sub-pixel). For the DCGAN's 7x7 <-> 14x14 layers, one patch
matrix shared by the four phases computes each phase's edge row and column in vain (about 30 %
more matrix product), and one per phase copies the O*kh*kw rows of dL/dy where col2im adds
C*kh*kw -- twice as many there, since the channels double as the image halves.
"""

from __future__ import annotations

from typing import NamedTuple

from minigrad.backend import array_module
from minigrad.function import Function
from minigrad.grad_mode import state
from minigrad.ops import winograd


def conv_output_size(size, kernel, stride, padding, dilation=1):
    """floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1"""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(size, kernel, stride, padding, output_padding=0, dilation=1):
    """(size - 1) stride - 2 padding + dilation (kernel - 1) + output_padding + 1"""
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def conv2d_reference(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    """The definition, with loops (slow; for reading and for the tests):

        y[n, o, i, j] = b[o] + sum_{c, u, v} W[o, c, u, v] * x_pad[n, c, i s + u d, j s + v d]

    For each output pixel (i, j) and kernel offset (u, v), the (N, C) slice of the padded input
    under that kernel tap is multiplied by the (C, O) matrix of that tap's weights.
    """
    xp = array_module(x)
    o, _, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    x_pad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = conv_output_size(x.shape[2], kh, sh, ph, dh)
    wo = conv_output_size(x.shape[3], kw, sw, pw, dw)
    y = xp.zeros((x.shape[0], o, ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            for u in range(kh):
                for v in range(kw):
                    tap = x_pad[:, :, i * sh + u * dh, j * sw + v * dw]          # (N, C)
                    y[:, :, i, j] += tap @ weight[:, :, u, v].T                  # (N, O)
    return y if bias is None else y + bias[None, :, None, None]


def gemm(a, b):
    """The matrix products of the fast convolutions below (one name, so a profiler can time them)."""
    return a @ b


def _pad(x, padding, value=0):
    if padding == (0, 0):
        return x
    ph, pw = padding
    return array_module(x).pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _windows(x_padded, kernel, stride, dilation, out_size):
    """A strided view (C, kh, kw, Ho, Wo, N) of the padded input in (C, H, W, N) layout: element
    [c, i, j, h, w, n] is x[n, c, h*stride + i*dilation, w*stride + j*dilation]. No data is copied."""
    xp = array_module(x_padded)
    c, n = x_padded.shape[0], x_padded.shape[3]
    sc, sh, sw, sn = x_padded.strides
    shape = (c, kernel[0], kernel[1], out_size[0], out_size[1], n)
    strides = (sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1], sn)
    return xp.lib.stride_tricks.as_strided(x_padded, shape=shape, strides=strides)


# The phase path's extra columns per output row, at most this fraction of Wo (a measured choice).
PHASE_EXTRA_COLUMNS = 1 / 8


class Geometry(NamedTuple):
    """One convolution's sizes, and how its patch matrix lays out output pixels.

    ``row`` is the number of matrix columns per output row: Wo for the general (gather) path;
    for the phase path it is the width Wq of one phase image, so each output row carries
    Wq - Wo extra columns that are computed and thrown away (see ``im2col``)."""
    in_size: tuple          # (H, W)
    out_size: tuple         # (Ho, Wo)
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    phased: bool            # True: the phase path (contiguous block copies) applies
    phase_size: tuple       # (Hq, Wq): rows and columns of one phase image (phase path only)

    @property
    def row(self):
        return self.phase_size[1] if self.phased else self.out_size[1]


def conv_geometry(in_size, kernel, stride, padding, dilation, out_size=None):
    """The Geometry of a convolution of an (H, W) input; ``out_size`` may cut the output short
    (a transposed convolution's output_padding can leave its input smaller than a full conv's output)."""
    if out_size is None:
        out_size = tuple(conv_output_size(in_size[a], kernel[a], stride[a], padding[a], dilation[a]) for a in (0, 1))
    # The phase path needs every kernel tap to land on the same phase at a fixed offset:
    # true for stride 1 (any dilation) and for kernels that are a multiple of the stride.
    phased = all(stride[a] == 1 or (dilation[a] == 1 and kernel[a] % stride[a] == 0) for a in (0, 1))
    wq = -(-(in_size[1] + 2 * padding[1]) // stride[1])
    # ... and it computes Wq - Wo extra columns per output row: worth it only while they are few
    # (measured: 2 extra per 28 wins, 1 extra per 7 loses more in the matrix product than it saves).
    phased = phased and wq - out_size[1] <= PHASE_EXTRA_COLUMNS * out_size[1]
    phase_size = (0, 0)
    if phased:
        taps, step = _phase_taps(kernel, stride, dilation)
        # rows to hold the padded input, and enough that the last tap's run of out_size[0] rows fits
        reach = (out_size[0] + (taps[0] - 1) * step[0]) * wq + (taps[1] - 1) * step[1]
        hq = max(-(-(in_size[0] + 2 * padding[0]) // stride[0]), -(-reach // wq))
        phase_size = (hq, wq)
    return Geometry(tuple(in_size), tuple(out_size), tuple(kernel), tuple(stride), tuple(padding), tuple(dilation),
                    phased, phase_size)


def _phase_taps(kernel, stride, dilation):
    """Kernel offset u = t * s + a reads phase a at row offset t * step (step = d when s = 1)."""
    taps = tuple(kernel[a] // stride[a] for a in (0, 1))
    step = tuple(dilation[a] if stride[a] == 1 else 1 for a in (0, 1))
    return taps, step


def im2col(x, g):
    """x (N, C, H, W) -> the patch matrix (C*kh*kw, N*Ho*row), one column per output pixel
    (in the order of ``pixels_to_columns``)."""
    return _im2col_phased(x, g) if g.phased else _im2col_gather(x, g)


def col2im(cols, out, g):
    """The adjoint of im2col: the patch matrix -> ``out`` (N, C, H, W), adding where patches overlap."""
    (_col2im_phased if g.phased else _col2im_gather)(cols, out, g)


def pixels_to_columns(y, g):
    """(N, O, Ho, Wo) -> (O, columns): the layout of the patch matrix's columns -- (Ho, Wo, N) on
    the gather path; (N, Ho, row) on the phase path, with zeros in the extra columns so they add
    nothing."""
    n, o, ho, wo = y.shape
    if not g.phased:
        return y.transpose(1, 2, 3, 0).reshape(o, -1)
    if g.row == wo:
        return y.transpose(1, 0, 2, 3).reshape(o, -1)
    out = array_module(y).zeros((o, n, ho, g.row), dtype=y.dtype)
    out[..., :wo] = y.transpose(1, 0, 2, 3)
    return out.reshape(o, -1)


def columns_to_pixels(cols, n, g):
    """(O, columns) -> an (N, O, Ho, Wo) view: the inverse of ``pixels_to_columns``."""
    ho, wo = g.out_size
    if not g.phased:
        return cols.reshape(-1, ho, wo, n).transpose(3, 0, 1, 2)
    return cols.reshape(-1, n, ho, g.row)[..., :wo].transpose(1, 0, 2, 3)


# ---- the general path: a strided gather (any stride and dilation) --------------------------------
def _im2col_gather(x, g):
    xp = array_module(x)
    n, c, h, w = x.shape
    (kh, kw), (ph, pw) = g.kernel, g.padding
    batch_last = xp.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=x.dtype)     # padded, (C, H, W, N)
    batch_last[:, ph:ph + h, pw:pw + w] = x.transpose(1, 2, 3, 0)
    return _windows(batch_last, g.kernel, g.stride, g.dilation, g.out_size).reshape(c * kh * kw, -1)


def _col2im_gather(cols, out, g):
    xp = array_module(cols)
    n, c = out.shape[:2]
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = g.in_size, g.kernel, g.stride, g.padding, g.dilation
    ho, wo = g.out_size
    cols = cols.reshape(c, kh, kw, ho, wo, n)
    # Sum in the columns' own (C, H, W, N) order, so each add moves runs of N numbers, and
    # turn the result into NCHW once at the end (a view; the caller's next write copies it).
    padded = xp.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=cols.dtype)
    for i in range(kh):              # one strided add per kernel offset
        for j in range(kw):
            top, left = i * dh, j * dw
            padded[:, top:top + sh * ho:sh, left:left + sw * wo:sw] += cols[:, i, j]
    out[...] = padded[:, ph:ph + h, pw:pw + w].transpose(3, 0, 1, 2)


# ---- the phase path: whole-image block copies ----------------------------------------------------
def _phases(x, g):
    """The zero-padded input split into its s_h x s_w phases, (C, N, s_h, s_w, Hq, Wq):
    phases[c, n, a, b, q, r] = x_padded[n, c, q s_h + a, r s_w + b]. For stride 1 there is one phase,
    the padded image itself."""
    n, c = x.shape[:2]
    (sh, sw), (hq, wq) = g.stride, g.phase_size
    phases = array_module(x).zeros((c, n, sh, sw, hq, wq), dtype=x.dtype)
    for image, phase in _phase_pairs(x.transpose(1, 0, 2, 3), phases, g):
        phase[...] = image
    return phases


def _phase_pairs(channels_first, phases, g):
    """For each phase (a, b): the (C, N, ., .) pixels of the unpadded image that lie in it (a strided
    view of ``channels_first``, x as (C, N, H, W)) and where they lie in ``phases`` (a view)."""
    (sh, sw), (ph, pw) = g.stride, g.padding
    for a in range(sh):
        for b in range(sw):
            row, col = (a - ph) % sh, (b - pw) % sw        # the first input row/column in phase (a, b)
            image = channels_first[:, :, row::sh, col::sw]
            q, r = (row + ph) // sh, (col + pw) // sw
            yield image, phases[:, :, a, b, q:q + image.shape[2], r:r + image.shape[3]]


def _tap_view(phases, g):
    """A strided view (C, th, s_h, tw, s_w, N, Ho*Wq) of the phases: kernel offset
    (u, v) = (t_h s_h + a, t_w s_w + b) reads phase (a, b) from flat position t_h step_h Wq + t_w step_w
    on, a *contiguous* run of Ho*Wq numbers (whole phase rows, extra columns included)."""
    xp = array_module(phases)
    c, n, sh, sw, hq, wq = phases.shape
    (th, tw), (step_h, step_w) = _phase_taps(g.kernel, g.stride, g.dilation)
    e = phases.itemsize
    sc, sn, sa, sb = phases.strides[:4]
    return xp.lib.stride_tricks.as_strided(
        phases, shape=(c, th, sh, tw, sw, n, g.out_size[0] * wq),
        strides=(sc, step_h * wq * e, sa, step_w * e, sb, sn, e))


def _im2col_phased(x, g):
    c, (kh, kw) = x.shape[1], g.kernel
    return _tap_view(_phases(x, g), g).reshape(c * kh * kw, -1)


def _col2im_phased(cols, out, g):
    xp = array_module(cols)
    n, c = out.shape[:2]
    (sh, sw), (hq, wq) = g.stride, g.phase_size
    (th, tw), (step_h, step_w) = _phase_taps(g.kernel, g.stride, g.dilation)
    run = g.out_size[0] * wq
    cols = cols.reshape(c, th, sh, tw, sw, n, run)
    phases = xp.zeros((c, n, sh, sw, hq * wq), dtype=cols.dtype)
    for t in range(th):              # one contiguous add per kernel offset
        for a in range(sh):
            for u in range(tw):
                for b in range(sw):
                    start = t * step_h * wq + u * step_w
                    phases[:, :, a, b, start:start + run] += cols[:, t, a, u, b]
    for image, phase in _phase_pairs(out.transpose(1, 0, 2, 3), phases.reshape(c, n, sh, sw, hq, wq), g):
        image[...] = phase                              # the inverse of _phases


# The patch matrix of a whole batch can be large (9x the input for a 3x3 kernel), so it is
# built for a few samples at a time: a chunk's matrix stays near the CPU's caches while the
# matrix product reads it, and the memory for one chunk is bounded.
CHUNK_BYTES = 8 * 2 ** 20

# Forward keeps a layer's patch matrix for dL/dW when it takes at most this much memory, instead
# of building it again in backward. A trade of memory for time, measured: with 64 MiB the DCGAN
# iteration (W4) took 0.94 and 0.99 of the time in two runs, but its peak memory rose 76 MiB
# above the start (PyTorch: 72-79), with 8 MiB 58 MiB; the small CNN (W2) took the same time.
KEEP_COLUMNS_BYTES = 8 * 2 ** 20

# The adjoint of a stride-1 convolution is itself a stride-1 convolution (``adjoint_geometry``).
# Computing it as one replaces col2im's kh*kw overlapping adds by im2col's copies (measured
# faster); False forces col2im everywhere (the tests compare the two).
ADJOINT_BY_CONVOLUTION = True


def batch_chunks(n, bytes_per_sample):
    """Sample ranges [a, b) whose patch matrices take about CHUNK_BYTES each."""
    per = max(1, CHUNK_BYTES // max(1, bytes_per_sample))
    return [(a, min(n, a + per)) for a in range(0, n, per)]


def column_bytes(n, g, rows, itemsize):
    """The memory of the patch matrix of n samples, ``rows`` rows (C*kh*kw), on geometry g."""
    return n * g.out_size[0] * g.row * rows * itemsize


def column_chunks(n, g, rows, itemsize):
    """The chunks of a batch of n samples for a patch matrix of ``rows`` rows on geometry g."""
    return batch_chunks(n, column_bytes(1, g, rows, itemsize))


def correlate(x, wm, g, keep=False):
    """y = Wm @ im2col(x), chunk by chunk: a convolution of x on geometry g, as (N, O, Ho, Wo).

    Wm is the weight as an (O, C*kh*kw) matrix. Returns y and the list of each chunk's patch
    matrix when ``keep`` is True (an empty list otherwise)."""
    n = x.shape[0]
    y = array_module(x).empty((n, wm.shape[0]) + g.out_size, dtype=x.dtype)
    kept = []
    for a, b in column_chunks(n, g, wm.shape[1], x.itemsize):
        cols = im2col(x[a:b], g)
        y[a:b] = columns_to_pixels(gemm(wm, cols), b - a, g)
        if keep:
            kept.append(cols)
    return y, kept


def adjoint_geometry(g, channels_in, channels_out):
    """The geometry of the convolution that computes the adjoint of a stride-1 convolution g
    (x -> y, channels_in -> channels_out), or None when col2im should scatter instead.

    The adjoint -- dL/dx of a convolution, the forward of a transposed one -- adds W[o, c, u, v]
    * g[o, i, j] into x_pad[c, i + u d, j + v d]. Gathering instead of scattering, each x[c, i, j]
    collects from the y pixels that touched it:

        x[c, i, j] = sum_{o, u, v}  W~[c, o, u, v] * g_pad[o, i + u d, j + v d]

    a plain stride-1 convolution of g, zero-padded by d (k - 1) - p, with the *flipped* kernel
    W~[c, o, u, v] = W[o, c, kh - 1 - u, kw - 1 - v] (``flipped_weight``). Its output is exactly x's
    size when y is the full output of x, which is what is checked (not so for a transposed
    convolution's output_padding, nor for padding beyond the kernel's reach).

    Which is cheaper: the gather copies the O*kh*kw rows of im2col(g), col2im adds C*kh*kw rows,
    and a copy costs less than an add -- so gather when O <= C (W6's 64 -> 64, together with the
    kept patch matrices: 0.83-0.90 of the time); for a first layer (1 -> 32) the scatter moves
    32 times less and was 3 times faster."""
    if not ADJOINT_BY_CONVOLUTION or g.stride != (1, 1) or channels_out > channels_in:
        return None
    pad = tuple(g.dilation[a] * (g.kernel[a] - 1) - g.padding[a] for a in (0, 1))
    full = tuple(conv_output_size(g.in_size[a], g.kernel[a], 1, g.padding[a], g.dilation[a]) for a in (0, 1))
    if min(pad) < 0 or full != g.out_size:
        return None
    return conv_geometry(g.out_size, g.kernel, (1, 1), pad, g.dilation)


def flipped_weight(weight):
    """(O, C, kh, kw) -> the kernel of the adjoint, W~[c, o, u, v] = W[o, c, kh-1-u, kw-1-v], as a
    (C, O*kh*kw) matrix (see ``adjoint_geometry``)."""
    return weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(weight.shape[1], -1)


def adjoint(gy, weight, g, channels):
    """The adjoint of the convolution g with ``weight`` (O, C, kh, kw), applied to gy (N, O, Ho, Wo):
    the (N, C, H, W) array sum over o, u, v of W[o, c, u, v] gy[o] scattered back to x's pixels."""
    ga = adjoint_geometry(g, channels, gy.shape[1])
    if ga is not None:                       # gather: one more convolution
        return correlate(gy, flipped_weight(weight), ga)[0]
    xp = array_module(gy)
    n, wm = gy.shape[0], weight.reshape(weight.shape[0], -1)
    out = xp.empty((n, channels) + g.in_size, dtype=gy.dtype)
    for a, b in column_chunks(n, g, wm.shape[1], gy.itemsize):     # scatter: col2im
        col2im(gemm(wm.T, pixels_to_columns(gy[a:b], g)), out[a:b], g)
    return out


def channel_sums(gy):
    """dL/db of a per-channel bias: the sum of gy (N, C, H, W) over the batch and the pixels, (C,).

    Summed over the batch first, then along each channel's contiguous row of pixels: 2-5x faster
    measured than one sum over the axes (0, 2, 3) together."""
    return gy.sum(axis=0).reshape(gy.shape[1], -1).sum(axis=1)


class Conv2d(Function):
    """y[n, o] = b[o] + sum_c  W[o, c] (*) x[n, c]   (cross-correlation, as in every framework).

    Shapes: x (N, C, H, W), W (O, C, kh, kw), b (O,), y (N, O, Ho, Wo) with
    Ho = floor((H + 2p - d(kh - 1) - 1) / s) + 1.

    With cols = im2col(x) (one column per output pixel), W as an (O, C*kh*kw) matrix Wm,
    and G = dL/dy as an (O, N*Ho*Wo) matrix:
        Y = Wm @ cols + b                       (O, N*Ho*Wo), then back to NCHW
        dL/dWm   = G @ cols^T
        dL/dcols = Wm^T @ G,   dL/dx = col2im(dL/dcols)    (a transposed convolution)
        dL/db    = the row sums of G
    computed over the batch in chunks of samples (``batch_chunks``), summing dL/dWm. For stride 1
    and O <= C, dL/dx is computed as the equal convolution of G with the flipped kernel
    (``adjoint_geometry``). A 3x3 stride-1 convolution with enough channels and output columns
    is computed instead with Winograd's F(2x2, 3x3), 4 multiplies per output pixel where im2col
    does 9 (``minigrad/ops/winograd.py``, which states its own forward and backward).
    (On the phase path each output row has ``Geometry.row`` >= Wo columns; G is zero in the extra
    ones, so they add nothing to dL/dWm or dL/dx.)
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
        self.x, self.weight = x, weight
        self.winograd = winograd.applies(x.shape, weight.shape, self.stride, self.padding, self.dilation, x.dtype)
        if self.winograd:               # 3x3, stride 1: 2.25x fewer multiplies (ops/winograd.py)
            y, self.saved = winograd.forward(x, weight, self.padding, keep=state.grad_enabled)
        else:
            g = conv_geometry(x.shape[2:], kernel, self.stride, self.padding, self.dilation)
            keep = state.grad_enabled and column_bytes(x.shape[0], g, weight[0].size, x.itemsize) <= KEEP_COLUMNS_BYTES
            y, self.cols = correlate(x, weight.reshape(weight.shape[0], -1), g, keep)
            self.geometry = g
        if bias is not None:
            y += bias[:, None, None]
        return y

    def backward(self, gy):
        need_x, need_w = self.inputs[0].requires_grad, self.inputs[1].requires_grad
        if self.winograd:
            saved, self.saved = self.saved, self.saved[:2] + ([],)   # a second backward (retain_graph)
            gx, gw = winograd.backward(gy, self.x, self.weight, self.padding, saved, need_x, need_w)  # rebuilds V
        else:
            gx, gw = self._im2col_backward(gy, need_x, need_w)
        if len(self.inputs) == 2:
            return gx, gw
        gb = channel_sums(gy) if self.inputs[2].requires_grad else None
        return gx, gw, gb

    def _im2col_backward(self, gy, need_x, need_w):
        xp = array_module(gy)
        x, weight, g = self.x, self.weight, self.geometry
        wm = weight.reshape(weight.shape[0], -1)
        adjoint_g = adjoint_geometry(g, x.shape[1], weight.shape[0]) if need_x else None
        scatter = need_x and adjoint_g is None
        gx = xp.empty(x.shape, dtype=gy.dtype) if scatter else None
        gw = xp.zeros(wm.shape, dtype=gy.dtype) if need_w else None
        kept, self.cols = self.cols, None        # a second backward (retain_graph) rebuilds them
        chunks = column_chunks(x.shape[0], g, wm.shape[1], x.itemsize) if need_w or scatter else []
        for i, (a, b) in enumerate(chunks):
            g_cols = pixels_to_columns(gy[a:b], g)                  # (O, n_chunk*Ho*row)
            if need_w:
                gw += gemm(g_cols, (kept[i] if kept else im2col(x[a:b], g)).T)
                if kept:
                    kept[i] = None      # free each patch matrix once used: dL/dcols is as large
            if scatter:                 # adjoint()'s col2im, sharing this chunk's dL/dy columns
                col2im(gemm(wm.T, g_cols), gx[a:b], g)
        if adjoint_g is not None:
            gx = correlate(gy, flipped_weight(weight), adjoint_g)[0]
        return gx, None if gw is None else gw.reshape(weight.shape)


class ConvTranspose2d(Function):
    """The transposed convolution: the backward-with-respect-to-input of ``Conv2d``, used as a layer.

    Shapes: x (N, C, H, W), W (C, O, kh, kw) -- PyTorch's layout --, y (N, O, Ho, Wo) with
    Ho = (H - 1) s - 2p + d (kh - 1) + output_padding + 1.

    Each input pixel *scatters* a weighted kernel into the output. With X the (C, N*H*W)
    pixel columns of x and Wm = W as a (C, O*kh*kw) matrix:
        cols = Wm^T @ X,   y = col2im(cols) + b
    (for stride 1 and C <= O computed as the equal convolution of x with the flipped kernel, ``adjoint``)
    and so, reading Conv2d's formulas backwards, with R = im2col(dL/dy) (one column per pixel of x):
        dL/dX  = Wm @ R          (a plain convolution of dL/dy)
        dL/dWm = X @ R^T
    computed over the batch in chunks of samples, like ``Conv2d``. The geometry is that of the
    convolution whose adjoint this is: from y's size (its input) to x's size (its output).
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
        g = conv_geometry(out, kernel, self.stride, self.padding, self.dilation, out_size=(h, w))
        self.x, self.weight, self.geometry = x, weight, g
        y = adjoint(x, weight, g, o)
        if bias is not None:
            y += bias[:, None, None]
        return y

    def backward(self, gy):
        xp = array_module(gy)
        x, weight, g = self.x, self.weight, self.geometry
        n, c, h, w = x.shape
        wm = weight.reshape(c, -1)
        need_x, need_w = self.inputs[0].requires_grad, self.inputs[1].requires_grad
        gx = xp.empty(x.shape, dtype=gy.dtype) if need_x else None
        gw = xp.zeros(wm.shape, dtype=gy.dtype) if need_w else None
        for a, b in column_chunks(n, g, wm.shape[1], x.itemsize):
            cols = im2col(gy[a:b], g)
            if need_x:
                gx[a:b] = columns_to_pixels(gemm(wm, cols), b - a, g)
            if need_w:
                gw += gemm(pixels_to_columns(x[a:b], g), cols.T)
        gw = None if gw is None else gw.reshape(weight.shape)
        if len(self.inputs) == 2:
            return gx, gw
        gb = channel_sums(gy) if self.inputs[2].requires_grad else None
        return gx, gw, gb


def _pool_offsets(x_padded, kernel, stride, out_size):
    """For each kernel offset (i, j) in row-major order, the strided view of the padded input
    holding element (i, j) of every window: a (N, C, Ho, Wo) view, no copy."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_size
    return [x_padded[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] for i in range(kh) for j in range(kw)]


def _pool_setup(x, kernel, stride, padding, pad_value, op):
    if x.ndim != 4:
        raise ValueError(f"{op}: expected input (N, C, H, W), got {x.shape}")
    for axis in (0, 1):
        if padding[axis] * 2 > kernel[axis]:
            raise ValueError(f"pool2d: padding {padding} must be at most half the kernel {kernel}")
        if kernel[axis] > x.shape[2 + axis] + 2 * padding[axis]:
            raise ValueError(f"pool2d: kernel {kernel} is larger than the input {x.shape[2:]} "
                             f"+ padding {padding}")
    out = tuple(conv_output_size(x.shape[2 + a], kernel[a], stride[a], padding[a]) for a in (0, 1))
    return _pad(x, padding, pad_value), out


class MaxPool2d(Function):
    """y[n, c, h, w] = max of the window at (h, w).   dL/dx = dL/dy routed to the window's maximum.

    Forward loops over the kh*kw kernel offsets (like col2im), each step working on a whole
    (N, C, Ho, Wo) strided view: a running maximum and, beside it, a running argmax -- which
    offset k of its window holds each output's maximum, one byte per output. Backward hands
    each output's gradient to that offset. (Keeping the input and comparing it with the maxima
    again in backward, as this op once did, measured 2.3x the backward time and 1.2x the
    forward + backward time for 64x32x28x28: NumPy compares strided views slowly, contiguous
    bytes fast.)

    Tie rule: the argmax moves only to a strictly greater value, so when several elements of a
    window share the maximum, the *first* one in row-major order inside the window receives the
    whole gradient (as PyTorch does). Padding pads with -inf, so it never wins over a number.
    Overlapping windows (stride < kernel) add their gradients.
    """

    saves_inputs = False        # backward needs only the argmax recorded in forward

    def __init__(self, kernel, stride, padding=(0, 0)):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        xp = array_module(x)
        padded, out = _pool_setup(x, self.kernel, self.stride, self.padding, -float("inf"), "max_pool2d")
        views = _pool_offsets(padded, self.kernel, self.stride, out)
        offset_type = xp.uint8 if len(views) <= 256 else xp.int32      # one byte per output
        y = views[0].copy()
        argmax = xp.zeros(y.shape, dtype=offset_type)
        value, beats, moved_to = xp.empty_like(y), xp.empty(y.shape, bool), xp.empty(y.shape, offset_type)
        for k, v in enumerate(views[1:], start=1):
            value[...] = v                              # one pass over the strided view, then contiguous
            xp.greater(value, y, out=beats)             # offset k beats the maximum so far
            xp.maximum(y, value, out=y)
            # argmax = k where beats: k only grows, so that is max(argmax, k * beats)
            xp.multiply(beats, offset_type(k), out=moved_to)
            xp.maximum(argmax, moved_to, out=argmax)
        self.argmax, self.padded_shape, self.in_shape, self.out_size = argmax, padded.shape, x.shape, out
        return y

    def backward(self, gy):
        xp = array_module(gy)
        (kh, kw), (ph, pw), (h, w) = self.kernel, self.padding, self.in_shape[2:]
        # When the windows tile the input exactly, every input element gets exactly one
        # value, so the gradient can be written instead of accumulated into zeros.
        tiles = self.stride == self.kernel and self.padding == (0, 0) and h % kh == 0 and w % kw == 0
        gx = (xp.empty if tiles else xp.zeros)(self.padded_shape, dtype=gy.dtype)
        chosen = xp.empty(gy.shape, dtype=bool)
        for k, g in enumerate(_pool_offsets(gx, self.kernel, self.stride, self.out_size)):
            xp.equal(self.argmax, k, out=chosen)
            if tiles:
                xp.multiply(gy, chosen, out=g)
            else:
                g += gy * chosen
        return gx[:, :, ph:ph + h, pw:pw + w]


class AvgPool2d(Function):
    """y = mean of each kh x kw window (zero padding counted, PyTorch's default).

    dL/dx = dL/dy / (kh kw), added to every element of each window (overlaps add).
    """

    saves_inputs = False

    def __init__(self, kernel, stride, padding=(0, 0)):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        padded, out = _pool_setup(x, self.kernel, self.stride, self.padding, 0, "avg_pool2d")
        self.padded_shape, self.in_shape, self.out_size = padded.shape, x.shape, out
        views = _pool_offsets(padded, self.kernel, self.stride, out)
        total = views[0].copy()
        for v in views[1:]:
            total += v
        return total / len(views)

    def backward(self, gy):
        xp = array_module(gy)
        share = gy / (self.kernel[0] * self.kernel[1])
        gx = xp.zeros(self.padded_shape, dtype=gy.dtype)
        for g in _pool_offsets(gx, self.kernel, self.stride, self.out_size):
            g += share
        ph, pw = self.padding
        return gx[:, :, ph:ph + self.in_shape[2], pw:pw + self.in_shape[3]]


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
