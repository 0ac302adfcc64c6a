"""A progress bar for long ingests: tqdm when installed (chromadb brings it), else a plain one."""
from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator


class _PlainBar:
    """Prints `desc: n/total` to stderr at most twice a second."""

    def __init__(self, iterable: Iterable[Any] | None, total: int | None, desc: str, unit: str) -> None:
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.n = 0
        self._last = 0.0

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.update(1)

    def __enter__(self) -> "_PlainBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int) -> None:
        self.n += n
        now = time.monotonic()
        if now - self._last >= 0.5:
            self._last = now
            of = f"/{self.total}" if self.total else ""
            print(f"\r{self.desc}: {self.n}{of} {self.unit}s", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._last:
            print(file=sys.stderr)


class _NoBar(_PlainBar):
    def update(self, n: int) -> None:
        self.n += n

    def close(self) -> None:
        pass


def progress_bar(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
                 unit: str = "it", enabled: bool = True) -> Any:
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if not enabled:
        return _NoBar(iterable, total, desc, unit)
    try:
        from tqdm import tqdm
    except ImportError:
        return _PlainBar(iterable, total, desc, unit)
    # disable=None: tqdm stays quiet when stderr is not a terminal (logs, CI).
    return tqdm(iterable, total=total, desc=desc, unit=unit, disable=None, leave=False)
