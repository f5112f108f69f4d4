"""The console's order actions over HTTP against ``oc-bridge run`` and the sandbox: hold,
release, resync and forget (after a confirmation page) call the same action functions as the
CLI and leave ``console:<user>`` in the audit trail."""

from __future__ import annotations

import re

import pytest
from console_helpers import USER, csrf_of, logged_in
from daemon_helpers import Daemon, wait_for

from oc_bridge.sandbox import Sandbox
from oc_bridge.store import ExportState, open_store

pytestmark = pytest.mark.slow

ACTOR = f"console:{USER}"


def flash(page: str) -> list[str]:
    return re.findall(r'<p class="flash" role="status">(.*?)</p>', page, re.S)


def test_hold_release_resync_and_forget(console_daemon: Daemon, sandbox: Sandbox) -> None:
    order = sandbox.control.create_order(confirmed=True, lines=2)
    ledger_url = f"sqlite:///{console_daemon.root / 'ledger.db'}"
    with open_store(ledger_url) as store:
        assert wait_for(lambda: (r := store.get_export("csv", order["id"])) is not None
                        and r.state == ExportState.EXPORTED, 30), console_daemon.log()
    session = logged_in(console_daemon.base)
    page_url = f"{console_daemon.base}/console/orders/{order['number']}"
    page = session.get(page_url, timeout=10).text
    token = csrf_of(page)
    assert 'action="/console/orders/' in page and "Forget…" in page

    def post(action: str, **form: str) -> str:
        answer = session.post(f"{page_url}/{action}", data={"csrf_token": token, **form},
                              timeout=30, allow_redirects=False)
        assert answer.status_code == 303, (action, answer.status_code, answer.text[:300])
        return session.get(console_daemon.base + answer.headers["Location"], timeout=10).text

    held = post("hold", reason="retailer asked us to wait")
    assert any("held: retailer asked us to wait" in m for m in flash(held))
    assert "retailer asked us to wait" in held and f"by {ACTOR}" in held
    released = post("release")
    assert any("released" in m for m in flash(released))
    resynced = post("resync", adapter="csv")
    assert any(m.startswith(f"Resynced {order['number']} at csv: went through")
               for m in flash(resynced)), flash(resynced)

    confirm = session.get(f"{page_url}/forget?adapter=csv", timeout=10)
    assert confirm.status_code == 200
    assert f"would forget order {order['number']} at csv" in confirm.text
    unconfirmed = session.post(f"{page_url}/forget", timeout=10, allow_redirects=False,
                               data={"csrf_token": token, "adapter": "csv"})
    assert unconfirmed.status_code == 400
    with open_store(ledger_url) as store:
        assert store.get_export("csv", order["id"]).state == ExportState.EXPORTED  # type: ignore[union-attr]
    forgotten = post("forget", adapter="csv", confirm="yes")
    assert any(m.startswith(f"forgot order {order['number']} at csv") for m in flash(forgotten))
    nowhere = session.get(f"{page_url}/forget?adapter=nowhere", timeout=10)
    assert nowhere.status_code == 404 and "no ledger entry at adapter" in nowhere.text

    with open_store(ledger_url) as store:
        acted = [e for e in store.activity_for_order(order["id"], order["number"])
                 if e.actor == ACTOR]
    assert {"resync", "forgotten"} <= {e.state for e in acted}
    assert len(acted) >= 4  # hold, release, resync, forget
    timeline = session.get(page_url, timeout=10).text
    assert f"resync by {ACTOR}" in timeline and f"forgotten by {ACTOR}" in timeline
