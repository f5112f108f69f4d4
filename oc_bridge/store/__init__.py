"""The ledger: everything the bridge did, recorded as intent before and outcome after each step.

``open_store(url)`` opens the configured store; :class:`Store` is the interface the engine, the
CLI and the daemon use; the records and states live in :mod:`oc_bridge.store.records`.
"""

from __future__ import annotations

from pathlib import Path

from oc_bridge.errors import ConfigurationError, SettingProblem, SettingsError
from oc_bridge.store.alert_records import AlertSend, WorkItem
from oc_bridge.store.base import Store
from oc_bridge.store.hold_records import OrderHold, OrderWait
from oc_bridge.store.inbox import (
    ORDERCHAMP_SOURCE,
    InboxDelivery,
    InboxItem,
    InboxState,
    body_digest,
)
from oc_bridge.store.location import store_location_problem
from oc_bridge.store.records import (
    UNFINISHED_EXPORT_STATES,
    UNFINISHED_SHIPMENT_STATES,
    ActivityEntry,
    Claim,
    ExportOperation,
    ExportRecord,
    ExportState,
    OrderSeen,
    ParkedItem,
    ParkedKind,
    ShipmentRecord,
    ShipmentState,
    StoreCounts,
)
from oc_bridge.store.sqlite import SqliteStore
from oc_bridge.store.workflow_records import AwaitingStock, ShortLine, StockPush

__all__ = [
    "ORDERCHAMP_SOURCE",
    "UNFINISHED_EXPORT_STATES",
    "UNFINISHED_SHIPMENT_STATES",
    "ActivityEntry",
    "AlertSend",
    "AwaitingStock",
    "Claim",
    "ExportOperation",
    "ExportRecord",
    "ExportState",
    "InboxDelivery",
    "InboxItem",
    "InboxState",
    "OrderHold",
    "OrderSeen",
    "OrderWait",
    "ParkedItem",
    "ParkedKind",
    "ShipmentRecord",
    "ShipmentState",
    "ShortLine",
    "SqliteStore",
    "StockPush",
    "Store",
    "StoreCounts",
    "WorkItem",
    "body_digest",
    "check_store_url",
    "is_postgres_url",
    "open_store",
    "sqlite_path",
    "store_url_problem",
]

_SQLITE = "sqlite:///"


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL (None for ``:memory:`` and other schemes).

    ``sqlite:///relative.db`` is relative to the working directory; ``sqlite:////abs.db`` is
    absolute (the fourth slash starts the path).
    """
    if not url.startswith(_SQLITE):
        return None
    rest = url[len(_SQLITE):]
    if rest in ("", ":memory:"):
        return None
    return Path(rest)


def store_url_problem(url: str) -> SettingProblem | None:
    """Why the ledger at ``url`` could not be opened or created (``store.url`` named), checked
    without creating anything; None when it looks usable."""
    return store_location_problem(sqlite_path(url))



def check_store_url(url: str) -> None:
    """Raise ``SettingsError`` naming ``store.url`` when :func:`store_url_problem` finds one
    (before anything is built that would need the ledger's folder)."""
    problem = store_url_problem(url)
    if problem is not None:
        raise SettingsError([problem])


def open_store(url: str) -> Store:
    """Open the store at ``url``: ``sqlite:///relative.db``, ``sqlite:////abs/path.db`` or
    ``sqlite:///:memory:`` (migrated when opened), or ``postgresql://user@host:port/db``
    (checked, never migrated: ``oc-bridge db upgrade`` does that).

    Raises ``ConfigurationError`` for an unsupported URL or an unusable database
    (``SettingsError`` naming ``store.url`` when its place cannot be used; a PostgreSQL schema
    that is not at this version), ``TransientError`` when a PostgreSQL server cannot be
    reached.
    """
    check_store_url(url)
    if url.startswith(_SQLITE):
        path = sqlite_path(url)
        if path is None and url[len(_SQLITE):] != ":memory:":
            raise ConfigurationError(f"store.url {url!r} names no database file")
        return SqliteStore(path if path is not None else ":memory:")
    if is_postgres_url(url):
        from oc_bridge.store.postgres import PostgresStore  # psycopg only when used

        return PostgresStore(url)
    raise ConfigurationError(f"store.url {url!r}: must start with sqlite:/// or postgresql://")


def is_postgres_url(url: str) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) store URL."""
    return url.startswith(("postgresql://", "postgres://"))
