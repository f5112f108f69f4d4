"""Disk full on the CSV outbound folder: the export fails as a transient error, is never marked
done, leaves no half-written file in the folder, and goes through once space is back.

Where mounting is permitted (root in CI), the folder is a real 1 MiB tmpfs filled to the brim;
otherwise that test skips and the second one simulates ``OSError(ENOSPC)`` at the adapter's
file boundary (half the file written, then the error), which always runs.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import oc_bridge_csv.outbound
import pytest
from e2e_bridge import Bridge

from oc_bridge.cli import CliEnv, main
from oc_bridge.store import ExportState, SqliteStore


def _states(bridge: Bridge) -> dict[str, int]:
    with SqliteStore(bridge.root / "ledger.db") as store:
        return store.counts().exports


def _leftovers(folder: Path, *keep: str) -> list[str]:
    """Everything in the folder but the order files and ``keep``: temporary or partial files."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name not in keep and not (p.name.startswith("orders-")
                                                 and p.name.endswith(".csv")))


@pytest.fixture
def tmpfs_outbound(bridge: Bridge) -> Iterator[Path]:
    bridge.outbound.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs",
                              str(bridge.outbound)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or 'not permitted'}); "
                    "test_simulated_enospc covers the same rules")
    try:
        yield bridge.outbound
    finally:
        subprocess.run(["umount", "-l", str(bridge.outbound)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as handle:  # unbuffered: nothing left to flush
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_full_tmpfs_fails_the_export_until_space_is_freed(bridge: Bridge,
                                                            tmpfs_outbound: Path) -> None:
    filler = _fill(tmpfs_outbound)
    first = bridge.run("sync")
    assert first.returncode == 4, first.stderr  # finished, something failed
    assert "No space left on device" in first.stderr
    assert bridge.order_files() == {}
    assert _leftovers(tmpfs_outbound, "filler.bin") == []  # no temporary file left behind
    states = _states(bridge)
    assert ExportState.EXPORTED.value not in states and states.get("failed", 0) > 0, states

    filler.unlink()  # space is back
    second = bridge.run("sync")
    assert second.returncode == 0, second.stderr
    files = bridge.order_files()
    assert files and set(files.values()) == {1}  # every order exactly once
    assert _states(bridge) == {"exported": len(files)}
    assert _leftovers(tmpfs_outbound) == []


def test_simulated_enospc(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> None:
    real = oc_bridge_csv.outbound.atomic_write
    full = [True]

    def atomic_write(directory: Path, name: str, write: Callable[[TextIO], None], *,
                     encoding: str) -> Path:
        if not full[0] or Path(directory) != bridge.outbound:
            return real(directory, name, write, encoding=encoding)

        def half_then_full(handle: TextIO) -> None:
            buffer = io.StringIO()
            write(buffer)
            handle.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
            handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return real(directory, name, half_then_full, encoding=encoding)

    monkeypatch.setattr(oc_bridge_csv.outbound, "atomic_write", atomic_write)

    def sync() -> tuple[int, str]:
        err = io.StringIO()
        code = main(["--config", str(bridge.config), "sync"],
                    env=CliEnv(stdout=io.StringIO(), stderr=err, environ={}))
        return code, err.getvalue()

    code, err = sync()
    assert code == 4, err
    assert "No space left on device" in err
    assert bridge.order_files() == {}
    assert _leftovers(bridge.outbound) == []
    assert ExportState.EXPORTED.value not in _states(bridge)

    full[0] = False
    code, err = sync()
    assert code == 0, err
    files = bridge.order_files()
    assert files and set(files.values()) == {1}
    assert _states(bridge) == {"exported": len(files)}
    assert _leftovers(bridge.outbound) == []
