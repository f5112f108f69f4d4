"""The whole loop over real HTTP on 127.0.0.1, as an operator runs it: a local Orderchamp
(oc-bridge's sandbox) -> ``oc-bridge sync`` -> this adapter -> the fake receiver, and the
receiver's shipments back to Orderchamp. Needs the package installed (``pip install -e .``):
oc-bridge finds the adapter through its entry point, like any installed adapter."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SECRET
from fake_receiver import FakeReceiver
from oc_bridge.cli import CliEnv, ExitCode, main
from oc_bridge.plugins import PluginHost


@pytest.fixture
def settings_file(tmp_path: Path, sandbox: Any, receiver: FakeReceiver) -> Path:
    if "webhook" not in PluginHost.load().adapter_classes:
        pytest.fail("the webhook adapter is not installed: pip install -e . first")
    path = tmp_path / "settings.toml"
    path.write_text(
        f'[orderchamp]\napi_url = "{sandbox.url}"\n\n'
        f'[store]\nurl = "sqlite:///{(tmp_path / "ledger.sqlite3").as_posix()}"\n\n'
        "[adapters.webhook]\n"
        'type = "webhook"\n'
        f'orders_url = "{receiver.orders_url}"\n'
        f'shipments_url = "{receiver.shipments_url}"\n'
        f'secret = "{SECRET}"\n',
        encoding="utf-8",
    )
    return path


def sync(settings_file: Path) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    environ = {"OC_BRIDGE_ORDERCHAMP__TOKEN": "loopback-token"}
    code = main(["--config", str(settings_file), "-q", "sync", "--json"],
                env=CliEnv(stdout=out, stderr=err, environ=environ))
    assert out.getvalue(), err.getvalue()
    summary: dict[str, Any] = json.loads(out.getvalue())
    return code, summary


def test_orders_arrive_once_and_shipments_go_back(
    settings_file: Path, sandbox: Any, receiver: FakeReceiver
) -> None:
    code, first = sync(settings_file)
    assert code == ExitCode.OK, first
    delivered = dict(receiver.orders)
    assert delivered and first["exported"] == len(delivered)

    for number, (reference, held) in enumerate(sorted(delivered.items()), start=1):
        receiver.add_shipment({
            "id": f"P{number}", "order_ref": reference, "carrier": "PostNL",
            "tracking_number": f"3SLOOP{number:04d}",
            "lines": [{"line_ref": line["line_ref"], "quantity": line["quantity"]}
                      for line in held.order["lines"]],
        })
    receiver.add_shipment({"id": "BROKEN", "order_ref": "nobody", "lines": []})
    code, second = sync(settings_file)
    assert code == ExitCode.PARTIAL, second  # the broken record waits for a human
    assert second["shipments_reported"] == len(delivered)
    for reference in delivered:
        assert sandbox.get_order(reference)["status"] == "AWAITING_DELIVERY"

    code, third = sync(settings_file)
    assert third["exported"] == 0 and third["shipments_reported"] == 0
    assert all(held.events == ["order.created"] for held in receiver.orders.values())
    assert receiver.rejected_signatures == 0
