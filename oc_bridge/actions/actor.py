"""Who is acting: the name recorded with an operator's action in the audit trail."""

from __future__ import annotations

import getpass
from collections.abc import Mapping

__all__ = ["cli_actor"]


def cli_actor(environ: Mapping[str, str]) -> str:
    """``cli:<OS user>`` for a command run from a shell (``$USER``/``$LOGNAME``, else the
    account's name; ``cli:unknown`` when none can be found)."""
    name = environ.get("USER") or environ.get("LOGNAME")
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (some containers)
            name = "unknown"
    return f"cli:{name}"
