"""Using a trained model on data: one helper for "run this model over these arrays in batches".

Every model helper (``codes``, ``reconstruct``, ``predict``, ``sample``, ``interpolate``, attribute
vectors, the GAN's samples) goes through ``run_in_batches``, so the device rule is written once:

* inputs may be NumPy arrays or Tensors, on the host or on the device;
* each batch is moved to the device the model's parameters live on;
* the model runs in eval mode without recording a graph, and its previous mode is restored
  afterwards, also when the function raises;
* results come back as NumPy arrays on the host (``to_host=True``, the default), or as Tensors
  left on the model's device.
"""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad import backend, checks


def model_device(model) -> str:
    """The device of a model's parameters ("cpu" for a model without parameters)."""
    if not hasattr(model, "parameters"):
        raise TypeError(f"model_device: expected a Module, got {type(model).__name__}")
    for p in model.parameters():
        return p.device
    return "cpu"


def _batch(array, start, stop, device):
    if isinstance(array, mg.Tensor):
        return array[start:stop].to(device)
    return mg.tensor(np.asarray(array[start:stop]), device=device)


def run_in_batches(model, fn, *arrays, batch_size: int = 1024, to_host: bool = True):
    """``fn(*batches)`` for consecutive batches of ``arrays`` (all of the same length), joined.

    ``fn`` returns a Tensor or a tuple of Tensors; the result is the same structure with the
    batches concatenated along axis 0 (NumPy arrays if ``to_host``, else device Tensors).
    """
    checks.positive_int("run_in_batches", "batch_size", batch_size)
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"run_in_batches: the inputs have different lengths {[len(a) for a in arrays]}")
    device = model_device(model)
    was_training = model.training
    model.eval()
    try:
        with mg.no_grad():
            outputs = [fn(*[_batch(a, i, i + batch_size, device) for a in arrays]) for i in range(0, n, batch_size)]
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("run_in_batches: no data (the inputs are empty)")
    if isinstance(outputs[0], tuple):
        return tuple(_join([o[k] for o in outputs], to_host) for k in range(len(outputs[0])))
    return _join(outputs, to_host)


def _join(tensors, to_host):
    if to_host:
        return np.concatenate([backend.to_numpy(t.data) for t in tensors])
    return mg.cat(tensors) if len(tensors) > 1 else tensors[0]
