"""A small progress bar (no dependency): ``for batch in progress(loader, "epoch 1/5"): ...``.

On a terminal it redraws one line in place; elsewhere (logs, CI, notebooks piped to a file)
it prints a single line when the loop ends, so output stays readable.
"""

from __future__ import annotations

import sys
import time


class progress:
    def __init__(self, iterable, description: str = "", total: int | None = None, stream=None,
                 enabled: bool = True, width: int = 24):
        self.iterable, self.description = iterable, description
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.stream = stream or sys.stderr
        self.enabled, self.width = enabled, width
        self.postfix = ""
        self.interactive = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()

    def set_postfix(self, **values):
        self.postfix = "  ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items())

    def _line(self, done, elapsed):
        if self.total:
            filled = int(self.width * done / self.total)
            bar = "#" * filled + "." * (self.width - filled)
            head = f"{self.description} [{bar}] {done}/{self.total}"
        else:
            head = f"{self.description} {done}"
        return f"{head}  {elapsed:5.1f}s  {self.postfix}".rstrip()

    def __iter__(self):
        start = last = time.perf_counter()
        done = 0
        for item in self.iterable:
            yield item
            done += 1
            now = time.perf_counter()
            if self.interactive and now - last > 0.1:
                self.stream.write("\r" + self._line(done, now - start))
                self.stream.flush()
                last = now
        if self.enabled:
            self.stream.write(("\r" if self.interactive else "") + self._line(done, time.perf_counter() - start) + "\n")
            self.stream.flush()
