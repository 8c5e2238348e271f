"""Wrong calls a student makes, and the error each must get: the right exception type, a message
that names the function called and the offending argument or value -- and no state changed.

One row per wrong call: (what is called, exception type, words the message must contain).
Hypothesis adds generated wrong dims for the shape functions.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import metrics
import minigrad as mg
import models
from minigrad import nn, optim
import minigrad.nn.functional as F

x23 = mg.randn(2, 3)
img = mg.randn(1, 1, 6, 6)
logp = mg.log_softmax(mg.randn(4, 3), 1)


def _adam():
    return optim.Adam([mg.zeros(2, requires_grad=True)])


BAD_CALLS = {
    # shapes and dims
    "unsqueeze dim 10": (lambda: x23.unsqueeze(10), IndexError, ["unsqueeze", "dim 10", "-3..2"]),
    "transpose dim 5": (lambda: mg.transpose(x23, 0, 5), IndexError, ["transpose", "dim 5"]),
    "reshape -2": (lambda: x23.reshape(-2, 3), ValueError, ["reshape", "-2"]),
    "reshape two -1": (lambda: x23.reshape(-1, -1), ValueError, ["reshape", "only one"]),
    "squeeze dim 50": (lambda: mg.zeros(1, 2, 1, 3).squeeze(50), IndexError, ["squeeze", "dim 50"]),
    "unsqueeze 0-d dim 5": (lambda: mg.tensor(1.0).unsqueeze(5), IndexError, ["unsqueeze", "dim 5"]),
    "cat dim 5": (lambda: mg.cat([x23, x23], dim=5), IndexError, ["cat", "dim 5"]),
    "cat empty": (lambda: mg.cat([]), ValueError, ["cat", "non-empty"]),
    "stack dim 4": (lambda: mg.stack([x23, x23], dim=4), IndexError, ["stack", "dim 4"]),
    "sum dim 2": (lambda: x23.sum(2), IndexError, ["sum", "dim 2"]),
    "permute not a permutation": (lambda: x23.permute(0, 0), ValueError, ["permute", "not a permutation"]),
    "split size 0": (lambda: x23.split(0), ValueError, ["split", "split_size"]),
    "flatten start after end": (lambda: mg.zeros(2, 3, 4).flatten(2, 1), ValueError, ["flatten", "start_dim"]),
    "matmul inner dims": (lambda: mg.randn(3, 4) @ mg.randn(5, 2), ValueError, ["matmul", "(3, 4)", "(5, 2)"]),
    "matmul two dtypes": (lambda: mg.randn(2, 2) @ mg.randn(2, 2, dtype=mg.float64), TypeError, ["matmul", "float64"]),
    # dtypes
    "requires_grad on ints": (lambda: mg.tensor([1, 2], requires_grad=True), TypeError, ["only floating-point"]),
    "mean of ints": (lambda: mg.tensor([1, 2]).mean(), TypeError, ["mean", "int64"]),
    "conv on uint8": (lambda: F.conv2d(mg.tensor(np.zeros((1, 1, 4, 4), np.uint8)), mg.randn(1, 1, 3, 3)),
                      TypeError, ["conv2d", "uint8"]),
    "max_pool on ints": (lambda: F.max_pool2d(mg.zeros(1, 1, 4, 4, dtype=mg.int64), 2, padding=1), TypeError,
                         ["max_pool2d", "int64"]),
    # layer and op arguments
    "conv stride 0": (lambda: F.conv2d(img, mg.randn(1, 1, 3, 3), stride=0), ValueError, ["conv2d", "stride", "0"]),
    "conv padding -1": (lambda: F.conv2d(img, mg.randn(1, 1, 3, 3), padding=-1), ValueError, ["conv2d", "padding"]),
    "conv stride 1.5": (lambda: F.conv2d(img, mg.randn(1, 1, 3, 3), stride=1.5), TypeError, ["conv2d", "stride"]),
    "MaxPool2d(0)": (lambda: nn.MaxPool2d(0), ValueError, ["MaxPool2d", "kernel_size"]),
    "Conv2d out_channels 0": (lambda: nn.Conv2d(1, 0, 3), ValueError, ["Conv2d", "out_channels"]),
    "Linear(3, -1)": (lambda: nn.Linear(3, -1), ValueError, ["Linear", "out_features", "-1"]),
    "Linear(3.5, 2)": (lambda: nn.Linear(3.5, 2), TypeError, ["Linear", "in_features"]),
    "Linear wrong input": (lambda: nn.Linear(3, 2)(mg.randn(4, 5)), ValueError, ["Linear", "(4, 5)"]),
    "Dropout p 2": (lambda: nn.Dropout(2.0), ValueError, ["Dropout", "p"]),
    "clip min > max": (lambda: x23.clip(1.0, -1.0), ValueError, ["clip", "min"]),
    # losses
    "bce NaN input": (lambda: F.binary_cross_entropy(mg.tensor([np.nan, 0.5]), mg.tensor([1.0, 0.0])), ValueError,
                      ["binary_cross_entropy", "NaN"]),
    "bce input > 1": (lambda: F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0])), ValueError,
                      ["binary_cross_entropy", "probabilities"]),
    "bce target 2": (lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([2.0])), ValueError,
                     ["binary_cross_entropy", "target"]),
    "bce-logits target -1": (lambda: F.binary_cross_entropy_with_logits(mg.tensor([0.5]), mg.tensor([-1.0])),
                             ValueError, ["binary_cross_entropy_with_logits", "target"]),
    "nll target -1": (lambda: F.nll_loss(logp, mg.tensor([0, 1, 2, -1])), IndexError, ["nll_loss", "-1"]),
    "cross_entropy target 3": (lambda: F.cross_entropy(mg.randn(2, 3), mg.tensor([0, 3])), IndexError,
                               ["cross_entropy", "[0, 2]"]),
    "cross_entropy float targets": (lambda: F.cross_entropy(mg.randn(2, 3), mg.tensor([0.0, 1.0])), TypeError,
                                    ["cross_entropy", "integer"]),
    "mse on an empty batch": (lambda: F.mse_loss(mg.zeros(0, 3), mg.zeros(0, 3)), ValueError, ["mse_loss", "empty"]),
    "cross_entropy empty": (lambda: F.cross_entropy(mg.zeros(0, 3), mg.tensor(np.zeros(0, np.int64))), ValueError,
                            ["cross_entropy", "empty"]),
    "mse shapes": (lambda: F.mse_loss(mg.zeros(2, 3), mg.zeros(3, 2)), ValueError, ["mse_loss", "(2, 3)"]),
    "reduction": (lambda: F.mse_loss(x23, x23, reduction="avg"), ValueError, ["mse_loss", "reduction"]),
    # optimizers
    "SGD lr nan": (lambda: optim.SGD([mg.zeros(2, requires_grad=True)], lr=float("nan")), ValueError,
                   ["SGD", "lr", "finite"]),
    "SGD lr -1": (lambda: optim.SGD([mg.zeros(2, requires_grad=True)], lr=-1.0), ValueError, ["SGD", "lr"]),
    "Adam beta 1": (lambda: optim.Adam([mg.zeros(2, requires_grad=True)], betas=(0.9, 1.0)), ValueError,
                    ["Adam", "beta2"]),
    "Adam eps inf": (lambda: optim.Adam([mg.zeros(2, requires_grad=True)], eps=float("inf")), ValueError,
                     ["Adam", "eps"]),
    "Adam.load_state_dict({})": (lambda: _adam().load_state_dict({}), ValueError,
                                 ["Adam.load_state_dict", "param_groups"]),
    "optimize ints": (lambda: optim.SGD([mg.tensor([1, 2])]), TypeError, ["SGD", "require grad"]),
    # data and training
    "DataLoader batch 2.5": (lambda: mg.data.DataLoader(mg.data.TensorDataset(np.zeros(4)), batch_size=2.5),
                             TypeError, ["DataLoader", "batch_size"]),
    "DataLoader batch 0": (lambda: mg.data.DataLoader(mg.data.TensorDataset(np.zeros(4)), batch_size=0),
                           ValueError, ["DataLoader", "batch_size"]),
    "fit epochs -1": (lambda: models.fit(models.MLPClassifier(4, (3,), 2), (np.zeros((4, 4), np.float32),
                                         np.zeros(4, np.int64)), epochs=-1, optimizer=None), ValueError,
                      ["fit", "epochs", "-1"]),
    "GAN k 0": (lambda: models.GANTrainer(models.MLPGenerator(2, (4,), (1, 2, 2)), models.MLPDiscriminator((1, 2, 2), (4,)),
                                          k=0), ValueError, ["GANTrainer", "k"]),
    # metrics
    "accuracy on probabilities": (lambda: metrics.accuracy([0, 1], np.array([[0.9, 0.1], [0.2, 0.8]])), ValueError,
                                  ["accuracy", "y_pred", "argmax"]),
    "accuracy lengths": (lambda: metrics.accuracy([0, 1], [0]), ValueError, ["accuracy", "lengths"]),
    "top_k k 1.5": (lambda: metrics.top_k_accuracy([0, 1], np.eye(2), k=1.5), TypeError, ["top_k_accuracy", "k"]),
    "top_k k 0": (lambda: metrics.top_k_accuracy([0, 1], np.eye(2), k=0), ValueError, ["top_k_accuracy", "k"]),
    "kmeans NaN": (lambda: metrics.kmeans(np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]]), 2), ValueError,
                   ["kmeans", "NaN"]),
    "kmeans k too big": (lambda: metrics.kmeans(np.zeros((3, 2)), 5), ValueError, ["kmeans", "k"]),
    "roc one class": (lambda: metrics.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3]), ValueError, ["roc"]),
    # backward and grad mode
    "backward twice": (lambda: _backward_twice(), RuntimeError, ["backward", "retain_graph=True"]),
    "backward non-scalar": (lambda: (mg.randn(3, requires_grad=True) * 2).backward(), RuntimeError,
                            ["backward", "one-element"]),
    "in-place on a leaf": (lambda: mg.zeros(2, requires_grad=True).add_(1.0), RuntimeError, ["add_", "no_grad"]),
    "numpy of a grad tensor": (lambda: mg.zeros(2, requires_grad=True).numpy(), RuntimeError, ["numpy", "detach"]),
    # new ops of this round
    "einsum diagonal": (lambda: mg.einsum("ii->i", mg.ones(3, 3)), ValueError, ["einsum", "'ii'", "diagonal"]),
    "einsum sizes": (lambda: mg.einsum("ij,jk->ik", mg.ones(3, 4), mg.ones(5, 6)), ValueError,
                     ["einsum", "'j'", "size 5"]),
    "einsum operand count": (lambda: mg.einsum("ij,jk", mg.ones(3, 4)), ValueError, ["einsum", "2 operands"]),
    "einsum output letter": (lambda: mg.einsum("ij->k", mg.ones(3, 4)), ValueError, ["einsum", "'k'"]),
    "einsum dims": (lambda: mg.einsum("ij", mg.ones(3)), ValueError, ["einsum", "operand 0 has 1 dims"]),
    "conv2d groups": (lambda: F.conv2d(mg.randn(1, 4, 5, 5), mg.randn(6, 2, 3, 3), groups=3), ValueError,
                      ["conv2d", "groups=3", "(1, 4, 5, 5)"]),
    "conv2d groups weight": (lambda: F.conv2d(mg.randn(1, 4, 5, 5), mg.randn(6, 4, 3, 3), groups=2), ValueError,
                             ["conv2d", "groups=2", "2 input channels per group"]),
    "Conv2d groups": (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, ["Conv2d", "groups=4", "out_channels=6"]),
    "conv1d on images": (lambda: F.conv1d(mg.randn(1, 4, 5, 5), mg.randn(6, 4, 3)), ValueError,
                         ["conv1d", "(N, C, L)", "(1, 4, 5, 5)"]),
    "Conv1d channels": (lambda: nn.Conv1d(4, 6, 3)(mg.randn(1, 3, 8)), ValueError, ["Conv1d(4, 6)", "(1, 3, 8)"]),
    "max_pool1d kernel 0": (lambda: F.max_pool1d(mg.randn(1, 3, 8), 0), ValueError, ["max_pool1d", "0"]),
    "max over a tuple of dims": (lambda: mg.ones(2, 3).max((0, 1)), TypeError, ["max", "amax"]),
    "setitem a grad value": (lambda: mg.zeros(3).__setitem__(0, mg.ones(1, requires_grad=True).sum()),
                             RuntimeError, ["__setitem__", "requires grad"]),
    "setitem on a parameter": (lambda: nn.Linear(2, 2).weight.__setitem__(0, 1.0), RuntimeError,
                               ["__setitem__", "no_grad"]),
    # schedulers, init, state dicts, data
    "StepLR step_size 0": (lambda: optim.lr_scheduler.StepLR(_adam(), step_size=0), ValueError, ["StepLR", "step_size"]),
    "StepLR gamma -1": (lambda: optim.lr_scheduler.StepLR(_adam(), 1, gamma=-1), ValueError, ["StepLR", "gamma"]),
    "StepLR on a list": (lambda: optim.lr_scheduler.StepLR([1, 2], 1), TypeError, ["StepLR", "optimizer", "list"]),
    "ExponentialLR gamma nan": (lambda: optim.lr_scheduler.ExponentialLR(_adam(), float("nan")), ValueError,
                                ["ExponentialLR", "gamma", "finite"]),
    "Cosine T_max 0": (lambda: optim.lr_scheduler.CosineAnnealingLR(_adam(), 0), ValueError,
                       ["CosineAnnealingLR", "T_max"]),
    "scheduler load {}": (lambda: optim.lr_scheduler.StepLR(_adam(), 1).load_state_dict({}), ValueError,
                          ["StepLR.load_state_dict", "last_epoch"]),
    "RMSprop alpha 2": (lambda: optim.RMSprop([mg.zeros(2, requires_grad=True)], alpha=2), ValueError,
                        ["RMSprop", "alpha"]),
    "normal_ std -1": (lambda: nn.init.normal_(mg.zeros(3), std=-1), ValueError, ["normal_", "std"]),
    "uniform_ a > b": (lambda: nn.init.uniform_(mg.zeros(3), 1, 0), ValueError, ["uniform_", "a=1.0"]),
    "constant_ on an array": (lambda: nn.init.constant_(np.zeros(3), 1.0), TypeError, ["constant_", "ndarray"]),
    "kaiming mode": (lambda: nn.init.kaiming_normal_(mg.zeros(3, 3), mode="fan"), ValueError, ["kaiming", "mode"]),
    "xavier on a vector": (lambda: nn.init.xavier_uniform_(mg.zeros(3)), ValueError, ["xavier_uniform_", "(3,)"]),
    "load_state_dict shape": (lambda: nn.Linear(2, 3).load_state_dict({"weight": mg.zeros(2, 3), "bias": mg.zeros(3)}),
                              RuntimeError, ["load_state_dict into Linear", "weight", "(2, 3)"]),
    "load_state_dict missing": (lambda: nn.Linear(2, 3).load_state_dict({"weight": mg.zeros(3, 2)}), KeyError,
                                ["load_state_dict into Linear", "bias: missing"]),
    "load_state_dict a list": (lambda: nn.Linear(2, 3).load_state_dict([1]), TypeError,
                               ["load_state_dict into Linear", "list"]),
    "DataLoader shuffle 'yes'": (lambda: mg.data.DataLoader(mg.data.TensorDataset(np.zeros(4)), 2, shuffle="yes"),
                                 TypeError, ["DataLoader", "shuffle", "'yes'"]),
    "DataLoader of an int": (lambda: mg.data.DataLoader(5, batch_size=2), TypeError, ["DataLoader", "dataset", "int"]),
    # metrics on images, regression and clustering
    "psnr data_range 0": (lambda: metrics.psnr(np.zeros((2, 3)), np.ones((2, 3)), data_range=0), ValueError,
                          ["psnr", "data_range"]),
    "ssim NaN": (lambda: metrics.ssim(np.full((8, 8), np.nan), np.zeros((8, 8))), ValueError, ["ssim", "NaN"]),
    "mse NaN": (lambda: metrics.mean_squared_error([np.nan, 2.0], [1.0, 2.0]), ValueError,
                ["mean_squared_error", "y_true", "NaN"]),
    "r2 one sample": (lambda: metrics.r2_score([1.0], [1.0]), ValueError, ["r2_score", "two samples"]),
    "kmeans n_init 0": (lambda: metrics.kmeans(np.zeros((5, 2)), 2, n_init=0), ValueError, ["kmeans", "n_init"]),
    "nearest_neighbors k 0": (lambda: metrics.nearest_neighbors(np.zeros((3, 2)), np.zeros((4, 2)), k=0), ValueError,
                              ["nearest_neighbors", "k"]),
    "frechet one sample": (lambda: metrics.frechet_distance(np.zeros((1, 3)), np.zeros((5, 3))), ValueError,
                           ["frechet_distance", "two samples"]),
    "mode_coverage labels": (lambda: metrics.mode_coverage(np.array([0, 11]), 10), ValueError,
                             ["mode_coverage", "[0, 9]"]),
    "top_k NaN scores": (lambda: metrics.top_k_accuracy([0, 1], np.array([[np.nan, 1.0], [0.0, 1.0]]), k=1),
                         ValueError, ["top_k_accuracy", "NaN"]),
    # creation, randomness, complex numbers
    "complex tensor": (lambda: mg.tensor(np.array([1 + 2j])), TypeError, ["tensor", "complex128", "not supported"]),
    "arange step 0": (lambda: mg.arange(0, 5, 0), ValueError, ["arange", "step"]),
    "linspace steps -1": (lambda: mg.linspace(0, 1, -1), ValueError, ["linspace", "steps"]),
    "rand negative size": (lambda: mg.rand(-1, 2), ValueError, ["rand", "-1"]),
    "randn size 1.5": (lambda: mg.randn(1.5), TypeError, ["randn", "1.5"]),
    "randperm -1": (lambda: mg.randperm(-1), ValueError, ["randperm", "n"]),
    "manual_seed -1": (lambda: mg.manual_seed(-1), ValueError, ["manual_seed", "seed"]),
    "Generator('a')": (lambda: mg.Generator("a"), TypeError, ["manual_seed", "seed", "'a'"]),
    # layers and functional arguments
    "leaky_relu slope 'a'": (lambda: F.leaky_relu(mg.zeros(3), "a"), TypeError, ["leaky_relu", "negative_slope"]),
    "LeakyReLU slope 'a'": (lambda: nn.LeakyReLU("a"), TypeError, ["LeakyReLU", "negative_slope"]),
    "ELU alpha nan": (lambda: nn.ELU(float("nan")), ValueError, ["ELU", "alpha"]),
    "BatchNorm2d(0)": (lambda: nn.BatchNorm2d(0), ValueError, ["BatchNorm2d", "num_features"]),
    "BatchNorm1d momentum 2": (lambda: nn.BatchNorm1d(3, momentum=2), ValueError, ["BatchNorm1d", "momentum"]),
    "batch_norm stats shape": (lambda: F.batch_norm(mg.zeros(4, 3), mg.zeros(2), mg.ones(2)), ValueError,
                               ["batch_norm", "running_mean", "(2,)", "3 channels"]),
    "upsample scale 0": (lambda: F.upsample_nearest(mg.zeros(1, 1, 2, 2), 0), ValueError,
                         ["upsample_nearest", "scale_factor"]),
    "Sequential of an int": (lambda: nn.Sequential(nn.ReLU(), 3), TypeError, ["Sequential", "Module", "int"]),
    "ModuleList of an int": (lambda: nn.ModuleList([3]), TypeError, ["ModuleList", "Module", "int"]),
    # models
    "DCGenerator size 30": (lambda: models.DCGenerator(10, image_size=30), ValueError, ["DCGenerator", "divisible by 4"]),
    "DCDiscriminator size 2": (lambda: models.DCDiscriminator(image_size=2), ValueError, ["DCDiscriminator", "image_size"]),
    "ring of 0 modes": (lambda: models.mixture_of_gaussians(10, modes=0), ValueError, ["mixture_of_gaussians", "modes"]),
    "split quantile 0.7": (lambda: models.split_by_attribute(np.arange(10.0), quantile=0.7), ValueError,
                           ["split_by_attribute", "quantile"]),
    "ink of a vector": (lambda: models.ink(np.zeros(5)), ValueError, ["ink", "(5,)"]),
    "evaluate on nothing": (lambda: models.evaluate(models.MLPClassifier(4, (3,), 2), (np.zeros((0, 4), np.float32),
                            np.zeros(0, np.int64))), ValueError, ["evaluate", "empty"]),
    "run_in_batches batch 0": (lambda: models.run_in_batches(models.MLPClassifier(4, (3,), 2), None,
                               np.zeros((2, 4), np.float32), batch_size=0), ValueError, ["run_in_batches", "batch_size"]),
    "interpolate steps 0": (lambda: models.VAE((1, 8, 8), (16,), 2).interpolate(np.zeros((1, 8, 8), np.float32),
                            np.zeros((1, 8, 8), np.float32), steps=0), ValueError, ["interpolate", "steps"]),
    "apply_attribute vector": (lambda: models.VAE((1, 8, 8), (16,), 2).apply_attribute(
        np.zeros((1, 1, 8, 8), np.float32), np.zeros(3), [1.0]), ValueError, ["apply_attribute", "(3,)", "2 dims"]),
    "GANTrainer batch 0": (lambda: models.GANTrainer(models.MLPGenerator(2, (4,), (1, 2, 2)),
                           models.MLPDiscriminator((1, 2, 2), (4,)), batch_size=0), ValueError, ["GANTrainer", "batch_size"]),
    "argmin dim 3": (lambda: mg.argmin(x23, 3), IndexError, ["argmin", "dim 3"]),
    "where on a float condition": (lambda: mg.where(mg.tensor([1.0, 0.0]), mg.zeros(2), mg.ones(2)), TypeError,
                                   ["where", "boolean", "float32"]),
    "pow of a string": (lambda: mg.pow(x23, "a"), TypeError, ["pow", "exponent"]),
    "zeros_like of a list": (lambda: mg.zeros_like([1, 2]), TypeError, ["zeros_like", "list"]),
    "randn_like of ints": (lambda: mg.randn_like(mg.tensor([1, 2])), TypeError, ["randn_like", "int64"]),
    "rand_like of ints": (lambda: mg.rand_like(mg.tensor([1, 2])), TypeError, ["rand_like", "int64"]),
    "tensor of text": (lambda: mg.tensor(["a", "b"]), TypeError, ["tensor", "text"]),
    "gradcheck eps -1": (lambda: mg.gradcheck(lambda a: a.sum(), [mg.zeros(2, dtype=mg.float64, requires_grad=True)],
                                              eps=-1), ValueError, ["gradcheck", "eps"]),
    "dropout training 'yes'": (lambda: F.dropout(mg.zeros(3), 0.5, training="yes"), TypeError, ["dropout", "training"]),
    "hardtanh NaN bound": (lambda: F.hardtanh(x23, float("nan"), 1.0), ValueError, ["hardtanh", "min_val"]),
    "pad value 'a'": (lambda: F.pad(x23, (1, 1), value="a"), TypeError, ["pad", "value"]),
    "Flatten('a')": (lambda: nn.Flatten("a"), TypeError, ["Flatten", "start_dim"]),
    "Unflatten to -2": (lambda: nn.Unflatten(1, (-2, 3)), ValueError, ["Unflatten", "-2"]),
    "train('no')": (lambda: nn.Linear(2, 2).train("no"), TypeError, ["Linear.train", "eval()"]),
    "nearest_mode dims": (lambda: models.nearest_mode(np.zeros((3, 2)), np.zeros((2, 3)), 0.1), ValueError,
                          ["nearest_mode", "(3, 2)", "(2, 3)"]),
    "model_device of an int": (lambda: models.model_device(3), TypeError, ["model_device", "int"]),
    "GANTrainer real_label 2": (lambda: models.GANTrainer(models.MLPGenerator(2, (4,), (1, 2, 2)),
                                models.MLPDiscriminator((1, 2, 2), (4,)), real_label=2), ValueError,
                                ["GANTrainer", "real_label"]),
}


def _backward_twice():
    x = mg.tensor([1.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


@pytest.mark.parametrize("name", sorted(BAD_CALLS))
def test_a_wrong_call_gets_a_clear_error(name):
    call, error, words = BAD_CALLS[name]
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    for word in words:
        assert word in message, f"{name}: {word!r} not in {message!r}"


def test_a_failed_optimizer_load_changes_nothing():
    opt = _adam()
    before = opt.state_dict()
    with pytest.raises(ValueError):
        opt.load_state_dict({"param_groups": [], "state": {}})
    assert opt.state_dict()["param_groups"] == before["param_groups"]


@given(shape=st.lists(st.integers(1, 3), min_size=0, max_size=3), dim=st.integers(-8, 8))
def test_every_dim_is_range_checked(shape, dim):
    """For any shape, a dim outside -n..n-1 (or -n-1..n for unsqueeze) raises IndexError naming
    the function, and a valid one works."""
    t = mg.zeros(*shape) if shape else mg.tensor(0.0)
    n = max(len(shape), 1)
    for name, call, size in (("sum", lambda: t.sum(dim), n), ("softmax", lambda: mg.softmax(t, dim), n),
                             ("squeeze", lambda: t.squeeze(dim), n), ("unsqueeze", lambda: t.unsqueeze(dim), len(shape) + 1)):
        if -size <= dim < size:
            call()
        else:
            with pytest.raises(IndexError, match=f"{name}: dim {dim} is out of range"):
                call()


# Every metric that compares two label or score vectors, called with vectors of different lengths:
# the error is a ValueError whose message starts with the name the user called (also for an alias,
# and for a metric that delegates to another).
PAIRED_METRICS = [
    "accuracy", "balanced_accuracy", "f1_score", "f_score", "fbeta_score", "precision", "precision_score",
    "recall", "recall_score", "tpr", "true_positive_rate", "sensitivity", "tnr", "true_negative_rate",
    "specificity", "fpr", "false_positive_rate", "confusion_matrix", "binary_confusion",
    "classification_report", "precision_recall_fscore", "cluster_accuracy", "adjusted_rand_index",
    "normalized_mutual_info", "contingency", "mae", "mean_absolute_error", "mse", "mean_squared_error", "rmse",
    "root_mean_squared_error", "r2_score", "roc_curve", "roc_auc_score", "average_precision",
    "precision_recall_curve", "anomaly_auc", "reconstruction_error",
]


@pytest.mark.parametrize("name", PAIRED_METRICS)
def test_a_metric_on_vectors_of_different_lengths_names_itself(name):
    with pytest.raises(ValueError) as info:
        getattr(metrics, name)([0, 1, 1], [0, 1])
    assert str(info.value).startswith(f"{name}:"), str(info.value)
    assert "length" in str(info.value) or "shape" in str(info.value)
