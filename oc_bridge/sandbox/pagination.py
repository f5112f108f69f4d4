"""Relay cursor pagination over lists kept sorted by an integer key tuple.

By default a cursor encodes the sort name and the key of its item (not an offset), so a page
boundary stays put when items are inserted elsewhere while a client is paging. With
``by_position`` a cursor encodes the item's position among the matching items instead, as many
Relay servers do (graphql-ruby's array connections, offset-backed SQL connections): when an item
before the boundary moves to the end of the list (an order updated under ``UPDATED_AT_ASC``),
the next page starts one item later and that item is never returned. The client must be correct
against both kinds.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

__all__ = [
    "Connection",
    "Edge",
    "PageInfo",
    "decode_cursor",
    "encode_cursor",
    "paginate",
    "paginate_seq",
]

Key = tuple[int, ...]


@dataclass(slots=True)
class PageInfo:
    """Relay ``PageInfo``."""

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass(slots=True)
class Edge:
    """Relay edge: a cursor and its node."""

    cursor: str
    node: Any


class Connection:
    """A page of a Relay connection; ``total_count`` is computed only when asked for."""

    __slots__ = ("_count", "_total", "edges", "page_info")

    def __init__(self, edges: list[Edge], page_info: PageInfo, count: Callable[[], int]) -> None:
        self.edges = edges
        self.page_info = page_info
        self._count = count
        self._total: int | None = None

    @property
    def nodes(self) -> list[Any]:
        """The nodes of the page, in order."""
        return [edge.node for edge in self.edges]

    @property
    def total_count(self) -> int:
        """How many items match the connection's filters (ignoring cursors and page size)."""
        if self._total is None:
            self._total = self._count()
        return self._total


def encode_cursor(kind: str, key: Key) -> str:
    """An opaque cursor for ``key`` in a listing of ``kind``."""
    text = kind + ":" + ".".join(str(part) for part in key)
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def decode_cursor(kind: str, cursor: str) -> Key:
    """The key in ``cursor``; a GraphQL error when it is malformed or from another listing."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, _, packed = text.partition(":")
        key = tuple(int(part) for part in packed.split("."))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise GraphQLError(f"Invalid cursor: {cursor!r}") from None
    if found != kind:
        raise GraphQLError(f"Invalid cursor: {cursor!r} does not belong to this listing")
    return key


def _check_size(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise GraphQLError(f'Argument "{name}" must be a non-negative integer')


def paginate(
    kind: str,
    keys: Sequence[Key],
    items: Sequence[Any],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    match: Callable[[Any], bool] | None = None,
    count: Callable[[], int] | None = None,
    by_position: bool = False,
) -> Connection:
    """One page of ``items`` (sorted ascending by ``keys``) following the Relay algorithm.

    ``match`` filters items; ``totalCount`` counts every matching item. ``first`` or ``last`` is
    required, as on Orderchamp. ``count`` replaces the default (cached) match count.
    ``by_position``: cursors are positions among the matching items (see the module docstring).
    """
    if first is None and last is None:
        raise GraphQLError('You must provide one of "first" or "last" for this connection')
    _check_size("first", first)
    _check_size("last", last)

    def ok(index: int) -> bool:
        return match is None or match(items[index])

    if by_position:
        return _paginate_by_position(kind, items, ok, first, after, last, before,
                                     count or (lambda: sum(map(ok, range(len(items))))))
    lo = bisect_right(keys, decode_cursor(kind, after)) if after else 0
    hi = bisect_left(keys, decode_cursor(kind, before)) if before else len(keys)
    hi = max(hi, lo)

    def scan(start: int, stop: int, step: int, limit: int | None) -> list[int]:
        found: list[int] = []
        for index in range(start, stop, step):
            if limit is not None and len(found) >= limit:
                break
            if ok(index):
                found.append(index)
        return found

    def any_match(start: int, stop: int, step: int) -> bool:
        return bool(scan(start, stop, step, 1))

    if first is not None:
        chosen = scan(lo, hi, 1, first + 1)
        has_next = len(chosen) > first
        chosen = chosen[:first]
        has_previous = any_match(lo - 1, -1, -1) if after else False
        if last is not None:
            has_previous = has_previous or len(chosen) > last
            chosen = chosen[len(chosen) - last :] if last else []
    else:
        assert last is not None
        chosen = scan(hi - 1, lo - 1, -1, last + 1)
        has_previous = len(chosen) > last
        chosen = list(reversed(chosen[:last]))
        has_next = any_match(hi, len(keys), 1) if before else False
    edges = [Edge(encode_cursor(kind, keys[i]), items[i]) for i in chosen]
    page_info = PageInfo(
        has_next_page=has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )

    def count_matches() -> int:
        if match is None:
            return len(items)
        return sum(1 for item in items if match(item))

    return Connection(edges, page_info, count or count_matches)


def _paginate_by_position(
    kind: str,
    items: Sequence[Any],
    ok: Callable[[int], bool],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    count: Callable[[], int],
) -> Connection:
    """Offset cursors: ``after`` = "the item at this position (1-based) among the matches"."""
    positional = f"{kind}@position"
    matching = [index for index in range(len(items)) if ok(index)]
    lo = decode_cursor(positional, after)[0] if after else 0
    hi = decode_cursor(positional, before)[0] - 1 if before else len(matching)
    lo, hi = min(max(lo, 0), len(matching)), min(max(hi, 0), len(matching))
    hi = max(hi, lo)
    start, stop = lo, hi
    if first is not None:
        stop = min(stop, start + first)
    if last is not None:
        start = max(start, stop - last)
    edges = [Edge(encode_cursor(positional, (position + 1,)), items[matching[position]])
             for position in range(start, stop)]
    page_info = PageInfo(
        has_next_page=stop < (hi if before else len(matching)),
        has_previous_page=start > (lo if after else 0),
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges, page_info, count)


def paginate_seq(
    kind: str,
    items: Sequence[Any],
    args: dict[str, Any],
    match: Callable[[Any], bool] | None = None,
) -> Connection:
    """Paginate a list ordered by each item's ``seq`` (lines, shipments, variants...)."""
    keys = [(item.seq,) for item in items]
    return paginate(
        kind,
        keys,
        items,
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
        match=match,
    )
