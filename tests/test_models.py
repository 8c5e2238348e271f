"""Models: short real training runs with fixed seeds, asserting what learning means.

Margins are stated in each test. Data: the 8x8 digits (ships with scikit-learn) and an
MNIST subset from MINIGRAD_DATA.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import metrics
import minigrad as mg
import models
from minigrad import data, optim
from tests.strategies import arrays, leaf


@pytest.fixture(scope="module")
def digits():
    x, y = data.load_digits()
    order = np.random.default_rng(0).permutation(len(x))
    train, test = order[:1500], order[1500:]
    return x[train], y[train], x[test], y[test]


def test_mlp_and_cnn_classifiers_learn_the_digits(digits):
    xtr, ytr, xte, yte = digits
    mlp = models.MLPClassifier(64, (128,), 10, generator=mg.Generator(0))
    history = models.fit(mlp, (xtr, ytr), epochs=10, optimizer=optim.Adam(mlp.parameters(), 1e-3), batch_size=64,
                         validation=(xte, yte), progress_bar=False)
    assert history[-1]["train_loss"] < 0.5 * history[0]["train_loss"]          # loss at least halves
    assert metrics.accuracy(yte, mlp.predict(xte)) > 0.93                       # measured: 0.956
    cnn = models.CNNClassifier(8, channels=(16, 32), hidden=64, generator=mg.Generator(0))
    models.fit(cnn, (xtr, ytr), epochs=8, optimizer=optim.Adam(cnn.parameters(), 2e-3), batch_size=64,
               progress_bar=False)
    assert metrics.accuracy(yte, cnn.predict(xte)) > 0.9
    assert mlp.features(xte[:5]).shape == (5, 128)


@pytest.mark.skipif(not data.is_available("mnist"), reason="MNIST not found: set MINIGRAD_DATA")
def test_classifier_on_an_mnist_subset():
    train, test = data.MNIST(train=True), data.MNIST(train=False)
    x, y = train.images[:3000], train.labels[:3000]
    mlp = models.MLPClassifier(784, (128,), 10, generator=mg.Generator(0))
    models.fit(mlp, (x, y), epochs=3, optimizer=optim.Adam(mlp.parameters(), 1e-3), batch_size=64,
               progress_bar=False)
    assert metrics.accuracy(test.labels[:2000], mlp.predict(test.images[:2000])) > 0.85


def test_regression_mlp_fits_a_curve():
    x = np.linspace(-3, 3, 200, dtype=np.float32)[:, None]
    y = np.sin(x) + 0.1 * x ** 2
    model = models.RegressionMLP(1, (32, 32), 1, generator=mg.Generator(0))
    models.fit(model, (x, y), epochs=150, optimizer=optim.Adam(model.parameters(), 1e-2), batch_size=50,
               progress_bar=False)
    assert metrics.r2_score(y, model.predict(x)) > 0.95


def test_autoencoder_compresses_and_beats_the_mean_image(digits):
    xtr, _, xte, _ = digits
    ae = models.AutoEncoder((1, 8, 8), (64,), 8)
    history = models.fit(ae, (xtr,), epochs=20, optimizer=optim.Adam(ae.parameters(), 2e-3), batch_size=64,
                         validation=(xte,), progress_bar=False)
    assert history[-1]["val_reconstruction"] < 0.6 * history[0]["train_reconstruction"]   # falls by > 40 %
    mse = ((ae.reconstruct(xte) - xte) ** 2).mean()
    mean_image_mse = ((xtr.mean(0) - xte) ** 2).mean()
    assert mse < 0.5 * mean_image_mse                          # measured: 0.023 vs 0.074
    assert ae.codes(xte).shape == (len(xte), 8)


def test_conv_autoencoder_learns(digits):
    xtr, _, xte, _ = digits
    ae = models.ConvAutoEncoder((1, 8, 8), (8, 16), 16)
    history = models.fit(ae, (xtr,), epochs=6, optimizer=optim.Adam(ae.parameters(), 3e-3), batch_size=64,
                         validation=(xte,), progress_bar=False)
    assert history[-1]["val_reconstruction"] < 0.7 * history[0]["train_reconstruction"]


def test_denoising_autoencoder_output_is_closer_to_the_clean_image(digits):
    xtr, _, xte, _ = digits
    dae = models.AutoEncoder((1, 8, 8), (64,), 16,
                             corruption=lambda a, g: data.gaussian_noise(a, 0.3, generator=g))
    models.fit(dae, (xtr,), epochs=30, optimizer=optim.Adam(dae.parameters(), 2e-3), batch_size=64,
               progress_bar=False)
    noisy = data.gaussian_noise(xte, 0.3, generator=mg.Generator(9))
    gain = metrics.psnr(xte, dae.reconstruct(noisy)) - metrics.psnr(xte, noisy)
    assert gain > 2.0                                          # measured: +3.3 dB


def test_overcomplete_autoencoder_copies_and_sparsity_restrains_it(digits):
    xtr, _, xte, _ = digits
    copier = models.AutoEncoder((1, 8, 8), (), 128)            # 128-d code for 64 pixels, no regularizer
    models.fit(copier, (xtr,), epochs=40, optimizer=optim.Adam(copier.parameters(), 3e-3), batch_size=32,
               progress_bar=False)
    assert metrics.psnr(xte, copier.reconstruct(xte)) > 25     # nearly exact copies (measured 27 dB)
    small = models.AutoEncoder((1, 8, 8), (), 8)
    models.fit(small, (xtr,), epochs=40, optimizer=optim.Adam(small.parameters(), 3e-3), batch_size=32,
               progress_bar=False)
    assert metrics.psnr(xte, small.reconstruct(xte)) < metrics.psnr(xte, copier.reconstruct(xte)) - 5
    dense = models.AutoEncoder((1, 8, 8), (), 128, code_activation="relu")
    sparse = models.AutoEncoder((1, 8, 8), (), 128, code_activation="relu", sparsity=0.05)
    for m in (dense, sparse):
        models.fit(m, (xtr,), epochs=20, optimizer=optim.Adam(m.parameters(), 3e-3), batch_size=32,
                   progress_bar=False)
    active = [(m.codes(xte) > 1e-3).mean() for m in (dense, sparse)]
    assert active[1] < 0.6 * active[0]                         # the L1 penalty silences most code units


def test_vae_learns_and_generates_new_images(digits):
    xtr, ytr, xte, _ = digits
    vae = models.VAE((1, 8, 8), (128,), 8)
    history = models.fit(vae, (xtr,), epochs=30, optimizer=optim.Adam(vae.parameters(), 2e-3), batch_size=64,
                         validation=(xte,), progress_bar=False)
    assert history[-1]["val_neg_elbo"] < 0.75 * history[0]["train_neg_elbo"]   # measured: 36.3 -> 24.7 nats
    assert history[-1]["val_kl"] > 1.0                         # the code is used (no posterior collapse)
    samples = vae.sample(20, generator=mg.Generator(1))
    assert samples.shape == (20, 1, 8, 8)
    nearest = ((samples.reshape(20, 1, -1) - xtr.reshape(1, len(xtr), -1)) ** 2).sum(-1).min(1)
    assert nearest.min() > 0.1                                 # no sample is a copy of a training image
    strip = vae.interpolate(xte[0], xte[1], steps=10)
    assert strip.shape == (11, 1, 8, 8)
    np.testing.assert_allclose(strip[0], vae.reconstruct(xte[:1])[0], atol=1e-5)   # i = 0 is x1's code
    with_mask, without_mask = models.split_by_attribute(models.ink(xtr), ytr)
    vector = vae.attribute_vector(xtr[with_mask], xtr[without_mask])
    edits = vae.apply_attribute(xte[:4], vector, alphas=(0.0, 1.5))
    assert edits.shape == (4, 2, 1, 8, 8)
    assert (edits[:, 1].sum(axis=(1, 2, 3)) > edits[:, 0].sum(axis=(1, 2, 3))).mean() >= 0.75   # more ink


def test_conv_vae_trains(digits):
    xtr, _, _, _ = digits
    vae = models.ConvVAE((1, 8, 8), (8, 16), 4)
    history = models.fit(vae, (xtr[:600],), epochs=4, optimizer=optim.Adam(vae.parameters(), 3e-3),
                         batch_size=64, progress_bar=False)
    assert history[-1]["train_neg_elbo"] < history[0]["train_neg_elbo"]


def test_attribute_rules():
    thin = np.zeros((1, 8, 8))
    thin[0, 1:7, 4] = 1
    thick = thin.copy()
    thick[0, 1:7, 3] = 1
    assert models.ink(thick)[0] > models.ink(thin)[0]
    lean_right = np.zeros((1, 8, 8))
    for row in range(8):
        lean_right[0, row, 7 - row] = 1                        # top row rightmost: leans right
    assert models.slant(lean_right)[0] > 0 and models.slant(lean_right[:, :, ::-1])[0] < 0
    assert abs(models.slant(thin)[0]) < 1e-9


def test_gan_on_a_mixture_of_gaussians_covers_the_modes():
    points, _, centres = models.mixture_of_gaussians(4000, modes=8, radius=2, std=0.05)
    g = mg.Generator(0)
    trainer = models.GANTrainer(models.MLPGenerator(8, (64, 64), (2,), output=None, generator=g),
                                models.MLPDiscriminator((2,), (64, 64), generator=g),
                                k=2, lr=1e-3, batch_size=128, seed=0)
    before = models.nearest_mode(trainer.sample(1000), centres, 0.25)
    h = trainer.train(points, 1500, progress_bar=False)
    after = models.nearest_mode(trainer.sample(1000), centres, 0.25)
    assert (before >= 0).mean() < 0.05 and (after >= 0).mean() > 0.5     # measured: 0.0 -> 0.83 on a mode
    coverage = metrics.mode_coverage(after[after >= 0], 8)
    assert coverage.modes_hit >= 7                                         # measured: all 8
    early, late = slice(0, 50), slice(-100, None)
    assert np.mean(h["d_loss"][early]) < np.log(4) - 0.2                  # D quickly beats chance (2 log 2) ...
    assert np.mean(h["g_loss"][early]) > np.log(2)                        # ... so G is losing: D(G(z)) < 1/2
    assert np.mean(h["d_loss"][early]) < np.mean(h["d_loss"][late])       # as G improves, D's loss rises
    assert abs(np.mean(h["d_loss"][late]) - np.log(4)) < 0.45            # towards 2 log 2 (measured 1.09)
    gap = np.convolve(np.subtract(h["d_real"], h["d_fake"]), np.ones(100) / 100, mode="valid")
    assert gap[-1] < 0.75 * gap.max()                                     # D's edge shrinks from its peak ...
    assert 0.3 < np.mean(h["d_real"][late]) < 0.7 and 0.3 < np.mean(h["d_fake"][late]) < 0.7   # ... towards 1/2
    assert len(h["d_loss"]) == 1500


@given(data=st.data())
def test_minibatch_std_value_and_gradient(data):
    b, f = data.draw(st.integers(2, 5)), data.draw(st.integers(1, 4))
    h = data.draw(arrays((b, f), layout=False))
    out = models.MinibatchStd()(leaf(h))
    assert out.shape == (b, f + 1) and out.dtype == np.float64
    np.testing.assert_allclose(out.data[:, :f], h)
    np.testing.assert_allclose(out.data[:, f], np.sqrt(h.var(0) + 1e-8).mean())
    weights = data.draw(arrays((b, f + 1), layout=False))      # a loss that weighs every output differently
    assert mg.gradcheck(lambda t: (models.MinibatchStd()(t) * mg.tensor(weights)).sum(), [leaf(h)])


def test_minibatch_std_separates_a_collapsed_batch():
    rng = np.random.default_rng(0)
    diverse, collapsed = rng.normal(size=(64, 8)), np.repeat(rng.normal(size=(1, 8)), 64, axis=0)
    std = lambda a: models.MinibatchStd()(mg.tensor(a)).data[0, -1]     # noqa: E731
    assert std(collapsed) < 1e-3 < 0.5 < std(diverse)
    d = models.MLPDiscriminator((8,), (16,), minibatch_std=True, generator=mg.Generator(0))
    assert d(mg.tensor(diverse.astype(np.float32))).shape == (64,)
    assert d.net[-1].weight.shape == (1, 17)                           # 16 features + the batch statistic


def test_gan_saturating_loss_sgd_momentum_and_mode_report(digits):
    xtr, _, _, _ = digits
    g = mg.Generator(0)
    trainer = models.GANTrainer(models.DCGenerator(16, 8, 8, generator=g), models.DCDiscriminator(8, 8, generator=g),
                                k=1, loss="saturating", optimizer="sgd", lr=0.01, momentum=0.9, batch_size=32)
    h = trainer.train(xtr * 2 - 1, 5, progress_bar=False)
    assert len(h["g_loss"]) == 5 and all(v < 0 for v in h["g_loss"])   # mean log(1 - D(G(z))) is negative
    report = trainer.mode_report(lambda s: np.zeros(len(s), dtype=int), n=50)
    assert report.modes_hit == 1 and report.kl_to_uniform == pytest.approx(np.log(10))
    with pytest.raises(ValueError, match="k must be >= 1"):
        models.GANTrainer(trainer.G, trainer.D, k=0)


def test_generator_step_holds_d_fixed_and_gives_the_plain_gradient(digits):
    """G's step runs backward through D with D's parameters frozen (no weight gradients for D):
    G's gradients equal those of the plain loss.backward() with D unfrozen, D's .grad is left as
    its own step made it, and D's parameters require grad again afterwards."""
    xtr, _, _, _ = digits
    g = mg.Generator(0)
    G = models.DCGenerator(4, 8, 4, batch_norm=True, hidden=8, generator=g)
    D = models.DCDiscriminator(8, 4, minibatch_std=True, batch_norm=True, hidden=8, generator=g)
    trainer = models.GANTrainer(G, D, batch_size=8, seed=3)
    trainer.discriminator_step(xtr * 2 - 1)
    d_grads = [p.grad.data.copy() for p in D.parameters()]
    rng_state, g_state = trainer.rng.get_state(), {k: mg.tensor(v.data.copy()) for k, v in G.state_dict().items()}
    trainer.generator_step()
    frozen = [p.grad.data.copy() for p in G.parameters()]
    assert all(p.requires_grad for p in D.parameters())
    for p, before in zip(D.parameters(), d_grads):
        np.testing.assert_array_equal(p.grad.data, before)
    trainer.rng.set_state(rng_state)                 # the same noise and G (before its Adam step) ...
    G.load_state_dict(g_state)
    G.zero_grad()                                    # ... through D with its weights unfrozen
    logits = D(G(trainer.noise(8)))
    mg.nn.functional.binary_cross_entropy_with_logits(logits, mg.ones_like(logits)).backward()
    for p, f in zip(G.parameters(), frozen):
        np.testing.assert_allclose(f, p.grad.data, rtol=1e-5, atol=1e-7)


def test_batch_norm_in_d_gives_a_collapsed_generator_no_gradient():
    """Why unit 10's D has no batch norm: a batch of identical fakes normalises to all zeros, so
    whatever the image is, D's verdict is the same and dL/d(image) vanishes; without batch norm
    the same batch gets a real gradient."""
    image = mg.randn(1, 1, 8, 8, generator=mg.Generator(0)).numpy()
    grads = {}
    for batch_norm in (True, False):
        D = models.DCDiscriminator(8, 4, minibatch_std=True, batch_norm=batch_norm, hidden=8,
                                   generator=mg.Generator(1))
        fakes = mg.tensor(np.repeat(image, 8, axis=0), requires_grad=True)
        logits = D(fakes)
        mg.nn.functional.binary_cross_entropy_with_logits(logits, mg.ones_like(logits)).backward()
        grads[batch_norm] = float(np.abs(fakes.grad.data).max())
    assert grads[False] > 1e-4
    assert grads[True] < 1e-3 * grads[False]


def test_dcgan_pair_with_dense_layers_is_infogans_mnist_pair():
    """hidden=1024, channels=64, batch_norm: InfoGAN's MNIST G and D (Chen et al. 2016, appendix)."""
    G = models.DCGenerator(62, 28, channels=64, batch_norm=True, hidden=1024)
    D = models.DCDiscriminator(28, channels=64, batch_norm=True, hidden=1024)
    shapes = lambda m: [tuple(p.shape) for p in m.parameters()]          # noqa: E731
    assert [s for s in shapes(G) if len(s) != 1] == [(1024, 62), (128 * 7 * 7, 1024), (128, 64, 4, 4), (64, 1, 4, 4)]
    assert [s for s in shapes(D) if len(s) != 1] == [(64, 1, 4, 4), (128, 64, 4, 4), (1024, 128 * 7 * 7), (1, 1024)]
    assert sum(isinstance(m, mg.nn.BatchNorm1d) or isinstance(m, mg.nn.BatchNorm2d) for m in G.modules()) == 3
    assert sum(isinstance(m, mg.nn.BatchNorm1d) or isinstance(m, mg.nn.BatchNorm2d) for m in D.modules()) == 2
    z = mg.randn(5, 62, generator=mg.Generator(0))
    assert G(z).shape == (5, 1, 28, 28) and D(G(z)).shape == (5,)
    plain = models.DCDiscriminator(28, channels=8, minibatch_std=True, hidden=16)
    assert plain.net[-1].weight.shape == (1, 16) and plain.net[-3].weight.shape == (16, 16 * 7 * 7 + 1)


def test_every_model_trains_in_float32(digits):
    xtr, ytr, _, _ = digits
    x, y = mg.tensor(xtr[:16]), mg.tensor(ytr[:16])
    for model, batch in [(models.MLPClassifier(64, (16,), 10), (x, y)), (models.CNNClassifier(8, 1, (4, 8), 16), (x, y)),
                         (models.AutoEncoder((1, 8, 8), (16,), 4), (x,)), (models.ConvAutoEncoder((1, 8, 8), (4, 8), 4), (x,)),
                         (models.VAE((1, 8, 8), (16,), 4), (x,)), (models.ConvVAE((1, 8, 8), (4, 8), 4), (x,))]:
        opt = optim.Adam(model.parameters(), 1e-3)
        loss = model.training_loss(*batch)["loss"]
        assert loss.dtype == np.float32, type(model).__name__
        loss.backward()
        opt.step()
        for name, p in model.named_parameters():
            assert p.dtype == np.float32 and p.grad.dtype == np.float32, f"{type(model).__name__}.{name}"
            assert all(v.dtype == np.float32 for v in opt.state[id(p)].values() if hasattr(v, "dtype"))
    g = mg.Generator(0)
    for G, D in [(models.MLPGenerator(4, (8,), (1, 8, 8), generator=g), models.MLPDiscriminator((1, 8, 8), (8,))),
                 (models.DCGenerator(4, 8, 4, generator=g), models.DCDiscriminator(8, 4))]:
        trainer = models.GANTrainer(G, D, batch_size=4)
        trainer.train(xtr * 2 - 1, 1, progress_bar=False)
        for p in list(G.parameters()) + list(D.parameters()):
            assert p.dtype == np.float32 and p.grad.dtype == np.float32
        assert trainer.sample(2).dtype == np.float32


@pytest.mark.parametrize("kind", ["mlp_sgd_momentum", "mlp_dropout", "cnn_dropout", "vae", "denoising_ae"])
def test_resume_is_bit_exact_for_models_that_draw_random_numbers(kind, digits, tmp_path):
    """2 epochs, stop, resume for 2 more == 4 epochs in one go, bit for bit: every generator the
    run draws from (dropout masks, the VAE's noise, corruption, shuffling, the global default)
    is in fit's checkpoint."""
    xtr, ytr, _, _ = digits
    data = (xtr[:200], ytr[:200]) if kind.startswith(("mlp", "cnn")) else (xtr[:200],)

    def build():
        mg.manual_seed(0)                        # the global default generator, as a fresh process has it
        if kind == "mlp_sgd_momentum":                # the optimizer's momentum buffers are resumed too
            return models.MLPClassifier(64, (32,), 10, generator=mg.Generator(0))
        if kind == "mlp_dropout":
            return models.MLPClassifier(64, (32,), 10, dropout=0.3, generator=mg.Generator(0))
        if kind == "cnn_dropout":
            return models.CNNClassifier(8, 1, (4, 8), 16, dropout=0.3, generator=mg.Generator(0))
        if kind == "vae":
            return models.VAE((1, 8, 8), (16,), 4, seed=0)
        return models.AutoEncoder((1, 8, 8), (16,), 4, corruption=lambda x, g: mg.data.corruption.gaussian_noise(x, 0.3, generator=g),
                                  seed=0)

    def run(epochs, resume):
        model = build()
        opt = (optim.SGD(model.parameters(), lr=0.05, momentum=0.9) if kind == "mlp_sgd_momentum"
               else optim.Adam(model.parameters(), 1e-2))
        history = models.fit(model, data, epochs=epochs, optimizer=opt,
                             batch_size=50, checkpoint=tmp_path / "ckpt.npz", resume=resume, progress_bar=False,
                             log=lambda m: None)
        return model, history

    straight, _ = run(4, resume=False)
    (tmp_path / "ckpt.npz").unlink()
    run(2, resume=False)
    resumed, history = run(4, resume=True)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)


def test_gan_trainer_resumes_bit_exactly_with_dropout(digits, tmp_path):
    """GANTrainer has fit's checkpoint/resume interface: 6 iterations, stop, resume to 12 ==
    12 in one go, bit for bit, with dropout in D (its generator is in the checkpoint)."""
    xtr = digits[0][:200] * 2 - 1

    def trainer():
        mg.manual_seed(0)
        g = mg.Generator(0)
        G = models.MLPGenerator(4, (16,), (1, 8, 8), generator=g)
        D = models.MLPDiscriminator((1, 8, 8), (16,), dropout=0.3, generator=g)
        return models.GANTrainer(G, D, k=2, batch_size=16, seed=0)

    straight = trainer()
    straight.train(xtr, 12, progress_bar=False)
    first = trainer()
    first.train(xtr, 6, progress_bar=False, checkpoint=tmp_path / "gan.npz", checkpoint_every=3)
    resumed = trainer()
    history = resumed.train(xtr, 12, progress_bar=False, checkpoint=tmp_path / "gan.npz", resume=True)
    assert len(history["g_loss"]) == 12 and resumed.iteration == 12
    assert history["g_loss"] == straight.history["g_loss"]
    for net in ("G", "D"):
        for (name, a), b in zip(getattr(straight, net).state_dict().items(), getattr(resumed, net).state_dict().values()):
            np.testing.assert_array_equal(a.data, b.data, err_msg=f"{net}.{name}")


def test_nearest_mode_puts_non_finite_points_on_no_mode():
    """A diverged generator's NaN or inf samples are on no mode (argmin over NaNs said mode 0)."""
    centres = np.array([[0.0, 0.0], [1.0, 0.0]])
    points = np.array([[np.nan, np.nan], [0.05, 0.0], [np.inf, 0.0], [0.98, 0.0], [5.0, 5.0]])
    np.testing.assert_array_equal(models.nearest_mode(points, centres, 0.25), [-1, 0, -1, 1, -1])
