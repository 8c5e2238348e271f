"""Generative adversarial networks (Goodfellow et al. 2014).

A generator G maps noise z ~ N(0, I) to data space; a discriminator D outputs the logit
of the probability that its input is real. They play the minimax game

    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

``GANTrainer.train`` follows the paper's minibatch algorithm literally: for each training
iteration,
    for k steps:   sample m noise vectors and m data examples, and update D by *ascending*
                   its stochastic gradient of  1/m sum [log D(x_i) + log(1 - D(G(z_i)))];
    then once:     sample m noise vectors and update G by *descending* its gradient of
                   1/m sum log(1 - D(G(z_i)))            ("saturating" loss), or of
                   -1/m sum log D(G(z_i))                ("non-saturating", the paper's
                   practical advice: the same fixed point, but strong gradients early on,
                   when D easily rejects G's samples and log(1 - D(G(z))) saturates).

At the game's equilibrium the generator's distribution equals the data's and D(x) = 1/2
everywhere: the trainer records mean D(x) and D(G(z)) per iteration so this can be watched.
Mode collapse -- G covering only some of the data's modes -- is measured by classifying
generated samples (``mode_report``).

With logits l = D(.), log D = -softplus(-l) and log(1 - D) = -softplus(l), so every loss
below is a binary cross-entropy with logits, computed stably.
"""

from __future__ import annotations

import os
from collections import defaultdict

import numpy as np
from tqdm.auto import tqdm

import metrics
import minigrad as mg
from minigrad import checks, nn, optim
from minigrad.nn import functional as F
from models.inference import model_device, run_in_batches
from models.autoencoders import mlp


class MLPGenerator(nn.Module):
    """z -> hidden (ReLU) ... -> data, with a tanh (data in [-1, 1]) or sigmoid (data in [0, 1]) output."""

    def __init__(self, latent_dim: int = 64, hidden=(256, 256), output_shape=(1, 28, 28), output="tanh",
                 activation: str = "relu", generator=None):
        super().__init__()
        checks.positive_int("MLPGenerator", "latent_dim", latent_dim)
        checks.sizes("MLPGenerator", "hidden", hidden, allow_empty=True)
        output_shape = checks.sizes("MLPGenerator", "output_shape", output_shape)
        self.latent_dim, self.output_shape = latent_dim, tuple(output_shape)
        out = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, None: None}[
            checks.choice("MLPGenerator", "output", output, ("tanh", "sigmoid", None))]
        act = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2)}[
            checks.choice("MLPGenerator", "activation", activation, ("relu", "leaky_relu"))]
        self.net = nn.Sequential(*mlp([latent_dim, *hidden, int(np.prod(output_shape))], activation=act,
                                      last_activation=out, generator=generator), nn.Unflatten(1, self.output_shape))

    def forward(self, z):
        return self.net(z)


class MinibatchStd(nn.Module):
    """One extra feature per sample: how much the whole minibatch varies (Karras et al., 2018).

        s = (1/F) sum_j sigma_j,   sigma_j = sqrt(Var_i h_ij + 1e-8)   (i: B samples, j: F features)
        h (B, F)  ->  [h, s] (B, F + 1)
        ds/dh_ij = (h_ij - mean_i h_ij) / (B F sigma_j)      (autograd composes it from var, sqrt, mean)

    The discriminator sees each batch of real or of generated samples on its own, so s tells
    it how diverse that batch is. A generator drifting towards a few favourite outputs makes
    s small on its batches, D learns to reject that, and G's gradient pushes it to spread out:
    a cheap guard against mode collapse. The gradient flows through s into every sample.
    """

    def forward(self, h):
        if h.ndim != 2:
            raise ValueError(f"MinibatchStd: expected a batch of features (B, F), got shape {h.shape}")
        s = (h.var(0, unbiased=False) + 1e-8).sqrt().mean()
        return mg.cat([h, mg.ones(h.shape[0], 1, dtype=h.dtype, device=h.device) * s], dim=1)


class MLPDiscriminator(nn.Module):
    """data -> hidden (LeakyReLU 0.2, optional dropout) ... [-> MinibatchStd] -> one logit."""

    def __init__(self, input_shape=(1, 28, 28), hidden=(256, 256), dropout: float = 0.0, minibatch_std=False,
                 generator=None):
        super().__init__()
        input_shape = checks.sizes("MLPDiscriminator", "input_shape", input_shape)
        checks.sizes("MLPDiscriminator", "hidden", hidden, allow_empty=True)
        checks.finite_number("MLPDiscriminator", "dropout", dropout, minimum=0, maximum=0.999)
        layers, width = [nn.Flatten()], int(np.prod(input_shape))
        for h in hidden:
            layers += [nn.Linear(width, h, generator=generator), nn.LeakyReLU(0.2)]
            if dropout:
                layers.append(nn.Dropout(dropout, generator=generator))
            width = h
        if minibatch_std:
            layers.append(MinibatchStd())
            width += 1
        layers.append(nn.Linear(width, 1, generator=generator))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x).reshape(-1)


def _block(layer, n, batch_norm, activation):
    """layer -> [BatchNorm over its n features or channels] -> activation (the layer has no bias
    when a batch norm follows: the norm's shift replaces it)."""
    if not batch_norm:
        return [layer, activation]
    return [layer, nn.BatchNorm1d(n) if isinstance(layer, nn.Linear) else nn.BatchNorm2d(n), activation]


class DCGenerator(nn.Module):
    """DCGAN-style: z -> [linear -> ReLU] -> linear -> (2c, S/4, S/4) -> ReLU -> convT 4x4 s2 -> ReLU
    -> convT 4x4 s2 -> tanh. Each transposed convolution doubles the image's side.

    hidden: the width of a first fully connected layer (0: none). With hidden=1024, channels=64 and
        batch_norm this is InfoGAN's MNIST generator (Chen et al. 2016): the dense layers draw the
        digit's overall shape, the transposed convolutions its strokes.
    batch_norm: BatchNorm after every layer but the last, before its ReLU (Radford et al.'s recipe:
        it keeps the generator's activations in range early in training).
    """

    def __init__(self, latent_dim: int = 100, image_size: int = 28, channels: int = 64, out_channels: int = 1,
                 batch_norm: bool = False, hidden: int = 0, generator=None):
        super().__init__()
        q = _quarter("DCGenerator", image_size)
        for name, value in (("latent_dim", latent_dim), ("channels", channels), ("out_channels", out_channels)):
            checks.positive_int("DCGenerator", name, value)
        checks.positive_int("DCGenerator", "hidden", hidden, 0)
        self.latent_dim, self.output_shape = latent_dim, (out_channels, image_size, image_size)

        def block(layer, n):
            return _block(layer, n, batch_norm, nn.ReLU())

        dense, width = [], latent_dim
        if hidden:
            dense, width = block(nn.Linear(latent_dim, hidden, bias=not batch_norm, generator=generator), hidden), hidden
        self.net = nn.Sequential(
            *dense,
            *block(nn.Linear(width, 2 * channels * q * q, bias=not batch_norm, generator=generator),
                   2 * channels * q * q),
            nn.Unflatten(1, (2 * channels, q, q)),
            *block(nn.ConvTranspose2d(2 * channels, channels, 4, stride=2, padding=1, bias=not batch_norm,
                                      generator=generator), channels),
            nn.ConvTranspose2d(channels, out_channels, 4, stride=2, padding=1, generator=generator), nn.Tanh())

    def forward(self, z):
        return self.net(z)


def _quarter(op, image_size):
    """S / 4: two stride-2 layers halve the image twice, so S must be a multiple of 4."""
    checks.positive_int(op, "image_size", image_size, 4)
    if image_size % 4:
        raise ValueError(f"{op}: image_size must be divisible by 4 (two stride-2 layers), got {image_size}")
    return image_size // 4


class DCDiscriminator(nn.Module):
    """DCGAN-style: conv 4x4 s2 -> LeakyReLU 0.2 -> conv 4x4 s2 -> LeakyReLU 0.2 -> [linear ->
    LeakyReLU 0.2] -> linear -> logit. Each strided convolution halves the image's side.

    minibatch_std: the batch's spread joins the flattened features (see ``MinibatchStd``).
    hidden: the width of a fully connected layer before the logit (0: none); with hidden=1024,
        channels=64 and batch_norm, InfoGAN's MNIST discriminator (Chen et al. 2016).
    batch_norm: BatchNorm after every layer but the first and the last, before its LeakyReLU
        (Radford et al. leave D's input layer unnormalised). It can trap a collapsed G: a batch
        of identical fakes normalises to zeros, so G gets no gradient (unit 10's D goes without).
    """

    def __init__(self, image_size: int = 28, channels: int = 64, in_channels: int = 1, minibatch_std: bool = False,
                 batch_norm: bool = False, hidden: int = 0, generator=None):
        super().__init__()
        q = _quarter("DCDiscriminator", image_size)
        for name, value in (("channels", channels), ("in_channels", in_channels)):
            checks.positive_int("DCDiscriminator", name, value)
        checks.positive_int("DCDiscriminator", "hidden", hidden, 0)

        def block(layer, n):
            return _block(layer, n, batch_norm, nn.LeakyReLU(0.2))

        width = 2 * channels * q * q + (1 if minibatch_std else 0)
        dense = []
        if hidden:
            dense, width = block(nn.Linear(width, hidden, bias=not batch_norm, generator=generator), hidden), hidden
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, channels, 4, stride=2, padding=1, generator=generator), nn.LeakyReLU(0.2),
            *block(nn.Conv2d(channels, 2 * channels, 4, stride=2, padding=1, bias=not batch_norm,
                             generator=generator), 2 * channels),
            nn.Flatten(), *([MinibatchStd()] if minibatch_std else []),
            *dense,
            nn.Linear(width, 1, generator=generator))

    def forward(self, x):
        return self.net(x).reshape(-1)


def _make_optimizer(params, kind, lr, momentum, betas):
    if kind == "adam":
        return optim.Adam(params, lr=lr, betas=betas)
    if kind == "sgd":
        return optim.SGD(params, lr=lr, momentum=momentum)
    raise ValueError(f"GANTrainer: optimizer must be 'adam' or 'sgd', got {kind!r}")


class GANTrainer:
    """Goodfellow's minibatch training algorithm, with k discriminator steps per generator step.

    loss: "non-saturating" (default) or "saturating" (the minimax loss of the paper).
    optimizer: "adam" (betas=(0.5, 0.999), the DCGAN setting) or "sgd" with ``momentum``.
    real_label: the discriminator's target for real data; 0.9 is "one-sided label smoothing"
        (Salimans et al. 2016), which keeps D from becoming overconfident.
    """

    def __init__(self, generator_net, discriminator, k: int = 1, loss: str = "non-saturating",
                 optimizer: str = "adam", lr: float = 2e-4, momentum: float = 0.9, betas=(0.5, 0.999),
                 batch_size: int = 64, real_label: float = 1.0, seed: int = 0, device=None):
        if k < 1:
            raise ValueError(f"GANTrainer: k must be >= 1, got {k}")
        checks.positive_int("GANTrainer", "batch_size", batch_size)
        checks.finite_number("GANTrainer", "real_label", real_label, minimum=0, maximum=1, strict_minimum=True)
        if loss not in ("non-saturating", "saturating"):
            raise ValueError(f"GANTrainer: loss must be 'non-saturating' or 'saturating', got {loss!r}")
        self.G, self.D, self.k, self.loss, self.batch_size = generator_net, discriminator, k, loss, batch_size
        self.device, self.real_label = device or model_device(generator_net), real_label
        self.opt_G = _make_optimizer(self.G.parameters(), optimizer, lr, momentum, betas)
        self.opt_D = _make_optimizer(self.D.parameters(), optimizer, lr, momentum, betas)
        self.rng = mg.Generator(seed)
        self.history = defaultdict(list)
        self.iteration = 0              # iterations run so far (train continues from here)

    def noise(self, m: int):
        return mg.randn(m, self.G.latent_dim, generator=self.rng, device=self.device)

    def _minibatch(self, data):
        index = self.rng.numpy.integers(0, len(data), self.batch_size)
        return mg.tensor(data[index], device=self.device)

    def discriminator_step(self, data):
        """Ascend log D(x) + log(1 - D(G(z))), i.e. descend BCE(D(x), 1) + BCE(D(G(z)), 0)."""
        x = self._minibatch(data)
        with mg.no_grad():                                  # G is fixed during D's step
            fake = self.G(self.noise(self.batch_size))
        real_logits, fake_logits = self.D(x), self.D(fake)
        loss = (F.binary_cross_entropy_with_logits(real_logits, mg.full_like(real_logits, self.real_label))
                + F.binary_cross_entropy_with_logits(fake_logits, mg.zeros_like(fake_logits)))
        self.opt_D.zero_grad()
        loss.backward()
        self.opt_D.step()
        return loss.item(), float(F.sigmoid(real_logits).data.mean()), float(F.sigmoid(fake_logits).data.mean())

    def generator_step(self):
        """Descend log(1 - D(G(z))) (saturating) or -log D(G(z)) (non-saturating).

        D is fixed during G's step: its parameters stop requiring grad for the step, so backward
        carries dL/d(D's input) through D to G without computing D's own weight gradients
        (which this step would throw away; D's .grad keeps those of its own last step). G's
        gradients are the same either way."""
        d_params = [p for p in self.D.parameters() if p.requires_grad]
        for p in d_params:
            p.requires_grad = False
        try:
            logits = self.D(self.G(self.noise(self.batch_size)))
            if self.loss == "saturating":
                loss = -F.binary_cross_entropy_with_logits(logits, mg.zeros_like(logits))   # = mean log(1 - D)
            else:
                loss = F.binary_cross_entropy_with_logits(logits, mg.ones_like(logits))     # = -mean log D
            self.opt_G.zero_grad()
            loss.backward()
        finally:
            for p in d_params:
                p.requires_grad = True
        self.opt_G.step()
        return loss.item()

    def state_dict(self) -> dict:
        """Everything a resumed run needs to continue exactly: both networks, both optimizers, the
        trainer's generator (minibatches and noise), every generator inside G and D (dropout),
        the global default generator, the history and the iteration count."""
        from models.training import random_generators
        rngs = {**{f"G.{k}": v for k, v in random_generators(self.G).items()},
                **{f"D.{k}": v for k, v in random_generators(self.D).items()}}
        return {"G": self.G.state_dict(), "D": self.D.state_dict(), "opt_G": self.opt_G.state_dict(),
                "opt_D": self.opt_D.state_dict(), "rng": self.rng.get_state(), "iteration": self.iteration,
                "history": {k: list(v) for k, v in self.history.items()},
                "random_generators": {k: g.get_state() for k, g in rngs.items()}}

    def load_state_dict(self, state: dict) -> None:
        from models.training import random_generators
        self.G.load_state_dict(state["G"])
        self.D.load_state_dict(state["D"])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        self.rng.set_state(state["rng"])
        for prefix, net in (("G", self.G), ("D", self.D)):
            for name, g in random_generators(net).items():
                if f"{prefix}.{name}" in state["random_generators"]:
                    g.set_state(state["random_generators"][f"{prefix}.{name}"])
        self.history = defaultdict(list, {k: list(v) for k, v in state["history"].items()})
        self.iteration = int(state["iteration"])

    def train(self, data, iterations: int, progress_bar: bool = True, callback=None, callback_every: int = 0,
              checkpoint=None, resume: bool = False, checkpoint_every: int = 500):
        """Run the algorithm on ``data`` (an array of real samples) until ``iterations`` in total.
        Returns the history.

        history: per iteration d_loss (mean of the k steps), g_loss, d_real = mean D(x), d_fake = mean D(G(z)).
        checkpoint: a file written every ``checkpoint_every`` iterations and at the end, as ``fit``
        does; with ``resume=True`` an existing one is loaded first, and the run continues bit for
        bit as if it had never stopped.
        """
        if not isinstance(iterations, int) or iterations < 0:
            raise ValueError(f"GANTrainer.train: iterations must be an integer >= 0, got {iterations!r}")
        if checkpoint is not None and checkpoint_every < 1:
            raise ValueError(f"GANTrainer.train: checkpoint_every must be >= 1, got {checkpoint_every}")
        data = np.asarray(data, dtype=np.float32)
        if resume and checkpoint is not None and os.path.exists(checkpoint):
            self.load_state_dict(mg.load(checkpoint))
        self.G.train()
        self.D.train()
        bar = tqdm(range(self.iteration, iterations), desc=f"GAN (k = {self.k})", unit="it",
                   disable=not progress_bar, mininterval=0.5, dynamic_ncols=True,
                   initial=self.iteration, total=iterations)
        for it in bar:
            steps = [self.discriminator_step(data) for _ in range(self.k)]
            d_loss, d_real, d_fake = (float(np.mean(v)) for v in zip(*steps))
            g_loss = self.generator_step()
            for key, value in (("d_loss", d_loss), ("g_loss", g_loss), ("d_real", d_real), ("d_fake", d_fake)):
                self.history[key].append(value)
            self.iteration = it + 1
            bar.set_postfix({"D loss": f"{d_loss:.3f}", "G loss": f"{g_loss:.3f}", "D(x)": f"{d_real:.2f}",
                             "D(G(z))": f"{d_fake:.2f}"}, refresh=False)
            if callback is not None and callback_every and (it + 1) % callback_every == 0:
                callback(it + 1, self)
            if checkpoint is not None and ((it + 1) % checkpoint_every == 0 or it + 1 == iterations):
                mg.save(self.state_dict(), checkpoint)
        return dict(self.history)

    def sample(self, n: int, generator=None):
        """n generated samples as a NumPy array (eval mode, no graph, G's device)."""
        z = mg.randn(n, self.G.latent_dim, generator=generator or self.rng).numpy()   # drawn on the host
        return run_in_batches(self.G, self.G, z, batch_size=max(1, n))

    def mode_report(self, classify, n: int = 1000, num_classes: int = 10, min_fraction: float = 0.0):
        """Classify n generated samples with ``classify`` (samples -> class ids or scores) and summarise
        the coverage of the classes: a ModeCoverage (histogram, modes hit, KL to uniform, smallest share)."""
        return metrics.mode_coverage(classify(self.sample(n)), num_classes, min_fraction)


def mixture_of_gaussians(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.05, generator=None):
    """n points from ``modes`` Gaussians placed evenly on a circle: the classic toy for mode collapse.

    Returns (points (n, 2) float32, mode index of each point, the mode centres (modes, 2)).
    """
    checks.positive_int("mixture_of_gaussians", "n", n)
    checks.positive_int("mixture_of_gaussians", "modes", modes)
    checks.finite_number("mixture_of_gaussians", "std", std, minimum=0)
    rng = (generator or mg.Generator(0)).numpy
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], 1)
    which = rng.integers(0, modes, n)
    points = centres[which] + std * rng.standard_normal((n, 2))
    return points.astype(np.float32), which, centres


def nearest_mode(points, centres, max_distance: float):
    """The index of the nearest centre for each point, or -1 when it is farther than max_distance
    (or not a finite point: a diverged generator's NaNs are on no mode)."""
    points, centres = np.asarray(points), np.asarray(centres)
    if points.ndim != 2 or centres.ndim != 2 or points.shape[1] != centres.shape[1]:
        raise ValueError(f"nearest_mode: points {points.shape} and centres {centres.shape} must be (n, d) and "
                         f"(modes, d)")
    d = np.linalg.norm(np.asarray(points)[:, None, :] - centres[None], axis=2)
    far = ~np.isfinite(d).all(1)
    d[far] = np.inf
    index = d.argmin(1)
    index[far | (d.min(1) > max_distance)] = -1
    return index
