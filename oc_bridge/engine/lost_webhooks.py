"""Which order changes reconciliation had to pick up because no webhook brought them.

Each one is a lost webhook (``oc_bridge_repaired_by_reconcile_total``; a non-zero rate is an
alert). A change is a candidate when reconciliation lists it and

- the pass is incremental (a saved cursor; a first or ``--full`` pass is a backfill, not a
  repair) and not a dry run;
- the ledger's sighting of the order is older than the change (or there is none): nothing had
  brought the order up to this change yet;
- reconciliation could read and handle the order.

A candidate is *lost* when the inbox holds no Orderchamp delivery about the order received
since the change (less ``alerts.lost_webhook_grace``, for clock skew between Orderchamp and
this host). A delivery that arrived but was still waiting or retrying is not lost. A change
younger than the grace may still have its webhook on the way: it is judged by a later pass,
once it is old enough (the candidates wait in the ledger cursor ``lost_webhooks:pending``), so
a webhook that arrives after reconciliation handled its order still counts as arrived.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from oc_bridge.engine.summary import SyncSummary
from oc_bridge.models import OrderChange
from oc_bridge.store import Store

__all__ = ["PENDING_CURSOR", "LostWebhooks"]

log = logging.getLogger(__name__)

#: Ledger cursor holding candidates still too young to judge (JSON list).
PENDING_CURSOR = "lost_webhooks:pending"
#: At most this many young candidates wait for judgement (the oldest are judged first).
PENDING_LIMIT = 1000


def _aware(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class LostWebhooks:
    """Finds lost webhooks during one reconciliation pass (see the module docstring):
    :meth:`behind` before an order is handled, :meth:`picked_up` after, :meth:`finish` at the
    end of the pass."""

    def __init__(self, store: Store, grace_seconds: float) -> None:
        self.store = store
        self.grace = timedelta(seconds=grace_seconds)
        raw = store.get_cursor(PENDING_CURSOR)
        self.pending: list[dict[str, str]] = json.loads(raw) if raw else []
        self._changed = False

    def behind(self, change: OrderChange) -> bool:
        """True when the ledger's sighting of the order is older than ``change`` (ask before
        the order is handled: handling records the new sighting)."""
        seen = self.store.get_order(change.id)
        seen_at = _aware(seen.updated_at) if seen is not None else None
        return seen_at is None or seen_at < change.updated_at

    def picked_up(self, change: OrderChange, summary: SyncSummary, *,
                  now: datetime | None = None) -> None:
        """Reconciliation handled ``change``, which nothing had brought before: judge it now,
        or keep it for a later pass while its webhook may still be on the way."""
        seen = self.store.get_order(change.id)
        candidate = {"order_id": change.id, "number": seen.number if seen else change.id,
                     "updated_at": change.updated_at.isoformat()}
        if self._judge(candidate, summary, now or datetime.now(UTC)) is None:
            self.pending.append(candidate)
            self._changed = True

    def _judge(self, candidate: dict[str, str], summary: SyncSummary,
               now: datetime) -> bool | None:
        """True (counted) when lost, False when its webhook arrived, None when too young."""
        changed = _aware(candidate["updated_at"])
        if changed is None:
            return False
        if changed > now - self.grace:
            return None
        since = (changed - self.grace).astimezone(UTC).isoformat(timespec="microseconds")
        if self.store.webhook_received_since(candidate["order_id"], since):
            return False
        summary.repaired_by_reconcile += 1
        summary.repaired.append(dict(candidate))
        log.warning("order %s: change of %s picked up by reconciliation; no webhook brought it "
                    "(lost webhook)", candidate["number"], candidate["updated_at"])
        return True

    def finish(self, summary: SyncSummary, *, now: datetime | None = None) -> None:
        """Judge the candidates of earlier passes that are old enough now; keep the rest."""
        now = now or datetime.now(UTC)
        waiting: list[dict[str, str]] = []
        for candidate in self.pending:
            if self._judge(candidate, summary, now) is None:
                waiting.append(candidate)
            else:
                self._changed = True
        if self._changed:
            kept = waiting[-PENDING_LIMIT:]
            self.store.set_cursor(PENDING_CURSOR, json.dumps(kept) if kept else None)
        self.pending = waiting
