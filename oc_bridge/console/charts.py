"""Hourly bar charts rendered on the server as SVG: no chart library, no script in the browser.

:func:`hourly_counts` buckets ISO-8601 times into the hours of the last ``days`` days;
:func:`bar_chart` draws the buckets as an accessible SVG (a ``<title>`` per bar with the hour
and count, the total in the heading), escaped with MarkupSafe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from markupsafe import Markup, escape

__all__ = ["HourBucket", "bar_chart", "hourly_counts"]


@dataclass(frozen=True)
class HourBucket:
    """One hour (UTC, its start) and how many events fell into it."""

    start: datetime
    count: int


def _parse(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hourly_counts(times: Iterable[str], *, days: int, now: datetime | None = None
                  ) -> list[HourBucket]:
    """``days * 24`` buckets ending with the current hour; times outside (or unreadable) are
    left out."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    last = now.replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(hours=days * 24 - 1)
    counts = [0] * (days * 24)
    for text in times:
        moment = _parse(text)
        if moment is None:
            continue
        index = int((moment.astimezone(UTC) - first).total_seconds() // 3600)
        if 0 <= index < len(counts):
            counts[index] += 1
    return [HourBucket(first + timedelta(hours=i), n) for i, n in enumerate(counts)]


_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 720, 160, 36, 22, 8


def bar_chart(buckets: Sequence[HourBucket], *, label: str, css_class: str = "bars") -> Markup:
    """An SVG bar chart of ``buckets`` titled ``label``; day boundaries are marked and
    labelled (UTC dates), the y axis shows the largest count."""
    plot_w, plot_h = _WIDTH - _LEFT - 4, _HEIGHT - _BOTTOM - _TOP
    peak = max((b.count for b in buckets), default=0)
    scale = plot_h / peak if peak else 0.0
    step = plot_w / max(1, len(buckets))
    total = sum(b.count for b in buckets)
    parts = [
        f'<svg class="{escape(css_class)}" viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="{escape(label)}: {total} in total" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}: {total} in total</title>",
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{_WIDTH - 4}" '
        f'y2="{_TOP + plot_h}"/>',
        f'<text class="tick" x="{_LEFT - 4}" y="{_TOP + 8}" text-anchor="end">{peak}</text>',
        f'<text class="tick" x="{_LEFT - 4}" y="{_TOP + plot_h}" text-anchor="end">0</text>',
    ]
    for index, bucket in enumerate(buckets):
        x = _LEFT + index * step
        if bucket.start.hour == 0:
            parts.append(f'<line class="day" x1="{x:.1f}" y1="{_TOP}" x2="{x:.1f}" '
                         f'y2="{_TOP + plot_h}"/>')
            # a label near the right edge ends at its day line instead of running off
            anchor = ' text-anchor="end"' if x > _WIDTH - 70 else ""
            parts.append(f'<text class="tick" x="{x + (-2 if anchor else 2):.1f}" '
                         f'y="{_HEIGHT - 6}"{anchor}>{bucket.start:%Y-%m-%d}</text>')
        if bucket.count:
            height = max(1.0, bucket.count * scale)
            parts.append(
                f'<rect class="bar" x="{x + 0.5:.1f}" y="{_TOP + plot_h - height:.1f}" '
                f'width="{max(1.0, step - 1):.1f}" height="{height:.1f}">'
                f"<title>{bucket.start:%Y-%m-%d %H}:00 UTC: {bucket.count}</title></rect>")
    parts.append("</svg>")
    return Markup("".join(parts))
