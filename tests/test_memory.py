"""minigrad.memory: freed big arrays are reused, not page-faulted back in every step."""

import os
import platform
import resource
import subprocess
import sys

import numpy as np
import pytest

import minigrad  # noqa: F401  (importing it applies the allocator settings)
from minigrad import memory

glibc_only = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                                reason="the allocator settings are glibc's (mallopt)")


def page_faults_of_a_repeated_step(repeats=20):
    """Minor page faults while a "step" that makes and frees two 8 MiB arrays and a 4 MiB one
    (a patch matrix, its gradient, a padded copy) runs again and again."""
    def step():
        a, b, c = np.ones(2 ** 20), np.ones(2 ** 20), np.ones(2 ** 19)
        del a, b, c
    step()                                          # the first one may fault its pages in
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(repeats):
        step()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@glibc_only
def test_importing_minigrad_keeps_freed_memory():
    assert memory.kept_freed_memory


@glibc_only
def test_freed_arrays_are_reused_without_page_faults():
    # touching 20 MiB of fresh memory would be 5,120 page faults per step
    assert page_faults_of_a_repeated_step() < 200


def transparent_huge_pages_always():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return "[always]" in f.read()
    except OSError:
        return False


@glibc_only
@pytest.mark.skipif(transparent_huge_pages_always(), reason="with transparent huge pages always on, "
                    "fresh memory faults in 2 MiB at a time and the 4 KiB faults this counts are few anyway")
def test_the_environment_variable_keeps_glibc_defaults():
    # NumPy asks for huge pages on big arrays where the kernel allows it (madvise); turned off
    # here so that what is counted is glibc returning the memory, not the page size
    code = ("import numpy as np; "
            "m = getattr(np, '_core', None) or np.core; m.multiarray._set_madvise_hugepage(False); "
            "import minigrad, tests.test_memory as t; "
            "print(minigrad.memory.kept_freed_memory, t.page_faults_of_a_repeated_step())")
    env = dict(os.environ, MINIGRAD_KEEP_FREED_MEMORY="0")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True)
    kept, faults = out.stdout.split()
    assert kept == "False"
    assert int(faults) > 5000      # glibc's defaults return the blocks, and the faults come back (~30,000 here)
