"""``minigrad.accelerator``: PyTorch's ``torch.accelerator`` questions, answered for CuPy.

    device = mg.accelerator.current_accelerator() if mg.accelerator.is_available() else mg.device("cpu")
"""

from __future__ import annotations

from minigrad import backend


def is_available() -> bool:
    """True when a GPU backend (CuPy with a visible device) is usable."""
    return backend.cuda_is_available()


def current_accelerator():
    """``device("cuda")`` when a GPU is usable, else None."""
    return backend.device("cuda") if is_available() else None


def device_count() -> int:
    if not is_available():
        return 0
    return int(backend._cupy.cuda.runtime.getDeviceCount())
