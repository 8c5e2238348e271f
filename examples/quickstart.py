"""Quickstart: train a two-layer network on the 8x8 digits with nothing but minigrad's autodiff.

    python -m examples.quickstart [--epochs 30] [--seed 0]

The model is written out by hand -- two weight matrices, ReLU, log-softmax and the
negative log-likelihood -- so that every step of a training loop is visible:
forward, backward, and a plain gradient-descent update under ``no_grad``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import minigrad as mg
from examples.common import non_negative_int, number_in, positive_int


def load_digits():
    """The 8x8 digits (1,797 images) that ship inside scikit-learn: no download needed."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    return digits.data.astype(np.float32) / 16.0, digits.target.astype(np.int64)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=positive_int, default=30)
    parser.add_argument("--batch-size", type=positive_int, default=64)
    parser.add_argument("--lr", type=number_in(0, 10, low_open=True), default=0.1)
    parser.add_argument("--seed", type=non_negative_int, default=0)
    args = parser.parse_args(argv)

    images, labels = load_digits()
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(images))
    train, test = order[:1500], order[1500:]

    gen = mg.Generator(args.seed)
    w1 = (mg.randn(64, 128, generator=gen) * np.sqrt(2 / 64)).requires_grad_()
    b1 = mg.zeros(128, requires_grad=True)
    w2 = (mg.randn(128, 10, generator=gen) * np.sqrt(1 / 128)).requires_grad_()
    b2 = mg.zeros(10, requires_grad=True)
    params = [w1, b1, w2, b2]

    def forward(x):
        return mg.log_softmax(mg.relu(x @ w1 + b1) @ w2 + b2, dim=1)

    start = time.perf_counter()
    for epoch in range(args.epochs):
        rng.shuffle(train)
        total = 0.0
        for i in range(0, len(train), args.batch_size):
            batch = train[i:i + args.batch_size]
            x, y = mg.tensor(images[batch]), labels[batch]
            log_probs = forward(x)
            loss = -log_probs[np.arange(len(batch)), y].mean()     # negative log-likelihood
            for p in params:
                p.grad = None
            loss.backward()
            with mg.no_grad():
                for p in params:
                    p.sub_(args.lr * p.grad.data)                   # gradient descent
            total += loss.item() * len(batch)
        if epoch % 5 == 4 or epoch == args.epochs - 1:
            print(f"epoch {epoch + 1:3d}  train loss {total / len(train):.4f}")

    with mg.no_grad():
        predictions = forward(mg.tensor(images[test])).argmax(dim=1).numpy()
    accuracy = float((predictions == labels[test]).mean())
    print(f"test accuracy {accuracy:.3f} on {len(test)} held-out digits "
          f"({time.perf_counter() - start:.1f} s)")
    return accuracy


if __name__ == "__main__":
    main()
