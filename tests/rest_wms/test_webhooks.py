"""Webhook signatures for each scheme, and reading pushed shipments."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fakes.rest_wms import FakePicqer, FakeShipBob
from hypothesis import given, settings
from hypothesis import strategies as st
from oc_bridge_rest import RestWmsAdapter, WebhookSignatureError
from oc_bridge_rest.signatures import (
    sign_standard_webhook,
    verify_hmac,
    verify_standard_webhook,
)

from oc_bridge.errors import MalformedResponseError, PermanentError
from oc_bridge.testing import make_fulfilment_order

from .conftest import PICQER_HOOK_SECRET, SHIPBOB_HOOK_SECRET, build

SECRET = "s3cret-key"
WHSEC = "whsec_" + base64.b64encode(b"standard-webhooks-key").decode()


def _sig(body: bytes, secret: str = SECRET) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_hmac_schemes(encoding: str) -> None:
    body = b'{"shipment": 1}'
    digest = _sig(body)
    good = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
    verify_hmac({"X-Sig": good}, body, header="x-sig", secret=SECRET, encoding=encoding)
    if encoding == "hex":
        verify_hmac({"X-Sig": "sha256=" + good.upper()}, body, header="X-Sig", secret=SECRET,
                    encoding=encoding)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_hmac({"X-Sig": good}, body + b" ", header="X-Sig", secret=SECRET,
                    encoding=encoding)
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_hmac({"X-Sig": good}, body, header="X-Sig", secret="other", encoding=encoding)
    with pytest.raises(WebhookSignatureError, match="missing"):
        verify_hmac({}, body, header="X-Sig", secret=SECRET, encoding=encoding)
    assert issubclass(WebhookSignatureError, PermanentError)


def test_standard_webhooks() -> None:
    body, now = b'{"type":"order.shipped"}', 1_800_000_000
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now),
               "webhook-signature": "v1,bm90LXRoaXMtb25l " + sign_standard_webhook(
                   WHSEC, "msg_1", now, body)}
    assert verify_standard_webhook(headers, body, secret=WHSEC, now=now + 10) == "msg_1"
    with pytest.raises(WebhookSignatureError, match="no webhook-signature entry matches"):
        verify_standard_webhook(headers, body + b"x", secret=WHSEC, now=now)
    other = "whsec_" + base64.b64encode(b"another-key").decode()
    with pytest.raises(WebhookSignatureError, match="matches"):
        verify_standard_webhook(headers, body, secret=other, now=now)
    with pytest.raises(WebhookSignatureError, match="tolerance 300 s"):
        verify_standard_webhook(headers, body, secret=WHSEC, now=now + 301)
    with pytest.raises(WebhookSignatureError, match="tolerance"):
        verify_standard_webhook(headers, body, secret=WHSEC, now=now - 301)
    with pytest.raises(WebhookSignatureError, match="webhook-id"):
        verify_standard_webhook({**headers, "webhook-id": ""}, body, secret=WHSEC, now=now)
    tampered_id = {**headers, "webhook-id": "msg_2"}
    with pytest.raises(WebhookSignatureError):
        verify_standard_webhook(tampered_id, body, secret=WHSEC, now=now)


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=300), secret=st.binary(min_size=1, max_size=40),
       msg_id=st.text(alphabet="abcdefghijklmnop_0123456789", min_size=1, max_size=20),
       flip=st.integers(min_value=0, max_value=10_000))
def test_standard_webhooks_property(body: bytes, secret: bytes, msg_id: str, flip: int) -> None:
    """A signature verifies for exactly its body: any single changed byte is rejected."""
    whsec = "whsec_" + base64.b64encode(secret).decode()
    now = 1_800_000_000
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(now),
               "webhook-signature": sign_standard_webhook(whsec, msg_id, now, body)}
    assert verify_standard_webhook(headers, body, secret=whsec, now=now) == msg_id
    if body:
        changed = bytearray(body)
        changed[flip % len(body)] ^= 0x01
        with pytest.raises(WebhookSignatureError):
            verify_standard_webhook(headers, bytes(changed), secret=whsec, now=now)


@settings(max_examples=60, deadline=None)
@given(payload=st.dictionaries(st.text(min_size=1, max_size=8),
                               st.one_of(st.integers(), st.text(max_size=10), st.none()),
                               max_size=6))
def test_base64_hmac_property(payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    good = base64.b64encode(_sig(body)).decode()
    verify_hmac({"X-Picqer-Signature": good}, body, header="X-Picqer-Signature", secret=SECRET,
                encoding="base64")
    with pytest.raises(WebhookSignatureError):
        verify_hmac({"X-Picqer-Signature": good}, body + b"\n", header="X-Picqer-Signature",
                    secret=SECRET, encoding="base64")


@pytest.mark.usefixtures("secrets_env")
def test_picqer_webhook_delivery(picqer_adapter: RestWmsAdapter,
                                 picqer_fake: FakePicqer) -> None:
    order = make_fulfilment_order(2)
    picqer_adapter.submit_order(order)
    picqer_fake.ship(order, tracking_number="3SXYZ")
    shipment = picqer_fake.shipments[-1]
    headers, body = picqer_fake.webhook_delivery(shipment, PICQER_HOOK_SECRET)
    pull = picqer_adapter.handle_webhook(headers, body)
    (report,) = pull.shipments
    # Picqer shipments have no products: the lines come from the picklist, the key too.
    assert report.shipment_key == f"rest:picqer:{shipment['idpicklist']}"
    assert report.order_ref == order.reference and report.tracking_number == "3SXYZ"
    assert {(ln.sku, ln.quantity) for ln in report.lines} == {
        (ln.sku, ln.quantity) for ln in order.lines}
    assert pull.handle == {"event_id": f"77:{shipment['idshipment']}"}
    with pytest.raises(WebhookSignatureError):
        picqer_adapter.handle_webhook(headers, body.replace(b"3SXYZ", b"3SXYY"))
    bad_headers, _ = picqer_fake.webhook_delivery(shipment, "wrong-secret")
    with pytest.raises(WebhookSignatureError):
        picqer_adapter.handle_webhook(bad_headers, body)


@pytest.mark.usefixtures("secrets_env")
def test_shipbob_standard_webhook_delivery(shipbob_adapter: RestWmsAdapter,
                                           shipbob_fake: FakeShipBob) -> None:
    order = make_fulfilment_order(3)
    shipbob_adapter.submit_order(order)
    shipbob_fake.ship(order, [(order.lines[0].line_ref, 1)], tracking_number="1Z1")
    shipbob_fake.ship(order, [(order.lines[1].line_ref, 2)], tracking_number="1Z2")
    # order.shipped fires per shipment (its body, the shipment, is assumed: see SOURCES.md).
    headers, body = shipbob_fake.webhook_delivery(order.reference, SHIPBOB_HOOK_SECRET,
                                                  msg_id="msg_abc", shipment=1)
    pull = shipbob_adapter.handle_webhook(headers, body)
    assert [s.tracking_number for s in pull.shipments] == ["1Z2"]
    assert [(ln.sku, ln.quantity) for ln in pull.shipments[0].lines] == [
        (order.lines[1].sku, 2)]
    assert pull.handle == {"event_id": "msg_abc"}
    stale, body2 = shipbob_fake.webhook_delivery(order.reference, SHIPBOB_HOOK_SECRET,
                                                 timestamp=int(time.time()) - 600)
    with pytest.raises(WebhookSignatureError, match="off"):
        shipbob_adapter.handle_webhook(stale, body2)


@pytest.mark.usefixtures("secrets_env")
def test_unsigned_webhook_and_bad_body(tmp_path: Path, picqer_fake: FakePicqer) -> None:
    from .conftest import picqer_options

    options = picqer_options(picqer_fake, webhook={"signature": "none", "enabled": True})
    adapter = build(options, tmp_path, "picqer")
    with pytest.raises(MalformedResponseError):
        adapter.handle_webhook({}, b"not json")
    pull = adapter.handle_webhook({}, json.dumps({"data": {"idshipment": 1}}).encode())
    assert pull.shipments == [] and len(pull.problems) == 1
    adapter.close()
