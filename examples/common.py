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


# Argument types that refuse a bad value while parsing (argparse then prints the usage and one
# line naming the flag, and exits with status 2), before any data is loaded or trained on.
def int_at_least(minimum: int):
    """An int type accepting minimum and above."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {'at least 1' if minimum == 1 else f'>= {minimum}'}, "
                                             f"got {value}")
        return value
    return parse


positive_int, non_negative_int = int_at_least(1), int_at_least(0)


def number_in(low: float, high: float, low_open: bool = False, high_open: bool = False):
    """A float type accepting low..high (either end open)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        too_low = value <= low if low_open else value < low
        too_high = value >= high if high_open else value > high
        if not math.isfinite(value) or too_low or too_high:
            interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
            raise argparse.ArgumentTypeError(f"must be in {interval}, got {text}")
        return value
    return parse


def class_index(text: str) -> int:
    value = non_negative_int(text)
    if value > 9:
        raise argparse.ArgumentTypeError(f"must be a class 0..9, got {value}")
    return value


class _Given(argparse.Action):
    """Store the value and remember that the user gave the flag (a lesson may change the value
    itself later, e.g. --quick's short settings, so comparing with the default cannot tell)."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


class _ShowDefaults(argparse.ArgumentDefaultsHelpFormatter):
    """--help shows each default, except where the help text already says it or there is none."""

    def _get_help_string(self, action):
        if action.default in (None, False) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def parser(name: str, description: str, epochs: int, batch_size: int = 128) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"python -m examples.{name}", description=description,
                                formatter_class=_ShowDefaults)
    p.add_argument("--dataset", choices=["digits", "mnist", "fashion-mnist"], default=None,
                   help="the data (default: mnist when it is on disk, else the 8x8 digits)")
    p.add_argument("--epochs", type=positive_int, default=epochs, action=_Given, help="passes over the training set")
    p.add_argument("--batch-size", type=positive_int, default=batch_size, help="samples per minibatch")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="where the model trains")
    p.add_argument("--seed", type=non_negative_int, default=0, help="seed of every random generator")
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default: runs/{name}/)")
    p.add_argument("--quick", action="store_true",
                   help="a few-seconds smoke run on the 8x8 digits (overrides --dataset and --epochs)")
    p.add_argument("--download", action="store_true", help="download the dataset if it is missing")
    p.set_defaults(name=name, epochs_given=False)
    return p


def unwritable(folder: Path):
    """Why files cannot be written into ``folder`` (created if missing), or None if they can: found by
    writing a probe file, so a read-only disk or a file in the way is caught before any work."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        return err.strerror or str(err)
    return None


def _refuse(args, message):
    """A user's mistake on the command line: one line, status 2, no traceback (argparse's style)."""
    print(f"python -m examples.{args.name}: error: {message}", file=sys.stderr)
    sys.exit(2)


class Run:
    """The parsed options, the data, the output folder and the metrics being collected."""

    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.device = args.device
        if self.device == "cuda":
            usable, reason = mg.cuda_status()
            if not usable:
                _refuse(args, f"--device cuda: {reason}")
        self.out = args.out or Path("runs") / args.name
        self._check_writable(args)
        if self.quick and (args.dataset is not None or args.epochs_given):
            print("note: --quick runs on the 8x8 digits with the lesson's short settings; the --dataset and "
                  "--epochs given are not used")
        self.metrics = {}
        self.started = time.perf_counter()
        mg.manual_seed(args.seed)
        self.dataset = self._choose_dataset()
        self.train_x, self.train_y, self.test_x, self.test_y = self._load()
        self.classes = (data.mnist.CLASSES.get(self.dataset) or [str(d) for d in range(10)])
        self.image_shape = self.train_x.shape[1:]
        print(f"[{args.name}] {self.dataset}: {len(self.train_x)} training and {len(self.test_x)} test images "
              f"of shape {self.image_shape}; writing to {self.out}/")

    def _check_writable(self, args):
        """Find an unwritable --out now, by writing a probe file, not after training."""
        problem = unwritable(self.out)
        if problem:
            _refuse(args, f"--out {self.out}: cannot write there ({problem})")

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

    def reference_classifier(self):
        """An MLP classifier trained on the real training images (3 epochs; 10 on the small digits):
        the judge of generated or edited images -- which class is this? (Trained once per run.)"""
        if getattr(self, "_reference_classifier", None) is None:
            import models
            from minigrad import optim

            classifier = models.MLPClassifier(int(np.prod(self.image_shape)), (256,), 10,
                                              generator=mg.Generator(self.args.seed)).to(self.device)
            models.fit(classifier, (self.train_x, self.train_y), epochs=10 if self.quick else 3,
                       optimizer=optim.Adam(classifier.parameters(), 1e-3), batch_size=128, device=self.device,
                       progress_bar=False)
            self._reference_classifier = classifier
        return self._reference_classifier

    def quick_caveat(self, holds: bool, claim: str, full_run: str):
        """In --quick mode, say so when a lesson's claim does not hold on the small run (8x8
        digits, a few epochs), instead of letting the smoke run teach the opposite."""
        if self.quick and not holds:
            note = f"quick-mode caveat: {claim} does not hold in this short run on the 8x8 digits; {full_run}"
            print("  " + note)
            self.metrics.setdefault("quick_caveats", []).append(note)

    def finish(self):
        self.metrics["dataset"] = self.dataset
        self.metrics["config"] = {
            "arguments": {k: str(v) if isinstance(v, Path) else v for k, v in vars(self.args).items()
                          if k != "epochs_given"},
            "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "minigrad": mg.__version__},
        }
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


def notebook_flags(name: str) -> list:
    """The flags a notebook passes to its lesson's ``configure``: ``--quick`` when the environment
    variable MINIGRAD_QUICK=1 (how CI runs every notebook in seconds), and its own output folder."""
    quick = os.environ.get("MINIGRAD_QUICK") == "1"
    return (["--quick"] if quick else []) + ["--out", str(Path("runs") / f"{name}-notebook")]


def show(run: Run, *filenames):
    """Display figures a lesson step wrote, inline in a notebook."""
    from IPython.display import Image, display
    for filename in filenames:
        display(Image(filename=str(run.path(filename))))


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
