"""Batch normalization layers (the op and its derivative: ``minigrad.ops.normalization``)."""

from __future__ import annotations

import numpy as np

from minigrad import backend, checks
from minigrad.nn.module import Module, Parameter
from minigrad.ops.normalization import BatchNorm
from minigrad.tensor import Tensor


class _BatchNorm(Module):
    """Normalise each channel with batch statistics in training, running statistics in eval.

    Running statistics follow PyTorch: running = (1 - momentum) running + momentum batch,
    where the batch variance used here is the *unbiased* one (m / (m - 1) times the biased
    variance that normalises the batch).
    """

    expected_ndim: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True,
                 track_running_stats: bool = True):
        super().__init__()
        op = type(self).__name__
        checks.positive_int(op, "num_features", num_features)
        checks.finite_number(op, "eps", eps, minimum=0, strict_minimum=True)
        checks.finite_number(op, "momentum", momentum, minimum=0, maximum=1)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.weight = Parameter(np.ones(num_features, dtype=np.float32), requires_grad=affine)
        self.bias = Parameter(np.zeros(num_features, dtype=np.float32), requires_grad=affine)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=np.float32)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=np.float32)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))

    def forward(self, x):
        if x.ndim not in self.expected_ndim or x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input with "
                             f"{' or '.join(map(str, self.expected_ndim))} dims and {self.num_features} "
                             f"channels in dim 1, got {x.shape}")
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            op = BatchNorm(self.eps)
            y = op(x, self.weight, self.bias)
            if self.training and self.track_running_stats:
                self._update_running_stats(op, x.numel() // self.num_features)
            return y
        return BatchNorm(self.eps, self.running_mean.data, self.running_var.data)(x, self.weight, self.bias)

    def _update_running_stats(self, op, m):
        if m < 2:
            raise ValueError(f"{type(self).__name__}: expected more than 1 value per channel when training")
        xp = backend.array_module(op.batch_mean)
        m_ = self.momentum
        self.running_mean.data = (1 - m_) * self.running_mean.data + m_ * op.batch_mean
        unbiased = op.batch_var * (m / (m - 1))
        self.running_var.data = ((1 - m_) * self.running_var.data + m_ * unbiased).astype(xp.float32, copy=False)
        self.num_batches_tracked.data = self.num_batches_tracked.data + 1

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNorm1d(_BatchNorm):
    """For (N, C) or (N, C, L) inputs."""

    expected_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """For (N, C, H, W) inputs."""

    expected_ndim = (4,)
