"""Claims over SQL, shared by SQL backends (mixed into :class:`SqlStore`).

A claim is one row of ``claims`` that exists while a process holds it. Taking it is a plain
``INSERT ... ON CONFLICT DO NOTHING`` followed, when the row exists, by a conditional
``UPDATE`` whose WHERE clause says who may have it (the holder itself, anyone once it expired,
or the caller that proved the holder dead); the row count is the answer. Both statements are
portable (SQLite, PostgreSQL) and safe under concurrent takers: the database serialises the
writes on the row and re-checks the condition for the second taker.

Taking, renewing and giving back a claim on its own commits without a flush to disk
(``durable=False``): a claim only matters while its owner lives, and a power cut ends every
owner on the machine, so a claim lost with it costs nothing (one that survives it belongs to a
dead process and is taken over at once). A renewal inside an intent's transaction is as durable
as the intent.
"""

from __future__ import annotations

from oc_bridge.store.records import Claim
from oc_bridge.store.sql_extras import LedgerExtrasMixin, Row, utc_in, utc_now

__all__ = ["ClaimsMixin"]


def _claim(row: Row) -> Claim:
    return Claim(**dict(row))


class ClaimsMixin(LedgerExtrasMixin):
    """The SQL of claims over the backend primitives of :class:`LedgerExtrasMixin` (see
    :class:`~oc_bridge.store.base.Store` for what each method guarantees)."""


    def claim(self, name: str, owner: str, *, lease_seconds: float,
              dead_owner: str | None = None) -> bool:
        """Take (or renew) claim ``name`` for ``owner``; see :meth:`Store.claim`."""
        params = {"name": name, "owner": owner, "now": utc_now(),
                  "expires": utc_in(lease_seconds), "dead": dead_owner}
        with self.transaction(durable=False):
            if self._execute(self.sql.CLAIM_INSERT, params):
                return True
            before = self.get_claim(name)
            if not self._execute(self.sql.CLAIM_TAKE, params):
                return False
            if before is not None and before.owner != owner:
                why = "holder gone" if before.owner == dead_owner else "lease expired"
                self._activity("claim", name, "taken over", order_number=None, instance=None,
                               message=f"from {before.owner} ({why})")
            return True

    def renew_claim(self, name: str, owner: str, *, lease_seconds: float) -> bool:
        """Extend ``owner``'s claim; False when ``owner`` no longer holds it."""
        with self.transaction(durable=False):
            return bool(self._execute(self.sql.CLAIM_RENEW, {
                "name": name, "owner": owner, "expires": utc_in(lease_seconds)}))

    def release_claim(self, name: str, owner: str) -> bool:
        """Give the claim up; False when ``owner`` did not hold it (any more)."""
        with self.transaction(durable=False):
            return bool(self._execute(self.sql.CLAIM_RELEASE, {"name": name, "owner": owner}))

    def get_claim(self, name: str) -> Claim | None:
        """The claim row (live or expired), or None."""
        rows = self._query(self.sql.CLAIM_SELECT, {"name": name})
        return _claim(rows[0]) if rows else None

    def list_claims(self) -> list[Claim]:
        """Every claim row, by name."""
        return [_claim(r) for r in self._query(self.sql.CLAIM_SELECT_ALL)]

    def prune_claims(self, expired_for_seconds: float) -> int:
        """Delete claims that expired more than that many seconds ago; how many."""
        with self.transaction():
            return self._execute(self.sql.CLAIM_PRUNE, {"before": utc_in(-expired_for_seconds)})
