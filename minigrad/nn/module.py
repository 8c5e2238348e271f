"""Module and Parameter: how layers own their weights and nest inside each other.

A ``Module`` notices what you assign to it: a ``Parameter`` becomes one of its
parameters, another ``Module`` becomes a child, a tensor given to ``register_buffer``
becomes state that is saved but not trained (BatchNorm's running statistics). That is
all ``parameters()``, ``state_dict()`` and ``to(device)`` need to walk a whole model.

State-dict keys are the attribute paths, exactly as PyTorch names them for the same
architecture: ``encoder.fc1.weight``, ``0.bias``, ``bn.running_mean``.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from minigrad import backend
from minigrad.grad_mode import no_grad
from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a learnable weight of a Module (``requires_grad=True`` by default)."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        if isinstance(data, Tensor):
            data = data.data
        try:
            super().__init__(data, requires_grad=requires_grad)
        except (TypeError, ValueError) as err:
            raise type(err)(f"Parameter: {str(err).removeprefix('tensor: ')}") from None

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class StateDictError(RuntimeError, KeyError):
    """A checkpoint that does not fit the module (PyTorch raises a RuntimeError; a KeyError too, as
    minigrad did before). Printed as plain lines."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class Module:
    """Base class of every layer and model. Subclasses define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self.__dict__.get("_buffer_names", ()):
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        for registry in ("_parameters", "_modules", "_buffers"):
            items = self.__dict__.get(registry)
            if items is not None and name in items:
                return items[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None):
        """Keep ``tensor`` as state of this module: saved in state_dict and moved by ``to``, not trained."""
        self.__dict__.setdefault("_buffer_names", set()).add(name)
        self._buffers[name] = tensor

    def add_module(self, name: str, module: "Module"):
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: expected a Module (a layer such as nn.Linear(...)), got "
                            f"{type(module).__name__} {module!r:.40}")
        self._modules[name] = module

    # -------------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -------------------------------------------------------------- walking the tree
    def named_modules(self, prefix: str = ""):
        """This module and every descendant, depth-first, in the order they were assigned."""
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        return (m for _, m in self.named_children())

    def named_parameters(self, prefix: str = ""):
        """(dotted name, Parameter) for every parameter, each listed once, in a fixed order."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def named_buffers(self):
        for module_name, module in self.named_modules():
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{module_name}.{name}" if module_name else name), b

    def buffers(self):
        return (b for _, b in self.named_buffers())

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -------------------------------------------------------------- modes and devices
    def train(self, mode: bool = True) -> "Module":
        """Training mode (dropout active, BatchNorm uses batch statistics) or not."""
        if not isinstance(mode, bool):
            raise TypeError(f"{type(self).__name__}.train: mode must be True or False, got {mode!r} "
                            f"(use .eval() for evaluation mode)")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def to(self, device=None, dtype=None) -> "Module":
        """Move (or cast) every parameter and buffer in place; parameters keep their identity,
        so an optimizer built before the move still holds the right tensors."""
        if device is not None and not backend.is_device(device):
            device, dtype = None, device
        for t in list(self.parameters()) + list(self.buffers()):
            data = t.data
            if dtype is not None and np.issubdtype(data.dtype, np.floating):
                data = data.astype(dtype)
            if device is not None:
                data = backend.to_device(data, device)
            t.data = data
            if t.grad is not None:
                t.grad.data = backend.to_device(t.grad.data, device) if device is not None else t.grad.data
        return self

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on every submodule, children first, then on this module (PyTorch's
        ``apply``, e.g. ``model.apply(init_weights)``)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    # -------------------------------------------------------------- state
    def state_dict(self) -> "OrderedDict[str, Tensor]":
        """Every parameter and buffer by dotted name (the tensors themselves, detached)."""
        state = OrderedDict()
        for module_name, module in self.named_modules():
            for registry in (module._parameters, module._buffers):
                for name, t in registry.items():
                    if t is not None:
                        state[f"{module_name}.{name}" if module_name else name] = t.detach()
        return state

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy values from ``state_dict`` (Tensors or arrays) into this module's tensors.

        Every problem -- missing keys, unexpected keys, shape or dtype mismatches -- is
        collected and reported in one error *before* anything is copied, so a failed load
        leaves the module as it was. Returns (missing_keys, unexpected_keys) when not strict.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"load_state_dict into {type(self).__name__}: expected a dict of tensors (from "
                            f"state_dict() or minigrad.load), got {type(state_dict).__name__}")
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            value = value.data if isinstance(value, Tensor) else value
            shape, dtype = tuple(np.shape(value)), getattr(value, "dtype", None)
            if shape != target.shape:
                problems.append(f"{key}: shape {shape} in the checkpoint, {target.shape} in the model")
            elif dtype is not None and np.dtype(dtype).kind != target.dtype.kind:
                problems.append(f"{key}: dtype {dtype} in the checkpoint, {target.dtype} in the model")
        if strict:
            problems += [f"{k}: missing from the checkpoint" for k in missing]
            problems += [f"{k}: in the checkpoint but not in the model" for k in unexpected]
        if problems:
            raise StateDictError(f"load_state_dict into {type(self).__name__}: {len(problems)} problem(s):\n  "
                           + "\n  ".join(problems))
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    value = state_dict[key]
                    value = value.data if isinstance(value, Tensor) else value
                    xp = backend.array_module(target.data)
                    target.copy_(xp.asarray(value, dtype=target.dtype))
        return missing, unexpected

    # -------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        children = list(self.named_children())
        if not children:
            return lines[0] + ")"
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after the other; children are named "0", "1", ... as in PyTorch."""

    def __init__(self, *modules: Module):
        super().__init__()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*items[index])
        return items[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module) -> "Sequential":
        self.add_module(str(len(self._modules)), module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list would hide them)."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, index):
        return list(self._modules.values())[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())
