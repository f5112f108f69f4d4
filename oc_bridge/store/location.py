"""Whether the ledger's place is usable, checked without creating anything.

``config check`` and every command that opens the ledger ask :func:`store_location_problem`
first, so a ``[store] url`` whose folder cannot be created (a file in the way, no write
permission) or that names a folder is a configuration problem naming ``store.url``, not a
traceback from ``mkdir`` or SQLite.
"""

from __future__ import annotations

import os
from pathlib import Path

from oc_bridge.errors import SettingProblem

__all__ = ["STORE_URL_KEY", "store_location_problem"]

STORE_URL_KEY = "store.url"


def _nearest_existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def store_location_problem(path: Path | None) -> SettingProblem | None:
    """Why the SQLite ledger file ``path`` cannot be opened or created; None when it can (and
    for stores that are not SQLite files, ``path`` None)."""
    if path is None:
        return None
    path = path.absolute()
    if path.exists() or path.is_symlink():
        if not path.is_file():
            return SettingProblem(STORE_URL_KEY, f"{path} exists and is not a file")
        if not os.access(path, os.R_OK | os.W_OK):
            return SettingProblem(STORE_URL_KEY, f"{path} is not readable and writable")
    folder = path.parent
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        return SettingProblem(STORE_URL_KEY, f"cannot create the folder {folder}: "
                                             f"{existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        what = "write in" if existing == folder else "create the folder " + str(folder) + " in"
        return SettingProblem(STORE_URL_KEY, f"cannot {what} {existing}: permission denied")
    return None
