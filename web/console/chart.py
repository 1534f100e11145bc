"""A bar chart drawn on the server as SVG geometry (the template writes the elements): one bar
a day, scaled to the highest day. Its words (a few dates, the highest value) are HTML around
the SVG, so they keep their size on a phone's narrow screen. No script, nothing to load."""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 180
TOP_MARGIN = 4  # so the highest bar's top does not touch the frame
GAP = 0.25  # of each day's slot, left between bars
LABEL_EVERY = 7  # days: today, and each week before it, get their date written


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    top_value: int  # the highest bar's value
    labels: list[str]  # the dates written under the chart, oldest first
    width: int = WIDTH
    height: int = HEIGHT


def bar_chart(labels: Sequence[str], values: Sequence[int]) -> BarChart:
    """One bar per label (a day), in order."""
    top_value = max(values, default=0)
    slot = WIDTH / max(len(labels), 1)
    plot_height = HEIGHT - TOP_MARGIN
    bars = []
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_height * value / top_value if top_value else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(n * slot + slot * GAP / 2, 2),
                y=round(HEIGHT - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=round(height, 2),
            )
        )
    written = [label for n, label in enumerate(labels) if (len(labels) - 1 - n) % LABEL_EVERY == 0]
    return BarChart(bars=bars, top_value=top_value, labels=written)
