"""Learning-rate schedules. Call ``scheduler.step()`` once per epoch, after ``optimizer.step()``."""

from __future__ import annotations

import math

from minigrad import checks


class LRScheduler:
    """Sets every group's lr to ``get_lr(epoch)`` (closed forms, so resuming is exact)."""

    def __init__(self, optimizer):
        from minigrad.optim.optimizer import Optimizer

        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an optimizer (e.g. optim.SGD(...)), "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0

    def get_lr(self, epoch: int, base_lr: float) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.get_lr(self.last_epoch, base)

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state: dict) -> None:
        op = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict) or not {"last_epoch", "base_lrs"} <= set(state):
            raise ValueError(f"{op}: expected a dict with 'last_epoch' and 'base_lrs' (from state_dict()), "
                             f"got {sorted(state) if isinstance(state, dict) else type(state).__name__}")
        if len(state["base_lrs"]) != len(self.optimizer.param_groups):
            raise ValueError(f"{op}: {len(state['base_lrs'])} learning rates for "
                             f"{len(self.optimizer.param_groups)} parameter groups")
        self.last_epoch = checks.positive_int(op, "last_epoch", state["last_epoch"], 0)
        self.base_lrs = [checks.finite_number(op, "base_lrs", v, minimum=0) for v in state["base_lrs"]]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ^ floor(epoch / step_size)."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        self.step_size = checks.positive_int("StepLR", "step_size", step_size)
        self.gamma = checks.finite_number("StepLR", "gamma", gamma, minimum=0, strict_minimum=True)
        super().__init__(optimizer)

    def get_lr(self, epoch, base_lr):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ^ epoch."""

    def __init__(self, optimizer, gamma: float):
        self.gamma = checks.finite_number("ExponentialLR", "gamma", gamma, minimum=0, strict_minimum=True)
        super().__init__(optimizer)

    def get_lr(self, epoch, base_lr):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) (1 + cos(pi * epoch / T_max)) / 2."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):
        self.T_max = checks.positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = checks.finite_number("CosineAnnealingLR", "eta_min", eta_min, minimum=0)
        super().__init__(optimizer)

    def get_lr(self, epoch, base_lr):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
