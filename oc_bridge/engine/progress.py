"""How long runs report progress: a small protocol the CLI implements (a bar on a terminal,
periodic log lines otherwise), and the plain line-per-N-items form for simple callers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["LineProgress", "ProgressReporter", "as_reporter"]


@runtime_checkable
class ProgressReporter(Protocol):
    """Told when a run starts (with the number of items when known), after each item, and
    when it ends (with a one-line result)."""

    def start(self, what: str, total: int | None) -> None:
        """A run over ``total`` items (None: unknown) begins."""
        ...

    def advance(self, done: int, note: str) -> None:
        """``done`` items so far; ``note`` says what came of them (exported, updated ...)."""
        ...

    def finish(self, line: str) -> None:
        """The run ended; ``line`` sums it up."""
        ...


class LineProgress:
    """The ``note`` through ``emit`` every ``every()`` items, and the last line at the end."""

    def __init__(self, emit: Callable[[str], None], every: Callable[[], int]) -> None:
        self._emit = emit
        self._every = every

    def start(self, what: str, total: int | None) -> None:
        pass

    def advance(self, done: int, note: str) -> None:
        every = self._every()
        if every > 0 and done % every == 0:
            self._emit(note)

    def finish(self, line: str) -> None:
        self._emit(line)


def as_reporter(progress: ProgressReporter | Callable[[str], None] | None,
                every: Callable[[], int]) -> ProgressReporter | None:
    """A reporter for ``progress``: itself, or a :class:`LineProgress` around a callable."""
    if progress is None or isinstance(progress, ProgressReporter):
        return progress
    return LineProgress(progress, every)
