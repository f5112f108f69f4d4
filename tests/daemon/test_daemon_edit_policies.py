"""The daemon over HTTP applies ``sync.on_change_after_export`` to an edit after export: the
order is exported from a signed webhook, the retailer edits it in the sandbox, the sandbox's
signed ORDER_UPDATED webhook reaches the daemon, and the CSV folder and the ledger show the
policy's outcome exactly once (a duplicate delivery of the same webhook changes nothing)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from daemon_helpers import Daemon, wait_for


def _json(daemon: Daemon, *args: str) -> Any:
    result = daemon.cli(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _parked(daemon: Daemon, order_id: str) -> list[dict[str, Any]]:
    return [p for p in _json(daemon, "parked")["items"] if p["reference"] == order_id]


def _files(daemon: Daemon, pattern: str) -> list[str]:
    return sorted(p.name for p in daemon.outbound.glob(pattern))


def _finished(daemon: Daemon) -> float:
    """Inbox items processed for good (read from the ledger at each scrape)."""
    return (daemon.metric('oc_bridge_inbox_items{state="done"}')
            + daemon.metric('oc_bridge_inbox_items{state="parked"}'))


def _idle(daemon: Daemon) -> bool:
    return daemon.metric("oc_bridge_inbox_depth") == 0


def _start(daemon: Daemon, policy: str) -> None:
    text = daemon.config.read_text(encoding="utf-8")
    daemon.config.write_text(
        text.replace("[sync]\n", f'[sync]\non_change_after_export = "{policy}"\n', 1),
        encoding="utf-8")
    daemon.start()
    daemon.register()


@pytest.mark.parametrize("policy", ["park", "update", "cancel-and-reexport"])
def test_edit_after_export_follows_the_policy_over_http(daemon: Daemon, policy: str) -> None:
    _start(daemon, policy)
    sandbox = daemon.sandbox
    order = sandbox.create_order(lines=2)  # confirmed: the sandbox's signed webhook exports it
    oid, number = order["id"], order["number"]
    assert wait_for(lambda: daemon.order_files()[oid] == 1, 20), daemon.log()
    assert [n.rsplit("-", 1)[1] for n in _files(daemon, f"orders-*-{number}-r*.csv")] == \
        ["r1.csv"]
    [first] = _json(daemon, "orders", "history", oid)["exports"]
    assert (first["state"], first["revision"]) == ("exported", 1)

    sandbox.update_order(oid, note="ring twice, leave at the back door")  # ORDER_UPDATED

    if policy == "park":
        assert wait_for(lambda: _parked(daemon, oid), 20), daemon.log()
        [item] = _parked(daemon, oid)
        assert f"order {number} changed after it was exported to csv" in item["reason"]
        assert "sync.on_change_after_export = park" in item["reason"]
        assert f"oc-bridge orders resync {oid} --on-change update" in item["reason"]
    elif policy == "update":
        assert wait_for(lambda: _files(daemon, f"orders-*-{number}-r2.csv"), 20), daemon.log()
    else:
        assert wait_for(lambda: _files(daemon, f"orders-*-{number}-r2.csv"), 20), daemon.log()
        assert daemon.metric('oc_bridge_cancellations_total{outcome="accepted"}') == 1

    # The same ORDER_UPDATED delivered again (a sender retry) changes nothing.
    assert wait_for(lambda: _idle(daemon), 20), daemon.log()
    finished = _finished(daemon)
    body = json.dumps({"data": {"order": {"id": oid}}}).encode()
    assert daemon.post("ORDER_UPDATED", body).status_code == 200
    assert wait_for(lambda: _finished(daemon) > finished and _idle(daemon), 20), daemon.log()

    files = daemon.order_files()
    cancels = _files(daemon, f"cancel-*-{number}.csv")
    history = _json(daemon, "orders", "history", oid)
    [export] = history["exports"]
    parked = _parked(daemon, oid)
    if policy == "park":
        assert files[oid] == 1 and len(_files(daemon, f"orders-*-{number}-r*.csv")) == 1
        assert cancels == [] and len(parked) == 1
        assert (export["state"], export["revision"]) == ("parked", 1)
        assert daemon.metric("oc_bridge_cancellations_total") == 0
        # parked once: the duplicate delivery leaves it parked, it does not park it again
        assert [e["state"] for e in history["events"]].count("parked") == 1, history["events"]
    elif policy == "update":
        assert files[oid] == 2 and len(_files(daemon, f"orders-*-{number}-r2.csv")) == 1
        assert cancels == [] and parked == []
        assert (export["state"], export["revision"]) == ("exported", 2)
        assert daemon.metric("oc_bridge_cancellations_total") == 0
        states = [e["state"] for e in history["events"] if e["kind"] == "export"]
        assert states.count("updating") == 1, states
    else:
        assert files[oid] == 2 and len(_files(daemon, f"orders-*-{number}-r2.csv")) == 1
        assert len(cancels) == 1 and parked == []
        assert (export["state"], export["revision"]) == ("exported", 2)
        assert daemon.metric('oc_bridge_cancellations_total{outcome="accepted"}') == 1
        assert daemon.metric("oc_bridge_cancellations_total") == 1
        states = [e["state"] for e in history["events"] if e["kind"] == "export"]
        assert states.count("cancelling") == 1, states
