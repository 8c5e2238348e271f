"""One training loop for every model that defines ``training_loss(*batch) -> dict``.

The dict holds the scalar Tensor to minimise under "loss" and any other numbers worth
recording (accuracy, reconstruction term, KL term, ...). ``fit`` runs the loop the course
teaches -- for each mini-batch: forward, ``zero_grad``, ``backward``, ``step`` -- and keeps a
per-epoch history of the training means and of the evaluation on a held-out split.

Checkpoints (``checkpoint=path``) hold the model, the optimizer, the shuffling generator
and the history after every epoch; ``resume=True`` continues from one exactly, so an
interrupted run ends where an uninterrupted one would have.
"""

from __future__ import annotations

import os
from collections import defaultdict

import numpy as np

import minigrad as mg
from minigrad import checks
from minigrad.data import DataLoader, TensorDataset
from tqdm.auto import tqdm
from models.inference import model_device


def _as_dataset(data):
    if data is None or hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, tuple):
        return data
    return TensorDataset(*data)


def _mean_logs(logs):
    return {k: float(np.mean(v)) for k, v in logs.items()}


def evaluate(model, data, batch_size: int = 512, device=None) -> dict:
    """Mean of every number ``training_loss`` reports, over ``data``, in eval mode, without a graph."""
    dataset = _as_dataset(data)
    if len(dataset) == 0:
        raise ValueError("evaluate: the data is empty (0 samples)")
    checks.positive_int("evaluate", "batch_size", batch_size)
    was_training = model.training
    model.eval()
    totals, count = defaultdict(float), 0
    try:
        with mg.no_grad():
            for batch in DataLoader(dataset, batch_size=batch_size, device=device or model_device(model)):
                logs = model.training_loss(*batch)
                n = len(batch[0])
                for k, v in logs.items():
                    totals[k] += (v.item() if isinstance(v, mg.Tensor) else float(v)) * n
                count += n
    finally:
        model.train(was_training)
    return {k: v / count for k, v in totals.items()}


def random_generators(model) -> dict:
    """Every random generator a training run of ``model`` draws from, by name: the global default
    one (dropout without its own generator draws from it) and each ``minigrad.Generator`` held by
    one of the model's modules (dropout masks, the VAE's noise, a denoising AE's corruption).
    Their states go into fit's checkpoint, so that a resumed run draws the same numbers."""
    found = {"default": mg.random.default_generator}
    for name, module in model.named_modules():
        for attribute, value in vars(module).items():
            if isinstance(value, mg.Generator):
                found[f"{name}.{attribute}" if name else attribute] = value
    return found


def fit(model, train, *, epochs: int, optimizer, batch_size: int = 128, validation=None, device=None,
        seed: int = 0, scheduler=None, checkpoint=None, resume: bool = False, progress_bar: bool = True,
        log=print) -> list:
    """Train ``model`` on ``train`` (a Dataset or a tuple of arrays); returns the history (one dict per epoch)."""
    checks.positive_int("fit", "epochs", epochs)
    checks.positive_int("fit", "batch_size", batch_size)
    train = _as_dataset(train)
    generator = mg.Generator(seed)
    device = device or model_device(model)           # batches go where the model lives
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, generator=generator, device=device)
    history, start = [], 0
    if resume and checkpoint is not None and os.path.exists(checkpoint):
        state = mg.load(checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        generator.set_state(state["generator"])
        for name, rng in random_generators(model).items():
            if name in state.get("random_generators", {}):
                rng.set_state(state["random_generators"][name])
        if scheduler is not None and "scheduler" in state:
            scheduler.load_state_dict(state["scheduler"])
        history, start = list(state["history"]), int(state["epoch"])
        log(f"resumed from {checkpoint} at epoch {start}")

    for epoch in range(start, epochs):
        model.train()
        logs = defaultdict(list)
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", disable=not progress_bar,
                   dynamic_ncols=True)
        for batch in bar:
            result = model.training_loss(*batch)
            optimizer.zero_grad()
            result["loss"].backward()
            optimizer.step()
            for k, v in result.items():
                logs[k].append(v.item() if isinstance(v, mg.Tensor) else float(v))
            bar.set_postfix(loss=f"{np.mean(logs['loss']):.4f}", refresh=False)   # the running mean
        if scheduler is not None:
            scheduler.step()
        record = {"epoch": epoch + 1, **{f"train_{k}": v for k, v in _mean_logs(logs).items()}}
        if validation is not None:
            record.update({f"val_{k}": v for k, v in evaluate(model, validation, device=device).items()})
        summary = {k: f"{v:.4f}" for k, v in record.items() if k == "train_loss" or k.startswith("val_")}
        bar.set_postfix(summary)              # the epoch's line keeps its mean loss and validation numbers
        bar.close()
        history.append(record)
        if checkpoint is not None:
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "generator": generator.get_state(), "history": history, "epoch": epoch + 1,
                     "random_generators": {name: rng.get_state() for name, rng in random_generators(model).items()}}
            if scheduler is not None:
                state["scheduler"] = scheduler.state_dict()
            mg.save(state, checkpoint)
    return history
