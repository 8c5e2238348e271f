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
    "Generator('a')": (lambda: mg.Generator("a"), TypeError, ["Generator", "seed", "'a'"]),
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
    # reductions, shapes and products
    "cumsum dim 'a'": (lambda: mg.cumsum(x23, "a"), TypeError, ["cumsum", "dim", "'a'"]),
    "amin dim 4": (lambda: mg.amin(x23, 4), IndexError, ["amin: dim 4"]),
    "norm p 'x'": (lambda: mg.norm(x23, p="x"), ValueError, ["norm", "p", "'x'"]),
    "var of one element": (lambda: mg.var(mg.zeros(1), 0), ValueError, ["var", "1 element", "unbiased=False"]),
    "gather index dims": (lambda: mg.gather(x23, 1, mg.tensor([0, 1])), ValueError, ["gather", "1 dims"]),
    "gather float index": (lambda: mg.gather(x23, 1, mg.tensor([[0.0]])), TypeError, ["gather", "integers", "float32"]),
    "chunk 0": (lambda: mg.chunk(x23, 0), ValueError, ["chunk", "chunks", "0"]),
    "broadcast_to smaller": (lambda: mg.broadcast_to(mg.zeros(3), (2,)), ValueError, ["broadcast_to", "(3,)", "(2,)"]),
    "flip dim 4": (lambda: mg.flip(x23, (4,)), IndexError, ["flip", "dim 4"]),
    "bmm of 2-d": (lambda: mg.bmm(x23, x23), ValueError, ["bmm", "(B, n, k)", "(2, 3)"]),
    "mm of 3-d": (lambda: mg.mm(mg.zeros(2, 3, 4), x23), ValueError, ["mm", "2-d", "(2, 3, 4)"]),
    "linear weight": (lambda: F.linear(x23, mg.randn(4, 5)), ValueError, ["linear", "(2, 3)", "(4, 5)"]),
    "linear bias": (lambda: F.linear(x23, mg.randn(4, 3), mg.zeros(5)), ValueError, ["linear", "bias", "(5,)"]),
    "one_hot negative": (lambda: F.one_hot(mg.tensor([-1, 2])), ValueError, ["one_hot", "[0, 2]", "-1"]),
    "reparameterize shapes": (lambda: F.reparameterize(mg.zeros(2, 3), mg.zeros(2, 4)), ValueError,
                              ["reparameterize", "(2, 3)", "(2, 4)"]),
    "gaussian_kl shapes": (lambda: F.gaussian_kl(mg.zeros(2, 3), mg.zeros(2, 4)), ValueError,
                           ["gaussian_kl", "(2, 3)", "(2, 4)"]),
    "gaussian_kl_between shapes": (lambda: F.gaussian_kl_between(mg.zeros(2, 3), mg.zeros(2, 3), mg.zeros(2, 4),
                                   mg.zeros(2, 3)), ValueError, ["gaussian_kl_between", "(2, 4)"]),
    "gaussian_kl of text": (lambda: F.gaussian_kl("a", mg.zeros(2)), TypeError, ["gaussian_kl", "mu", "str"]),
    "smooth_l1 beta -1": (lambda: F.smooth_l1_loss(x23, x23, beta=-1), ValueError, ["smooth_l1_loss", "beta"]),
    "mse_loss of text": (lambda: F.mse_loss("a", x23), TypeError, ["mse_loss", "input", "str"]),
    "avg_pool2d kernel 8 on 6x6": (lambda: F.avg_pool2d(img, 8), ValueError, ["avg_pool2d", "(8, 8)", "(6, 6)"]),
    "avg_pool1d on images": (lambda: F.avg_pool1d(img, 2), ValueError, ["avg_pool1d", "(N, C, L)"]),
    "conv_transpose2d channels": (lambda: F.conv_transpose2d(img, mg.randn(2, 1, 3, 3)), ValueError,
                                  ["conv_transpose2d", "(2, 1, 3, 3)"]),
    "conv_transpose2d output_padding": (lambda: F.conv_transpose2d(img, mg.randn(1, 1, 3, 3), stride=2,
                                        output_padding=2), ValueError, ["conv_transpose2d", "output_padding"]),
    "dropout of text": (lambda: F.dropout("a"), TypeError, ["dropout", "input"]),
    "dropout of ints": (lambda: F.dropout(mg.tensor([1, 2])), TypeError, ["dropout", "int64", "floating"]),
    "Linear on integer pixels": (lambda: nn.Linear(2, 3)(mg.tensor([[1, 2]])), TypeError, ["linear", "int64", "float32"]),
    "Linear on float64": (lambda: nn.Linear(2, 3)(mg.zeros(1, 2, dtype=mg.float64)), TypeError,
                          ["linear", "float64", "float32"]),
    "batch_norm of ints": (lambda: F.batch_norm(mg.tensor(np.ones((2, 3), np.int64)), mg.zeros(3), mg.ones(3)),
                           TypeError, ["batch_norm", "int64"]),
    "elu alpha 'a'": (lambda: F.elu(x23, "a"), TypeError, ["elu", "alpha"]),
    # creation
    "zeros(-1)": (lambda: mg.zeros(-1), ValueError, ["zeros", "-1"]),
    "ones dtype 'float33'": (lambda: mg.ones(2, dtype="float33"), TypeError, ["ones", "'float33'"]),
    "zeros complex dtype": (lambda: mg.zeros(2, dtype=complex), TypeError, ["zeros", "complex128"]),
    "full fill 'a'": (lambda: mg.full((2,), "a"), TypeError, ["full", "fill_value", "'a'"]),
    "full_like fill None": (lambda: mg.full_like(x23, None), TypeError, ["full_like", "fill_value"]),
    "ones_like dtype 'x'": (lambda: mg.ones_like(x23, dtype="x"), TypeError, ["ones_like", "dtype"]),
    "eye(-1)": (lambda: mg.eye(-1), ValueError, ["eye", "n", "-1"]),
    "randn dtype int64": (lambda: mg.randn(2, dtype=mg.int64), TypeError, ["randn", "int64", "floating"]),
    "randint float bound": (lambda: mg.randint(2.5, (3,)), TypeError, ["randint", "high", "2.5"]),
    "randint size -1": (lambda: mg.randint(5, (-1,)), ValueError, ["randint", "-1"]),
    "Tensor of text": (lambda: mg.Tensor("a"), TypeError, ["tensor", "text"]),
    "as_tensor of None": (lambda: mg.as_tensor(None), TypeError, ["as_tensor", "NoneType"]),
    "clamp min > max": (lambda: mg.clamp(x23, 2.0, 1.0), ValueError, ["clamp", "min"]),
    "concatenate shapes": (lambda: mg.concatenate([x23, mg.zeros(2, 4)], 0), ValueError, ["concatenate", "(2, 4)"]),
    "l1_loss shapes": (lambda: F.l1_loss(x23, mg.zeros(3, 2)), ValueError, ["l1_loss", "(2, 3)", "(3, 2)"]),
    "TensorDataset lengths": (lambda: mg.data.TensorDataset(np.zeros(4), np.zeros(3)), ValueError,
                              ["TensorDataset", "4", "3"]),
    "FashionMNIST download 1": (lambda: mg.data.FashionMNIST(download=1), TypeError, ["FashionMNIST", "download"]),
    "to dtype 'x'": (lambda: x23.to(dtype="x"), TypeError, ["to", "'x'"]),
    "x + text": (lambda: x23 + "a", TypeError, ["float32 tensor", "str 'a'"]),
    "device 'tpu'": (lambda: mg.device("tpu"), ValueError, ["device", "'tpu'"]),
    "draw_graph of an int": (lambda: mg.draw_graph(3), TypeError, ["draw_graph", "int"]),
    "Function without forward": (lambda: mg.Function()(mg.zeros(2)), NotImplementedError,
                                 ["Function.forward", "subclass"]),
    # layers
    "ConvTranspose2d(0, 1, 3)": (lambda: nn.ConvTranspose2d(0, 1, 3), ValueError, ["ConvTranspose2d", "in_channels"]),
    "AvgPool2d(-1)": (lambda: nn.AvgPool2d(-1), ValueError, ["AvgPool2d", "kernel_size"]),
    "AvgPool1d(0)": (lambda: nn.AvgPool1d(0), ValueError, ["AvgPool1d", "0"]),
    "MaxPool1d stride 0": (lambda: nn.MaxPool1d(2, stride=0), ValueError, ["MaxPool1d", "0"]),
    "Upsample bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), ValueError, ["Upsample", "'bilinear'"]),
    "Softmax('a')": (lambda: nn.Softmax("a"), TypeError, ["Softmax", "dim", "'a'"]),
    "LogSoftmax(dim=1.5)": (lambda: nn.LogSoftmax(1.5), TypeError, ["LogSoftmax", "dim", "1.5"]),
    "CrossEntropyLoss smoothing 2": (lambda: nn.CrossEntropyLoss(label_smoothing=2), ValueError,
                                     ["CrossEntropyLoss", "label_smoothing"]),
    "Parameter of ints": (lambda: nn.Parameter(mg.tensor([1, 2])), TypeError, ["Parameter", "floating-point", "int64"]),
    "Module without forward": (lambda: nn.Module()(mg.zeros(2)), NotImplementedError, ["Module", "forward"]),
    "calculate_gain 'swish'": (lambda: nn.init.calculate_gain("swish"), ValueError, ["calculate_gain", "'swish'"]),
    "calculate_gain slope 'a'": (lambda: nn.init.calculate_gain("leaky_relu", "a"), TypeError,
                                 ["calculate_gain", "param"]),
    "xavier_normal_ gain -1": (lambda: nn.init.xavier_normal_(mg.zeros(2, 2), gain=-1), ValueError,
                               ["xavier_normal_", "gain"]),
    "default_layer_init_ of an int": (lambda: nn.init.default_layer_init_(3, None), TypeError,
                                      ["default_layer_init_", "int"]),
    # optimizers
    "Adadelta rho 2": (lambda: optim.Adadelta([mg.zeros(2, requires_grad=True)], rho=2), ValueError,
                       ["Adadelta", "rho"]),
    "AdamW weight_decay -1": (lambda: optim.AdamW([mg.zeros(2, requires_grad=True)], weight_decay=-1), ValueError,
                              ["AdamW", "weight_decay"]),
    "Optimizer of nothing": (lambda: optim.Optimizer([], {}), ValueError, ["Optimizer", "empty"]),
    "LRScheduler on a list": (lambda: optim.lr_scheduler.LRScheduler([1]), TypeError, ["LRScheduler", "list"]),
    # data
    "Subset index 9 of 4": (lambda: mg.data.Subset(mg.data.TensorDataset(np.zeros(4)), [9]), IndexError,
                            ["Subset", "[0, 3]", "9"]),
    "Subset float indices": (lambda: mg.data.Subset(mg.data.TensorDataset(np.zeros(4)), [0.5]), TypeError,
                             ["Subset", "integers"]),
    "Dataset without __getitem__": (lambda: mg.data.Dataset()[0], NotImplementedError, ["Dataset", "__getitem__"]),
    "MNIST train 'yes'": (lambda: mg.data.MNIST(train="yes"), TypeError, ["MNIST", "train", "'yes'"]),
    "FashionMNIST in an empty folder": (lambda: mg.data.FashionMNIST(root="/nonexistent"), mg.data.DatasetFileError,
                                        ["fashion-mnist not found in /nonexistent", "MINIGRAD_DATA"]),
    "load_mnist 'cifar'": (lambda: mg.data.load_mnist("cifar"), ValueError, ["load_mnist", "'cifar'"]),
    "is_available 'cifar'": (lambda: mg.data.is_available("cifar"), ValueError, ["is_available", "'cifar'"]),
    "download 'cifar'": (lambda: mg.data.download("cifar"), ValueError, ["download", "'cifar'"]),
    "load_digits split": (lambda: mg.data.load_digits(split="test"), TypeError, ["load_digits", "split"]),
    "gaussian_noise std -1": (lambda: mg.data.gaussian_noise(np.zeros((2, 2)), -1), ValueError, ["gaussian_noise", "std"]),
    "gaussian_noise on uint8": (lambda: mg.data.gaussian_noise(np.zeros((2, 2), np.uint8)), TypeError,
                                ["gaussian_noise", "uint8"]),
    "salt_and_pepper amount 2": (lambda: mg.data.salt_and_pepper(np.zeros((2, 2)), 2), ValueError,
                                 ["salt_and_pepper", "amount"]),
    "occlude 9x9 in 4x4": (lambda: mg.data.occlude(np.zeros((1, 4, 4)), 9), ValueError, ["occlude", "9x9", "4x4"]),
    "occlusion_mask size -1": (lambda: mg.data.occlusion_mask((4, 4), -1), ValueError, ["occlusion_mask", "size"]),
    "read_idx missing": (lambda: mg.data.read_idx("/nonexistent.idx"), mg.data.DatasetFileError,
                         ["/nonexistent.idx", "not found"]),
    "load a missing checkpoint": (lambda: mg.load("/nonexistent.npz"), mg.CheckpointError,
                                  ["/nonexistent.npz", "no such checkpoint"]),
    "save into a directory": (lambda: mg.save({}, "/"), IsADirectoryError, ["save", "is a directory"]),
    # metrics
    "auc unsorted": (lambda: metrics.auc([0, 1, 0.5], [0, 1, 1]), ValueError, ["auc", "increasing"]),
    "inception_score of logits": (lambda: metrics.inception_score(np.array([[2.0, -1.0]])), ValueError,
                                  ["inception_score", "probabilities"]),
    "inception_score splits 0": (lambda: metrics.inception_score(np.full((4, 2), 0.5), splits=0), ValueError,
                                 ["inception_score", "splits"]),
    "mean_average_precision shapes": (lambda: metrics.mean_average_precision([0, 1], [0, 1, 1], distances=np.zeros((2, 2))),
                                      ValueError, ["mean_average_precision", "(2, 3)", "(2, 2)"]),
    "pairwise_distances dims": (lambda: metrics.pairwise_distances(np.zeros((2, 3)), np.zeros((2, 4))), ValueError,
                                ["pairwise_distances", "(2, 3)", "(2, 4)"]),
    "pairwise_distances metric": (lambda: metrics.pairwise_distances(np.zeros((2, 3)), np.zeros((2, 3)), "l1"),
                                  ValueError, ["pairwise_distances", "metric", "'l1'"]),
    "precision_at_k index 5": (lambda: metrics.precision_at_k([0, 1], [0, 1, 1], np.array([[0], [5]])), IndexError,
                               ["precision_at_k", "[0, 2]", "5"]),
    "recall_at_k indices 1-d": (lambda: metrics.recall_at_k([0, 1], [0, 1, 1], np.array([0, 1])), ValueError,
                                ["recall_at_k", "neighbor_indices", "(2,)"]),
    # models
    "AutoEncoder hidden 0": (lambda: models.AutoEncoder(784, (0,), 2), ValueError, ["AutoEncoder", "hidden", "(0,)"]),
    "AutoEncoder wrong input": (lambda: models.AutoEncoder(16, (8,), 2)(mg.zeros(2, 10)), ValueError,
                                ["AutoEncoder", "(N, 16)", "(2, 10)"]),
    "ConvAutoEncoder on flat input": (lambda: models.ConvAutoEncoder()(mg.zeros(2, 784)), ValueError,
                                      ["ConvAutoEncoder", "(N, 1, 28, 28)", "(2, 784)"]),
    "ConvAutoEncoder size 30": (lambda: models.ConvAutoEncoder((1, 30, 30)), ValueError,
                                ["ConvAutoEncoder", "divisible by 4"]),
    "ConvVAE latent -1": (lambda: models.ConvVAE(latent_dim=-1), ValueError, ["ConvVAE", "latent_dim"]),
    "VAE wrong input": (lambda: models.VAE()(mg.zeros(2, 1, 28, 27)), ValueError, ["VAE", "(2, 1, 28, 27)"]),
    "CNNClassifier channels 0": (lambda: models.CNNClassifier(channels=(0, 4)), ValueError, ["CNNClassifier", "channels"]),
    "MLPClassifier dropout 1": (lambda: models.MLPClassifier(dropout=1.0), ValueError, ["MLPClassifier", "dropout"]),
    "RegressionMLP(0)": (lambda: models.RegressionMLP(0), ValueError, ["RegressionMLP", "in_features"]),
    "MLPGenerator output 'relu'": (lambda: models.MLPGenerator(output="relu"), ValueError, ["MLPGenerator", "output"]),
    "MLPDiscriminator hidden 'a'": (lambda: models.MLPDiscriminator(hidden="a"), TypeError, ["MLPDiscriminator", "hidden"]),
    "MinibatchStd on a vector": (lambda: models.MinibatchStd()(mg.zeros(3)), ValueError, ["MinibatchStd", "(B, F)"]),
    "slant of a vector": (lambda: models.slant(np.zeros(4)), ValueError, ["slant", "(4,)"]),
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


# ----------------------------------------------------------------------------- families
# Wrong inputs that every member of a family must refuse the same way; hypothesis draws them.
NOT_NUMBERS = st.one_of(
    st.text(min_size=1, max_size=4), st.none(), st.just({}), st.builds(object),
    st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=3),
    st.just(np.array([1 + 2j])), st.just(np.array(["a", "b"])),
)

UNARY_OPS = {
    "abs": mg.abs, "neg": mg.neg, "exp": mg.exp, "log": mg.log, "log1p": mg.log1p, "sqrt": mg.sqrt, "sin": mg.sin,
    "cos": mg.cos, "tanh": mg.tanh, "sigmoid": mg.sigmoid, "relu": mg.relu, "relu6": F.relu6, "selu": F.selu,
    "elu": mg.elu, "gelu": mg.gelu, "silu": mg.silu, "softplus": mg.softplus, "logsigmoid": F.logsigmoid,
    "leaky_relu": mg.leaky_relu, "hardtanh": F.hardtanh, "softmax": lambda x: mg.softmax(x, 0),
    "log_softmax": lambda x: mg.log_softmax(x, 0), "flatten": mg.flatten, "sum": mg.sum, "mean": mg.mean,
}
BINARY_OPS = {"add": mg.add, "sub": mg.sub, "mul": mg.mul, "div": mg.div, "maximum": mg.maximum,
              "minimum": mg.minimum}


@pytest.mark.parametrize("name", sorted(UNARY_OPS))
@given(value=NOT_NUMBERS)
def test_an_op_on_something_that_is_not_numbers_names_itself(name, value):
    """Text, None, objects and complex numbers are refused with a TypeError that starts with the
    op's own name (not "tensor:", where the conversion happens)."""
    with pytest.raises(TypeError) as info:
        UNARY_OPS[name](value)
    assert str(info.value).startswith(f"{name}: "), str(info.value)


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@given(value=NOT_NUMBERS)
def test_a_binary_op_with_an_operand_that_is_not_numbers_names_itself(name, value):
    with pytest.raises(TypeError) as info:
        BINARY_OPS[name](x23, value)
    assert str(info.value).startswith(f"{name}: "), str(info.value)


@st.composite
def unbroadcastable_shapes(draw):
    """Two shapes that do not broadcast: equal but for one axis where both sizes are > 1 and differ."""
    a = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    axis = draw(st.integers(0, len(a) - 1))
    a[axis] = draw(st.integers(2, 4))
    b = list(a)
    b[axis] = draw(st.integers(2, 5).filter(lambda n: n != a[axis]))
    return tuple(a), tuple(b)


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
@given(shapes=unbroadcastable_shapes())
def test_a_binary_op_on_shapes_that_do_not_broadcast_names_itself_and_both_shapes(name, shapes):
    a, b = shapes
    with pytest.raises(ValueError) as info:
        BINARY_OPS[name](mg.zeros(*a), mg.zeros(*b))
    message = str(info.value)
    assert message.startswith(f"{name}: ") and str(a) in message and str(b) in message, message


# Functions that take a dim: (call, how many extra positions the dim may take -- 1 where an axis
# is inserted). Hypothesis draws the shape and the dim; an out-of-range dim is an IndexError that
# names the function and the dim, a valid one works.
DIM_FUNCTIONS = {
    "sum": (lambda t, d: mg.sum(t, d), 0), "mean": (lambda t, d: mg.mean(t, d), 0),
    "var": (lambda t, d: mg.var(t, d, unbiased=False), 0), "std": (lambda t, d: mg.std(t, d, unbiased=False), 0),
    "amax": (lambda t, d: mg.amax(t, d), 0), "amin": (lambda t, d: mg.amin(t, d), 0),
    "max": (lambda t, d: mg.max(t, d), 0), "min": (lambda t, d: mg.min(t, d), 0),
    "argmax": (lambda t, d: mg.argmax(t, d), 0), "argmin": (lambda t, d: mg.argmin(t, d), 0),
    "logsumexp": (lambda t, d: mg.logsumexp(t, d), 0), "cumsum": (lambda t, d: mg.cumsum(t, d), 0),
    "softmax": (lambda t, d: mg.softmax(t, d), 0), "log_softmax": (lambda t, d: mg.log_softmax(t, d), 0),
    "norm": (lambda t, d: mg.norm(t, dim=d), 0), "flip": (lambda t, d: mg.flip(t, (d,)), 0),
    "squeeze": (lambda t, d: mg.squeeze(t, d), 0), "unsqueeze": (lambda t, d: mg.unsqueeze(t, d), 1),
    "cat": (lambda t, d: mg.cat([t, t], d), 0), "stack": (lambda t, d: mg.stack([t, t], d), 1),
    "split": (lambda t, d: mg.split(t, 1, d), 0), "chunk": (lambda t, d: mg.chunk(t, 1, d), 0),
    "transpose": (lambda t, d: mg.transpose(t, 0, d), 0),
}


@pytest.mark.parametrize("name", sorted(DIM_FUNCTIONS))
@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3), dim=st.integers(-6, 6))
def test_every_function_with_a_dim_range_checks_it(name, shape, dim):
    call, extra = DIM_FUNCTIONS[name]
    t = mg.zeros(*shape)
    size = len(shape) + extra
    if -size <= dim < size:
        call(t, dim)
    else:
        with pytest.raises(IndexError, match=f"^{name}: dim {dim} is out of range"):
            call(t, dim)


# A layer built with a size, kernel or rate that cannot be: a ValueError naming the class.
LAYER_CONSTRUCTORS = {
    "Linear": lambda: nn.Linear(0, 2), "Conv1d": lambda: nn.Conv1d(1, 1, 0), "Conv2d": lambda: nn.Conv2d(1, 1, 0),
    "ConvTranspose2d": lambda: nn.ConvTranspose2d(1, 1, 3, stride=0), "MaxPool1d": lambda: nn.MaxPool1d(0),
    "MaxPool2d": lambda: nn.MaxPool2d(2, stride=0), "AvgPool1d": lambda: nn.AvgPool1d(2, padding=-1),
    "AvgPool2d": lambda: nn.AvgPool2d(0), "BatchNorm1d": lambda: nn.BatchNorm1d(3, eps=-1),
    "BatchNorm2d": lambda: nn.BatchNorm2d(-2), "Dropout": lambda: nn.Dropout(-0.1),
    "Upsample": lambda: nn.Upsample(scale_factor=0), "Unflatten": lambda: nn.Unflatten(-1, (-3, 2)),
    "Flatten": lambda: nn.Flatten(2, 1), "ELU": lambda: nn.ELU(float("inf")), "LeakyReLU": lambda: nn.LeakyReLU(float("nan")),
}


@pytest.mark.parametrize("name", sorted(LAYER_CONSTRUCTORS))
def test_a_layer_with_an_impossible_size_names_its_class(name):
    with pytest.raises(ValueError) as info:
        LAYER_CONSTRUCTORS[name]()
    assert str(info.value).startswith(name), str(info.value)


# Layers called on something that is not numbers: a TypeError naming the function inside
# (nn.Sigmoid -> "sigmoid: ..."; underscores aside, the class's own name).
LAYERS_ON_TEXT = {
    "ReLU": nn.ReLU(), "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "Softplus": nn.Softplus(), "ELU": nn.ELU(),
    "LeakyReLU": nn.LeakyReLU(), "Softmax": nn.Softmax(0), "LogSoftmax": nn.LogSoftmax(0), "Flatten": nn.Flatten(0),
    "Dropout": nn.Dropout(0.5),
}


@pytest.mark.parametrize("name", sorted(LAYERS_ON_TEXT))
def test_a_layer_called_on_text_names_itself(name):
    with pytest.raises(TypeError) as info:
        LAYERS_ON_TEXT[name]("some text")
    assert str(info.value).lower().replace("_", "").startswith(name.lower()), str(info.value)


LOSS_MODULES = [nn.MSELoss, nn.L1Loss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss, nn.NLLLoss]


@pytest.mark.parametrize("loss", LOSS_MODULES, ids=lambda c: c.__name__)
def test_a_loss_module_with_an_unknown_reduction_is_refused_when_built(loss):
    with pytest.raises(ValueError, match=f"^{loss.__name__}: reduction must be one of"):
        loss(reduction="avg")


OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop, optim.Adadelta]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
@given(lr=st.sampled_from([float("nan"), float("inf"), -1e-3, "0.1", None]))
def test_every_optimizer_refuses_a_learning_rate_that_is_not_one(optimizer, lr):
    with pytest.raises((ValueError, TypeError), match=f"^{optimizer.__name__}: lr"):
        optimizer([mg.zeros(2, requires_grad=True)], lr=lr)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_refuses_an_empty_parameter_list(optimizer):
    with pytest.raises(ValueError, match=f"^{optimizer.__name__}: got an empty parameter list"):
        optimizer([], lr=0.1)


SCHEDULERS = {"StepLR": lambda o: optim.lr_scheduler.StepLR(o, 1), "ExponentialLR":
              lambda o: optim.lr_scheduler.ExponentialLR(o, 0.5), "CosineAnnealingLR":
              lambda o: optim.lr_scheduler.CosineAnnealingLR(o, 5)}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_every_scheduler_refuses_something_that_is_not_an_optimizer(name):
    with pytest.raises(TypeError, match=f"^{name}: expected an optimizer"):
        SCHEDULERS[name]([mg.zeros(2, requires_grad=True)])


INIT_FUNCTIONS = ["uniform_", "normal_", "zeros_", "ones_", "xavier_uniform_", "xavier_normal_",
                  "kaiming_uniform_", "kaiming_normal_"]


@pytest.mark.parametrize("name", INIT_FUNCTIONS)
@given(value=st.one_of(st.lists(st.floats(allow_nan=False), min_size=1, max_size=3), st.just(np.zeros((2, 2))),
                       st.none()))
def test_every_init_function_refuses_what_is_not_a_tensor(name, value):
    with pytest.raises(TypeError, match=f"^{name}: expected a minigrad Tensor"):
        getattr(nn.init, name)(value)


# Functions that take no argument: Python's own error names them; nothing to add.
NO_ARGUMENTS = {"cuda_is_available": mg.cuda_is_available, "cuda_status": mg.cuda_status,
                "is_grad_enabled": mg.is_grad_enabled, "enable_grad": mg.enable_grad, "no_grad": mg.no_grad,
                "detect_anomaly": mg.detect_anomaly}


@pytest.mark.parametrize("name", sorted(NO_ARGUMENTS))
def test_a_function_without_arguments_called_with_one_names_itself(name):
    with pytest.raises(TypeError, match=name):
        NO_ARGUMENTS[name]("unexpected")


# ----------------------------------------------------------------------------- every public name
# Public callables that have no wrong call, each with the reason.
NOTHING_TO_GET_WRONG = {
    "bool_": "a dtype (NumPy's scalar type), used as dtype=minigrad.bool_", "float16": "a dtype",
    "float32": "a dtype", "float64": "a dtype", "int32": "a dtype", "int64": "a dtype",
    "CheckpointError": "an exception class: the rows above raise it", "GradcheckError": "an exception class",
    "DatasetFileError": "an exception class: the rows above raise it", "StateDictError": "an exception class",
    "BinaryConfusion": "a result record returned by binary_confusion, not built by a user",
    "KMeansResult": "a result record returned by kmeans", "ModeCoverage": "a result record returned by mode_coverage",
    "Identity": "returns its input, whatever it is (as PyTorch's nn.Identity)",
}

# Tested in another file, with files on disk: name -> (file, test function).
TESTED_ELSEWHERE = {
    "save": ("test_serialization.py", "test_save_refuses_what_load_would_refuse_and_changes_nothing"),
    "load": ("test_serialization.py", "test_corruption_is_detected"),
    "read_idx": ("test_data.py", "test_corrupt_and_truncated_files_are_reported"),
    "MNIST": ("test_data.py", "test_a_zeroed_block_inside_a_gzip_is_a_dataset_file_error"),
    "download": ("test_data.py", "test_download_verifies_and_falls_back_to_the_next_mirror"),
    "fit": ("test_serialization.py", "test_resumed_training_continues_bit_for_bit"),
}


def public_callables():
    """{name: object} for every public callable of minigrad, F, nn, nn.init, optim, its schedulers,
    minigrad.data, metrics and models (an object exported under several names appears once)."""
    import inspect

    namespaces = [mg, F, nn, nn.init, optim, optim.lr_scheduler, mg.data, metrics, models]
    found, seen = {}, set()
    for namespace in namespaces:
        names = getattr(namespace, "__all__", None) or [n for n in dir(namespace) if not n.startswith("_")]
        for name in names:
            obj = getattr(namespace, name, None)
            if obj is None or inspect.ismodule(obj) or not callable(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            found[name] = obj
    return found


def _covered_names():
    """Names some wrong call is checked to report: identifiers in the rows' required words, and the
    members of every family above."""
    import re

    names = set()
    for _, _, words in BAD_CALLS.values():
        for word in words:
            names.update(w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", word))
    names.update(n.lower() for n in PAIRED_METRICS)
    for family in (UNARY_OPS, BINARY_OPS, DIM_FUNCTIONS, LAYER_CONSTRUCTORS, LAYERS_ON_TEXT, SCHEDULERS, NO_ARGUMENTS):
        names.update(n.lower() for n in family)
    names.update(c.__name__.lower() for c in LOSS_MODULES + OPTIMIZERS)
    names.update(n.lower() for n in INIT_FUNCTIONS)
    return names


def test_every_public_function_and_class_has_a_wrong_call():
    """Adding a public function without a bad-input row fails here: give it a row in BAD_CALLS (or a
    family), or say in NOTHING_TO_GET_WRONG why it has none."""
    from pathlib import Path

    here = Path(__file__).parent
    for name, (file, test) in TESTED_ELSEWHERE.items():
        assert f"def {test}(" in (here / file).read_text(), f"{name}: {file}::{test} does not exist"
    covered = _covered_names() | {n.lower() for n in NOTHING_TO_GET_WRONG} | {n.lower() for n in TESTED_ELSEWHERE}
    missing = sorted(n for n in public_callables() if n.lower() not in covered)
    assert not missing, f"{len(missing)} public names without a wrong call: {missing}"
