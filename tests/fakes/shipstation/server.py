"""A fake ShipStation on loopback for tests and demos: real HTTP, documented behaviour.

Usage::

    with FakeShipStation(api_key="k", api_secret="s") as fake:
        adapter = ShipStationAdapter(config_with(base_url=fake.base_url), context)
        ...
        fake.store.create_label("orderchamp:Order:1")
        assert fake.calls["POST /orders/createorders"] == 1

Built from ShipStation's documentation only (``fixtures/``, see :mod:`.docs`); it imports
nothing from the adapter. V1 answers carry ``X-Rate-Limit-*`` headers from a real fixed window
(40 per 60 s by default) driven by ``clock`` (pass a
:class:`~fakes.shipstation.clock.ManualClock` to make minutes pass instantly);
``window.force_throttle(n, reset)`` causes a 429 storm. Requests with fields or query
parameters the documentation does not show are refused with HTTP 400 naming them.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .clock import RateDecision, RateWindow
from .docs import QUERY_PARAMETERS, example, undocumented
from .store import FakeStore, InvalidRequest, paged

__all__ = ["FakeShipStation"]

#: The list each webhook event's ``resource_url`` points at.
WEBHOOK_PATHS = {"ORDER_NOTIFY": "orders", "ITEM_ORDER_NOTIFY": "orders",
                 "SHIP_NOTIFY": "shipments", "ITEM_SHIP_NOTIFY": "shipments",
                 "FULFILLMENT_SHIPPED": "fulfillments", "FULFILLMENT_REJECTED": "fulfillments"}
_SUBSCRIBE = example("v1/webhooks-subscribe.json", "request")


class _Answer(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status, self.body = status, body


def _invalid(message: str) -> _Answer:
    return _Answer(400, {"Message": "The request is invalid.", "ExceptionMessage": message})


class FakeShipStation:
    """A ShipStation V1 (+ V2 inventory) server in a background thread on 127.0.0.1.

    Inspect ``calls`` (``Counter`` of ``"METHOD /path"``, ids in paths kept), ``store`` (orders,
    shipments, fulfillments...), ``window`` (rate limit), ``requests_log`` (method, path+query).
    """

    def __init__(self, *, api_key: str = "key", api_secret: str = "secret",
                 api_key_v2: str | None = "v2key", rate_limit: int = 40,
                 window_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 store: FakeStore | None = None) -> None:
        token = base64.b64encode(f"{api_key}:{api_secret}".encode()).decode()
        self._basic = f"Basic {token}"
        self._v2_key = api_key_v2
        self.store = store or FakeStore()
        self.window = RateWindow(rate_limit, window_seconds, clock)
        self.calls: Counter[str] = Counter()
        self.requests_log: list[tuple[str, str]] = []
        self.fail_next: list[int] = []  # statuses to answer the next V1 requests with
        #: V2 inventory page size when the caller sends no ``limit``.
        self.v2_page_size = 100
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._webhook_ids = itertools.count(501)

    # --- lifecycle ------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeShipStation:
        """Start serving on ``127.0.0.1:port`` (0 picks a free port)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        name="fake-shipstation", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeShipStation:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The V1 root, e.g. ``http://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("the fake ShipStation is not running")
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    @property
    def base_url_v2(self) -> str:
        """The V2 root (``<base_url>/v2``)."""
        return self.base_url + "/v2"

    # --- helpers for tests ----------------------------------------------------------------

    def webhook_body(self, event: str, ids: list[int]) -> bytes:
        """The body ShipStation would POST for ``event`` about these shipment (or, for the
        fulfillment events, fulfillment) ids: only ``resource_url`` and ``resource_type``, in
        the documented form (``storeID``, ``batchId``, ``includeShipmentItems=False``)."""
        batch = self.store.batch(ids)
        path = WEBHOOK_PATHS[event]
        url = f"{self.base_url}/{path}?storeID={self.store.stores[0]['storeId']}&batchId={batch}"
        if path == "shipments":
            url += "&includeShipmentItems=False"
        return json.dumps({"resource_url": url, "resource_type": event}).encode()

    def set_stock(self, sku: str, available: int, *, on_hand: int | None = None,
                  allocated: int = 0, warehouse: str = "se-1") -> None:
        """Set V2 inventory of one SKU."""
        self.store.set_stock(sku, available, on_hand=on_hand, allocated=allocated,
                             warehouse=warehouse)

    # --- request handling -----------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Any, body: bytes
               ) -> tuple[int, Any, dict[str, str]]:
        """Answer one request: (status, JSON body, extra headers)."""
        parts = urlsplit(raw_path)
        path, params = parts.path.rstrip("/") or "/", dict(parse_qsl(parts.query))
        self.calls[f"{method} {path}"] += 1
        self.requests_log.append((method, raw_path))
        if path.startswith("/v2/"):
            if not self._v2_key or headers.get("api-key") != self._v2_key:
                return 401, {"errors": [{"message": "invalid api-key"}]}, {}
            return self._v2(method, path, params)
        decision = self.window.take()
        limits = _limit_headers(decision)
        if headers.get("Authorization") != self._basic:
            return 401, {"Message": "Authorization has been denied for this request."}, limits
        if not decision.allowed:
            return 429, {"Message": "Too Many Requests"}, limits
        if self.fail_next:
            return self.fail_next.pop(0), {"Message": "An error has occurred.",
                                           "ExceptionMessage": "fake failure"}, limits
        try:
            documented = QUERY_PARAMETERS.get("/orders" if path.startswith("/orders") else path)
            unknown = undocumented(params, documented or ())
            if unknown:
                raise _invalid(f"query parameter(s) {', '.join(unknown)} not documented for "
                               f"{method} {path}")
            payload = json.loads(body) if body else None
            status, answer = self._v1(method, path, params, payload)
        except _Answer as exc:
            status, answer = exc.status, exc.body
        except InvalidRequest as exc:
            status, answer = 400, _invalid(str(exc)).body
        except (ValueError, KeyError, TypeError) as exc:
            status, answer = 400, _invalid(str(exc)).body
        return status, answer, limits

    def _v1(self, method: str, path: str, params: dict[str, str], payload: Any
            ) -> tuple[int, Any]:
        store = self.store
        route = (method, path)
        if route == ("POST", "/orders/createorders"):
            if not isinstance(payload, list) or len(payload) > 100:
                raise _invalid("expected an array of at most 100 orders")
            results = [store.upsert_order(order) for order in payload]
            return 200, {"hasErrors": any(not r["success"] for r in results),
                         "results": results}
        if route == ("POST", "/orders/createorder"):
            result = store.upsert_order(payload)
            if not result["success"]:
                raise _invalid(result["errorMessage"])
            return 200, store.order_by_id(result["orderId"])
        if route == ("GET", "/orders"):
            orders = [o for o in store.orders_by_id.values()
                      if not params.get("orderNumber") or o["orderNumber"] ==
                      params["orderNumber"]]
            return 200, paged(orders, "orders", params)
        if method == "GET" and path.startswith("/orders/"):
            order = store.order_by_id(int(path.rsplit("/", 1)[1]))
            if order is None:
                raise _Answer(404, {"Message": "Order not found"})
            return 200, order
        if method == "GET" and path in ("/shipments", "/fulfillments"):
            return 200, store.query(path[1:], params)
        if route == ("GET", "/stores"):
            return 200, store.stores
        return self._webhooks(method, path, payload)

    def _webhooks(self, method: str, path: str, payload: Any) -> tuple[int, Any]:
        hooks = self.store.webhooks
        if (method, path) == ("POST", "/webhooks/subscribe"):
            if not isinstance(payload, dict):
                raise _invalid("expected a JSON object")
            unknown = undocumented(payload, _SUBSCRIBE)
            if unknown:
                raise _invalid(f"{', '.join(unknown)} not documented for webhooks/subscribe")
            if payload.get("event") not in WEBHOOK_PATHS or not payload.get("target_url"):
                raise _invalid(f"unknown event {payload.get('event')!r} or no target_url")
            hook_id = next(self._webhook_ids)
            self.store.subscribe(hook_id, payload)
            return 201, {"id": hook_id}
        if (method, path) == ("GET", "/webhooks"):
            return 200, {"webhooks": list(hooks.values())}
        if method == "DELETE" and path.startswith("/webhooks/"):
            if hooks.pop(int(path.rsplit("/", 1)[1]), None) is None:
                raise _Answer(404, {"Message": "Webhook not found"})
            return 200, None
        raise _Answer(404, {"Message": f"No HTTP resource was found for {method} {path}"})

    def _v2(self, method: str, path: str, params: dict[str, str]
            ) -> tuple[int, Any, dict[str, str]]:
        if (method, path) != ("GET", "/v2/inventory"):
            return 404, {"errors": [{"message": "not found"}]}, {}
        unknown = undocumented(params, QUERY_PARAMETERS["/v2/inventory"])
        if unknown:
            return 400, {"errors": [{"message": f"unknown parameter(s) {', '.join(unknown)}"}]}, {}
        size = int(params.get("limit") or self.v2_page_size)
        records = sorted(self.store.inventory.values(), key=lambda r: r["sku"])
        if params.get("sku"):
            records = [r for r in records if r["sku"] == params["sku"]]
        body = paged(records, "inventory", {"page": params.get("page", "1"),
                                            "pageSize": str(size)})
        link = f"{self.base_url_v2}/inventory?limit={size}&page="
        body["links"] = {"first": {"href": link + "1"}, "last": {"href": link + str(body["pages"])},
                         "prev": {"href": link + str(body["page"] - 1)} if body["page"] > 1 else {},
                         "next": {"href": link + str(body["page"] + 1)}
                         if body["page"] < body["pages"] else {}}
        return 200, body, {}


def _limit_headers(decision: RateDecision) -> dict[str, str]:
    return {"X-Rate-Limit-Limit": str(decision.limit),
            "X-Rate-Limit-Remaining": str(decision.remaining),
            "X-Rate-Limit-Reset": str(decision.reset)}


def _make_handler(fake: FakeShipStation) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out separately: no 40 ms stalls

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer, extra = fake.handle(self.command, self.path, self.headers, body)
            data = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


def main(argv: list[str] | None = None) -> int:
    """``python -m fakes.shipstation.server --port 8089``: serve until interrupted."""
    parser = argparse.ArgumentParser(description="A fake ShipStation for demos.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="key")
    parser.add_argument("--api-secret", default="secret")
    args = parser.parse_args(argv)
    fake = FakeShipStation(api_key=args.api_key, api_secret=args.api_secret).start(args.port)
    print(f"fake ShipStation on {fake.base_url} (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
