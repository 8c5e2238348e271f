"""Where arrays live: NumPy on the CPU, CuPy on an NVIDIA GPU.

This is the only module in minigrad that imports cupy. Everything else asks it
one question -- "which array module holds this array?" -- and writes the rest of
its code once, against that module::

    xp = array_module(x)      # numpy or cupy
    y = xp.exp(x)             # runs wherever x lives

Because NumPy and CuPy share an API, a single code path serves both devices.

Device names follow PyTorch: ``"cpu"``, ``"cuda"`` (the current GPU) and
``"cuda:N"``.
"""

from __future__ import annotations

import numpy

_cupy = None            # the cupy module once imported successfully
_cupy_error = None      # why CUDA is unusable, once we have looked
_looked_for_cupy = False

INSTALL_HINT = 'install the GPU extra: pip install -e ".[gpu]" (the CuPy wheel for CUDA 12)'


def _find_cupy():
    """Import cupy once, lazily, and remember why it failed if it did."""
    global _cupy, _cupy_error, _looked_for_cupy
    if _looked_for_cupy:
        return _cupy
    _looked_for_cupy = True
    try:
        import cupy
    except ImportError as err:
        _cupy_error = f"cupy is not installed ({err}); {INSTALL_HINT}"
        return None
    except Exception as err:  # a broken CUDA install can fail at import time
        _cupy_error = f"cupy failed to import: {type(err).__name__}: {err}"
        return None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:
        _cupy_error = f"cupy is installed but the CUDA driver failed: {type(err).__name__}: {err}"
        return None
    if count == 0:
        _cupy_error = "cupy is installed but no CUDA device is visible"
        return None
    _cupy = cupy
    return cupy


def cuda_status() -> tuple[bool, str]:
    """Return ``(usable, reason)``: whether the CUDA backend works, and why not if it does not."""
    if _find_cupy() is not None:
        return True, f"cupy {_cupy.__version__} with {_cupy.cuda.runtime.getDeviceCount()} device(s)"
    return False, _cupy_error


def cuda_is_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    return cuda_status()[0]


def array_module(x):
    """The array module (``numpy`` or ``cupy``) that holds array ``x``.

    Anything that is not a CuPy array (NumPy arrays, Python numbers) answers numpy.
    """
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy
    return numpy


def special(x):
    """The special-function module for array ``x``: ``scipy.special`` or ``cupyx.scipy.special``
    (erf and friends, which NumPy itself lacks)."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        try:
            import cupyx.scipy.special as cupy_special
            return cupy_special
        except ImportError:                      # the CuPy test double has no cupyx
            pass
    import scipy.special
    return scipy.special


def is_array(x) -> bool:
    """True for a NumPy or CuPy ndarray."""
    return isinstance(x, numpy.ndarray) or (_cupy is not None and isinstance(x, _cupy.ndarray))


class device:
    """A device name as an object, PyTorch's ``torch.device``: ``device("cuda")``, ``device("cpu")``,
    ``device("cuda:1")``; ``.type`` is "cpu" or "cuda". Everywhere a device is taken, its name works too."""

    def __init__(self, name="cpu", index=None):
        name = str(name)
        if index is not None:
            name = f"{name}:{index}"
        self.type, _, number = name.partition(":")
        if self.type not in ("cpu", "cuda"):
            raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {name!r}")
        self.index = int(number) if number.isdigit() else None
        self.name = name

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"device(type='{self.type}'" + (f", index={self.index})" if self.index is not None else ")")

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(self.name)


def is_device(value) -> bool:
    """A device given by name or as a ``device`` object (anything else, e.g. a dtype, is not)."""
    return isinstance(value, (str, device))


def parse_device(device) -> str:
    """Normalise a device name: ``None``/``"cpu"`` -> ``"cpu"``, ``"cuda"``/``"cuda:N"`` -> ``"cuda:N"``.

    Asking for CUDA when it is unusable raises a ``RuntimeError`` saying why and how to fix it.
    """
    if device is None:
        return "cpu"
    name = str(device).strip().lower()
    if name == "cpu":
        return "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        index = name[5:] if name.startswith("cuda:") else None
        if index is not None and not index.isdigit():
            raise ValueError(f"device: cannot parse {device!r}; expected 'cpu', 'cuda' or 'cuda:N'")
        usable, reason = cuda_status()
        if not usable:
            raise RuntimeError(f"device {device!r} requested but CUDA is unusable: {reason}")
        if index is None:
            index = str(_cupy.cuda.runtime.getDevice())
        return f"cuda:{index}"
    raise ValueError(f"device: cannot parse {device!r}; expected 'cpu', 'cuda' or 'cuda:N'")


def device_of(x) -> str:
    """The device name of array ``x``: ``"cpu"`` or ``"cuda:N"``."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return f"cuda:{x.device.id}"
    return "cpu"


def to_device(x, device):
    """Return array ``x`` on ``device`` (no copy when it is already there)."""
    device = parse_device(device)
    if device == "cpu":
        if _cupy is not None and isinstance(x, _cupy.ndarray):
            return _cupy.asnumpy(x)
        return numpy.asarray(x)
    index = int(device.split(":")[1])
    if isinstance(x, _cupy.ndarray) and x.device.id == index:
        return x
    with _cupy.cuda.Device(index):
        return _cupy.asarray(x)


def to_numpy(x):
    """A NumPy copy (or view, on the CPU) of array ``x``, wherever it lives."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy.asnumpy(x)
    return numpy.asarray(x)
