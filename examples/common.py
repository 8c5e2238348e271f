"""What every lesson script shares: its command line, its data, its output folder.

Every script accepts the same options:

    --dataset {digits,mnist,fashion-mnist}   default: MNIST when it is on disk, else the 8x8 digits
    --epochs N  --batch-size N  --device {cpu,cuda}  --seed N
    --out DIR        default runs/<name>/
    --quick          a few-seconds smoke run on the 8x8 digits
    --download       fetch MNIST / Fashion-MNIST if it is missing
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import data


def parser(name: str, description: str, epochs: int, batch_size: int = 128) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m examples.{name}", description=description)
    p.add_argument("--dataset", choices=["digits", "mnist", "fashion-mnist"], default=None,
                   help="default: mnist when available, else digits")
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=batch_size)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default runs/{name}/)")
    p.add_argument("--quick", action="store_true", help="a few-seconds smoke run on the 8x8 digits")
    p.add_argument("--download", action="store_true", help="download the dataset if it is missing")
    p.set_defaults(name=name)
    return p


class Run:
    """The parsed options, the data, the output folder and the metrics being collected."""

    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.device = args.device
        if self.device == "cuda":
            usable, reason = mg.cuda_status()
            if not usable:
                sys.exit(f"--device cuda: {reason}")
        self.out = args.out or Path("runs") / args.name
        self.out.mkdir(parents=True, exist_ok=True)
        self.metrics = {}
        self.started = time.perf_counter()
        mg.manual_seed(args.seed)
        self.dataset = self._choose_dataset()
        self.train_x, self.train_y, self.test_x, self.test_y = self._load()
        self.classes = (data.mnist.CLASSES.get(self.dataset) or [str(d) for d in range(10)])
        self.image_shape = self.train_x.shape[1:]
        print(f"[{args.name}] {self.dataset}: {len(self.train_x)} training and {len(self.test_x)} test images "
              f"of shape {self.image_shape}; writing to {self.out}/")

    def _choose_dataset(self):
        if self.quick:
            return "digits"
        if self.args.dataset is not None:
            return self.args.dataset
        if data.is_available("mnist"):
            return "mnist"
        if self.args.download:
            return "mnist"
        print("note: MNIST not found, using the built-in 8x8 digits. To use MNIST, set MINIGRAD_DATA to a folder "
              "holding mnist/ or run with --download.")
        return "digits"

    def _load(self):
        if self.dataset == "digits":
            x, y = data.load_digits()
            order = np.random.default_rng(0).permutation(len(x))
            train, test = order[:1500], order[1500:]
            return x[train], y[train], x[test], y[test]
        cls = data.MNIST if self.dataset == "mnist" else data.FashionMNIST
        train = cls(train=True, download=self.args.download)
        test = cls(train=False, download=self.args.download)
        return train.images, train.labels, test.images, test.labels

    def record(self, **values):
        """Add numbers to metrics.json (and print them)."""
        for k, v in values.items():
            self.metrics[k] = v
            print(f"  {k}: {v:.4f}" if isinstance(v, float) else f"  {k}: {v}")

    def path(self, filename: str) -> Path:
        return self.out / filename

    def finish(self):
        self.metrics["dataset"] = self.dataset
        self.metrics["seconds"] = round(time.perf_counter() - self.started, 1)
        bad = [k for k, v in _numbers(self.metrics) if not math.isfinite(v)]
        if bad:
            raise RuntimeError(f"non-finite metrics: {bad}")
        tmp = self.path("metrics.json.tmp")
        tmp.write_text(json.dumps(self.metrics, indent=2, default=_plain))
        os.replace(tmp, self.path("metrics.json"))
        figures = sorted(p.name for p in self.out.glob("*.png"))
        print(f"[{self.args.name}] done in {self.metrics['seconds']} s: {len(figures)} figures and metrics.json "
              f"in {self.out}/")
        return self.metrics


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to metrics.json")


def _numbers(tree, prefix=""):
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _numbers(v, f"{prefix}{k}.")
    elif isinstance(tree, (list, tuple, np.ndarray)):
        for i, v in enumerate(tree):
            yield from _numbers(v, f"{prefix}{i}.")
    elif isinstance(tree, (int, float, np.number)) and not isinstance(tree, bool):
        yield prefix.rstrip("."), float(tree)
