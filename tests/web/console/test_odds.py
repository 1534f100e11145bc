"""The probability preview's arithmetic."""

from fractions import Fraction

from web.console.odds import chances


def test_each_prize_gets_its_weight_over_the_total() -> None:
    got = chances([("Gold", 1, 5), ("Silver", 3, 20), ("Thanks", 6, None)])
    assert [c.share for c in got] == [Fraction(1, 10), Fraction(3, 10), Fraction(6, 10)]
    assert sum(c.share for c in got) == 1


def test_a_prize_without_stock_never_comes_up_and_the_others_share_its_chance() -> None:
    got = chances([("Gold", 5, 0), ("Thanks", 5, None)])
    assert [c.percent for c in got] == [0.0, 100.0]


def test_no_weight_at_all_gives_every_prize_no_chance_rather_than_an_error() -> None:
    assert [c.share for c in chances([("Gold", 0, None)])] == [0]


def test_a_chance_is_written_as_the_language_writes_numbers() -> None:
    [chance] = chances([("Gold", 1, None)])
    assert chance.percent_text("en") == "100.0 %"
    assert chance.percent_text("es").replace("\xa0", " ") == "100,0 %"
