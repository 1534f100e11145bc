"""The dashboard's bar chart: bars scaled to the highest day, dates written weekly back from
today."""

from web.console.chart import HEIGHT, TOP_MARGIN, WIDTH, bar_chart


def test_the_highest_day_fills_the_plot_and_the_others_scale_to_it() -> None:
    chart = bar_chart(["a", "b", "c", "d"], [0, 5, 10, 2])
    heights = [bar.height for bar in chart.bars]
    assert heights == [0, (HEIGHT - TOP_MARGIN) / 2, HEIGHT - TOP_MARGIN, (HEIGHT - TOP_MARGIN) / 5]
    assert all(bar.y + bar.height == HEIGHT for bar in chart.bars)
    assert chart.top_value == 10


def test_bars_share_the_width_in_order_without_overlapping() -> None:
    chart = bar_chart([str(n) for n in range(30)], [1] * 30)
    for left, right in zip(chart.bars, chart.bars[1:], strict=False):
        assert left.x + left.width < right.x
    assert chart.bars[-1].x + chart.bars[-1].width <= WIDTH


def test_today_and_each_week_before_it_are_labelled() -> None:
    chart = bar_chart([f"day {n}" for n in range(30)], [0] * 30)
    assert chart.labels == ["day 1", "day 8", "day 15", "day 22", "day 29"]


def test_thirty_days_without_plays_draw_no_bars() -> None:
    chart = bar_chart(["a", "b"], [0, 0])
    assert chart.top_value == 0 and all(bar.height == 0 for bar in chart.bars)
