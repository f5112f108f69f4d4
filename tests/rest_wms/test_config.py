"""Configuration is validated entirely at load: every problem at once, each with its key."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from oc_bridge_rest import RestWmsAdapter
from oc_bridge_rest.config import RestWmsConfig
from oc_bridge_rest.profile_loader import bundled_profiles

from oc_bridge.errors import SettingsError

BASE: dict[str, Any] = {
    "base_url": "https://wms.example",
    "auth": {"type": "bearer", "token": "t0ken"},
    "create_order": {
        "path": "/orders",
        "body_fields": {
            "reference": "order.reference",
            "address.street": "order.ship_to.street",
            "items": {"each": "order.lines", "fields": {"sku": "sku", "qty": "quantity"}},
        },
        "reference_field": "reference",
        "id_path": "id",
        "exists_statuses": [409],
    },
}


def options(**changes: Any) -> dict[str, Any]:
    """BASE with dotted-key changes (``None`` removes the key)."""
    result = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        node = result
        *parents, last = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return result


def problems(opts: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        RestWmsAdapter.parse_config("wms", opts)
    return {p.key: p.message for p in caught.value.problems}


def test_minimal_config_is_valid() -> None:
    config = RestWmsAdapter.parse_config("wms", options())
    assert isinstance(config, RestWmsConfig)
    assert config.create_order.method == "POST"


def test_every_problem_is_reported_at_once_with_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN_VAR", raising=False)
    found = problems(options(
        auth={"type": "bearer", "token_env": "NO_SUCH_TOKEN_VAR"},
        create_order__body_fields=None,
        create_order__body_template='{"reference": {{ order.reference | tojson }',
        create_order__id_path="data.[id",
        poll_shipments={"path": "/shipments", "records": "items[?",
                        "fields": {"shipment_id": "id", "order_reference": "ref"}},
        poll_stock={"path": "/stock", "sku": "sku"},
    ))
    assert set(found) == {
        "adapters.wms.auth.token_env",
        "adapters.wms.create_order.body_template",
        "adapters.wms.create_order.id_path",
        "adapters.wms.poll_shipments.records",
        "adapters.wms.poll_stock.available",
    }
    assert "NO_SUCH_TOKEN_VAR is not set" in found["adapters.wms.auth.token_env"]
    assert "syntax error" in found["adapters.wms.create_order.body_template"]
    assert "invalid JMESPath" in found["adapters.wms.create_order.id_path"]
    assert found["adapters.wms.poll_stock.available"] == "Field required"


def test_render_problems_are_reported_with_field_problems() -> None:
    found = problems(options(
        create_order__body_fields=None,
        create_order__body_template='{"notes": "{{ order.notes }}"}',
        create_order__id_path="data.[id",
        create_order__query={"ok": "{{ order.number }}", "bad": "{{ order.nope }}"},
    ))
    assert set(found) == {"adapters.wms.create_order.body_template",
                          "adapters.wms.create_order.id_path",
                          "adapters.wms.create_order.query.bad"}
    assert not any(m.startswith("Value error") for m in found.values())


def test_template_output_must_be_json() -> None:
    # Pasting text without tojson breaks on the sample order's quoted notes: caught at load.
    found = problems(options(
        create_order__body_fields=None,
        create_order__body_template='{"reference": "{{ order.reference }}", '
                                    '"notes": "{{ order.notes }}"}',
    ))
    assert list(found) == ["adapters.wms.create_order.body_template"]
    assert "not valid JSON" in found["adapters.wms.create_order.body_template"]


def test_template_with_unknown_variable_fails_at_load() -> None:
    found = problems(options(create_order__path="/orders/{{ order.no_such_field }}"))
    assert list(found) == ["adapters.wms.create_order.path"]
    found = problems(options(poll_shipments={
        "path": "/shipments/{{ order.reference }}",
        "fields": {"shipment_id": "id", "order_reference": "ref"}}))
    assert list(found) == ["adapters.wms.poll_shipments.path"]


def test_unknown_auth_type_names_the_key() -> None:
    found = problems(options(auth={"type": "oauth2", "token": "x"}))
    assert list(found) == ["adapters.wms.auth.type"]


@pytest.mark.parametrize(("auth", "key"), [
    ({"type": "basic"}, "adapters.wms.auth.username"),
    ({"type": "bearer"}, "adapters.wms.auth.token"),
    ({"type": "header", "value": "v"}, "adapters.wms.auth.name"),
    ({"type": "query", "name": "api_key"}, "adapters.wms.auth.value"),
])
def test_auth_requirements(auth: dict[str, Any], key: str) -> None:
    assert list(problems(options(auth=auth))) == [key]


def test_missing_fields_and_unknown_keys() -> None:
    found = problems({"create_order": {"path": "/o", "body_template": "{}", "exists_statuses":
                                       [409], "colour": "red"}, "extra": 1})
    assert found == {
        "adapters.wms.base_url": "Field required",
        "adapters.wms.create_order.id_path": "Field required",
        "adapters.wms.create_order.colour": "unknown key",
        "adapters.wms.extra": "unknown key",
    }


def test_cross_field_requirements_name_their_keys() -> None:
    found = problems(options(create_order__exists_statuses=[],
                             create_order__search_before_create=True,
                             create_order__reference_field="ref"))
    assert "adapters.wms.create_order.lookup_order" in found
    assert "adapters.wms.create_order.exists_statuses" in found
    found = problems(options(create_order__reference_field="nope"))
    assert list(found) == ["adapters.wms.create_order.reference_field"]


def test_body_fields_problems_name_the_entry() -> None:
    found = problems(options(create_order__body_fields={
        "reference": "order.reference", "bad": "order.[",
        "items": {"each": "order.lines", "fields": {"qty": "quantity &&"}}}))
    assert set(found) == {"adapters.wms.create_order.body_fields.bad",
                          "adapters.wms.create_order.body_fields.items.fields.qty"}


def test_pagination_and_webhook_requirements() -> None:
    found = problems(options(
        poll_shipments={"path": "/s", "pagination": {"style": "cursor"},
                        "fields": {"shipment_id": "id"}},
        webhook={"signature": "hmac_sha256_hex"},
    ))
    assert set(found) == {
        "adapters.wms.poll_shipments.pagination.next_token",
        "adapters.wms.poll_shipments.fields.order_reference",
        "adapters.wms.webhook.header",
        "adapters.wms.webhook.secret",
    }


def test_unknown_profile_names_the_key() -> None:
    found = problems(options(profile="no-such-wms"))
    assert list(found) == ["adapters.wms.profile"]
    assert "picqer" in found["adapters.wms.profile"]


def test_bundled_profiles_need_only_credentials_and_required_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert bundled_profiles() == ["picqer", "shipbob"]
    monkeypatch.delenv("PICQER_API_KEY", raising=False)
    found = problems({"profile": "picqer"})
    assert set(found) == {"adapters.wms.base_url", "adapters.wms.headers.User-Agent",
                          "adapters.wms.auth.username_env"}
    monkeypatch.setenv("SHIPBOB_TOKEN", "x")
    found = problems({"profile": "shipbob"})
    assert set(found) == {"adapters.wms.headers.shipbob_channel_id"}


def test_table_overrides_profile_by_deep_merge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPBOB_TOKEN", "x")
    config = RestWmsAdapter.parse_config("sb", {
        "profile": "shipbob", "headers": {"shipbob_channel_id": "7"},
        "create_order": {"exists_statuses": [409, 422]},
        "auth": {"token": "given-in-table"},
    })
    assert isinstance(config, RestWmsConfig)
    assert config.create_order.exists_statuses == [409, 422]
    assert config.create_order.id_path == "id"  # still from the profile
    assert config.auth is not None and config.auth.secret("token") == "given-in-table"


def test_profile_from_a_file(tmp_path: Any) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('base_url = "https://mine.example"\n')
    opts = options(profile=str(path), base_url=None)
    config = RestWmsAdapter.parse_config("wms", opts)
    assert isinstance(config, RestWmsConfig) and config.base_url == "https://mine.example"
