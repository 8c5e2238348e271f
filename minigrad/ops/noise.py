"""Randomness inside a graph: the reparameterization trick.

A VAE samples its code z ~ N(mu, sigma^2) in the middle of the network, and a random draw
has no derivative. The trick draws the noise *outside* the graph and writes the sample as a
deterministic, differentiable function of the parameters. Public entry point:
``minigrad.nn.functional.reparameterize(mu, logvar, eps=None, generator=None)``.
"""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.function import Function


class Reparameterize(Function):
    """The reparameterization trick: z = mu + exp(logvar / 2) * eps, with eps ~ N(0, I) drawn outside.

    Why: sampling z ~ N(mu, sigma^2) directly has no derivative with respect to mu or
    sigma -- a random draw is not a function of them. Writing the sample as a deterministic
    function of (mu, logvar) and an *independent* noise eps moves the randomness out of
    the graph, and the path from the parameters to z becomes differentiable:

        dz/dmu     = 1
        dz/dlogvar = eps * exp(logvar / 2) / 2 = (z - mu) / 2     (since sigma = exp(logvar / 2))

    eps is a constant of the op (no gradient).
    """

    def __init__(self, eps):
        self.eps = eps

    def forward(self, mu, logvar):
        if not (mu.shape == logvar.shape == self.eps.shape):
            raise ValueError(f"reparameterize: mu {mu.shape}, logvar {logvar.shape} and eps "
                             f"{self.eps.shape} must have the same shape")
        self.std = array_module(mu).exp(0.5 * logvar)
        return mu + self.std * self.eps

    def backward(self, gz):
        return gz, gz * self.eps * self.std * 0.5
