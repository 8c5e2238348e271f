"""Matrix products: the general ``matmul`` and the fused ``linear`` layer op."""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.function import Function


def _swap(m):
    """Transpose the last two axes (the matrix transpose of a batch of matrices)."""
    return m.swapaxes(-1, -2)


class MatMul(Function):
    """y = a @ b with NumPy's rules: 1-D operands are vectors, leading axes are batch axes
    that broadcast.

    For matrices, y_ij = sum_k a_ik b_kj, so

        dL/da = dL/dy @ b^T        dL/db = a^T @ dL/dy

    A 1-D ``a`` is treated as a row (1, n) and a 1-D ``b`` as a column (n, 1); the extra axis
    is removed from the gradient again. Broadcast batch axes are summed by the engine.
    """

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: both operands need at least one dimension")
        inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != inner_b:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner dimensions {a.shape[-1]} and {inner_b} differ")
        self.a, self.b = a, b
        try:
            return a @ b
        except ValueError:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: batch dimensions do not broadcast") from None

    def backward(self, gy):
        a, b = self.a, self.b
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:                # put back the axes the vector operands dropped
            gy = gy[..., None]
        if a.ndim == 1:
            gy = gy[..., None, :]
        ga = gb = None
        if self.inputs[0].requires_grad:
            ga = gy @ _swap(b2)
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if self.inputs[1].requires_grad:
            gb = _swap(a2) @ gy
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb


class Linear(Function):
    """y = x W^T + b, the dense layer, fused into one op (x: (..., in), W: (out, in), b: (out,)).

    dL/dx = dL/dy W        dL/dW = dL/dy^T x (summed over all leading axes)
    dL/db = sum of dL/dy over all leading axes

    One op instead of transpose + matmul + add: fewer graph nodes, and dL/dW comes out
    as one fresh matrix product with no transposed copy.
    """

    def forward(self, x, weight, bias=None):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ValueError(f"linear: input {x.shape} does not match weight {weight.shape} "
                             f"(expected input (..., {weight.shape[-1] if weight.ndim else '?'}))")
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias {bias.shape} does not match weight {weight.shape}")
        self.x, self.weight = x, weight
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    def backward(self, gy):
        x, weight = self.x, self.weight
        gx = gy @ weight if self.inputs[0].requires_grad else None
        gy2 = gy.reshape(-1, gy.shape[-1])
        gw = gy2.T @ x.reshape(-1, x.shape[-1]) if self.inputs[1].requires_grad else None
        if len(self.inputs) == 2:
            return gx, gw
        gb = gy2.sum(axis=0) if self.inputs[2].requires_grad else None
        return gx, gw, gb


class Einsum(Function):
    """y = einsum(spec, x_1, ..., x_k): products of the operands' elements, summed over every index
    letter that is not in the output. E.g. "ij,jk->ik" is a @ b, "bij,bjk->bik" a batched product,
    "i,i->" a dot product, "ij->ji" a transpose.

    The result is linear in each operand, so its derivative with respect to x_j is the same sum with
    x_j left out and dL/dy in its place:

        dL/dx_j = einsum("<out>,<the other operands> -> <x_j's letters>", dL/dy, x_1, ..., x_k without x_j)

    A letter that only x_j carries was summed away in y, so every element along it gets the same
    gradient (a broadcast). ``spec`` arrives explicit ("...->..."), without ellipses, and with no
    letter repeated inside one operand (``minigrad.functional.einsum`` prepares it).
    """

    def __init__(self, terms, output):
        self.terms, self.output = terms, output

    def forward(self, *xs):
        self.xs = xs
        return _contract(array_module(xs[0]), self.terms, xs, self.output)

    def backward(self, gy):
        xp = array_module(gy)
        grads = []
        for j, (term, x) in enumerate(zip(self.terms, self.xs)):
            if not self.inputs[j].requires_grad:
                grads.append(None)
                continue
            others = [(t, v) for i, (t, v) in enumerate(zip(self.terms, self.xs)) if i != j]
            known = set(self.output).union(*[t for t, _ in others])
            kept = "".join(letter for letter in term if letter in known)
            g = _contract(xp, [self.output] + [t for t, _ in others], [gy] + [v for _, v in others], kept)
            # a size-1 axis of x_j that was broadcast against a longer one: sum the gradient back to 1
            sizes = [x.shape[i] for i, letter in enumerate(term) if letter in known]
            wide = tuple(a for a, (n, m) in enumerate(zip(sizes, g.shape)) if n == 1 and m != 1)
            if wide:
                g = g.sum(axis=wide, keepdims=True)
            # letters only x_j has: insert them as axes, then broadcast to x_j's sizes (also where
            # x_j's axis is longer than the size-1 axes it was broadcast against)
            sizes = iter(g.shape)
            g = g.reshape([next(sizes) if letter in known else 1 for letter in term])
            grads.append(xp.broadcast_to(g, x.shape))
        return tuple(grads)


def _contract(xp, terms, arrays, output):
    spec = ",".join(terms) + "->" + output
    if xp.__name__ == "numpy":
        return xp.einsum(spec, *arrays, optimize=len(arrays) > 1)   # optimize: products via BLAS
    return xp.einsum(spec, *arrays)
