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
    p.add_argument("--alphas", type=number_in(-10, 10), nargs="+", default=None,
                   help="the steps alpha of h + alpha * attribute vector (default: five steps up to the largest "
                        "|alpha| at which a classifier still gives >= 90 %% of the edits their original class)")
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
    """Strips h_i = h1 + (h2 - h1) i / N between the codes of two test images of *different*
    classes, with the two originals at the ends (the decoded ends are reconstructions)."""
    args = run.args
    rng = np.random.default_rng(args.seed)
    pairs = []
    while len(pairs) < 5:
        a, b = rng.choice(len(run.test_x), 2, replace=False)
        if run.test_y[a] != run.test_y[b]:
            pairs.append((a, b))
    strips = np.concatenate([np.concatenate([run.test_x[a:a + 1], vae.interpolate(run.test_x[a], run.test_x[b], 10),
                                             run.test_x[b:b + 1]]) for a, b in pairs])
    plotting.image_grid(strips, run.path("interpolations.png"),
                        "Interpolation between test images of two classes: h_i = h1 + (h2 - h1) i/10",
                        rows=5, col_labels=["x1"] + [f"i={i}" for i in range(11)] + ["x2"],
                        row_labels=[f"{run.classes[run.test_y[a]]} -> {run.classes[run.test_y[b]]}" for a, b in pairs])



# The alphas the identity check scans, and the share of edits that must keep their class.
ALPHA_SCAN = np.round(np.arange(-3.0, 3.01, 0.25), 2)
KEEP_CLASS = 0.9


def identity_kept(run: Run, vae, vector, alphas, n: int = 500):
    """For each alpha, the fraction of n edited test images that a classifier trained on real images
    still puts in the class it gives the unedited reconstruction: does the edit keep the digit?"""
    classifier = run.reference_classifier()
    x = run.test_x[:n]
    before = classifier.predict(vae.reconstruct(x))
    edited = vae.apply_attribute(x, vector, alphas)
    return np.array([float((classifier.predict(edited[:, k]) == before).mean()) for k in range(len(alphas))])


def widest_safe_alpha(alphas, kept, keep=KEEP_CLASS):
    """The largest A such that every scanned alpha with |alpha| <= A keeps >= ``keep`` of the classes."""
    safe = 0.0
    for a in sorted(set(np.abs(alphas))):
        if all(k >= keep for al, k in zip(alphas, kept) if abs(al) <= a):
            safe = float(a)
        else:
            break
    return safe


def attribute_edits(run: Run, vae):
    """h_new = h + alpha * (mean h with the attribute - mean h without it), for ink and slant. The
    range of alpha is the one a classifier says keeps the digit's class (unless --alphas is given)."""
    args = run.args
    edits, scans = {}, {}
    words = {"ink": ("much ink", "little ink"), "slant": ("leaning right", "leaning left")}
    for attribute, rule in (("ink", models.ink), ("slant", models.slant)):
        pool_x, pool_y = run.train_x[:20000], run.train_y[:20000]
        with_mask, without_mask = models.split_by_attribute(rule(pool_x), pool_y)
        vector = vae.attribute_vector(pool_x[with_mask], pool_x[without_mask])
        kept_scan = identity_kept(run, vae, vector, ALPHA_SCAN)
        safe = widest_safe_alpha(ALPHA_SCAN, kept_scan)
        scans[f"{attribute} (widest safe |alpha| = {safe:g})"] = (ALPHA_SCAN, kept_scan)
        judged = min(500, len(run.test_x))
        alphas = list(args.alphas) if args.alphas else ([-safe, -safe / 2, 0.0, safe / 2, safe] if safe else [0.0])
        kept = identity_kept(run, vae, vector, alphas)
        images = vae.apply_attribute(run.test_x[:6], vector, alphas)
        measured = [float(rule(images[:, k]).mean()) for k in range(len(alphas))]
        n = len(alphas)
        # the two sets the vector came from (a few of each, all classes), then the edited test images
        sets = np.concatenate([pool_x[with_mask][:n], pool_x[without_mask][:n]])
        with_word, without_word = words[attribute]
        # column captions on the first edited row: alpha and the attribute measured on the 6 edits
        captions = [""] * len(sets) + [f"alpha={a:g}\n{attribute} {m:.3f}\nclass kept {k:.0%}"
                                       for a, m, k in zip(alphas, measured, kept)]
        captions += [""] * (images.shape[0] - 1) * n
        plotting.image_grid(np.concatenate([sets, images.reshape((-1,) + run.image_shape)]),
                            run.path(f"attribute_{attribute}.png"),
                            f"h_new = h + alpha * h_dif\nh_dif = mean h({with_word}) - mean h({without_word})\n"
                            f"under alpha: mean {attribute} of the 6 edits, and the\n"
                            f"share of {judged} edits a classifier still puts in their class", rows=8,
                            row_labels=[with_word, without_word] + [f"test {i + 1}" for i in range(6)],
                            captions=captions, cell=1.1)
        edits[attribute] = {"alphas": [float(a) for a in alphas], "mean_attribute_of_edits": measured,
                            "class_kept": kept.tolist(), "widest_safe_alpha": safe,
                            "class_kept_scan": dict(zip((f"{a:g}" for a in ALPHA_SCAN), kept_scan.tolist())),
                            "vector_norm": float(np.linalg.norm(vector))}
        print(f"  {attribute}: alphas {', '.join(f'{a:g}' for a in alphas)} (|alpha| <= {safe:g} keeps >= "
              f"{KEEP_CLASS:.0%} of the classes): mean {attribute} "
              + ", ".join(f"{m:.3f}" for m in measured) + "; class kept " + ", ".join(f"{k:.0%}" for k in kept))
    plotting.curves(scans, run.path("attribute_identity.png"),
                    f"Does the edit keep the digit? Share of {judged} edited test images\n"
                    "a classifier puts in their original class", xlabel="alpha", ylabel="class kept",
                    hline=KEEP_CLASS, hline_label=f"{KEEP_CLASS:.0%}: the range the figures use")
    run.metrics["attribute_edits"] = edits



def manifold_2d(run: Run):
    """A VAE with a 2-D code: the decoded grid of the latent plane, and the test codes by class."""
    args = run.args
    vae2, history2 = train_vae(run, 2, max(1, args.epochs // 2))
    kl = history2[-1]["val_kl"]
    run.record(latent2_test_negative_elbo_nats=history2[-1]["val_neg_elbo"], latent2_test_kl_nats=kl)
    grid = np.linspace(-2.5, 2.5, 15, dtype=np.float32)
    codes = np.array([[a, b] for b in grid[::-1] for a in grid], dtype=np.float32)
    decoded = vae2.decode_codes(codes)
    # Posterior collapse: q(h|x) = the prior for every x (KL ~ 0), so the code carries nothing and
    # the whole grid decodes to one "average" image. Say so rather than show 225 copies silently.
    spread = float(decoded.reshape(len(decoded), -1).std(0).mean())
    collapsed = kl < 0.5 or spread < 0.01
    if collapsed:
        print(f"  warning: the 2-D VAE's posterior has collapsed (test KL {kl:.3f} nats, spread of the decoded grid "
              f"{spread:.4f}): the code carries no information, so the manifold is one image repeated; "
              f"train longer (more --epochs)")
    run.record(latent2_posterior_collapsed=bool(collapsed))
    title = "The 2-D latent manifold: decoded h on a grid (axes: h1, h2)"
    if collapsed:
        title += f"\nPOSTERIOR COLLAPSED (KL {kl:.2f} nats): every code decodes to the same image"
    plotting.image_grid(decoded, run.path("manifold_2d.png"), title, rows=15, cell=0.5,
                        col_labels=[f"{a:.1f}" if i % 2 == 0 else "" for i, a in enumerate(grid)],
                        row_labels=[f"{b:.1f}" if i % 2 == 0 else "" for i, b in enumerate(grid[::-1])])
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
