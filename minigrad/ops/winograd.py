"""Winograd's minimal filtering F(m x m, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplies.

**One dimension, F(2, 3).** Two outputs of a 3-tap correlation from four inputs d0..d3,

    y0 = d0 g0 + d1 g1 + d2 g2          y1 = d1 g0 + d2 g1 + d3 g2        (6 multiplies),

also come from 4 multiplies (Winograd 1980; Lavin & Gray 2016 brought it to CNNs):

    m1 = (d0 - d2) g0            m2 = (d1 + d2) (g0 + g1 + g2) / 2
    m4 = (d1 - d3) g2            m3 = (d2 - d1) (g0 - g1 + g2) / 2
    y0 = m1 + m2 + m3            y1 = m2 - m3 - m4

In matrices, y = A^T [(G g) * (B^T d)] with * elementwise and the constant matrices below.
**Two dimensions**, nesting it: a 2x2 output tile from a 4x4 input tile d and the 3x3 kernel g is

    Y = A^T [ (G g G^T) * (B^T d B) ] A          (16 multiplies instead of 36).

**Many channels.** Cover the output with 2x2 tiles (input tiles of 4x4 that overlap by 2). For
output channel o the products are summed over input channels c -- and a sum over c of
elementwise products is, at each of the 16 positions k of a transformed tile, a matrix product:

    U[k] = (G W[o, c] G^T)[k]          (16, O, C)   the transformed kernels
    V[k] = (B^T d[c, t] B)[k]          (16, C, T)   every input tile t, transformed
    M[k] = U[k] @ V[k]                 (16, O, T)   16 matrix products: the multiplies
    y[o, tile t] = A^T M[:, o, t] A                  (as a 4x4 array)

Each transform is one matrix product too, with a Kronecker matrix: vec(B^T d B) = (B^T kron B^T)
vec(d). The multiplies: 16 per output tile per (o, c), 4 per output pixel, where im2col does 9.

**Backward** is the adjoint of each of these linear steps, in reverse order:

    dM[k] = (A dY A^T)[k]                         (dY: the 2x2 tiles of dL/dy)
    dU[k] = dM[k] @ V[k]^T          dL/dW = G^T dU G
    dV[k] = U[k]^T @ dM[k]          dL/dd = B dV B^T, added back into x where input tiles overlap

Since the Winograd form is an exact identity for the convolution (for real numbers), these are
exactly the convolution's gradients. In floating point the transforms' own roundings make the
results differ from the direct sums by a few units in the last place of the largest terms (the
tests compare with ``conv2d_reference``).

**Larger tiles.** F(m, 3) in general reads m + 2 inputs for m outputs; F(4, 3) makes a 4x4 output
tile from a 6x6 input tile with 36 multiplies: 2.25 per pixel, and fewer transformed numbers to
move per pixel (36/16 instead of 16/4). Its transforms hold larger numbers (up to 8 and 1/24), so
it rounds a little more; ``TILE`` chooses m (the tests run both).

**The tiles**, without a loop over them: an input tile t = (i, j) covers padded rows mi..mi+m+1 and
columns mj..mj+m+1 -- the first m + 2 rows and columns of the receptive fields of a 2m x 2m
convolution with stride m. So they are gathered with ``conv.py``'s phase-path im2col for that
geometry: split the padded input into its m x m phases; then each tile position reads one
contiguous run of one phase image. Each row of tiles carries one extra tile column (computed and
thrown away), and an output size that m does not divide gets an extra row or column of tiles, cut
off at the end.
"""

from __future__ import annotations

import numpy as np

from minigrad import parallel
from minigrad.backend import array_module
from minigrad.ops import conv

# Lavin & Gray's matrices for F(m, 3): data transform B^T (r x r, r = m + 2), kernel transform
# G (r x 3), output transform A^T (m x r). F(2, 3) interpolates at the points 0, 1, -1 (and
# infinity); F(4, 3) at 0, 1, -1, 2, -2 (and infinity): 36 multiplies per 4x4 output tile, 2.25
# per pixel -- fewer still, for transforms with larger numbers (a little more rounding).
TRANSFORMS = {
    2: (np.array([[1, 0, -1, 0],
                  [0, 1, 1, 0],
                  [0, -1, 1, 0],
                  [0, 1, 0, -1]]),
        np.array([[1, 0, 0],
                  [1 / 2, 1 / 2, 1 / 2],
                  [1 / 2, -1 / 2, 1 / 2],
                  [0, 0, 1]]),
        np.array([[1, 1, 1, 0],
                  [0, 1, -1, -1]])),
    4: (np.array([[4, 0, -5, 0, 1, 0],
                  [0, -4, -4, 1, 1, 0],
                  [0, 4, -4, -1, 1, 0],
                  [0, -2, -1, 2, 1, 0],
                  [0, 2, -1, -2, 1, 0],
                  [0, 4, 0, -5, 0, 1]]),
        np.array([[1 / 4, 0, 0],
                  [-1 / 6, -1 / 6, -1 / 6],
                  [-1 / 6, 1 / 6, -1 / 6],
                  [1 / 24, 1 / 12, 1 / 6],
                  [1 / 24, -1 / 12, 1 / 6],
                  [0, 0, 1]]),
        np.array([[1, 1, 1, 1, 1, 0],
                  [0, 1, -1, 2, -2, 0],
                  [0, 1, 1, 4, 4, 0],
                  [0, 1, -1, 8, -8, 1]])),
}

# When Conv2d uses it (measured on W6-like layers, fwd + bwd, against im2col): for 3x3 stride-1
# undilated convolutions with at least MIN_CHANNELS input and output channels (with fewer, the
# products are too thin) and at least MIN_TILES_PER_ROW tiles per row of output, since every row
# carries one extra tile. 28x28 outputs took 0.83-0.93 of im2col's time, 14x14 ones (7 tiles + 1)
# 1.3x, so those keep im2col. The tile: F(4, 3) was no faster than F(2, 3) within this machine's
# noise (0.83 vs 0.87 of im2col's time on W6: the numbers to move, not the multiplies, dominate)
# and rounds 10x more in float32 (6e-6 of the output's scale vs 4e-7, as much as im2col), so m = 2.
# WINOGRAD = False turns it off everywhere (the tests compare both paths).
WINOGRAD = True
TILE = 2
MIN_CHANNELS = 16
MIN_TILES_PER_ROW = 8
# Tile columns per chunk of samples (a chunk's V stays near the caches; fewer made the
# products too thin to run well, measured).
CHUNK_COLUMNS = 400


def applies(x_shape, weight_shape, stride, padding, dilation, dtype) -> bool:
    """Whether Conv2d computes this convolution with Winograd's algorithm."""
    if not (WINOGRAD and tuple(weight_shape[2:]) == (3, 3) and tuple(stride) == (1, 1)
            and tuple(dilation) == (1, 1) and np.dtype(dtype) in (np.float32, np.float64)):
        return False
    _, g = tile_geometry(x_shape[2:], padding, TILE)
    return min(x_shape[1], weight_shape[0]) >= MIN_CHANNELS and g.out_size[1] >= MIN_TILES_PER_ROW


def kronecker_transforms(m, xp, dtype):
    """(B^T kron B^T) r^2 x r^2, (G kron G) r^2 x 9, (A^T kron A^T) m^2 x r^2, as arrays of xp."""
    return tuple(xp.asarray(np.kron(t, t), dtype=dtype) for t in TRANSFORMS[m])


def tile_geometry(in_size, padding, m):
    """The output size (Ho, Wo), and the conv.Geometry of the (2m x 2m), stride-m "convolution"
    whose receptive fields hold the input tiles (their first m + 2 rows and columns): one per
    m x m output tile, ceil(Ho / m) x ceil(Wo / m) of them, laid out in phase images of
    (tiles + 2) rows (room for the last tile's run) and (tiles + 1) columns (one extra tile per row)."""
    out = tuple(in_size[a] + 2 * padding[a] - 2 for a in (0, 1))
    tiles = tuple(-(-out[a] // m) for a in (0, 1))
    g = conv.Geometry(tuple(in_size), tiles, (2 * m, 2 * m), (m, m), tuple(padding), (1, 1), True,
                      (tiles[0] + 2, tiles[1] + 1))
    return out, g


def _tile_blocks(m):
    """Tile row u = m t + a reads tap t of phase a: rows 0..m-1 are tap 0, rows m, m + 1 tap 1."""
    return ((0, slice(0, m)), (1, slice(m, m + 2)))


def transformed_tiles(x, g, b_kron):
    """V = (B^T kron B^T) vec(d) for every input tile d of x: (r^2, C, tiles), a tile's columns in
    the order (sample, tile row, tile column incl. the extra one)."""
    m, c = g.stride[0], x.shape[1]
    taps = conv._tap_view(conv._phases(x, g), g)              # (C, 2, m, 2, m, N, run): a view
    d = array_module(x).empty((m + 2, m + 2) + taps.shape[:1] + taps.shape[5:], dtype=x.dtype)
    for t, rows in _tile_blocks(m):                           # four block copies: the gather
        for u, cols in _tile_blocks(m):
            block = taps[:, t, :rows.stop - rows.start, u, :cols.stop - cols.start]
            d[rows, cols] = block.transpose(1, 2, 0, 3, 4)
    return conv.gemm(b_kron, d.reshape((m + 2) ** 2, -1)).reshape((m + 2) ** 2, c, -1)


def _add_tiles(gd, out, g):
    """The adjoint of the gather: add each tile's dL/dd (r^2, C, N*run) back into ``out``
    (N, C, H, W), where the tiles overlap (by 2 rows and columns)."""
    m, (hq, wq), (n, c) = g.stride[0], g.phase_size, out.shape[:2]
    run = g.out_size[0] * wq
    phases = array_module(gd).zeros((c, n, m, m, hq * wq), dtype=gd.dtype)
    gd = gd.reshape(m + 2, m + 2, c, n, run)
    for u in range(m + 2):
        t, a = divmod(u, m)
        for v in range(m + 2):
            s, b = divmod(v, m)
            start = t * wq + s
            phases[:, :, a, b, start:start + run] += gd[u, v]
    for image, phase in conv._phase_pairs(out.transpose(1, 0, 2, 3), phases.reshape(c, n, m, m, hq, wq), g):
        image[...] = phase


def _to_output(prods, a_kron, y, g):
    """y[n, o, m i + a, m j + b] = (A^T M[:, o, (n, i, j)] A)[a, b], cutting off the extra tiles."""
    m, (n, o) = g.stride[0], y.shape[:2]
    tiles = conv.gemm(a_kron, prods.reshape(a_kron.shape[1], -1))
    tiles = tiles.reshape(m, m, o, n, g.out_size[0], g.phase_size[1])
    for a in range(m):
        for b in range(m):
            part = y[:, :, a::m, b::m]
            part[...] = tiles[a, b, :, :, :part.shape[2], :part.shape[3]].transpose(1, 0, 2, 3)


def _output_tiles(gy, g):
    """The adjoint of cutting y out of the tiles: dL/dy as (m^2, O, N*run) tiles, zeros in the extra ones."""
    m, (n, o) = g.stride[0], gy.shape[:2]
    tiles = array_module(gy).zeros((m, m, o, n, g.out_size[0], g.phase_size[1]), dtype=gy.dtype)
    for a in range(m):
        for b in range(m):
            part = gy[:, :, a::m, b::m]
            tiles[a, b, :, :, :part.shape[2], :part.shape[3]] = part.transpose(1, 0, 2, 3)
    return tiles.reshape(m * m, -1)


def forward(x, weight, padding, keep, m=None):
    """y = conv2d(x, weight) for a 3x3 kernel, stride 1, computed tile by tile as above (tiles of
    m x m outputs, ``TILE`` unless given), over the batch in chunks of samples, the chunks spread
    over the cores (``minigrad.parallel``). Returns y and what backward needs: m, U and (when
    ``keep``) each chunk's V."""
    xp, m = array_module(x), m or TILE
    n, (o, c) = x.shape[0], weight.shape[:2]
    out_size, g = tile_geometry(x.shape[2:], padding, m)
    b_kron, g_kron, a_kron = kronecker_transforms(m, xp, x.dtype)
    y = xp.empty((n, o) + out_size, dtype=x.dtype)

    def chunk(samples):
        a, b = samples
        v = transformed_tiles(x[a:b], g, b_kron)
        _to_output(conv.gemm(u, v), a_kron, y[a:b], g)             # M[k] = U[k] @ V[k], for every k
        return v if keep else None

    with parallel.cores(on_cpu=xp is np) as spread:
        u = conv.gemm(g_kron, weight.reshape(o * c, 9).T).reshape(-1, o, c)
        kept = spread(chunk, _chunks(n, g))
    return y, (m, u, kept if keep else [])


def backward(gy, x, weight, padding, saved, need_x, need_w):
    """dL/dx and dL/dW (either None when not needed) from dL/dy, chunk by chunk (see the module
    docstring); ``saved`` is what forward returned (with no V kept, V is computed again)."""
    xp = array_module(gy)
    (m, u, kept), (o, c) = saved, weight.shape[:2]
    _, g = tile_geometry(x.shape[2:], padding, m)
    b_kron, g_kron, a_kron = kronecker_transforms(m, xp, gy.dtype)
    gx = xp.empty(x.shape, dtype=gy.dtype) if need_x else None

    def chunk(numbered):
        i, (a, b) = numbered
        gm = conv.gemm(a_kron.T, _output_tiles(gy[a:b], g)).reshape(-1, o, (b - a) * g.out_size[0] * g.phase_size[1])
        gu = None                                                              # dM = A dY A^T
        if need_w:
            v = kept[i] if kept else transformed_tiles(x[a:b], g, b_kron)
            gu = conv.gemm(gm, v.transpose(0, 2, 1))                           # dU = dM V^T, this chunk's part
            if kept:
                kept[i] = None                      # free each chunk's V once used
        if need_x:
            gv = conv.gemm(u.transpose(0, 2, 1), gm)                            # dV = U^T dM
            _add_tiles(conv.gemm(b_kron.T, gv.reshape(b_kron.shape[0], -1)), gx[a:b], g)   # dd = B dV B^T
        return gu

    with parallel.cores(on_cpu=xp is np) as spread:
        parts = spread(chunk, enumerate(_chunks(x.shape[0], g)))
        if not need_w:
            return gx, None
        gu = parts[0]
        for part in parts[1:]:                      # summed in chunk order, whichever thread ran it
            gu += part
        gw = conv.gemm(g_kron.T, gu.reshape(g_kron.shape[0], -1)).T.reshape(weight.shape)
    return gx, gw                                                              # dL/dW = G^T dU G


def _chunks(n, g):
    """Sample ranges [a, b) of about CHUNK_COLUMNS tile columns each."""
    per = max(1, -(-CHUNK_COLUMNS // (g.out_size[0] * g.phase_size[1])))
    return [(a, min(n, a + per)) for a in range(0, n, per)]
