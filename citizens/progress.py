"""A one-line progress bar for long commands (``import_population``, ``seed_bulk``), on stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redrawn in place at most ten times a second; ``close()`` ends the line. Counts items or bytes."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, width: int = 30, unit: str = ""):
        self.label, self.total, self.width, self.unit = label, max(total, 1), width, unit
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.started = self.drawn = time.monotonic()

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.drawn >= 0.1:
            self.drawn = now
            self.draw(now)

    def set(self, done: int) -> None:
        self.update(done - self.done)

    def draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        filled = int(share * self.width)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        self.stream.write(
            f"\r{self.label:<14} [{'#' * filled}{'.' * (self.width - filled)}] {share:6.1%} "
            f"{self.done:>12,}/{self.total:,}{self.unit} {rate:>12,.0f}{self.unit}/s {elapsed:6.1f} s"
        )
        self.stream.flush()

    def close(self) -> None:
        self.draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()
