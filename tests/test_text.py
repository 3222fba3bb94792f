"""Weeks are written one way everywhere (planner.domain.text)."""

import pytest

from planner.domain.text import week_ranges, weeks_phrase


@pytest.mark.parametrize(("weeks", "text"), [([1, 2, 3, 5, 7, 8], "1–3, 5, 7–8"), ([4], "4"),
                                             ([], ""), ([7, 6, 8, 9, 10], "6–10")])
def test_week_ranges(weeks, text):
    assert week_ranges(weeks) == text


@pytest.mark.parametrize(("weeks", "text"), [
    ([3], "week 3"), ([7, 6, 8, 9, 10], "weeks 6–10"), ([1, 2, 5], "weeks 1–2, 5"),
    (range(2, 4), "weeks 2–3")])
def test_weeks_phrase(weeks, text):
    assert weeks_phrase(weeks) == text
