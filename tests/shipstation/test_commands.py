"""``oc-bridge shipstation ...`` driven in-process through the real CLI."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fakes.shipstation.server import FakeShipStation

from oc_bridge.cli import CliEnv, main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _plugin(plugin_loaded: None) -> None:
    """Every CLI test sees the shipstation plugin."""


@pytest.fixture
def run(fake: FakeShipStation, tmp_path: Path) -> Run:
    def invoke(*argv: str, store_id: int = 12345, extra: str = "") -> tuple[int, str, str]:
        config = tmp_path / "settings.toml"
        config.write_text(f"""
[adapters.shipstation]
api_key = "key"
api_secret = "secret"
base_url = "{fake.base_url}"
store_id = {store_id}
{extra}
""", encoding="utf-8")
        env = CliEnv(stdout=io.StringIO(), stderr=io.StringIO(), environ={})
        code = main(["--config", str(config), *argv], env=env)
        return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]

    return invoke


def test_stores(run: Run) -> None:
    code, out, _ = run("shipstation", "stores")
    assert code == 0
    assert "12345" in out and "Orderchamp" in out
    code, out, _ = run("shipstation", "stores", "--json")
    assert json.loads(out)[0]["storeId"] == 12345


def test_check(run: Run) -> None:
    code, out, _ = run("shipstation", "check")
    assert code == 0, out
    assert "rate limit: 40/min" in out and out.strip().endswith("ok")
    code, out, _ = run("shipstation", "check", store_id=777)
    assert code == 1
    assert "problem: store_id 777" in out


def test_webhooks_register_list_delete(run: Run, fake: FakeShipStation) -> None:
    url = "https://bridge.example/hooks/shipstation/tok3n"
    code, out, _ = run("shipstation", "webhooks", "register", "--url", url)
    assert code == 0
    assert out.count("created") == 2
    code, out, _ = run("shipstation", "webhooks", "register", "--url", url)
    assert out.count("kept") == 2
    assert len(fake.store.webhooks) == 2
    code, out, _ = run("shipstation", "webhooks", "list", "--json")
    hooks = json.loads(out)
    assert {h["HookType"] for h in hooks} == {"SHIP_NOTIFY", "FULFILLMENT_SHIPPED"}
    code, out, _ = run("shipstation", "webhooks", "delete", str(hooks[0]["WebHookID"]))
    assert code == 0 and "deleted" in out
    code, out, _ = run("shipstation", "webhooks", "list")
    assert str(hooks[1]["WebHookID"]) in out and str(hooks[0]["WebHookID"]) not in out


def test_instance_must_be_clear(run: Run, fake: FakeShipStation) -> None:
    second = f"""
[adapters.ss_eu]
type = "shipstation"
api_key = "key"
api_secret = "secret"
base_url = "{fake.base_url}"
"""
    code, _, err = run("shipstation", "stores", extra=second)
    assert code == 2 and "--instance" in err
    code, out, _ = run("shipstation", "stores", "--instance", "ss_eu", extra=second)
    assert code == 0 and "12345" in out
    code, _, err = run("shipstation", "stores", "--instance", "nope")
    assert code == 2 and "no [adapters.nope]" in err


def test_bad_credentials_are_a_configuration_error(run: Run) -> None:
    code, _, err = run("--set", "adapters.shipstation.api_secret=wrong", "shipstation", "stores")
    assert code == 2
    assert "refused the credentials" in err and "wrong" not in err
