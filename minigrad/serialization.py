"""Checkpoints: ``minigrad.save(obj, path)`` and ``minigrad.load(path)``.

``obj`` is any nesting of dicts, lists and tuples whose leaves are Tensors, arrays, Python
numbers, strings, booleans or None -- a state_dict, an optimizer's state, a generator's state,
an epoch counter. The file is a NumPy ``.npz``: every array is stored as its own entry, and the
structure goes into a JSON entry. No pickle is written or read, so loading a checkpoint can
never run code.

Safety: the file is written to a temporary name and renamed into place, so a crash never
leaves a half-written checkpoint under the real name; every array carries a SHA-256 that is
verified on load, so corruption is reported, not silently loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from minigrad import backend
from minigrad.tensor import Tensor

FORMAT = "minigrad-checkpoint-1"


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, truncated, corrupt or not a minigrad checkpoint."""


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _encode(obj, arrays: dict):
    """Turn ``obj`` into JSON-able data, moving every array into ``arrays``."""
    if isinstance(obj, Tensor) or backend.is_array(obj):
        array = backend.to_numpy(obj.data if isinstance(obj, Tensor) else obj)
        if array.dtype.kind not in "biufc":                 # load reads no pickles: refuse them here
            raise TypeError(f"save: cannot store an array of dtype {array.dtype} (shape {array.shape}); only "
                            f"numeric and bool arrays can be saved without pickle")
        key = f"a{len(arrays)}"
        arrays[key] = array
        kind = "tensor" if isinstance(obj, Tensor) else "array"
        return {"__" + kind + "__": key, "sha256": _digest(array)}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        return {"__dict__": [[_encode(k, arrays), _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, arrays) for v in obj]
    raise TypeError(f"save: cannot store an object of type {type(obj).__name__} (only tensors, arrays, "
                    f"numbers, strings, None, and dicts/lists/tuples of them)")


def _decode(data, arrays, path):
    if isinstance(data, list):
        return [_decode(v, arrays, path) for v in data]
    if not isinstance(data, dict):
        return data
    if "__dict__" in data:
        return {_decode(k, arrays, path): _decode(v, arrays, path) for k, v in data["__dict__"]}
    if "__tuple__" in data:
        return tuple(_decode(v, arrays, path) for v in data["__tuple__"])
    kind = "tensor" if "__tensor__" in data else "array"
    key = data["__" + kind + "__"]
    if key not in arrays.files:
        raise CheckpointError(f"{path}: entry {key} is missing; the file is truncated or corrupt")
    array = arrays[key]
    if _digest(array) != data["sha256"]:
        raise CheckpointError(f"{path}: entry {key} {array.shape} fails its SHA-256 check; the file is corrupt")
    return Tensor(array) if kind == "tensor" else array


def save(obj, path) -> None:
    """Write ``obj`` to ``path`` atomically (temporary file in the same folder, then rename).

    Everything is checked and encoded before the file is touched. Temporary files of this target
    left behind by a save that was killed midway are removed once this save has succeeded.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"save: {path} is a directory; give a file name such as {path / 'checkpoint.npz'}")
    arrays: dict = {}
    meta = {"format": FORMAT, "content": _encode(obj, arrays)}
    buffer = io.BytesIO()
    np.savez(buffer, __meta__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name carries this process's id, so a later save can tell a dead writer's leftovers
    fd, tmp = tempfile.mkstemp(prefix=f"{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    _remove_stale_temporaries(path)


def _remove_stale_temporaries(path: Path):
    """Delete ``<name>.<pid>.*.tmp`` files of this target whose writing process no longer runs
    (a save killed midway); a save still running in another process is left alone."""
    escaped = "".join(f"[{c}]" if c in "*?[" else c for c in path.name)
    for stale in path.parent.glob(f"{escaped}.*.tmp"):
        pid = stale.name[len(path.name) + 1:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _process_alive(int(pid)):
            continue
        try:
            stale.unlink()
        except OSError:
            pass


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:                   # exists, owned by someone else
        return True
    return True


def load(path):
    """Read a checkpoint written by ``save``; Tensors come back as Tensors (on the CPU)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            if "__meta__" not in arrays.files:
                raise CheckpointError(f"{path}: not a minigrad checkpoint (no __meta__ entry)")
            meta = json.loads(arrays["__meta__"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise CheckpointError(f"{path}: unknown checkpoint format {meta.get('format')!r}")
            return _decode(meta["content"], arrays, path)
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, json.JSONDecodeError,
            NotImplementedError, zlib.error, UnicodeDecodeError) as err:   # a damaged zip header or stream
        raise CheckpointError(f"{path}: cannot read checkpoint ({type(err).__name__}: {err}); "
                              f"the file is truncated or corrupt") from None
