"""minigrad: a deep-learning framework written to be read.

Start with ``tensor.py`` (the Tensor), then ``function.py`` (Function and the
backward engine), then ``ops/`` (one class per differentiable op).
"""

from minigrad import memory  # noqa: F401  (first: it tunes the C allocator for every array after it)
from minigrad import backend
from minigrad.backend import cuda_is_available, cuda_status, device
from minigrad.creation import arange, eye, full, full_like, linspace, ones, ones_like, zeros, zeros_like
from minigrad.function import Function
from minigrad.functional import (  # noqa: F401  (the public functional namespace)
    abs, add, amax, amin, argmax, argmin, broadcast_to, cat, chunk, clamp, clip, concatenate, cos, cumsum, div,
    einsum, elu, exp, flatten, flip, gather, gelu, leaky_relu, linear, log, log1p, log_softmax, logsumexp, matmul, max, bmm, mm,
    maximum, mean, min, minimum, mul, neg, norm, permute, pow, relu, reshape, sigmoid, silu, sin, softmax,
    softplus, split, sqrt, squeeze, stack, std, sub, sum, tanh, transpose, unsqueeze, var, where,
)
from minigrad.grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from minigrad.graph import draw_graph
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.random import Generator, manual_seed, rand, rand_like, randint, randn, randn_like, randperm
from minigrad.serialization import CheckpointError, load, save
from minigrad.tensor import (
    Tensor, as_tensor, bool_, float16, float32, float64, int32, int64, tensor,
)

from minigrad import accelerator, data, nn, optim, utils  # noqa: E402,F401  (after the core they build on)

__version__ = "0.1.0"
