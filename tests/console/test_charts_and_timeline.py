"""Hourly SVG charts (the timeline and ledger views: tests/store/test_ledger_views.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from oc_bridge.console.charts import bar_chart, hourly_counts

NOW = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)


def test_hourly_counts_bucket_by_utc_hour() -> None:
    times = ["2026-11-30T12:05:00+00:00", "2026-11-30T12:59:59.999999+00:00",
             "2026-11-30T11:00:00+00:00", "2026-11-30T13:30:00+01:00",  # 12:30 UTC
             "2026-11-27T12:59:00+00:00",  # before the window
             "2026-11-30T14:00:00+00:00",  # after now's hour
             "not a time"]
    buckets = hourly_counts(times, days=3, now=NOW)
    assert len(buckets) == 72
    assert buckets[-1].start == datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert buckets[-1].count == 3 and buckets[-2].count == 1
    assert sum(b.count for b in buckets) == 4


def test_bar_chart_is_escaped_svg_with_a_title_per_bar() -> None:
    buckets = hourly_counts(["2026-11-30T12:05:00+00:00"] * 4, days=1, now=NOW)
    svg = str(bar_chart(buckets, label="Orders <exported>"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Orders &lt;exported&gt;: 4 in total" in svg and "<exported>" not in svg
    assert svg.count("<rect") == 1 and "2026-11-30 12:00 UTC: 4" in svg
    assert "<script" not in svg and "style=" not in svg
    empty = str(bar_chart(hourly_counts([], days=1, now=NOW), label="x"))
    assert "<rect" not in empty and "x: 0 in total" in empty
