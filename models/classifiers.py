"""Supervised models: an MLP and a LeNet-style CNN classifier, and an MLP for regression."""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import checks, nn
from minigrad.nn import functional as F
from models.inference import run_in_batches


class Classifier(nn.Module):
    """Shared by the classifiers: cross-entropy training loss, predictions, probabilities."""

    def training_loss(self, x, y):
        logits = self(x)
        loss = F.cross_entropy(logits, y)
        accuracy = float((logits.data.argmax(1) == y.data).mean())
        return {"loss": loss, "accuracy": accuracy}

    def predict_proba(self, x, batch_size: int = 1024):
        """Class probabilities (n, K) as a NumPy array, computed in eval mode without a graph."""
        return run_in_batches(self, lambda t: F.softmax(self(t), 1), x, batch_size=batch_size)

    def predict(self, x, batch_size: int = 1024):
        return self.predict_proba(x, batch_size).argmax(1)

    def features(self, x, batch_size: int = 1024):
        """The penultimate layer's activations, e.g. for the Fréchet distance."""
        return run_in_batches(self, self.body, x, batch_size=batch_size)

    def forward(self, x):
        return self.head(self.body(x))


class MLPClassifier(Classifier):
    """Flatten -> [Linear -> ReLU -> Dropout] per hidden layer -> Linear to class logits."""

    def __init__(self, in_features: int = 784, hidden=(512, 256), num_classes: int = 10, dropout: float = 0.0,
                 generator=None):
        super().__init__()
        checks.positive_int("MLPClassifier", "in_features", in_features)
        checks.sizes("MLPClassifier", "hidden", hidden, allow_empty=True)
        checks.positive_int("MLPClassifier", "num_classes", num_classes)
        checks.finite_number("MLPClassifier", "dropout", dropout, minimum=0, maximum=0.999)
        layers, width = [nn.Flatten()], in_features
        for h in hidden:
            layers += [nn.Linear(width, h, generator=generator), nn.ReLU()]
            if dropout:
                layers.append(nn.Dropout(dropout, generator=generator))
            width = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, num_classes, generator=generator)


class CNNClassifier(Classifier):
    """LeNet-style: two [conv 3x3 -> ReLU -> max-pool 2] stages, then a hidden dense layer.

    For 28x28 inputs the feature maps go 28 -> 14 -> 7; for 8x8 digits 8 -> 4 -> 2.
    """

    def __init__(self, image_size: int = 28, in_channels: int = 1, channels=(32, 64), hidden: int = 128,
                 num_classes: int = 10, dropout: float = 0.0, generator=None):
        super().__init__()
        op = "CNNClassifier"
        if checks.positive_int(op, "image_size", image_size) % 4:
            raise ValueError(f"{op}: image_size must be divisible by 4, got {image_size}")
        checks.positive_int(op, "in_channels", in_channels)
        if len(checks.sizes(op, "channels", channels)) != 2:
            raise ValueError(f"{op}: channels must be two sizes (first conv, second conv), got {channels}")
        checks.positive_int(op, "hidden", hidden)
        checks.positive_int(op, "num_classes", num_classes)
        checks.finite_number(op, "dropout", dropout, minimum=0, maximum=0.999)
        c1, c2 = channels
        side = image_size // 4
        layers = [
            nn.Conv2d(in_channels, c1, 3, padding=1, generator=generator), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1, generator=generator), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * side * side, hidden, generator=generator), nn.ReLU(),
        ]
        if dropout:
            layers.append(nn.Dropout(dropout, generator=generator))
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(hidden, num_classes, generator=generator)


class RegressionMLP(nn.Module):
    """y = f(x) with tanh hidden layers and a linear output, trained on the mean squared error."""

    def __init__(self, in_features: int = 1, hidden=(64, 64), out_features: int = 1, generator=None):
        super().__init__()
        checks.positive_int("RegressionMLP", "in_features", in_features)
        checks.sizes("RegressionMLP", "hidden", hidden, allow_empty=True)
        checks.positive_int("RegressionMLP", "out_features", out_features)
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h, generator=generator), nn.Tanh()]
            width = h
        layers.append(nn.Linear(width, out_features, generator=generator))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)

    def training_loss(self, x, y):
        return {"loss": F.mse_loss(self(x), y)}

    def predict(self, x, batch_size: int = 1024):
        return run_in_batches(self, self, x, batch_size=batch_size)
