"""A bar chart drawn on the server as SVG geometry (the template writes the elements): one bar
a day, scaled to the highest day, with a few dates under it. No script, nothing to load."""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 220
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 16, 190, 36
GAP = 0.25  # of each day's slot, left between bars


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
    top_value: int  # what the top of the plot stands for
    labelled: list[Bar]  # the bars whose date is written under the axis
    width: int = WIDTH
    height: int = HEIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM
    plot_left: int = PLOT_LEFT


def bar_chart(labels: Sequence[str], values: Sequence[int]) -> BarChart:
    """One bar per label (a day), in order."""
    top_value = max(max(values, default=0), 1)
    slot = (WIDTH - PLOT_LEFT) / max(len(labels), 1)
    plot_height = PLOT_BOTTOM - PLOT_TOP
    bars = []
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_height * value / top_value
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(PLOT_LEFT + n * slot + slot * GAP / 2, 2),
                y=round(PLOT_BOTTOM - height, 2),
                width=round(slot * (1 - GAP), 2),
                height=round(height, 2),
            )
        )
    # Today and each week before it.
    labelled = [bar for n, bar in enumerate(bars) if (len(bars) - 1 - n) % 7 == 0]
    return BarChart(bars=bars, top_value=top_value, labelled=labelled)
