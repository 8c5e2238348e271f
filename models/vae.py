"""The variational autoencoder (Kingma & Welling).

The encoder maps x to the parameters of a Gaussian q(h|x) = N(mu, diag(exp(logvar)));
a code is *sampled* from it with the reparameterization trick, h = mu + exp(logvar/2) eps
(``minigrad.nn.functional.reparameterize``), so gradients reach mu and logvar; the
decoder maps h to the logits of a Bernoulli distribution over pixels.

Training minimises the negative evidence lower bound per sample, in nats:

    -ELBO(x) = E_q[-log p(x|h)] + KL(q(h|x) || N(0, I))
             =   reconstruction  +  KL (closed form: -1/2 sum(1 + logvar - mu^2 - exp(logvar)))

(``beta`` != 1 weights the KL term: the beta-VAE.) Because the prior is N(0, I), new
samples come from decoding h ~ N(0, I); nearby codes decode to similar images, which is
what makes interpolation and attribute vectors work:

    interpolation:     h_i = h_1 + (h_2 - h_1) i / N,          i = 0..N
    attribute vector:  h_dif = mean code of images with a feature - mean code without it
    editing:           h_new = h + alpha * h_dif
"""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import checks, nn
from minigrad.nn import functional as F
from models.inference import run_in_batches
from models.autoencoders import _image_shape, check_batch, mlp


class VAEBase(nn.Module):
    beta = 1.0
    latent_dim: int

    def encode(self, x):
        """(mu, logvar) of q(h|x)."""
        check_batch(self, x)
        features = self.encoder(x)
        return self.mu_head(features), self.logvar_head(features)

    def decode(self, h):
        """Pixel logits of p(x|h)."""
        return self.decoder(h)

    def forward(self, x):
        mu, logvar = self.encode(x)
        h = F.reparameterize(mu, logvar, generator=self.noise)
        return self.decode(h), mu, logvar

    def losses(self, x):
        """Per-sample (reconstruction, KL) in nats, as Tensors of shape (n,)."""
        logits, mu, logvar = self(x)
        reconstruction = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        kl = F.gaussian_kl(mu, logvar, reduction="none")
        return reconstruction, kl

    def training_loss(self, x, *_labels):
        reconstruction, kl = self.losses(x)
        loss = (reconstruction + self.beta * kl).mean()
        return {"loss": loss, "reconstruction": reconstruction.mean().item(), "kl": kl.mean().item(),
                "neg_elbo": (reconstruction + kl).mean().item()}

    # -------------------------------------------------------------- using the model
    def _run(self, fn, *arrays, batch_size=1024):
        return run_in_batches(self, fn, *arrays, batch_size=batch_size)

    def codes(self, x):
        """The means mu(x): the deterministic code of each image."""
        return self._run(lambda t: self.encode(t)[0], x)

    def decode_codes(self, h):
        """Images sigmoid(decoder(h)) for given codes."""
        return self._run(lambda t: F.sigmoid(self.decode(t)), np.asarray(h, dtype=np.float32))

    def reconstruct(self, x):
        """Decode the mean code of each image."""
        return self.decode_codes(self.codes(x))

    def sample(self, n: int, generator=None):
        """n new images: decode h ~ N(0, I)."""
        h = mg.randn(n, self.latent_dim, generator=generator).numpy()     # drawn on the host (see minigrad.random)
        return self.decode_codes(h)

    def interpolate(self, x1, x2, steps: int = 10):
        """Images along the straight line between the codes of x1 and x2: h_i = h1 + (h2 - h1) i/N, i = 0..N."""
        checks.positive_int("interpolate", "steps", steps)
        h1, h2 = self.codes(np.asarray(x1)[None])[0], self.codes(np.asarray(x2)[None])[0]
        t = np.arange(steps + 1)[:, None] / steps
        return self.decode_codes(h1 + (h2 - h1) * t)

    def attribute_vector(self, x_with, x_without):
        """h_dif = mean code of images with the feature - mean code of images without it."""
        return self.codes(x_with).mean(0) - self.codes(x_without).mean(0)

    def apply_attribute(self, x, vector, alphas=(0.0, 1.0, 2.0)):
        """For each image and each alpha: decode(h + alpha * h_dif). Shape (len(x), len(alphas), ...)."""
        h = self.codes(x)
        if np.shape(vector) != (h.shape[1],):
            raise ValueError(f"apply_attribute: the attribute vector has shape {np.shape(vector)}, the codes "
                             f"have {h.shape[1]} dims (expected ({h.shape[1]},), from attribute_vector)")
        edited = h[:, None, :] + np.asarray(alphas, dtype=np.float32)[None, :, None] * vector[None, None, :]
        images = self.decode_codes(edited.reshape(-1, h.shape[1]))
        return images.reshape((len(x), len(alphas)) + images.shape[1:])

    def negative_elbo(self, x, batch_size: int = 1024) -> float:
        """Mean -ELBO per image in nats (one sample of h per image, from the model's seeded noise)."""
        rec, kl = self._run(lambda t: self.losses(t), x, batch_size=batch_size)
        return float((rec + kl).mean())


class VAE(VAEBase):
    """MLP VAE: input -> hidden (ReLU) -> (mu, logvar); latent -> hidden (ReLU) -> pixel logits."""

    def __init__(self, input_shape=(1, 28, 28), hidden=(400,), latent_dim: int = 20, beta: float = 1.0,
                 seed: int = 0):
        super().__init__()
        input_shape, hidden = checks.sizes("VAE", "input_shape", input_shape), checks.sizes("VAE", "hidden", hidden)
        checks.positive_int("VAE", "latent_dim", latent_dim)
        checks.finite_number("VAE", "beta", beta, minimum=0)
        gen = mg.Generator(seed)
        self.noise = mg.Generator(seed + 1)
        self.input_shape, self.latent_dim, self.beta = tuple(input_shape), latent_dim, beta
        d = int(np.prod(input_shape))
        self.encoder = nn.Sequential(nn.Flatten(), *mlp([d, *hidden], generator=gen), nn.ReLU())
        self.mu_head = nn.Linear(hidden[-1], latent_dim, generator=gen)
        self.logvar_head = nn.Linear(hidden[-1], latent_dim, generator=gen)
        self.decoder = nn.Sequential(*mlp([latent_dim, *reversed(hidden), d], generator=gen),
                                     nn.Unflatten(1, self.input_shape))


class ConvVAE(VAEBase):
    """Convolutional VAE for (C, S, S) images, S divisible by 4 (the ConvAutoEncoder's layout)."""

    def __init__(self, input_shape=(1, 28, 28), channels=(32, 64), latent_dim: int = 20, beta: float = 1.0,
                 seed: int = 0):
        super().__init__()
        c, s, _ = _image_shape("ConvVAE", input_shape)
        checks.sizes("ConvVAE", "channels", channels)
        checks.positive_int("ConvVAE", "latent_dim", latent_dim)
        checks.finite_number("ConvVAE", "beta", beta, minimum=0)
        gen = mg.Generator(seed)
        self.noise = mg.Generator(seed + 1)
        self.input_shape, self.latent_dim, self.beta = tuple(input_shape), latent_dim, beta
        c1, c2 = channels
        q = s // 4
        self.encoder = nn.Sequential(
            nn.Conv2d(c, c1, 3, stride=2, padding=1, generator=gen), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, stride=2, padding=1, generator=gen), nn.ReLU(), nn.Flatten())
        self.mu_head = nn.Linear(c2 * q * q, latent_dim, generator=gen)
        self.logvar_head = nn.Linear(c2 * q * q, latent_dim, generator=gen)
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, c2 * q * q, generator=gen), nn.ReLU(), nn.Unflatten(1, (c2, q, q)),
            nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1, generator=gen), nn.ReLU(),
            nn.ConvTranspose2d(c1, c, 4, stride=2, padding=1, generator=gen))
