"""Claims: one process at a time per step with an outside side effect, and per job.

Several processes may share one ledger (a cron ``oc-bridge sync`` next to ``oc-bridge run``,
or daemon replicas). Before a step that changes something outside (an export, a shipment, a
stock push...) the engine takes the step's claim in the ledger; a process that finds it held
skips the step (the holder finishes it). A claim is a lease: it names its owner
(``host:pid:random``) and expires unless renewed, so the work of a process that died is taken
over exactly once — at once when the dead owner ran on this host (its pid is gone), after
``sync.claim_seconds`` otherwise. Every intent and outcome is written in one transaction with a
renewal of the claim (:meth:`Claims.guard`): a process whose claim was taken over writes
nothing more and stops (:class:`~oc_bridge.errors.ClaimLost`). Jobs (reconciliation, a shipment
pull of one adapter instance, the stock push) hold a named claim the same way for their whole
run (:meth:`Claims.job`), renewed by a heartbeat thread; a process that finds a job held skips
it with a log line (webhook intake and other jobs are not blocked). A job lock has its own,
shorter lease (``sync.job_lock_seconds``): the heartbeat renews it while the job runs, even
during a long outside call, so it need not outlast any call, and a job of a replica that died
on another host is taken over soon.

Claims, not PostgreSQL advisory locks, hold jobs on every backend (docs/daemon.md says why).
One engine holds its claims for one thread: the daemon gives each worker thread and each job
its own engine (own owner), so two threads of one process exclude each other exactly as two
processes do.

Claim names: ``export:<instance>:<order id>``, ``shipment:<instance>:<shipment key>``,
``invoice:<instance>:<invoice id>``, ``confirm:<order id>``, ``delivery:<order id>``,
``job:reconcile``, ``job:shipments:<instance>``, ``job:stock``.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from oc_bridge.errors import ClaimLost
from oc_bridge.store import Store

__all__ = ["Claims", "new_owner", "owner_is_dead"]

log = logging.getLogger(__name__)


def new_owner() -> str:
    """A fresh owner identity for one engine: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_is_dead(owner: str) -> bool:
    """True only when ``owner`` ran on this host in a process that no longer exists. An owner
    on another host, or one that cannot be read, counts as alive (it waits for its expiry)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid = parts[0], int(parts[1])
    if host != socket.gethostname() or pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but belongs to someone else
        return False
    return False


@dataclass
class _Held:
    count: int
    renewed: float
    lease: float


class Claims:
    """The claims one engine holds; see the module docstring.

    Re-entrant within the engine (taking a claim it already holds counts up; the last release
    gives it back). ``dry_run`` takes nothing and writes nothing (every claim is granted).
    """

    def __init__(self, store: Store, *, lease_seconds: float, owner: str | None = None,
                 dry_run: bool = False, job_lease_seconds: float | None = None) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self.job_lease_seconds = lease_seconds if job_lease_seconds is None \
            else job_lease_seconds
        self.owner = owner or new_owner()
        self.dry_run = dry_run
        self._held: dict[str, _Held] = {}

    def holds(self, name: str) -> bool:
        """True while this engine holds ``name``."""
        return name in self._held

    def acquire(self, name: str, *, lease_seconds: float | None = None) -> bool:
        """Take ``name`` (for ``lease_seconds``, default the step lease); False while another
        live process holds it."""
        held = self._held.get(name)
        if held is not None:
            held.count += 1
            return True
        lease = self.lease_seconds if lease_seconds is None else lease_seconds
        if not self.dry_run and not self._take(name, lease):
            return False
        self._held[name] = _Held(count=1, renewed=time.monotonic(), lease=lease)
        return True

    def _take(self, name: str, lease: float) -> bool:
        if self.store.claim(name, self.owner, lease_seconds=lease):
            return True
        holder = self.store.get_claim(name)
        if holder is None or not owner_is_dead(holder.owner):
            return False
        if not self.store.claim(name, self.owner, lease_seconds=lease,
                                dead_owner=holder.owner):
            return False
        log.info("claim %s taken over from %s (process gone)", name, holder.owner)
        return True

    def release(self, name: str) -> None:
        """Give ``name`` back (after the last of nested acquisitions)."""
        held = self._held.get(name)
        if held is None:
            return
        held.count -= 1
        if held.count > 0:
            return
        del self._held[name]
        if not self.dry_run:
            self.store.release_claim(name, self.owner)

    def holder(self, name: str) -> str:
        """Who holds ``name`` now (for log lines), or ``nobody``."""
        claim = self.store.get_claim(name)
        return claim.owner if claim is not None else "nobody"

    def renew(self, name: str) -> None:
        """Extend ``name`` (joining the caller's transaction). Raises ``ClaimLost`` when this
        engine does not hold it any more; then it is forgotten here."""
        if self.dry_run:
            return
        held = self._held.get(name)
        if held is None or not self.store.renew_claim(name, self.owner,
                                                      lease_seconds=held.lease):
            self._held.pop(name, None)
            raise ClaimLost(f"claim {name} was taken over by {self.holder(name)}")
        self._held[name].renewed = time.monotonic()

    @contextmanager
    def guard(self, name: str) -> Iterator[None]:
        """A ledger transaction that first renews ``name``: an intent or outcome written in it
        commits only while this engine still holds the claim (``ClaimLost`` otherwise)."""
        with self.store.transaction():
            self.renew(name)
            yield

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        """Hold ``name`` for the block: yields False (and holds nothing) when another process
        has it. A ``ClaimLost`` for ``name`` inside the block ends the block quietly."""
        if not self.acquire(name):
            yield False
            return
        try:
            yield True
        except ClaimLost as exc:
            log.warning("%s; this process stops the step", exc)
        finally:
            self.release(name)

    @contextmanager
    def job(self, name: str) -> Iterator[bool]:
        """Hold job lock ``name`` for the block (yields False when another process runs the
        job), taken for ``job_lease_seconds`` and renewed every third of it by a heartbeat
        thread until the block ends."""
        if not self.acquire(name, lease_seconds=self.job_lease_seconds):
            yield False
            return
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(name, stop),
                                name=f"claim-{name}", daemon=True)
        if not self.dry_run:
            beat.start()
        try:
            yield True
        finally:
            stop.set()
            if beat.is_alive():
                beat.join()
            self.release(name)

    def _heartbeat(self, name: str, stop: threading.Event) -> None:
        while not stop.wait(self.job_lease_seconds / 3):
            try:
                if not self.store.renew_claim(name, self.owner,
                                              lease_seconds=self.job_lease_seconds):
                    log.warning("job %s was taken over by %s", name, self.holder(name))
                    return
            except Exception:  # e.g. the ledger busy for a moment: try again next beat
                log.exception("renewing job %s failed", name)
