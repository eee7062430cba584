"""Progress while the bench runs: rich bars on a terminal, plain lines anywhere else."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any


class Task:
    """One bar (or one line every few seconds): `update(done)` or `advance(n)`."""

    def __init__(self, owner: Progress, description: str, total: int) -> None:
        self.owner, self.description, self.total = owner, description, max(total, 1)
        self.done = 0
        self.began = time.monotonic()
        self._last_line = 0.0
        self._id: Any = None

    def update(self, done: int) -> None:
        """Set how much is done."""
        self.done = done
        self.owner._show(self)

    def advance(self, n: int = 1) -> None:
        """Add `n` to what is done."""
        self.update(self.done + n)


class Progress:
    """Rich progress bars when stdout is a terminal, otherwise a line every few seconds."""

    def __init__(self, plain: bool | None = None) -> None:
        self.plain = plain if plain is not None else not sys.stdout.isatty()
        self._rich: Any = None
        if not self.plain:
            try:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    SpinnerColumn,
                    TextColumn,
                    TimeElapsedColumn,
                )
                from rich.progress import Progress as RichProgress
            except ImportError:
                self.plain = True
            else:
                self._rich = RichProgress(
                    SpinnerColumn(),
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                )

    def __enter__(self) -> Progress:
        if self._rich is not None:
            self._rich.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._rich is not None:
            self._rich.stop()

    def note(self, message: str) -> None:
        """A line of its own, above the bars."""
        if self._rich is not None:
            self._rich.console.print(message, highlight=False, markup=False)
        else:
            print(message, flush=True)

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Task]:
        """A unit of work with a known size; shown finished (or where it stopped) on exit."""
        task = Task(self, description, total)
        if self._rich is not None:
            task._id = self._rich.add_task(description, total=task.total)
        try:
            yield task
        finally:
            if self._rich is None:
                self._line(task, final=True)

    def _show(self, task: Task) -> None:
        if self._rich is not None:
            self._rich.update(task._id, completed=task.done)
            return
        now = time.monotonic()
        if now - task._last_line >= 3.0:
            task._last_line = now
            self._line(task)

    @staticmethod
    def _line(task: Task, final: bool = False) -> None:
        elapsed = time.monotonic() - task.began
        mark = "done" if final else "..."
        print(
            f"  {task.description}: {task.done}/{task.total}"
            f" ({100 * task.done / task.total:.0f}%) {elapsed:.1f}s {mark}",
            flush=True,
        )
