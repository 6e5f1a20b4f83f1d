"""Matching articles per month, as a sparkline with its range."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Sparkline, Static

from ...models import Facets

__all__ = ["Timeline", "month_series"]


def month_series(months: tuple[tuple[str, int], ...]) -> list[float]:
    """Counts for every month from the first to the last, empty months as 0."""
    if not months:
        return []
    (first, _), (last, _) = months[0], months[-1]
    counts = dict(months)
    year, month = int(first[:4]), int(first[5:7])
    series: list[float] = []
    while f"{year:04}-{month:02}" <= last:
        series.append(float(counts.get(f"{year:04}-{month:02}", 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series


class Timeline(Horizontal):
    """``2019-12 ▁▂▇█▃ 2020-02  peak 2020-01 (42)``: when a story peaked."""

    def compose(self) -> ComposeResult:
        yield Static(id="timeline-label")
        yield Sparkline([], id="timeline-chart")

    def show(self, facets: Facets) -> None:
        """Plot the month histogram of ``facets``."""
        chart = self.query_one("#timeline-chart", Sparkline)
        label = self.query_one("#timeline-label", Static)
        if not facets.months:
            chart.data = []
            label.update(Text("no dated matches", style="dim"))
            return
        chart.data = month_series(facets.months)
        peak_month, peak = max(facets.months, key=lambda m: (m[1], m[0]))
        span = f"{facets.months[0][0]}..{facets.months[-1][0]}"
        label.update(Text(f"{span}  peak {peak_month} ({peak})", style="dim"))
