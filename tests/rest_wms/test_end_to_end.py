"""End to end: Orderchamp sandbox → `oc-bridge sync` → fake warehouse → shipments back.

Runs the real CLI in-process against the sandbox over HTTP and a fake warehouse over HTTP,
with the adapter loaded through the ``rest`` entry point. Skipped until the ``sync`` command
and the entry point exist.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest
from fakes.rest_wms import FakePicqer, FakeShipBob

from oc_bridge.cli import main
from oc_bridge.cli.env import CliEnv
from oc_bridge.testing.fixtures import sandbox  # noqa: F401 - the fixture, used by name

from .conftest import (
    PICQER_KEY,
    SHIPBOB_TOKEN,
    picqer_options,
    shipbob_options,
)

_HAS_SYNC = importlib.util.find_spec("oc_bridge.cli.sync_cmd") is not None
_HAS_ENTRY_POINT = any(ep.name == "rest" for ep in importlib.metadata.entry_points(
    group="oc_bridge"))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _HAS_SYNC, reason="oc-bridge sync does not exist yet"),
    pytest.mark.skipif(not _HAS_ENTRY_POINT, reason="the 'rest' entry point is not installed"),
]


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + " }"


def _settings(tmp_path: Path, api_url: str, instance: str, options: dict[str, Any]) -> Path:
    lines = ["[orderchamp]", f"api_url = {_toml_value(api_url)}", 'token = "sandbox-token"',
             "[store]", f"url = {_toml_value('sqlite:///' + str(tmp_path / 'ledger.sqlite3'))}",
             f"[adapters.{instance}]", 'type = "rest"']
    lines += [f"{key} = {_toml_value(value)}" for key, value in options.items()]
    path = tmp_path / "settings.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sync(config: Path, environ: dict[str, str]) -> int:
    env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ=environ)
    return main(["--config", str(config), "sync"], env)


def _shipments(box: Any, reference: str) -> list[Any]:
    return list(box.get_order(reference).get("shipments") or [])


@pytest.mark.parametrize("kind", ["picqer", "shipbob"])
@pytest.mark.parametrize("look_up_at_once", [True, False])
def test_orders_in_shipments_back_exactly_once(
    sandbox: Any, tmp_path: Path, kind: str, look_up_at_once: bool,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake: FakePicqer | FakeShipBob
    if kind == "picqer":
        fake = FakePicqer(api_key=PICQER_KEY).start()
        options = picqer_options(fake)
    else:
        fake = FakeShipBob(token=SHIPBOB_TOKEN).start()
        options = shipbob_options(fake)
    options.pop("webhook")
    options["create_order"] = {"lookup_after_timeout": look_up_at_once}
    environ = {"PICQER_API_KEY": PICQER_KEY, "SHIPBOB_TOKEN": SHIPBOB_TOKEN}
    # `*_env` secrets are read from the process environment when the adapter is configured.
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config = _settings(tmp_path, sandbox.url, kind, options)
    try:
        fake.time_out_next_create(1.5)  # the first create is stored, its answer is lost
        _sync(config, environ)
        _sync(config, environ)  # the retry: looks the timed-out order up, creates nothing
        references: set[str] = {str(o.get("reference") or o.get("reference_id"))
                                for o in fake.orders.values()}
        assert references, "the sync exported no order"
        assert all(fake.orders_received(ref) == 1 for ref in references)
        assert _sync(config, environ) == 0
        assert fake.ship_everything() == len(references)
        assert _sync(config, environ) == 0
        assert _sync(config, environ) == 0  # nothing is reported twice
        for reference in references:
            assert len(_shipments(sandbox, reference)) == 1
            assert fake.orders_received(reference) == 1
    finally:
        fake.stop()


def test_shipbob_split_order_reaches_orderchamp_as_two_tracked_shipments(
    sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """Issue 11 §2: ShipBob splits an order; the part still Processing (tracking null) is not
    reported, and when it ships its tracking reaches Orderchamp (not skipped as a duplicate)."""
    fake = FakeShipBob(token=SHIPBOB_TOKEN).start()
    options = shipbob_options(fake)
    options.pop("webhook")
    environ = {"SHIPBOB_TOKEN": SHIPBOB_TOKEN}
    monkeypatch.setenv("SHIPBOB_TOKEN", SHIPBOB_TOKEN)
    config = _settings(tmp_path, sandbox.url, "shipbob", options)
    try:
        _sync(config, environ)
        order = next(o for o in fake.orders.values() if len(o["products"]) >= 2)
        first, second = order["products"][:2]
        waiting = fake.add_shipment(order["id"], {second["reference_id"]: second["quantity"]})
        gone = fake.add_shipment(order["id"], {first["reference_id"]: first["quantity"]})
        fake.complete_shipment(gone["id"], "1ZPARTONE")
        _sync(config, environ)
        reference = order["reference_id"]
        assert [s["trackingNumber"] for s in _shipments(sandbox, reference)] == ["1ZPARTONE"]
        fake.complete_shipment(waiting["id"], "1ZPARTTWO")
        _sync(config, environ)
        _sync(config, environ)
        shipped = _shipments(sandbox, reference)
        assert sorted(s["trackingNumber"] for s in shipped) == ["1ZPARTONE", "1ZPARTTWO"]
        assert all(s["isTracked"] for s in shipped)
    finally:
        fake.stop()
