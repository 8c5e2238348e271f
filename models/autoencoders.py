"""The autoencoder family: an encoder f, a decoder g, and the reconstruction r = g(f(x)).

* undercomplete: the code h = f(x) is smaller than x, so the network must keep only what
  matters (``code_dim=2`` gives a plottable manifold);
* stacked: several hidden layers on each side (``hidden=(512, 256)``);
* overcomplete: h is *larger* than x -- without a regularizer it can simply copy its
  input. ``sparsity`` adds lambda * sum|h| to the loss (an L1 penalty on the code), which
  forces most code units to stay silent; weight decay in the optimizer also helps;
* denoising: train on L(x, g(f(x_noisy))) with a corruption from ``minigrad.data``
  (Gaussian noise, salt and pepper, or an occluding rectangle for inpainting).

The decoder outputs *logits*; the reconstruction is sigmoid(logits), and the loss is the
binary cross-entropy with logits summed over pixels (``loss='bce'``, for images in [0, 1])
or the squared error (``loss='mse'``, reconstructing sigmoid(logits)). Both are reported
per sample.
"""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import checks, nn
from minigrad.nn import functional as F
from models.inference import run_in_batches


def _prod(shape):
    return int(np.prod(shape))


def _image_shape(op, shape):
    """(C, S, S) with S divisible by 4: the convolutional models halve the image twice."""
    shape = checks.sizes(op, "input_shape", shape)
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] % 4:
        raise ValueError(f"{op}: input_shape must be (C, S, S) with S divisible by 4, got {shape}")
    return shape


def check_batch(model, x):
    """x must be a batch (N, *model.input_shape) -- or (N, prod(input_shape)) for an MLP model."""
    got, expected = tuple(x.shape[1:]), model.input_shape
    flat_ok = not isinstance(model.encoder[0], nn.Conv2d)
    if x.ndim < 2 or not (got == expected or (flat_ok and got == (_prod(expected),))):
        raise ValueError(f"{type(model).__name__}: expected a batch of shape (N, {', '.join(map(str, expected))})"
                         f"{' or (N, %d)' % _prod(expected) if flat_ok and len(expected) > 1 else ''}, "
                         f"got {tuple(x.shape)}")


def mlp(sizes, activation=nn.ReLU, last_activation=None, generator=None):
    """Linear layers through ``sizes``, ``activation`` between them."""
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, generator=generator))
        if i < len(sizes) - 2:
            layers.append(activation())
    if last_activation is not None:
        layers.append(last_activation())
    return layers


class AutoEncoderBase(nn.Module):
    """What every autoencoder shares: losses, the denoising corruption, and the six uses."""

    loss_kind = "bce"
    sparsity = 0.0
    corruption = None       # a function (x array, generator) -> corrupted x array, for denoising
    corruption_generator = None

    def forward(self, x):
        """The decoder's logits for x (apply sigmoid for the reconstruction)."""
        check_batch(self, x)
        return self.decode(self.encode(x))

    def reconstruction_loss(self, logits, x):
        """Per-sample loss in the chosen form (summed over pixels)."""
        if self.loss_kind == "bce":
            return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        return F.mse_loss(F.sigmoid(logits), x, reduction="none").flatten(1).sum(1)

    def training_loss(self, x, *_labels):
        inputs = x
        if self.corruption is not None and self.training:
            inputs = mg.Tensor(self.corruption(x.data, self.corruption_generator))   # same device as x
        check_batch(self, x)
        code = self.encode(inputs)
        loss = self.reconstruction_loss(self.decode(code), x).mean()
        result = {"reconstruction": loss.item()}
        if self.sparsity:
            penalty = code.abs().flatten(1).sum(1).mean()       # lambda * sum_j |h_j|, averaged over samples
            loss = loss + self.sparsity * penalty
            result["sparsity"] = penalty.item()
        result["loss"] = loss
        return result

    # -------------------------------------------------------------- the six uses
    def codes(self, x, batch_size: int = 1024) -> np.ndarray:
        """h = f(x) for every sample: dimensionality reduction, retrieval and clustering features."""
        check_batch(self, x)
        return run_in_batches(self, lambda t: self.encode(t).flatten(1), x, batch_size=batch_size)

    def reconstruct(self, x, batch_size: int = 1024) -> np.ndarray:
        """r = sigmoid(g(f(x))): denoising (give it noisy x) and inpainting (occluded x)."""
        return run_in_batches(self, lambda t: F.sigmoid(self(t)), x, batch_size=batch_size)

    def decode_codes(self, h, batch_size: int = 1024) -> np.ndarray:
        """sigmoid(g(h)) for chosen codes, e.g. points of the 2-D code plane."""
        return run_in_batches(self, lambda t: F.sigmoid(self.decode(t)), np.asarray(h, dtype=np.float32),
                              batch_size=batch_size)

    def anomaly_scores(self, x, batch_size: int = 1024) -> np.ndarray:
        """Per-sample reconstruction error (the training loss): high for unusual inputs."""
        return run_in_batches(self, lambda t: self.reconstruction_loss(self(t), t), x, batch_size=batch_size)


class AutoEncoder(AutoEncoderBase):
    """MLP autoencoder: input -> hidden... -> code -> reversed hidden... -> input.

    code_activation: None (linear code), "relu" (non-negative, natural with a sparsity
    penalty) or "sigmoid".
    """

    def __init__(self, input_shape=(1, 28, 28), hidden=(256,), code_dim: int = 32, code_activation=None,
                 loss: str = "bce", sparsity: float = 0.0, corruption=None, seed: int = 0):
        super().__init__()
        op = "AutoEncoder"
        input_shape, hidden = checks.sizes(op, "input_shape", input_shape), checks.sizes(op, "hidden", hidden, True)
        checks.positive_int(op, "code_dim", code_dim)
        checks.choice(op, "code_activation", code_activation, (None, "relu", "sigmoid"))
        checks.choice(op, "loss", loss, ("bce", "mse"))
        checks.finite_number(op, "sparsity", sparsity, minimum=0)
        gen = mg.Generator(seed)
        self.input_shape, self.code_dim = tuple(input_shape), code_dim
        self.loss_kind, self.sparsity = loss, sparsity
        self.corruption, self.corruption_generator = corruption, mg.Generator(seed + 1)
        d = _prod(input_shape)
        last = {None: None, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}[code_activation]
        self.encoder = nn.Sequential(nn.Flatten(), *mlp([d, *hidden, code_dim], last_activation=last, generator=gen))
        self.decoder = nn.Sequential(*mlp([code_dim, *reversed(hidden), d], generator=gen),
                                     nn.Unflatten(1, self.input_shape))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, h):
        return self.decoder(h)


class ConvAutoEncoder(AutoEncoderBase):
    """Convolutional autoencoder for (C, S, S) images with S divisible by 4.

    encoder: conv 3x3 stride 2 (S -> S/2) -> ReLU -> conv 3x3 stride 2 (S/2 -> S/4) -> ReLU -> linear to code
    decoder: linear -> (c2, S/4, S/4) -> transposed conv 4x4 stride 2 -> ReLU -> transposed conv 4x4 stride 2
    """

    def __init__(self, input_shape=(1, 28, 28), channels=(16, 32), code_dim: int = 32, loss: str = "bce",
                 sparsity: float = 0.0, corruption=None, seed: int = 0):
        super().__init__()
        c, s, _ = _image_shape("ConvAutoEncoder", input_shape)
        checks.sizes("ConvAutoEncoder", "channels", channels)
        checks.positive_int("ConvAutoEncoder", "code_dim", code_dim)
        checks.choice("ConvAutoEncoder", "loss", loss, ("bce", "mse"))
        checks.finite_number("ConvAutoEncoder", "sparsity", sparsity, minimum=0)
        gen = mg.Generator(seed)
        c1, c2 = channels
        q = s // 4
        self.input_shape, self.code_dim = tuple(input_shape), code_dim
        self.loss_kind, self.sparsity = loss, sparsity
        self.corruption, self.corruption_generator = corruption, mg.Generator(seed + 1)
        self.encoder = nn.Sequential(
            nn.Conv2d(c, c1, 3, stride=2, padding=1, generator=gen), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1, generator=gen), nn.ReLU(),
            nn.Flatten(), nn.Linear(c2 * q * q, code_dim, generator=gen))
        self.decoder = nn.Sequential(
            nn.Linear(code_dim, c2 * q * q, generator=gen), nn.ReLU(), nn.Unflatten(1, (c2, q, q)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1, generator=gen), nn.ReLU(),
            nn.ConvTranspose2d(c1, c, 4, stride=2, padding=1, generator=gen))

    def encode(self, x):
        return self.encoder(x)

    def decode(self, h):
        return self.decoder(h)
