"""Unit 8 -- autoencoders and their six uses.

    python -m examples.unit08_autoencoders [--epochs 5] [--anomaly-class 8] [--quick] ...

First the capacity question: an undercomplete AE (small code) against an overcomplete
one (code larger than the input) with and without a sparsity penalty. Then the six uses:
(1) dimensionality reduction to 2-D, (2) information retrieval in code space,
(3) anomaly detection by reconstruction error, (4) k-means clustering in pixel vs code
space, (5) denoising, (6) inpainting.
"""

from __future__ import annotations

import numpy as np

import metrics
import minigrad as mg
import models
from examples import plotting
from examples.common import Run, class_index, number_in, parser, positive_int  # noqa: F401
from minigrad import data, optim


def train(run, model, x, epochs=None, lr=1e-3, batch_size=None):
    model.to(run.device)
    models.fit(model, (x,), epochs=epochs or run.args.epochs, optimizer=optim.Adam(model.parameters(), lr),
               batch_size=batch_size or run.args.batch_size, device=run.device, seed=run.args.seed,
               progress_bar=not run.quick)
    return model


def capacity(run, hidden, code):
    """Undercomplete vs overcomplete, with and without the sparsity penalty."""
    x, test = run.train_x, run.test_x[:8]
    d = int(np.prod(run.image_shape))
    over = 2 * d
    variants = {
        f"undercomplete ({code}-d code)": models.AutoEncoder(run.image_shape, hidden, code, seed=run.args.seed),
        f"overcomplete ({over}-d code)": models.AutoEncoder(run.image_shape, (), over, code_activation="relu",
                                                            seed=run.args.seed),
        f"overcomplete + L1 sparsity": models.AutoEncoder(run.image_shape, (), over, code_activation="relu",
                                                          sparsity=0.01 if d > 100 else 0.05, seed=run.args.seed),
    }
    rows, summary, activations = [test], {}, {}
    noise = np.random.default_rng(0).random((200,) + run.image_shape).astype(np.float32)
    for name, model in variants.items():
        train(run, model, x)
        rows.append(model.reconstruct(test))
        codes = model.codes(run.test_x[:1000])
        if name.startswith("overcomplete"):
            active = float((np.abs(codes) > 1e-3).mean())
            activations[f"{name}: {active:.0%} of units active"] = codes.reshape(-1)
        summary[name] = {
            "test_psnr": metrics.psnr(run.test_x[:1000], model.reconstruct(run.test_x[:1000])),
            "noise_psnr": metrics.psnr(noise, model.reconstruct(noise)),
            "active_code_fraction": float((np.abs(codes) > 1e-3).mean()),
        }
    run.metrics["capacity"] = summary
    for name, s in summary.items():
        print(f"  {name:32s} test PSNR {s['test_psnr']:.1f} dB, on uniform noise {s['noise_psnr']:.1f} dB, "
              f"active code units {s['active_code_fraction']:.2f}")
    plotting.histograms(activations, run.path("capacity_code_activations.png"),
                        "What the L1 penalty changes:\ncode activations h of 1000 test images",
                        "activation h_j (ReLU code)", logy=True)
    plotting.image_grid(np.concatenate(rows), run.path("capacity_reconstructions.png"),
                        "Originals, then undercomplete / overcomplete / overcomplete + sparsity", rows=4,
                        row_labels=["original", "under", "over", "over+L1"])


def copying(run, hidden, code):
    """The overcomplete AE's risk, shown: it can learn to copy its input, noise included. Both AEs
    train on *noisy* digits as input and target (x + N(0, 0.3^2), clipped). The undercomplete one
    cannot pass 784 noisy pixels through a small code, so it keeps the digit; the overcomplete one
    (a 1568-d ReLU code) reproduces much of the noise as well: its output is closer to its noisy
    input than to the clean digit behind it. (On clean training data the overcomplete AE only learns
    the digits' directions and reconstructs pure noise badly -- capacity() measures that -- so the
    copying shows where the data itself carries the noise.)"""
    std = 0.3
    d = int(np.prod(run.image_shape))
    noisy_train = data.gaussian_noise(run.train_x, std, generator=mg.Generator(run.args.seed + 3))
    clean = run.test_x[:1000]
    noisy = data.gaussian_noise(clean, std, generator=mg.Generator(run.args.seed + 7))
    rows, labels, summary = [clean[:8], noisy[:8]], ["clean", "noisy input"], {}
    for name, model in {f"undercomplete ({code}-d)": models.AutoEncoder(run.image_shape, hidden, code,
                                                                          seed=run.args.seed),
                        f"overcomplete ({2 * d}-d)": models.AutoEncoder(run.image_shape, (), 2 * d,
                                                                         code_activation="relu", seed=run.args.seed)}.items():
        train(run, model, noisy_train)
        out = model.reconstruct(noisy)
        summary[name] = {"psnr_to_noisy_input": metrics.psnr(noisy, out), "psnr_to_clean": metrics.psnr(clean, out)}
        rows.append(out[:8])
        labels.append(f"{name.split(' ')[0]}\n{summary[name]['psnr_to_noisy_input']:.1f} dB to input")
        print(f"  trained on noisy digits, {name}: PSNR to its noisy input {summary[name]['psnr_to_noisy_input']:.1f} "
              f"dB, to the clean digit {summary[name]['psnr_to_clean']:.1f} dB")
    summary["noisy_input_psnr_to_clean"] = metrics.psnr(clean, noisy)
    run.metrics["copying"] = summary
    plotting.image_grid(np.concatenate(rows), run.path("capacity_copying.png"),
                        "Trained on noisy digits (input = target): the overcomplete AE copies the noise,\n"
                        "the undercomplete one cannot (PSNR of each output to its own noisy input)",
                        rows=4, row_labels=labels)
    under, over = (summary[n]["psnr_to_noisy_input"] for n in list(summary)[:2])
    run.quick_caveat(over > under + 3, "'the overcomplete AE copies the noise, the undercomplete cannot'",
                     "the full run shows it on MNIST")


def two_d_codes(run, hidden):
    """Use 1: a 2-D code, scattered by class, and what the decoder makes of points off the data."""
    ae = train(run, models.AutoEncoder(run.image_shape, hidden, 2, seed=run.args.seed), run.train_x)
    codes = ae.codes(run.test_x[:3000])
    labels = run.test_y[:3000]
    lo, hi = codes.min(0), codes.max(0)
    span = hi - lo
    on_data = codes[np.random.default_rng(1).choice(len(codes), 4, replace=False)]
    # four corners a quarter of the data's span beyond it: off the data, yet the data keeps the axes
    off_data = np.array([lo - 0.25 * span, hi + 0.25 * span, [lo[0] - 0.25 * span[0], hi[1] + 0.25 * span[1]],
                         [hi[0] + 0.25 * span[0], lo[1] - 0.25 * span[1]]])
    numbers = [str(i + 1) for i in range(8)]
    plotting.scatter(codes, labels, run.path("use1_codes_2d.png"),
                     "Use 1: 2-D codes of test images\n(crosses 1-4 on the data, 5-8 off it: decoded next)",
                     run.classes, extra_points=np.concatenate([on_data, off_data]), extra_labels=numbers)
    plotting.image_grid(ae.decode_codes(np.concatenate([on_data, off_data]).astype(np.float32)),
                        run.path("use1_decoded_points.png"),
                        "Decoded codes\n1-4 on the data, 5-8 off it", rows=2, cell=1.3,
                        captions=[f"{n} ({'on' if i < 4 else 'off'})" for i, n in enumerate(numbers)])
    run.record(use1_code_2d_knn_accuracy=_knn_accuracy(codes, labels))


def _knn_accuracy(codes, labels, k=5):
    idx, _ = metrics.nearest_neighbors(codes, codes, k=k, exclude_self=True)
    votes = labels[idx]
    predicted = np.array([np.bincount(v, minlength=10).argmax() for v in votes])
    return metrics.accuracy(labels, predicted)


def retrieval(run, ae):
    """Use 2: nearest neighbours in code space."""
    db_x, db_y = run.train_x[:5000], run.train_y[:5000]
    q_x, q_y = run.test_x[:500], run.test_y[:500]
    db_codes, q_codes = ae.codes(db_x), ae.codes(q_x)
    k = 10
    idx_code, dist_code = metrics.nearest_neighbors(q_codes, db_codes, k=k)
    idx_pixel, _ = metrics.nearest_neighbors(q_x.reshape(len(q_x), -1), db_x.reshape(len(db_x), -1), k=k)
    run.record(use2_precision_at_10_code=metrics.precision_at_k(q_y, db_y, idx_code),
               use2_precision_at_10_pixel=metrics.precision_at_k(q_y, db_y, idx_pixel),
               use2_map_code=metrics.mean_average_precision(q_y[:200], db_y, queries=q_codes[:200], database=db_codes),
               use2_map_pixel=metrics.mean_average_precision(q_y[:200], db_y, queries=q_x[:200], database=db_x))
    # each query twice: its 8 nearest neighbours by code, then by pixels; a wrong class in red
    shown, rows, captions, colours, row_labels = 4, [], [], [], []
    for i in range(shown):
        for space, idx in (("code", idx_code), ("pixels", idx_pixel)):
            rows.append(np.concatenate([q_x[i:i + 1], db_x[idx[i, :8]]]))
            captions += [f"query {run.classes[q_y[i]]}"] + [run.classes[db_y[j]] for j in idx[i, :8]]
            colours += ["black"] + ["black" if db_y[j] == q_y[i] else "red" for j in idx[i, :8]]
            row_labels.append(f"by {space}")
    p_code, p_pixel = run.metrics["use2_precision_at_10_code"], run.metrics["use2_precision_at_10_pixel"]
    run.quick_caveat(p_code >= p_pixel, "'codes retrieve better than pixels'",
                     "on MNIST with the default settings precision@10 is 0.906 by code vs 0.840 by pixels (README)")
    plotting.image_grid(np.concatenate(rows), run.path("use2_retrieval.png"),
                        f"Use 2: nearest neighbours by code vs by pixels (wrong class in red)\n"
                        f"precision@10 over {len(q_x)} queries: code {p_code:.3f}, pixels {p_pixel:.3f}",
                        rows=2 * shown, row_labels=row_labels, captions=captions, caption_colors=colours)


def anomaly(run, hidden, code, anomaly_class):
    """Use 3: train without one class; reconstruction error flags it."""
    normal = run.train_y != anomaly_class
    ae = train(run, models.AutoEncoder(run.image_shape, hidden, code, seed=run.args.seed), run.train_x[normal])
    scores = ae.anomaly_scores(run.test_x)
    is_anomaly = (run.test_y == anomaly_class).astype(int)
    auc = metrics.anomaly_auc(scores, is_anomaly)
    run.record(use3_anomaly_class=run.classes[anomaly_class], use3_anomaly_auc=auc)
    plotting.histograms({"normal classes": scores[is_anomaly == 0], f"'{run.classes[anomaly_class]}' (never seen)":
                         scores[is_anomaly == 1]}, run.path("use3_anomaly_histogram.png"),
                        f"Use 3: reconstruction error, ROC AUC {auc:.3f}", "reconstruction error (BCE, nats)")
    fpr, tpr, _ = metrics.roc_curve(is_anomaly, scores)
    plotting.roc({"reconstruction error": (fpr, tpr, auc)}, run.path("use3_anomaly_roc.png"),
                 "Use 3: anomaly detection ROC")


def unit_length(v):
    """Each row divided by its Euclidean norm: k-means then compares directions, not lengths."""
    v = v.reshape(len(v), -1).astype(np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def clustering(run, ae):
    """Use 4: k-means on pixels vs on codes, each as given and scaled to unit length.

    A code's length says little about the digit: on MNIST the class explained only 25-36 %
    of the variance of |h| (four trained AEs), and within a class |h| grew with the amount
    of ink (correlation about 0.5). Its direction carries the class, so k-means on
    unit-length codes (cosine geometry) finds the digits better. Pixels gain nothing from
    the same scaling, and the headline compares against the better of the two pixel runs.
    """
    x, y = run.test_x[:5000], run.test_y[:5000]
    codes = ae.codes(x)
    spaces = {"pixel": x.reshape(len(x), -1), "pixel, unit length": unit_length(x),
              "code": codes, "code, unit length": unit_length(codes)}
    scores = {}
    for name, features in spaces.items():
        labels = metrics.kmeans(features, 10, n_init=10, seed=run.args.seed).labels
        scores[name] = {"cluster accuracy": metrics.cluster_accuracy(y, labels),
                        "NMI": metrics.normalized_mutual_info(y, labels)}
        key = name.replace(", unit length", "_unit")
        run.record(**{f"use4_cluster_accuracy_{key}": scores[name]["cluster accuracy"],
                      f"use4_nmi_{key}": scores[name]["NMI"]})
    best_pixel = max(scores["pixel"]["cluster accuracy"], scores["pixel, unit length"]["cluster accuracy"])
    margin = scores["code, unit length"]["cluster accuracy"] - best_pixel
    run.record(use4_code_minus_best_pixel=margin)
    run.quick_caveat(margin > 0, "'k-means finds the digits better in code space'",
                     "on MNIST with the default settings the unit-length code wins by +0.139 (README)")
    plotting.bars(scores, run.path("use4_clustering.png"),
                  f"Use 4: k-means (k = 10) in pixel vs code space\n"
                  f"unit-length code - better pixel run: {margin:+.3f}",
                  groups=["cluster accuracy", "NMI"], ylabel="agreement with the true classes (1 = perfect)")


def denoising(run, hidden, code):
    """Use 5: train on L(x, g(f(x + noise)))."""
    std = 0.4
    dae = models.AutoEncoder(run.image_shape, hidden, code, seed=run.args.seed,
                             corruption=lambda a, g: data.gaussian_noise(a, std, generator=g))
    train(run, dae, run.train_x)
    clean = run.test_x[:1000]
    noisy = data.gaussian_noise(clean, std, generator=mg.Generator(7))
    denoised = dae.reconstruct(noisy)
    run.record(use5_psnr_noisy=metrics.psnr(clean, noisy), use5_psnr_denoised=metrics.psnr(clean, denoised),
               use5_ssim_noisy=metrics.ssim(clean, noisy), use5_ssim_denoised=metrics.ssim(clean, denoised))
    run.record(use5_psnr_gain_db=run.metrics["use5_psnr_denoised"] - run.metrics["use5_psnr_noisy"])
    plotting.image_grid(np.concatenate([noisy[:8], denoised[:8], clean[:8]]), run.path("use5_denoising.png"),
                        f"Use 5: noisy ({run.metrics['use5_psnr_noisy']:.1f} dB) / denoised "
                        f"({run.metrics['use5_psnr_denoised']:.1f} dB) / clean", rows=3,
                        row_labels=["noisy", "denoised", "clean"])


def inpainting(run, hidden, code):
    """Use 6: the corruption is a missing rectangle; the AE fills it in."""
    side = run.image_shape[-1]
    hole = max(3, side // 3)
    dae = models.AutoEncoder(run.image_shape, hidden, code, seed=run.args.seed,
                             corruption=lambda a, g: data.occlude(a, hole, generator=g)[0])
    train(run, dae, run.train_x)
    clean = run.test_x[:1000]
    occluded, mask = data.occlude(clean, hole, generator=mg.Generator(8))
    restored = dae.reconstruct(occluded)
    filled = np.where(mask, restored, occluded)        # keep the known pixels, take the hole from the AE
    hole_mse = lambda a: float(((a - clean)[mask] ** 2).mean())   # noqa: E731
    pooled = lambda a: metrics.psnr(clean[None], a[None])     # noqa: E731  (one PSNR over all test images)
    run.record(use6_psnr_occluded=pooled(occluded), use6_psnr_inpainted=pooled(filled),
               use6_hole_mse_occluded=hole_mse(occluded), use6_hole_mse_inpainted=hole_mse(filled))
    shown_hole = np.where(mask, 0.35, occluded)         # the hole drawn in grey (it holds background zeros)
    plotting.image_grid(np.concatenate([shown_hole[:8], filled[:8], clean[:8]]), run.path("use6_inpainting.png"),
                        "Use 6: inpainting (the missing rectangle shown in grey)", rows=3,
                        row_labels=["occluded", "inpainted", "clean"])


def configure(argv=None) -> Run:
    """Parse the command line (or a notebook's list of flags) and load the data."""
    p = parser("unit08_autoencoders", __doc__.splitlines()[1], epochs=5)
    p.add_argument("--anomaly-class", type=class_index, default=8,
                   help="the digit left out of training, then scored as the anomaly")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs, args.batch_size = 10, 64
    return Run(args)


def sizes(run: Run):
    """The layer sizes of the lesson's AEs: (hidden, code) for the small AEs, hidden for the stacked one.
    A stacked AE (the layer sizes of Xie et al.'s DEC, 500-500-2000-10) gives the codes for retrieval
    and clustering: deeper encoders separate the classes better than pixels do."""
    small = run.image_shape[-1] < 16
    return ((64,), 10, (64, 64, 256)) if small else ((512, 256), 10, (500, 500, 2000))


def train_stacked(run: Run):
    """The stacked AE. It trains longer than the others: its clusters keep sharpening after the
    reconstruction error has levelled off (on MNIST, k-means on unit-length codes gained 0.03 to
    0.09 in cluster accuracy from 8 to 12 epochs, over three seeds)."""
    _, code, stacked_hidden = sizes(run)
    small = run.image_shape[-1] < 16
    return train(run, models.AutoEncoder(run.image_shape, stacked_hidden, code, loss="mse", seed=run.args.seed),
                 run.train_x, epochs=run.args.epochs + 7, batch_size=64 if small else 256)


def main(argv=None):
    run = configure(argv)
    args = run.args
    small = run.image_shape[-1] < 16
    hidden, code, _ = sizes(run)
    capacity(run, hidden, code)
    copying(run, hidden, code)
    two_d_codes(run, hidden)
    stacked = train_stacked(run)
    retrieval(run, stacked)
    anomaly(run, hidden, code, args.anomaly_class)
    clustering(run, stacked)
    denoising(run, hidden, 32 if not small else 16)
    inpainting(run, hidden, 32 if not small else 16)
    return run.finish()


if __name__ == "__main__":
    main()
