import datetime as dt

import pytest

from kpi.domain.periods import Month, PeriodError, Quarter
from kpi.present import texts as fmt


def test_month_parse_label_and_arithmetic():
    m = Month.parse(" 2026-05 ")
    assert str(m) == "2026-05" and m.label == "Tháng 5/2026"
    assert str(m.add(8)) == "2027-01" and str(m.add(-5)) == "2025-12"
    assert m.quarter == Quarter(2026, 2)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-05", "2026/05", "", "tháng 5"])
def test_month_rejects_malformed(text):
    with pytest.raises(PeriodError, match="năm-tháng"):
        Month.parse(text)


def test_quarter_parse_label_months():
    q = Quarter.parse("2026-q2")
    assert str(q) == "2026-Q2" and q.label == "Quý II/2026"
    assert [str(m) for m in q.months] == ["2026-04", "2026-05", "2026-06"]
    assert str(Quarter(2026, 1).previous()) == "2025-Q4"
    with pytest.raises(PeriodError, match="năm-quý"):
        Quarter.parse("2026-Q5")


def test_due_date_is_the_18th_of_next_month():
    assert Month(2026, 5).due_date(18, 1) == dt.date(2026, 6, 18)
    assert Month(2026, 12).due_date(18, 1) == dt.date(2027, 1, 18)
    assert Month(2026, 11).due_date(5, 2) == dt.date(2027, 1, 5)


@pytest.mark.parametrize(("month", "due_day", "offset", "due"), [
    # a due day the month has: figures are late from that day (before the 31st: through the 30th)
    (Month(2026, 11), 31, 1, dt.date(2026, 12, 31)),
    (Month(2028, 1), 29, 1, dt.date(2028, 2, 29)),        # a leap February has the 29th
    (Month(2026, 12), 31, 1, dt.date(2027, 1, 31)),
    # past the month's end: through its last day, late from the 1st of the month after
    (Month(2026, 10), 31, 1, dt.date(2026, 12, 1)),       # November has 30 days
    (Month(2026, 3), 31, 1, dt.date(2026, 5, 1)),         # April
    (Month(2026, 1), 31, 1, dt.date(2026, 3, 1)),         # February of a common year: through the 28th
    (Month(2026, 1), 29, 1, dt.date(2026, 3, 1)),
    (Month(2028, 1), 31, 1, dt.date(2028, 3, 1)),         # leap February: through the 29th
    (Month(2028, 1), 30, 1, dt.date(2028, 3, 1)),
    (Month(2027, 12), 30, 2, dt.date(2028, 3, 1)),        # two months on, into a leap February
    (Month(2026, 8), 31, 1, dt.date(2026, 10, 1)),        # September
])
def test_a_due_day_past_the_month_end_means_its_last_day(month, due_day, offset, due):
    assert month.due_date(due_day, offset) == due


def test_vietnamese_number_formats():
    assert fmt.number(1234.5, 1) == "1.234,5"
    assert fmt.number(1234567) == "1.234.567"
    assert fmt.percent(95.5) == "95,5 %"
    assert fmt.smart_number(17.0) == "17" and fmt.smart_number(8.25) == "8,25"
    assert fmt.number(None) == "—" and fmt.percent(float("nan")) == "—"
    assert fmt.date(dt.date(2026, 6, 3)) == "03/06/2026"
