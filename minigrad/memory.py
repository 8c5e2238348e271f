"""Keep freed memory in the process, so that big temporaries do not page-fault every step.

A training step makes and frees the same large arrays again and again: a convolution's patch
matrix (9x its input for a 3x3 kernel), its gradient, padded copies. By default glibc's
allocator hands big freed blocks back to the operating system (``munmap`` for blocks above its
mmap threshold, ``trim`` for the top of its heap), so the next step's array of the same size is
fresh memory again: the kernel zero-fills it one 4 KiB page at a time, on first touch.
Measured on the benchmark machine: 2,650 such page faults per W6 convolution step (about 10 ms
of kernel time), 5,300 per DCGAN iteration (W4); with the two settings below, none after the first
step, and those steps faster: W6 0.70-0.83x, W4 0.87x, W2 0.95x the time (alternating runs). This is the same problem PyTorch's CPU tuning guide
solves by loading jemalloc or tcmalloc instead of glibc's allocator.

The price: memory a step freed stays in the process (its resident set stays at the step's peak
instead of shrinking between steps); it is reused by the next allocation, not leaked.

Set ``MINIGRAD_KEEP_FREED_MEMORY=0`` before importing minigrad to keep glibc's defaults. On
systems without glibc (macOS, Windows, musl) this module does nothing.
"""

from __future__ import annotations

import ctypes
import os

# glibc's mallopt() parameters (malloc.h)
M_TRIM_THRESHOLD = -1       # free memory at the heap's top kept before it is returned to the OS
M_MMAP_THRESHOLD = -3       # blocks at least this large get their own mmap (and munmap when freed)

MMAP_THRESHOLD_BYTES = 32 * 2 ** 20     # glibc's largest allowed value; bigger blocks still use mmap
TRIM_THRESHOLD_BYTES = 2 ** 30

kept_freed_memory = False   # whether the settings were applied in this process


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed blocks up to 32 MiB for reuse. Returns whether it could.

    (Setting either parameter also switches off glibc's own adaptive threshold, which is why
    both are set: the adaptive one is what returns the big blocks in the first place.)"""
    global kept_freed_memory
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):       # not glibc
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    kept_freed_memory = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
                             and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
    return kept_freed_memory


if os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") != "0":
    keep_freed_memory()
