"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, state_dict.

An optimizer updates parameters *in place* from their ``.grad``. The arithmetic runs on
raw arrays (no graph is recorded), and each update bumps the parameter's version so that
a stale graph cannot be backpropagated through by mistake.
"""

from __future__ import annotations

import copy

from minigrad import backend, checks
from minigrad.tensor import Tensor


class Optimizer:
    def __init__(self, params, defaults: dict):
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(params[0], dict):
            params = [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        self.state = {}               # id(param) -> dict of arrays (momentum buffers, ...)
        seen = set()
        for group in params:
            group = dict(group)
            group["params"] = list(group["params"])
            for p in group["params"]:
                if not isinstance(p, Tensor) or not p.requires_grad:
                    raise TypeError(f"{type(self).__name__}: can only optimize tensors that require grad, "
                                    f"got {type(p).__name__}")
                if id(p) in seen:
                    raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
                seen.add(id(p))
            for key, value in defaults.items():
                group.setdefault(key, value)
            self._check_hyperparameters(group)
            self.param_groups.append(group)

    def _check_hyperparameters(self, group):
        """Finite, in range, checked before the optimizer exists (a NaN learning rate is refused)."""
        op = type(self).__name__
        for key in ("lr", "momentum", "dampening", "weight_decay", "eps", "alpha", "rho"):
            if key in group:       # alpha and rho are decay rates of running averages: in [0, 1]
                checks.finite_number(op, key, group[key], minimum=0,
                                     maximum=1 if key in ("alpha", "rho", "dampening") else None)
        if "betas" in group:
            betas = group["betas"]
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise TypeError(f"{op}: betas must be a pair (beta1, beta2), got {betas!r}")
            for name, b in zip(("beta1", "beta2"), betas):
                if checks.finite_number(op, name, b, minimum=0) >= 1:
                    raise ValueError(f"{op}: {name} must be < 1, got {b}")

    def _params_with_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    yield group, p, p.grad.data, self.state.setdefault(id(p), {})

    def step(self):
        for group, p, g, state in self._params_with_grad():
            self.update(p.data, g, state, group)
            p._modified()

    def update(self, w, g, state: dict, group: dict) -> None:
        """Update array ``w`` in place from gradient ``g``; subclasses implement the rule."""
        raise NotImplementedError

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    # -------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        """Hyper-parameters and per-parameter state; parameters are referred to by their index."""
        index = {}
        groups = []
        for group in self.param_groups:
            entry = {k: v for k, v in group.items() if k != "params"}
            entry["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                entry["params"].append(index[id(p)])
            groups.append(entry)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if id(p) in self.state:
                    state[index[id(p)]] = {k: (v.copy() if hasattr(v, "copy") else v)
                                           for k, v in self.state[id(p)].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        missing = [k for k in ("param_groups", "state") if not isinstance(state_dict, dict) or k not in state_dict]
        if missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: not an optimizer state_dict (missing "
                             f"{', '.join(repr(k) for k in missing)}); pass what optimizer.state_dict() returned")
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(g["params"]) != len(own["params"]) for g, own in zip(groups, self.param_groups)):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the checkpoint's parameter groups "
                             f"({[len(g['params']) for g in groups]} parameters) do not match this optimizer's "
                             f"({[len(g['params']) for g in self.param_groups]})")
        params = [p for group in self.param_groups for p in group["params"]]
        new_state = {}
        for key, values in state_dict["state"].items():
            p = params[int(key)]
            xp = backend.array_module(p.data)
            restored = {}
            for k, v in values.items():
                if hasattr(v, "shape") and getattr(v, "ndim", 0) > 0:
                    if tuple(v.shape) != p.shape:
                        raise ValueError(f"{type(self).__name__}.load_state_dict: state {k!r} of parameter "
                                         f"{key} has shape {tuple(v.shape)}, the parameter {p.shape}")
                    v = xp.array(v, dtype=p.dtype)
                elif hasattr(v, "item"):
                    v = v.item()
                restored[k] = v
            new_state[id(p)] = restored
        for group, saved in zip(self.param_groups, groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = copy.deepcopy(v.item() if hasattr(v, "item") else v)
        self.state = new_state

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({settings})"
