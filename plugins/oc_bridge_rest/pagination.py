"""Reading every page of a warehouse list endpoint, in the paging styles warehouses use.

:class:`Paginator` sends the first request with the configured query, then follows the style
(see :class:`~oc_bridge_rest.config_feeds.PaginationConfig`) until the last page, yielding the
records of each page (the ``records`` expression applied to the body). After the loop,
``since`` holds the largest id seen (``since_id`` style), which becomes the saved cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin

import requests

from oc_bridge.errors import MalformedResponseError
from oc_bridge_rest.config_feeds import PaginationConfig
from oc_bridge_rest.extract import as_int, as_text, search

__all__ = ["Fetch", "Paginator", "id_key", "response_json"]

log = logging.getLogger(__name__)

#: Sends one GET-like request: ``(url_or_path, params) -> response`` (status < 400).
Fetch = Callable[[str, dict[str, Any]], requests.Response]


def response_json(response: requests.Response, what: str) -> Any:
    """The JSON body of ``response``; :class:`MalformedResponseError` when it is not JSON."""
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise MalformedResponseError(f"{what}: the answer is not JSON",
                                     status=response.status_code) from exc


def id_key(value: str) -> tuple[int, int | str]:
    """Sort key for ids: numbers numerically (and before text), text alphabetically."""
    number = as_int(value)
    return (0, number) if number is not None else (1, value)


def _records(body: Any, expression: str, what: str) -> list[Any]:
    found = search(expression, body)
    if found is None:
        return []
    if not isinstance(found, list):
        raise MalformedResponseError(f"{what}: records expression {expression!r} did not give "
                                     f"a list")
    return found


class Paginator:
    """Iterates the pages of one list request. ``pages_read`` counts requests sent."""

    def __init__(self, fetch: Fetch, spec: PaginationConfig, *, records: str, what: str,
                 since: str | None = None) -> None:
        self.fetch = fetch
        self.spec = spec
        self.records = records
        self.what = what
        self.since = since
        self.pages_read = 0

    def pages(self, path: str, query: dict[str, Any]) -> Iterator[list[Any]]:
        """Yield the records of each page, first to last."""
        spec = self.spec
        url, params = path, dict(query)
        page, offset = spec.first_page, 0
        if spec.style == "page":
            params[spec.param_name] = page
        elif spec.style == "offset":
            params[spec.param_name] = offset
        elif spec.style == "since_id" and self.since is not None:
            params[spec.param_name] = self.since
        if spec.size_param and spec.style in ("page", "offset", "since_id", "cursor", "next_url"):
            params[spec.size_param] = spec.size
        while True:
            response = self.fetch(url, params)
            self.pages_read += 1
            body = response_json(response, self.what)
            records = _records(body, self.records, self.what)
            yield records
            if self.pages_read >= spec.max_pages:
                log.warning("%s: stopped after max_pages=%d pages", self.what, spec.max_pages)
                return
            step = self._next(response, body, records, page, offset, url, params)
            if step is None:
                return
            url, params = step
            page += 1
            offset += len(records)

    def _short(self, records: list[Any]) -> bool:
        """An empty page, or (when the page size is known) a page smaller than it."""
        sized = self.spec.size_param is not None or self.spec.style == "offset"
        return not records or (sized and len(records) < self.spec.size)

    def _next(self, response: requests.Response, body: Any, records: list[Any], page: int,
              offset: int, url: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """The next request, or None after the last page."""
        spec = self.spec
        following = dict(params)
        if spec.style == "page":
            total = as_int(search(spec.total_pages, body)) if spec.total_pages else None
            if total is not None:
                if page - spec.first_page + 1 >= total:
                    return None
            elif self._short(records):
                return None
            following[spec.param_name] = page + 1
            return url, following
        if spec.style == "offset":
            if self._short(records):
                return None
            following[spec.param_name] = offset + len(records)
            return url, following
        if spec.style == "cursor":
            token = as_text(search(spec.next_token or "", body))
            if not token or not records:
                return None
            following[spec.param_name] = token
            return url, following
        if spec.style == "since_id":
            if not records:
                return None
            ids = [as_text(search(spec.id or "", r)) for r in records]
            largest = max((i for i in ids if i), key=id_key, default=None)
            if largest is None or largest == self.since:
                return None
            self.since = largest
            if self._short(records):
                return None
            following[spec.param_name] = largest
            return url, following
        if spec.style == "next_url":
            target = as_text(search(spec.next_url, body))
            return (urljoin(response.url, target), {}) if target and records else None
        if spec.style == "link":
            target = response.links.get("next", {}).get("url")
            return (urljoin(response.url, target), {}) if target else None
        if spec.style == "header":
            value = response.headers.get(spec.header)
            if not value or not records:
                return None
            if value.startswith(("http://", "https://", "/", "?")):
                return urljoin(response.url, value), {}
            following[spec.param_name] = value
            return url, following
        return None
