"""Small, careful file operations shared by the CSV adapter: atomic writes, directory fsync,
safe name parts and collision-free moves."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

__all__ = [
    "atomic_write",
    "fsync_dir",
    "move_unique",
    "now_utc",
    "safe_part",
    "text_writer",
    "unique_target",
    "utc_stamp",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def utc_stamp(moment: datetime) -> str:
    """``20261127T101500Z``: the moment in UTC (naive moments are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def safe_part(value: str) -> str:
    """``value`` usable inside a file name: runs of anything but letters, digits, ``.``, ``_``
    and ``-`` become ``_``; leading dots are dropped (hidden files are skipped by pollers)."""
    cleaned = _UNSAFE.sub("_", value).lstrip(".")
    return cleaned or "_"


def text_writer(text: str) -> Callable[[TextIO], None]:
    """A writer for :func:`atomic_write` that writes ``text``."""

    def write(handle: TextIO) -> None:
        handle.write(text)

    return write


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(
    directory: Path, name: str, write: Callable[[TextIO], None], *, encoding: str
) -> Path:
    """Write ``directory/name`` so that no reader ever sees a partial file.

    The content goes to a temporary ``.<name>.<random>.tmp`` in the same folder (a name
    pollers skip), is flushed and fsynced, then ``os.replace``-d onto the final name and the
    folder is fsynced. On any failure the temporary file is removed and the error re-raised;
    the final name is untouched.
    """
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, directory / name)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(directory)
    return directory / name


def unique_target(directory: Path, name: str, *companions: str) -> Path:
    """A path in ``directory`` for ``name`` that does not exist yet (``name``, then
    ``stem-1.suffix``, ``stem-2.suffix``...), also checking ``<candidate><companion>`` files
    (e.g. ``.errors.txt``) so a file and its report always share a name."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    counter = 0
    while True:
        candidate = name if counter == 0 else f"{stem}-{counter}{dot}{suffix}"
        path = directory / candidate
        taken = path.exists() or any((directory / (candidate + c)).exists() for c in companions)
        if not taken:
            return path
        counter += 1


def move_unique(source: Path, directory: Path, *companions: str) -> Path:
    """Move ``source`` into ``directory`` (created if needed) under a name not yet taken there;
    returns the new path. Never overwrites and never deletes."""
    directory.mkdir(parents=True, exist_ok=True)
    target = unique_target(directory, source.name, *companions)
    os.rename(source, target)
    fsync_dir(directory)
    return target


def now_utc() -> datetime:
    """The current time in UTC (a seam for tests)."""
    return datetime.now(UTC)
