"""Unit 9 -- variational autoencoders.

    python -m examples.unit09_vae [--epochs 10] [--latent 20] [--hidden 512 256] [--quick] ...

Trains an MLP VAE (784-512-256-20; ``--hidden 400`` gives the 784-400-20 of PyTorch's
example, whose recipe ``python -m benchmarks.reference_vae`` runs for comparison) and reports
its test negative ELBO per image in nats, then uses it: samples from the prior, reconstructions,
interpolation strips between test pairs (N = 10), attribute-vector edits
h_new = h + alpha * h_dif for stroke thickness and slant, and -- with a second, 2-D VAE --
the learned manifold decoded on a grid.
"""

from __future__ import annotations

import numpy as np

import minigrad as mg
import models
from examples import plotting
from examples.common import Run, class_index, number_in, parser, positive_int  # noqa: F401
from minigrad import optim


def train_vae(run, latent, epochs):
    vae = models.VAE(run.image_shape, tuple(run.args.hidden), latent, seed=run.args.seed).to(run.device)
    history = models.fit(vae, (run.train_x,), epochs=epochs, optimizer=optim.Adam(vae.parameters(), 1e-3),
                         batch_size=run.args.batch_size, validation=(run.test_x,), device=run.device,
                         seed=run.args.seed, progress_bar=not run.quick)
    return vae, history


def configure(argv=None) -> Run:
    """Parse the command line (or a notebook's list of flags) and load the data."""
    p = parser("unit09_vae", __doc__.splitlines()[1], epochs=10)
    p.add_argument("--latent", type=positive_int, default=20, help="size of the code h")
    p.add_argument("--hidden", type=positive_int, nargs="+", default=[512, 256], help="hidden layer sizes of the MLPs")
    p.add_argument("--alphas", type=number_in(-10, 10), nargs="+", default=[-2.0, -1.0, 0.0, 1.0, 2.0],
                   help="the steps alpha of h + alpha * attribute vector")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.batch_size, args.latent = 10, 64, 8
    return Run(args)


def train_and_report(run: Run):
    """Train the VAE; record and plot the negative ELBO (reconstruction + KL) per epoch."""
    args = run.args
    vae, history = train_vae(run, args.latent, args.epochs)
    run.record(test_negative_elbo_nats=history[-1]["val_neg_elbo"],
               test_reconstruction_nats=history[-1]["val_reconstruction"], test_kl_nats=history[-1]["val_kl"],
               train_negative_elbo_nats=history[-1]["train_neg_elbo"])
    run.metrics["negative_elbo_per_epoch"] = [h["val_neg_elbo"] for h in history]
    plotting.curves({"train -ELBO": [h["train_neg_elbo"] for h in history],
                     "test -ELBO": [h["val_neg_elbo"] for h in history],
                     "test reconstruction": [h["val_reconstruction"] for h in history],
                     "test KL": [h["val_kl"] for h in history]},
                    run.path("elbo_curves.png"), "Negative ELBO per image (nats)", ylabel="nats")

    return vae


def samples_and_reconstructions(run: Run, vae):
    """New images from h ~ N(0, I), and test images through the encoder and decoder."""
    args = run.args
    plotting.image_grid(vae.sample(64, generator=mg.Generator(args.seed)), run.path("samples.png"),
                        "New images: decoded h ~ N(0, I)", rows=8)
    x = run.test_x[:10]
    plotting.image_grid(np.concatenate([x, vae.reconstruct(x)]), run.path("reconstructions.png"),
                        "Test images (top) and reconstructions (bottom)", rows=2)



def interpolations(run: Run, vae):
    """Strips h_i = h1 + (h2 - h1) i / N between the codes of two test images."""
    args = run.args
    rng = np.random.default_rng(args.seed)
    pairs = rng.choice(len(run.test_x), (5, 2), replace=False)
    strips = np.concatenate([vae.interpolate(run.test_x[a], run.test_x[b], steps=10) for a, b in pairs])
    plotting.image_grid(strips, run.path("interpolations.png"),
                        "Interpolation between test pairs: h_i = h1 + (h2 - h1) i/10, i = 0..10", rows=5)



def attribute_edits(run: Run, vae):
    """h_new = h + alpha * (mean h with the attribute - mean h without it), for ink and slant."""
    args = run.args
    edits = {}
    for attribute, rule in (("ink", models.ink), ("slant", models.slant)):
        with_mask, without_mask = models.split_by_attribute(rule(run.train_x[:20000]), run.train_y[:20000])
        vector = vae.attribute_vector(run.train_x[:20000][with_mask], run.train_x[:20000][without_mask])
        images = vae.apply_attribute(run.test_x[:6], vector, args.alphas)
        plotting.image_grid(images.reshape((-1,) + run.image_shape), run.path(f"attribute_{attribute}.png"),
                            f"h + alpha * h_dif ({attribute})", rows=6,
                            col_labels=[f"alpha={a:g}" for a in args.alphas])
        measured = [float(rule(images[:, k]).mean()) for k in range(len(args.alphas))]
        edits[attribute] = {"alphas": list(args.alphas), "mean_attribute_of_edits": measured,
                            "vector_norm": float(np.linalg.norm(vector))}
        print(f"  {attribute}: mean {attribute} of the edited images for alphas {args.alphas}: "
              + ", ".join(f"{m:.3f}" for m in measured))
    run.metrics["attribute_edits"] = edits



def manifold_2d(run: Run):
    """A VAE with a 2-D code: the decoded grid of the latent plane, and the test codes by class."""
    args = run.args
    vae2, history2 = train_vae(run, 2, max(1, args.epochs // 2))
    run.record(latent2_test_negative_elbo_nats=history2[-1]["val_neg_elbo"])
    grid = np.linspace(-2.5, 2.5, 15, dtype=np.float32)
    codes = np.array([[a, b] for b in grid[::-1] for a in grid], dtype=np.float32)
    plotting.image_grid(vae2.decode_codes(codes), run.path("manifold_2d.png"),
                        "The 2-D latent manifold: decoded grid over [-2.5, 2.5]^2", rows=15, cell=0.45)
    plotting.scatter(vae2.codes(run.test_x[:3000]), run.test_y[:3000], run.path("latent_2d.png"),
                     "2-D VAE: means of q(h|x) for test images", run.classes)


def main(argv=None):
    run = configure(argv)
    vae = train_and_report(run)
    samples_and_reconstructions(run, vae)
    interpolations(run, vae)
    attribute_edits(run, vae)
    manifold_2d(run)
    return run.finish()


if __name__ == "__main__":
    main()
