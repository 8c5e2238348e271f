"""Unit 10 -- generative adversarial networks.

    python -m examples.unit10_gan [--architecture dcgan] [--epochs 3] [--k 1] [--loss non-saturating] [--no-minibatch-std] ...

Goodfellow's minibatch algorithm with k discriminator steps per generator step, on the
images scaled to [-1, 1]. Writes sample grids from several points of training, the loss
curves, the mean D(x) and D(G(z)) per iteration with the equilibrium marked (D = r/2 for a real
label r: 1/2 with the paper's r = 1, 0.45 with the default one-sided smoothing r = 0.9), and a
mode-coverage histogram from a separately trained classifier with the 5 % criterion drawn, and a
note saying whether G learned digits at all and, if so, whether mode collapse was seen. --k
changes the discriminator steps per generator step; the number of generator steps stays fixed.
G and D are convolutional by default (after InfoGAN's MNIST pair, 3 epochs); --architecture mlp trains
the MLP pair instead (18 epochs), and the Frechet distance on a classifier's features compares them.
Then mode collapse on purpose, twice. On the digits (``mode_collapse_images.png``): the same MLP G
and D, without the minibatch-std guard, with k = 1 and k = 5 -- k = 5 collapses onto one class
(on MNIST nearly every z becomes a "1"). On a ring of 8 Gaussians (``mode_collapse_ring.png``): Adam
with k = 1 covers the ring, k = 5 collapses onto a few modes, SGD + momentum 0.9 onto one blob
hopping from mode to mode.

The discriminator sees the spread of each minibatch as one extra feature (``MinibatchStd``);
``--no-minibatch-std`` turns that off to watch the generator's classes drift out of balance
(MLP pair on MNIST, seed 1: smallest class 4.3 % without it, 6.8 % with it).
"""

from __future__ import annotations

import argparse

import numpy as np

import metrics
import minigrad as mg
import models
from examples import plotting
from examples.common import Run, class_index, number_in, parser, positive_int  # noqa: F401


def smooth(values, width=50):
    values = np.asarray(values)
    width = max(1, min(width, len(values) // 5 or 1))
    return np.convolve(values, np.ones(width) / width, mode="valid")


def configure(argv=None) -> Run:
    """Parse the command line (or a notebook's list of flags) and load the data."""
    p = parser("unit10_gan", __doc__.splitlines()[1], epochs=18, batch_size=64)
    p.add_argument("--architecture", choices=["dcgan", "mlp"], default="dcgan",
                   help="G and D: convolutional (after InfoGAN's MNIST pair; 3 epochs unless --epochs) or MLPs (18 epochs)")
    p.add_argument("--k", type=positive_int, default=1, help="discriminator steps per generator step")
    p.add_argument("--loss", choices=["non-saturating", "saturating"], default="non-saturating")
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    p.add_argument("--lr", type=number_in(0, 10, low_open=True), default=2e-4, help="learning rate")
    p.add_argument("--momentum", type=number_in(0, 1, high_open=True), default=0.5, help="SGD momentum (with --optimizer sgd)")
    p.add_argument("--latent", type=positive_int, default=100, help="size of the noise z")
    p.add_argument("--real-label", type=number_in(0, 1, low_open=True), default=0.9,
                   help="D's target for real images (0.9: one-sided label smoothing; 1.0: the paper's)")
    p.add_argument("--minibatch-std", action=argparse.BooleanOptionalAction, default=True,
                   help="give D the minibatch standard deviation as a feature (against mode collapse)")
    args = p.parse_args(argv)
    if not args.epochs_given and args.architecture == "dcgan":
        args.epochs = 3     # the convolutional pair learns in a sixth of the MLPs' iterations
    if args.quick:
        args.epochs, args.lr, args.latent = 15, 1e-3, 16
    return Run(args)


def mlp_pair(run: Run, minibatch_std: bool):
    """The lesson's G and D: MLPs (D with dropout, and optionally the minibatch-std feature)."""
    small = run.image_shape[-1] < 16
    hidden = (128, 128) if small else (256, 512)
    g = mg.Generator(run.args.seed)
    G = models.MLPGenerator(run.args.latent, hidden, run.image_shape, output="tanh", activation="leaky_relu",
                            generator=g).to(run.device)
    D = models.MLPDiscriminator(run.image_shape, tuple(reversed(hidden)), dropout=0.3,
                                 minibatch_std=minibatch_std, generator=g).to(run.device)
    return G, D


def dcgan_pair(run: Run, minibatch_std: bool):
    """The lesson's G and D, DCGAN-style after InfoGAN's MNIST pair (Chen et al. 2016). G: z ->
    dense 1024 -> dense 128x7x7 -> transposed convolutions up to 28x28, batch norm throughout;
    D: strided convolutions 64 -> 128 channels -> dense 1024 -> logit, with the minibatch-std
    feature. The dense layers draw a digit's overall shape, the convolutions its strokes.

    D has no batch norm (InfoGAN's has): measured on MNIST, seed 0, with it every z gave the same
    image within 300 iterations and G never recovered. A batch norm in D is a trap for a
    collapsed G: a batch of identical fakes normalises to all zeros whatever the image is, so D's
    verdict, and the gradient G gets back, no longer depend on the image at all."""
    g = mg.Generator(run.args.seed)
    size = run.image_shape[-1]
    G = models.DCGenerator(run.args.latent, size, channels=64, hidden=1024, batch_norm=True, generator=g).to(run.device)
    D = models.DCDiscriminator(size, channels=64, hidden=1024, minibatch_std=minibatch_std, generator=g).to(run.device)
    return G, D


def build(run: Run):
    """G and D (DCGAN-style, or MLPs) and the trainer that runs the minibatch algorithm with k
    discriminator steps per generator step."""
    args = run.args
    G, D = (dcgan_pair if args.architecture == "dcgan" else mlp_pair)(run, args.minibatch_std)
    trainer = models.GANTrainer(G, D, k=args.k, loss=args.loss, optimizer=args.optimizer, lr=args.lr,
                                momentum=args.momentum, batch_size=args.batch_size, real_label=args.real_label,
                                seed=args.seed, device=run.device)
    return trainer


def train_gan(run: Run, trainer):
    """Run the algorithm; plot samples, samples over training, the losses, and D(x) / D(G(z))."""
    args = run.args
    # Algorithm 1 counts generator steps: each is preceded by k discriminator steps, so a larger
    # k trains D more and G just as long (the run takes about (k + 1) / 2 times as long as k = 1).
    iterations = args.epochs * len(run.train_x) // args.batch_size
    fixed_z = mg.Generator(args.seed + 1)
    snapshots, moments = [], []

    def snapshot(it, tr):
        snapshots.append((tr.sample(10, generator=mg.Generator(args.seed + 1)) + 1) / 2)
        moments.append(it)

    print(f"  {iterations} iterations of k = {args.k} discriminator steps + 1 generator step, batch {args.batch_size}")
    r = args.real_label
    history = trainer.train(run.train_x * 2 - 1, iterations, progress_bar=not run.quick, callback=snapshot,
                            callback_every=max(1, iterations // 5))
    samples = (trainer.sample(100, generator=fixed_z) + 1) / 2
    plotting.image_grid(samples, run.path("samples.png"), f"Generated samples after {iterations} iterations", rows=10)
    plotting.image_grid(np.concatenate(snapshots), run.path("samples_over_training.png"),
                        "The same noise vectors through training", rows=len(snapshots),
                        row_labels=[f"it {m}" for m in moments])
    x = np.arange(len(smooth(history["d_loss"]))) + 1
    # At the equilibrium p_g = p_data, the best D for real target r and fake target 0 is
    # D* = r p_data / (p_data + p_g) = r / 2 (1/2 with the paper's r = 1), and D's loss is then
    # BCE(r/2 -> r) + BCE(r/2 -> 0) (2 log 2 for r = 1).
    equilibrium = r / 2
    d_loss_at_equilibrium = (-(r * np.log(equilibrium) + (1 - r) * np.log(1 - equilibrium))
                             - np.log(1 - equilibrium))
    plotting.curves({"discriminator loss": (x, smooth(history["d_loss"])),
                     "generator loss": (x, smooth(history["g_loss"]))}, run.path("losses.png"),
                    "GAN losses (moving average)", xlabel="iteration", ylabel="loss",
                    hline=d_loss_at_equilibrium, hline_label=f"D loss at equilibrium ({d_loss_at_equilibrium:.2f})")
    plotting.curves({"mean D(x)": (x, smooth(history["d_real"])), "mean D(G(z))": (x, smooth(history["d_fake"]))},
                    run.path("discriminator_outputs.png"), "D(x) and D(G(z)) (moving average)",
                    xlabel="iteration", ylabel="D",
                    hline=equilibrium, hline_label=f"equilibrium D = r/2 = {equilibrium:g} (real label r = {r:g})")

    return history, iterations


def mode_coverage(run: Run, trainer, history, iterations, classifier):
    """Classify 10,000 generated images with a classifier trained on real ones: which modes are covered?"""
    args = run.args
    classifier_accuracy = metrics.accuracy(run.test_y, classifier.predict(mg.tensor(run.test_x, device=run.device)))
    generated = (trainer.sample(10000, generator=mg.Generator(args.seed + 2)) + 1) / 2
    probs = classifier.predict_proba(generated.astype(np.float32))
    coverage = metrics.mode_coverage(probs.argmax(1), 10)
    # Is it a digit at all? The classifier's confidence on generated images against real ones
    # tells "G never learned" (grey noise, classified with low confidence) apart from collapse.
    sample_confidence = float(probs.max(1).mean())
    real_confidence = float(classifier.predict_proba(run.test_x).max(1).mean())
    learned = sample_confidence >= 0.5 * real_confidence
    # The Fréchet distance between Gaussians fitted to the classifier's penultimate features of
    # generated and of real test images (FID's recipe with this course's classifier instead of
    # Inception): 0 for identical distributions. For scale, the distance between two random
    # halves of the test set (real vs real, the same sample sizes) is printed beside it. (Random
    # halves: MNIST's first and last 5,000 test images come from different writers.)
    order = np.random.default_rng(args.seed).permutation(len(run.test_x))
    half_a, half_b = run.test_x[order[:len(order) // 2]], run.test_x[order[len(order) // 2:]]
    fd = metrics.frechet_distance(half_a, generated[:len(half_a)].astype(np.float32), feature_fn=classifier.features)
    fd_floor = metrics.frechet_distance(half_a, half_b, feature_fn=classifier.features)
    print(f"  Frechet distance on the classifier's features ({len(half_a)} images each): generated vs test "
          f"{fd:.2f}, test vs test {fd_floor:.2f}")
    plotting.bars({run.classes[c]: coverage.histogram[c] for c in range(10)}, run.path("mode_coverage.png"),
                  f"Classes of 10000 generated samples: {coverage.modes_hit}/10 classes, "
                  f"smallest {coverage.min_class_fraction:.2%}", ylabel="fraction of samples",
                  hline=0.05, hline_label="5 % criterion (uniform: 10 %)", fmt="{:.1%}")
    collapsed = learned and (coverage.modes_hit < 10 or coverage.min_class_fraction < 0.05)
    if not learned:
        verdict = (f"G has not learned to draw digits (classifier confidence {sample_confidence:.2f} on samples vs "
                   f"{real_confidence:.2f} on real images): neither success nor mode collapse")
    else:
        verdict = f"Mode collapse {'WAS' if collapsed else 'was not'} seen"
    criterion = "below" if coverage.min_class_fraction < 0.05 else "above"
    note = (f"{verdict}: {coverage.modes_hit}/10 classes appear at all; the rarest has "
            f"{coverage.min_class_fraction:.2%} of the samples ({criterion} the 5 % criterion; uniform is 10 %), "
            f"KL to uniform {coverage.kl_to_uniform:.3f} nats (classifier test accuracy {classifier_accuracy:.3f}).")
    print("  " + note)
    (run.path("mode_collapse_note.txt")).write_text(note + "\n")
    late = slice(-max(1, iterations // 10), None)
    run.record(iterations=iterations, k=args.k, loss=args.loss, real_label=args.real_label,
               minibatch_std=args.minibatch_std,
               final_mean_d_real=float(np.mean(history["d_real"][late])),
               final_mean_d_fake=float(np.mean(history["d_fake"][late])),
               final_d_loss=float(np.mean(history["d_loss"][late])),
               final_g_loss=float(np.mean(history["g_loss"][late])),
               modes_hit=coverage.modes_hit, min_class_fraction=coverage.min_class_fraction,
               kl_to_uniform=coverage.kl_to_uniform, classifier_test_accuracy=classifier_accuracy,
               mode_collapse_seen=bool(collapsed), generator_learned=bool(learned),
               sample_confidence=sample_confidence, real_confidence=real_confidence,
               frechet_distance_classifier_features=fd, frechet_distance_test_halves=fd_floor,
               equilibrium_d=run.args.real_label / 2)
    run.metrics["class_histogram"] = coverage.histogram.tolist()


def mode_collapse_on_a_ring(run: Run):
    """Mode collapse on purpose, on the classic toy: 8 Gaussians on a circle. The same small G and D
    train three ways, with the same number of generator steps: Adam with k = 1 and k = 5 cover the
    ring; SGD with momentum 0.9 collapses -- every z lands in one tight blob, which hops from mode
    to mode as D learns to reject it (Metz et al. 2017 show the same picture)."""
    args = run.args
    points, _, centres = models.mixture_of_gaussians(4000, modes=8, radius=2, std=0.05, generator=mg.Generator(args.seed))
    steps, columns = (1500, 4) if run.quick else (3000, 6)
    settings = {"Adam, k = 1": dict(optimizer="adam", k=1, lr=1e-3),
                "Adam, k = 5": dict(optimizer="adam", k=5, lr=1e-3),
                "SGD + momentum 0.9\nk = 1": dict(optimizer="sgd", k=1, lr=1e-3, momentum=0.9)}
    rows, summary = {}, {}
    for label, setting in settings.items():
        g = mg.Generator(args.seed)
        trainer = models.GANTrainer(models.MLPGenerator(8, (64, 64), (2,), output=None, generator=g),
                                    models.MLPDiscriminator((2,), (64, 64), generator=g), batch_size=128,
                                    seed=args.seed, **setting)
        snaps, visited = [], set()
        for c in range(columns):
            trainer.train(points, steps * (c + 1) // columns, progress_bar=False)
            samples = trainer.sample(500, generator=mg.Generator(args.seed + 1))
            mode = models.nearest_mode(samples, centres, 0.25)
            hit = sorted(set(mode[mode >= 0].tolist()) if (mode >= 0).mean() > 0 else set())
            # a mode counts as covered when at least 2 % of the samples sit on it
            covered = [m for m in hit if (mode == m).mean() >= 0.02]
            visited.update(covered)
            snaps.append((trainer.iteration, samples, f"{len(covered)}/8 modes covered, {(mode >= 0).mean():.0%} on a mode"))
        rows[label] = snaps
        summary[label.replace("\n", ", ")] = dict(final_modes_covered=len(covered), modes_visited_during_training=len(visited),
                              final_fraction_on_a_mode=float((mode >= 0).mean()))
        print(f"  ring, {label.replace(chr(10), ', ')}: {len(covered)}/8 modes covered at the end, {len(visited)} visited during training")
    plotting.point_snapshots(points, rows, run.path("mode_collapse_ring.png"),
                             f"Mode collapse on purpose: the same G and D, {steps} generator steps each\n"
                             f"(a mode counts as covered when >= 2 % of 500 samples lie within 0.25 of it)",
                             centres=centres)
    run.metrics["ring"] = summary


def mode_collapse_on_images(run: Run, classifier):
    """Mode collapse on purpose on the real images: Algorithm 1 with k = 1 and with k = 5. The same
    MLP G and D (without the minibatch-std guard, real label 1) start from the same weights and take
    the same number of generator steps with Adam; only k differs. With k = 5 the discriminator,
    trained five times as much, keeps finding what G does worst, and G escapes to the one kind of
    image D currently accepts: within about a thousand steps nearly every z gives a "1". The same
    noise vectors, row by row, show it; the labels count the classes of 1000 samples and their
    spread (per-pixel standard deviation over the samples, relative to real images)."""
    args = run.args
    steps, columns = (300, 3) if run.quick else (2000, 5)
    settings = {"k = 1": 1, "k = 5": 5}
    real = run.train_x[:1000].reshape(1000, -1)
    real_spread = float(real.std(0).mean())
    order = np.random.default_rng(args.seed).permutation(len(run.test_x))
    n_fd = min(1000, len(order) // 2)
    # Fréchet distances from n_fd samples are biased upward: the floor, real vs real at that size
    fd_floor = metrics.frechet_distance(run.test_x[order[:n_fd]], run.test_x[order[n_fd:2 * n_fd]],
                                        feature_fn=classifier.features)
    panels, summary = {}, {}
    for label, k in settings.items():
        G, D = mlp_pair(run, minibatch_std=False)
        trainer = models.GANTrainer(G, D, k=k, optimizer="adam", lr=2e-4, batch_size=args.batch_size,
                                    real_label=1.0, seed=args.seed, device=run.device)
        rows, row_labels = [], []
        for c in range(columns):
            trainer.train(run.train_x * 2 - 1, steps * (c + 1) // columns, progress_bar=False)
            rows.append((trainer.sample(10, generator=mg.Generator(args.seed + 1)) + 1) / 2)
            many = (trainer.sample(1000, generator=mg.Generator(args.seed + 2)) + 1) / 2
            coverage = metrics.mode_coverage(classifier.predict(many.astype(np.float32)), 10)
            spread = float(many.reshape(len(many), -1).std(0).mean())
            top = int(coverage.histogram.argmax())
            row_labels.append(f"step {trainer.iteration}\n{coverage.modes_hit}/10 classes\n"
                              f"{coverage.histogram[top]:.0%} are {run.classes[top]}\nspread {spread / real_spread:.0%}")
        fd = metrics.frechet_distance(run.test_x[order[:n_fd]], many[:n_fd].astype(np.float32),
                                      feature_fn=classifier.features)
        panels[f"Adam, {label}, no minibatch std"] = (np.concatenate(rows), columns, row_labels)
        summary[label] = dict(modes_hit=coverage.modes_hit, min_class_fraction=coverage.min_class_fraction,
                              largest_class=run.classes[top], largest_class_fraction=float(coverage.histogram[top]),
                              spread_vs_real=spread / real_spread, frechet_distance=fd,
                              frechet_distance_test_vs_test=fd_floor, frechet_samples=n_fd)
        print(f"  images, {label}: after {trainer.iteration} generator steps {coverage.modes_hit}/10 classes, "
              f"{coverage.histogram[top]:.0%} of the samples are {run.classes[top]}, spread "
              f"{spread / real_spread:.0%} of the real images', Frechet distance {fd:.1f} ({n_fd} samples; "
              f"test vs test {fd_floor:.1f})")
    plotting.side_by_side_grids(
        panels, run.path("mode_collapse_images.png"),
        f"Mode collapse on purpose: the same G, D and 10 noise vectors, {steps} generator steps each; only k differs\n"
        f"(classes and spread of 1000 samples; spread = per-pixel std over samples, relative to real images)")
    run.metrics["mode_collapse_images"] = summary
    run.quick_caveat(summary["k = 5"]["largest_class_fraction"] > 2 * summary["k = 1"]["largest_class_fraction"],
                     "'k = 5 collapses onto one class, k = 1 does not'", "the full run shows it on MNIST")


def main(argv=None):
    run = configure(argv)
    trainer = build(run)
    history, iterations = train_gan(run, trainer)
    classifier = run.reference_classifier()     # names the class ("mode") of each generated image
    mode_coverage(run, trainer, history, iterations, classifier)
    mode_collapse_on_images(run, classifier)
    mode_collapse_on_a_ring(run)
    return run.finish()


if __name__ == "__main__":
    main()
