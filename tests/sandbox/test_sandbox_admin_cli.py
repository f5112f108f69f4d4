"""The /sandbox admin endpoint, the CLI subcommands (in-process), and fault injection."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from oc_bridge.cli import sandbox_cmd
from oc_bridge.errors import UserErrorsError
from oc_bridge.sandbox import Sandbox


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oc-bridge")
    sandbox_cmd.add_parser(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str]) -> tuple[int, str, str]:
    args = _parser().parse_args(argv)
    env = SimpleNamespace(stdout=io.StringIO(), stderr=io.StringIO())
    code = args.handler(args, env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()


def test_admin_routes(sandbox: Sandbox) -> None:
    base = sandbox.base_url
    created = requests.post(
        f"{base}/sandbox/orders", json={"confirmed": False, "lines": 5}, timeout=10
    )
    assert created.status_code == 201
    order = created.json()
    assert order["status"] == "AWAITING_CONFIRMATION" and order["number"].startswith("OC-")
    full = requests.get(f"{base}/sandbox/orders/{order['number']}", timeout=10).json()
    assert full["id"] == order["id"] and len(full["products"]) == 5
    assert full["shipments"] == [] and full["invoices"] == []
    line = full["products"][0]
    updated = requests.post(
        f"{base}/sandbox/orders/{order['id']}/update",
        json={"note": "Extra", "quantities": {line["sku"]: 7}},
        timeout=10,
    )
    assert updated.status_code == 200 and updated.json()["updatedAt"] >= full["updatedAt"]
    after = sandbox.get_order(order["id"])
    assert after["note"] == "Extra" and after["products"][0]["quantity"] == 7
    assert after["products"][0]["subtotalPrice"] != line["subtotalPrice"] or line["quantity"] == 7
    confirmed = requests.post(f"{base}/sandbox/orders/{order['id']}/confirm", timeout=10)
    assert confirmed.json()["status"] == "AWAITING_FULFILMENT"
    again = requests.post(f"{base}/sandbox/orders/{order['id']}/confirm", timeout=10)
    assert again.status_code == 409 and again.json()["userErrors"][0]["field"] == ["id"]
    locked = requests.post(
        f"{base}/sandbox/orders/{order['id']}/update", json={"quantities": {"0": 1}}, timeout=10
    )
    assert locked.status_code == 409
    cancelled = requests.post(
        f"{base}/sandbox/orders/{order['id']}/cancel",
        json={"reason": "RETAILER_REQUEST"},
        timeout=10,
    )
    assert cancelled.json()["status"] == "CANCELLED"
    assert requests.get(f"{base}/sandbox/orders/OC-999999", timeout=10).status_code == 404
    bad = requests.post(f"{base}/sandbox/orders", json={"skus": ["NOPE"]}, timeout=10)
    assert bad.status_code == 400 and "NOPE" in bad.json()["error"]
    assert requests.post(f"{base}/sandbox/orders", data=b"{", timeout=10).status_code == 400
    assert requests.get(f"{base}/sandbox/nothing", timeout=10).status_code == 404
    skus = [v.sku for v in sandbox.state.variants[:2]]
    chosen = requests.post(f"{base}/sandbox/orders", json={"skus": skus}, timeout=10).json()
    assert [p["sku"] for p in sandbox.get_order(chosen["id"])["products"]] == skus
    hooks = requests.post(f"{base}/sandbox/webhooks", json={"duplicates": True}, timeout=10)
    assert hooks.json()["duplicates"] is True
    assert (
        requests.post(f"{base}/sandbox/webhooks", json={"loud": True}, timeout=10).status_code
        == 400
    )
    assert isinstance(requests.get(f"{base}/sandbox/deliveries", timeout=10).json(), list)


def test_python_api_raises_user_errors(sandbox: Sandbox) -> None:
    done = next(o for o in sandbox.state.orders if o.status == "COMPLETED")
    with pytest.raises(UserErrorsError) as caught:
        sandbox.cancel_order(done.id)
    assert "completed" in str(caught.value)
    shipped = next(o for o in sandbox.state.orders if o.status == "AWAITING_DELIVERY")
    assert sandbox.deliver_order(shipped.number)["status"] == "COMPLETED"


def test_faults_5xx_and_429(make_sandbox: Any, graphql_for: Any) -> None:
    sandbox = make_sandbox(orders=3, fault_5xx_rate=1.0)
    gql = graphql_for(sandbox)
    statuses = {gql.raw("{ account { id } }").status_code for _ in range(12)}
    assert statuses <= {500, 502, 503} and len(statuses) >= 2
    assert sandbox.stats["faults_5xx"] == 12
    sandbox.set_faults(fault_5xx_rate=0.0, fault_429_rate=1.0)
    limited = gql.raw("{ account { id } }")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    answer = requests.post(
        f"{sandbox.base_url}/sandbox/faults",
        json={"fault_429_rate": 0, "latency_ms": 150},
        timeout=10,
    )
    assert answer.json() == {"fault_5xx_rate": 0.0, "fault_429_rate": 0.0, "latency_ms": 150}
    started = time.perf_counter()
    assert gql.raw("{ account { id } }").status_code == 200
    assert time.perf_counter() - started >= 0.15
    assert (
        requests.post(
            f"{sandbox.base_url}/sandbox/faults", json={"fault_429_rate": 2}, timeout=10
        ).status_code
        == 400
    )


def test_faults_are_deterministic(make_sandbox: Any, graphql_for: Any) -> None:
    def pattern() -> list[int]:
        sandbox = make_sandbox(orders=2, fault_5xx_rate=0.3, fault_429_rate=0.2)
        gql = graphql_for(sandbox)
        return [gql.raw("{ account { id } }").status_code for _ in range(20)]

    first = pattern()
    assert first == pattern()
    assert 200 in first and set(first) - {200}


def test_cli_order_commands(sandbox: Sandbox) -> None:
    url = sandbox.base_url
    code, out, _ = _run(
        ["sandbox", "order", "create", "--unconfirmed", "--lines", "3", "--url", url, "--json"]
    )
    assert code == 0
    created = json.loads(out)
    assert created["status"] == "AWAITING_CONFIRMATION"
    code, out, _ = _run(["sandbox", "order", "confirm", created["number"], "--url", url])
    assert code == 0 and f"confirmed order {created['number']}" in out
    code, _, err = _run(["sandbox", "order", "confirm", created["number"], "--url", url])
    assert code == 1 and "orderConfirm refused" in err
    code, out, _ = _run(["sandbox", "order", "update", created["id"], "--note", "hi", "--url", url])
    assert code == 0 and "updated" in out
    code, out, _ = _run(["sandbox", "order", "show", created["id"], "--url", url])
    assert code == 0 and json.loads(out)["note"] == "hi"
    code, out, _ = _run(["sandbox", "order", "cancel", created["id"], "--url", url + "/v1/graphql"])
    assert code == 0 and "CANCELLED" in out
    code, _, err = _run(["sandbox", "order", "confirm", "OC-1", "--url", "http://127.0.0.1:9"])
    assert code == 1 and "cannot reach" in err
    code, out, _ = _run(["sandbox", "order"])
    assert code == 1 and "create" in out


def test_cli_serve_in_process() -> None:
    args = _parser().parse_args(
        [
            "sandbox",
            "serve",
            "--port",
            "0",
            "--orders",
            "5",
            "--seed",
            "3",
            "--token",
            "tok",
            "--throttle",
        ]
    )
    stdout = io.StringIO()
    env = SimpleNamespace(stdout=stdout, stderr=io.StringIO())
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(sandbox_cmd.serve(args, env, stop)))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while "Press Ctrl-C" not in stdout.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        text = stdout.getvalue()
        url = text.split("OC_BRIDGE_ORDERCHAMP__API_URL=")[1].split()[0]
        assert "OC_BRIDGE_ORDERCHAMP__TOKEN=tok" in text
        answer = requests.post(
            url,
            json={"query": "{ account { type } }"},
            headers={"Authorization": "Bearer tok"},
            timeout=10,
        )
        assert answer.json()["data"] == {"account": {"type": "SUPPLIER"}}
    finally:
        stop.set()
        thread.join(10)
    assert result == [0]
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={"query": "{ account { type } }"}, timeout=2)


def test_every_sandbox_parser_has_help() -> None:
    parser = _parser()
    for argv in (
        ["sandbox"],
        ["sandbox", "serve"],
        ["sandbox", "order"],
        ["sandbox", "order", "create"],
        ["sandbox", "order", "confirm"],
        ["sandbox", "order", "cancel"],
        ["sandbox", "order", "update"],
        ["sandbox", "order", "show"],
    ):
        out = io.StringIO()
        with pytest.raises(SystemExit) as caught, contextlib.redirect_stdout(out):
            parser.parse_args([*argv, "--help"])
        assert caught.value.code == 0
        sections = out.getvalue().split("\n\n")
        assert sections[1].strip(), argv
