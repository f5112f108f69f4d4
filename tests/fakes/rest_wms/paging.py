"""A generic list endpoint (``GET /items``) that pages in any of the six styles, for testing
the paginator against real HTTP. The body is always ``{"data": [...]}`` plus, per style,
``meta.pages`` (page) or ``next`` (cursor)."""

from __future__ import annotations

from typing import Any

from fakes.rest_wms.base import FakeRequest, FakeResponse, FakeWarehouse

__all__ = ["FakePagedList"]


class FakePagedList(FakeWarehouse):
    """Serves ``records`` (dicts with an int ``id``) ``size`` at a time in ``style``:
    ``page`` (``page``/``per_page``), ``offset`` (``offset``/``limit``), ``cursor``
    (``cursor``), ``next_url`` (Django REST framework: ``{"count", "next", "previous",
    "results"}`` with ``next`` a full URL), ``link`` (``Link`` header), ``header``
    (``next-page`` header), ``since_id`` (``since_id``/``limit``) or ``none``. ``requests``
    keeps each request's query."""

    def __init__(self, style: str, records: list[dict[str, Any]], size: int = 3) -> None:
        super().__init__()
        self.style = style
        self.records = records
        self.size = size
        self.requests: list[dict[str, str]] = []

    def route(self, request: FakeRequest) -> FakeResponse:
        if request.path != "/items":
            return FakeResponse(404, {"message": "not found"})
        self.requests.append(request.query)
        q, size, items = request.query, self.size, self.records
        if self.style == "page":
            page = int(q.get("page", "1"))
            pages = max(1, -(-len(items) // size))
            return FakeResponse(200, {"data": items[(page - 1) * size:page * size],
                                      "meta": {"pages": pages}})
        if self.style == "offset":
            offset, limit = int(q.get("offset", "0")), int(q.get("limit", str(size)))
            return FakeResponse(200, {"data": items[offset:offset + limit]})
        if self.style == "since_id":
            since, limit = int(q.get("since_id", "0")), int(q.get("limit", str(size)))
            return FakeResponse(200, {"data": [r for r in items if r["id"] > since][:limit]})
        start = int(q.get("cursor", q.get("page", "0")))
        chunk = items[start:start + size]
        more = start + size < len(items)
        if self.style == "cursor":
            return FakeResponse(200, {"data": chunk, "next": str(start + size) if more else None})
        if self.style == "next_url":
            following = f"{self.base_url}/items?cursor={start + size}&sig=s{start + size}"
            if start and q.get("sig") != f"s{start}":
                return FakeResponse(400, {"detail": "next URL not followed as given"})
            return FakeResponse(200, {"count": len(items), "next": following if more else None,
                                      "previous": None, "results": chunk})
        if self.style == "link":
            headers = {"Link": f'<{self.base_url}/items?cursor={start + size}>; rel="next"'}
            return FakeResponse(200, {"data": chunk}, headers if more else {})
        if self.style == "header":
            headers = {"next-page": f"/items?page={start + size}"}
            return FakeResponse(200, {"data": chunk}, headers if more else {})
        return FakeResponse(200, {"data": items})
