"""Test configuration: hypothesis profiles and shared fixtures.

Profiles (choose with MINIGRAD_HYPOTHESIS_PROFILE):
  ci        default; few examples per property so the suite runs in minutes on 2 cores
  thorough  many more examples, for a long local run before a release
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=15, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("MINIGRAD_HYPOTHESIS_PROFILE", "ci"))

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def _real_cupy_or_skip():
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no GPU")
        return cupy
    except Exception as err:                       # not installed, no driver, no device
        pytest.skip(f"real CuPy is not usable here ({type(err).__name__}): this device test ran against "
                    f"the CuPy test double only")


@pytest.fixture(params=["double", "cupy"])
def gpu(request, monkeypatch):
    """A 'cuda' device for the test: the CuPy test double (tests/fake_cupy.py, always), and real
    CuPy on a real GPU where one is usable. Returns the array module standing for cupy."""
    from minigrad import backend
    from tests.fake_cupy import fake_cupy

    module = fake_cupy if request.param == "double" else _real_cupy_or_skip()
    monkeypatch.setattr(backend, "_cupy", module)
    monkeypatch.setattr(backend, "_looked_for_cupy", True)
    monkeypatch.setattr(backend, "_cupy_error", None)
    return module
