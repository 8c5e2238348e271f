"""Shared hypothesis strategies: shapes, broadcast-compatible shape pairs, and float64 values
kept away from kinks (relu at 0, ties in max) and from domain edges (log, sqrt, division)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

# Small shapes keep finite differences (2 evaluations per element) cheap.
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonscalar_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
matrix_sides = st.integers(1, 4)


def broadcastable_shapes(num_shapes=2):
    """Tuples of shapes that broadcast together (leading and length-1 axes included)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=num_shapes, min_dims=0, max_dims=3,
                                             min_side=1, max_side=4).map(lambda r: r.input_shapes)


@st.composite
def arrays(draw, shape, low=-3.0, high=3.0, away_from=None, margin=0.05, distinct=False, layout=True):
    """A float64 array of ``shape`` with values in [low, high].

    away_from: a value or list of values (0 for relu/abs; the bounds of clip) that every element
        stays ``margin`` away from.
    distinct: all elements pairwise at least ``margin`` apart (no ties in max/min/sort).
    layout: also draw non-contiguous layouts (a transposed or strided view of a bigger array).
    """
    if isinstance(shape, st.SearchStrategy):
        shape = draw(shape)
    n = int(np.prod(shape, dtype=int))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if distinct:
        # a random subset of an evenly spaced grid: ties impossible by construction
        grid = np.arange(low, high, margin * 2)
        if len(grid) < n:
            grid = np.linspace(low, high, n)
        values = rng.permutation(grid)[:n]
    else:
        values = rng.uniform(low, high, n)
        for point in np.atleast_1d(away_from if away_from is not None else []):
            close = np.abs(values - point) < margin
            values[close] = point + np.where(values[close] >= point, 2 * margin, -2 * margin)
    values = values.reshape(shape)
    if layout and len(shape) >= 2 and draw(st.booleans()):
        # the same values, stored transposed: a non-contiguous input
        values = np.ascontiguousarray(np.swapaxes(values, -1, -2)).swapaxes(-1, -2)
    elif layout and len(shape) >= 1 and draw(st.booleans()):
        # a strided view of an array twice as long in the last axis
        big = np.zeros(shape[:-1] + (2 * shape[-1],))
        big[..., ::2] = values
        values = big[..., ::2]
    return values


def leaf(values, requires_grad=True):
    """A float64 leaf tensor that shares ``values`` (so its layout stays non-contiguous)."""
    return mg.Tensor(values, requires_grad=requires_grad)
