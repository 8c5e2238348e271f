"""Batch normalization as one op with the classic hand-derived backward."""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.function import Function


class BatchNorm(Function):
    """y = gamma * x_hat + beta, x_hat = (x - mean) / sqrt(var + eps), per channel (axis 1).

    In training, mean and var are the batch statistics over every axis except the channel
    axis (var is the biased, 1/m version, as in the original paper and PyTorch). Because
    mean and var depend on x, the gradient has three paths; summed, with m elements per
    channel and g = dL/dx_hat = dL/dy * gamma:

        dL/dx     = (1 / sqrt(var + eps)) * (g - mean(g) - x_hat * mean(g * x_hat))
        dL/dgamma = sum(dL/dy * x_hat)            dL/dbeta = sum(dL/dy)

    In evaluation the running statistics are constants, so dL/dx = g / sqrt(var + eps).
    ``self.batch_mean`` / ``self.batch_var`` are left for the module to update its running
    statistics.
    """

    saves_inputs = True         # backward reads gamma itself (and x_hat, computed in forward)

    def __init__(self, eps=1e-5, running_mean=None, running_var=None):
        self.eps = eps
        self.running = running_mean is not None
        self.running_mean, self.running_var = running_mean, running_var

    def forward(self, x, gamma, beta):
        xp = array_module(x)
        self.axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if self.running:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        else:
            mean = x.mean(axis=self.axes, keepdims=True)
            var = x.var(axis=self.axes, keepdims=True)
            self.batch_mean, self.batch_var = mean.reshape(-1), var.reshape(-1)
        self.inv_std = 1 / xp.sqrt(var + self.eps)
        self.x_hat = (x - mean) * self.inv_std
        self.gamma = gamma.reshape(shape)
        return self.gamma * self.x_hat + beta.reshape(shape)

    def backward(self, gy):
        x_hat, axes = self.x_hat, self.axes
        g = gy * self.gamma
        if self.running:
            gx = g * self.inv_std
        else:
            gx = self.inv_std * (g - g.mean(axis=axes, keepdims=True)
                                 - x_hat * (g * x_hat).mean(axis=axes, keepdims=True))
        return gx, (gy * x_hat).sum(axis=axes), gy.sum(axis=axes)
