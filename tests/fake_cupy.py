"""A CPU test double for CuPy, so the device dispatch is tested on machines without a GPU.

``FakeDeviceArray`` is a NumPy array that behaves like a CuPy array in the ways that
matter for catching bugs:

* mixing it with a plain (host) NumPy array in any operation raises, as CuPy does
  ("Unsupported type <class 'numpy.ndarray'>");
* indexing it with a host index array raises;
* the fake module's functions return device arrays (its ``linalg``, ``random`` and
  ``lib.stride_tricks`` too; ``out=`` and ``where=`` arguments must be device arrays), and
  ``asnumpy`` is the only way back; reductions return 0-d device arrays, never host scalars.

What it cannot catch: ``numpy.asarray(device_array)`` works here (a FakeDeviceArray *is* a NumPy
array) but raises on real CuPy, so code must move arrays to the host with ``backend.to_numpy``.

So an op that silently builds a host array (``np.zeros`` instead of ``xp.zeros``) for a
device tensor fails loudly here, exactly where it would fail -- or silently copy -- on a GPU.
"""

from __future__ import annotations

import types

import numpy as np


class HostDeviceMixError(TypeError):
    pass


def _is_host(x) -> bool:
    return type(x) is np.ndarray


def _check_no_host(values, what):
    for v in values:
        if isinstance(v, (list, tuple)):
            _check_no_host(v, what)
        elif _is_host(v):
            raise HostDeviceMixError(f"{what}: a host numpy.ndarray {v.shape} was mixed with device arrays")


def _unwrap(x):
    if isinstance(x, FakeDeviceArray):
        return x.view(np.ndarray)
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v) for v in x)
    return x


def _wrap(x):
    if type(x) is np.ndarray:
        return x.view(FakeDeviceArray)
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    if isinstance(x, np.generic):          # CuPy returns 0-d device arrays, never host scalars
        return np.asarray(x).view(FakeDeviceArray)
    return x


class FakeDeviceArray(np.ndarray):
    """A NumPy array playing the part of ``cupy.ndarray`` on device 0."""

    @property
    def device(self):
        return types.SimpleNamespace(id=0)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _check_no_host(inputs, f"{ufunc.__name__}.{method}")
        if "out" in kwargs:
            _check_no_host(kwargs["out"], f"{ufunc.__name__}.{method} out=")
            kwargs["out"] = _unwrap(kwargs["out"])
        result = getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
        return _wrap(result)

    def __array_function__(self, func, types_, args, kwargs):
        _check_no_host(args, func.__name__)
        _check_no_host(kwargs.values(), func.__name__)
        return _wrap(func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

    def __getitem__(self, index):
        _check_no_host(index if isinstance(index, tuple) else (index,), "getitem")
        return _wrap(np.ndarray.__getitem__(self.view(np.ndarray), _unwrap(index)))

    def __setitem__(self, index, value):
        _check_no_host(index if isinstance(index, tuple) else (index,), "setitem")
        _check_no_host((value,), "setitem value")
        np.ndarray.__setitem__(self.view(np.ndarray), _unwrap(index), _unwrap(value))


def _device_kwargs(name, kwargs):
    """``out=`` and ``where=`` must be device arrays too (CuPy refuses host ones); unwrap them."""
    for key in ("out", "where"):
        if key in kwargs and kwargs[key] is not None and not isinstance(kwargs[key], (bool, int, float)):
            _check_no_host(kwargs[key] if isinstance(kwargs[key], tuple) else (kwargs[key],), f"{name} {key}=")
    return {k: _unwrap(v) for k, v in kwargs.items()}


class _FakeUfunc:
    def __init__(self, ufunc):
        self.ufunc = ufunc

    def __call__(self, *args, **kwargs):
        _check_no_host(args, self.ufunc.__name__)
        return _wrap(self.ufunc(*_unwrap(args), **_device_kwargs(self.ufunc.__name__, kwargs)))

    def reduce(self, a, *args, **kwargs):
        _check_no_host((a,), f"{self.ufunc.__name__}.reduce")
        return _wrap(self.ufunc.reduce(_unwrap(a), *args, **_device_kwargs(self.ufunc.__name__, kwargs)))

    def at(self, a, index, b):
        _check_no_host((a, b) + (index if isinstance(index, tuple) else (index,)), f"{self.ufunc.__name__}.at")
        self.ufunc.at(a.view(np.ndarray), _unwrap(index), _unwrap(b))


class _FakeModule(types.ModuleType):
    """``import cupy`` look-alike: every NumPy function, taking and returning device arrays."""

    ndarray = FakeDeviceArray
    __version__ = "fake"

    def __init__(self):
        super().__init__("fake_cupy")
        self.cuda = types.SimpleNamespace(
            runtime=types.SimpleNamespace(getDeviceCount=lambda: 1, getDevice=lambda: 0),
            Device=_FakeDevice,
        )
        # cupy.lib.stride_tricks and cupy.linalg take and return device arrays, like the rest
        self.lib = types.SimpleNamespace(stride_tricks=_FakeNamespace(np.lib.stride_tricks, "lib.stride_tricks"))
        self.linalg = _FakeNamespace(np.linalg, "linalg")
        self.random = _FakeNamespace(np.random, "random")

    def __getattr__(self, name):
        target = getattr(np, name)
        if isinstance(target, np.ufunc):
            return _FakeUfunc(target)
        if callable(target) and not isinstance(target, type):
            def function(*args, **kwargs):
                _check_no_host(args, name)
                return _wrap(target(*_unwrap(args), **_device_kwargs(name, kwargs)))
            return function
        return target

    # host -> device is allowed for these two, as in CuPy
    def asarray(self, x, dtype=None):
        return _wrap(np.array(_unwrap(x), dtype=dtype, copy=None))

    def array(self, x, dtype=None, copy=True):
        return _wrap(np.array(_unwrap(x), dtype=dtype, copy=copy))

    def asnumpy(self, x):
        return np.array(_unwrap(x))


class _FakeNamespace:
    """A submodule of the fake (linalg, random, lib.stride_tricks): NumPy's functions, device in and out."""

    def __init__(self, module, name):
        self._module, self._name = module, name

    def __getattr__(self, attribute):
        target = getattr(self._module, attribute)
        if not callable(target) or isinstance(target, type):
            return target

        def function(*args, **kwargs):
            _check_no_host(args, f"{self._name}.{attribute}")
            _check_no_host(list(kwargs.values()), f"{self._name}.{attribute}")
            return _wrap(target(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))
        return function


class _FakeDevice:
    def __init__(self, index=0):
        self.id = index

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


fake_cupy = _FakeModule()
