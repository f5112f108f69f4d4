"""Rotating the Orderchamp webhook secret without downtime, over HTTP: while
``orderchamp.webhook_secret_previous`` is set, deliveries signed with either secret are
accepted; once it is removed, the old secret is refused."""

from __future__ import annotations

import json

import pytest
from daemon_helpers import SECRET, Daemon, wait_for

from oc_bridge.errors import SettingsError
from oc_bridge.orderchamp.signatures import sign
from oc_bridge.settings import load_settings

pytestmark = pytest.mark.slow

NEW_SECRET = "the-new-webhook-secret"


def _configure(daemon: Daemon, *, previous: str | None) -> None:
    daemon.write_config()
    lines = f'webhook_secret = "{NEW_SECRET}"'
    if previous is not None:
        lines += f'\nwebhook_secret_previous = "{previous}"'
    text = daemon.config.read_text(encoding="utf-8")
    daemon.config.write_text(text.replace(f'webhook_secret = "{SECRET}"', lines),
                             encoding="utf-8")


def _body(order_id: str) -> bytes:
    return json.dumps({"data": {"order": {"id": order_id}}}).encode()


def test_both_secrets_during_the_window_then_only_the_new_one(daemon: Daemon) -> None:
    first, second, third = (daemon.sandbox.create_order(confirmed=True)["id"]
                            for _ in range(3))
    _configure(daemon, previous=SECRET)
    daemon.start()
    old_signed = daemon.post("ORDER_CONFIRMED", _body(first), signature=sign(_body(first),
                                                                            SECRET))
    assert old_signed.status_code == 200, daemon.log()
    new_signed = daemon.post("ORDER_CONFIRMED", _body(second),
                             signature=sign(_body(second), NEW_SECRET))
    assert new_signed.status_code == 200
    forged = daemon.post("ORDER_CONFIRMED", _body(third), signature=sign(_body(third), "other"))
    assert forged.status_code == 401
    assert wait_for(lambda: {first, second} <= set(daemon.order_files()), 20), daemon.log()
    assert daemon.terminate() == 0
    log = daemon.log()
    assert "verified with the previous secret" in log
    assert NEW_SECRET not in log

    _configure(daemon, previous=None)  # the window is over
    daemon.start()
    refused = daemon.post("ORDER_CONFIRMED", _body(third), signature=sign(_body(third), SECRET))
    assert refused.status_code == 401
    accepted = daemon.post("ORDER_CONFIRMED", _body(third),
                           signature=sign(_body(third), NEW_SECRET))
    assert accepted.status_code == 200
    assert wait_for(lambda: third in daemon.order_files(), 20), daemon.log()
    files = daemon.order_files()
    assert (files[first], files[second], files[third]) == (1, 1, 1)
    assert daemon.terminate() == 0


def test_a_previous_secret_alone_is_a_configuration_problem() -> None:
    with pytest.raises(SettingsError, match=r"webhook_secret_previous.*orderchamp\.webhook_secret"):
        load_settings(None, environ={}, overrides={
            "orderchamp": {"token": "t", "webhook_secret_previous": "old"}})
    settings = load_settings(None, environ={}, overrides={
        "orderchamp": {"token": "t", "webhook_secret": "new", "webhook_secret_previous": "old"}})
    assert settings.orderchamp.webhook_secrets() == ["new", "old"]


def test_each_account_has_its_own_previous_secret() -> None:
    from oc_bridge.accounts import account_settings

    adapters = {"csv": {"outbound_dir": "/tmp/out", "inbound_dir": "/tmp/in"}}
    account = {"account_id": "QWNjb3VudDox", "token": "t", "adapters": ["csv"]}
    settings = load_settings(None, environ={}, overrides={"adapters": adapters, "accounts": {
        "nl": {**account, "webhook_secret": "new", "webhook_secret_previous": "old"}}})
    assert account_settings(settings, "nl").orderchamp.webhook_secrets() == ["new", "old"]
    with pytest.raises(SettingsError, match=r"orderchamp\.webhook_secret_previous: is per "):
        load_settings(None, environ={}, overrides={
            "orderchamp": {"webhook_secret": "x", "webhook_secret_previous": "y"},
            "adapters": adapters, "accounts": {"nl": account}})
