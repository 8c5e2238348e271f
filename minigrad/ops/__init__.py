"""Every differentiable op, one ``Function`` subclass each, grouped by family.

Read them in this order: ``arithmetic`` (the simplest derivatives), ``activations``,
``reductions`` (gradients that spread), ``shape`` (gradients that move), ``matmul``.
"""

from minigrad.ops import activations, arithmetic, conv, losses, matmul, normalization, reductions, shape  # noqa: F401,E501
