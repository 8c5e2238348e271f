"""Every differentiable op, one ``Function`` subclass each, grouped by family.

Read them in this order: ``arithmetic`` (the simplest derivatives), ``activations``,
``reductions`` (gradients that spread), ``shape`` (gradients that move), ``matmul``.
"""

from minigrad.ops import (  # noqa: F401
    activations, arithmetic, conv, losses, matmul, noise, normalization, reductions, shape,
)
