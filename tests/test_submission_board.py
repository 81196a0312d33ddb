"""The submission board (kpi.present.tables.submission_board and its texts), hand-computed.

Due rule of the catalogue: figures of month M are sent *before* the 18th of month M+1, judged on
the first version; sent on the 18th is one day late."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from test_views import MINI_TOML

from kpi.domain.catalog import parse_catalog
from kpi.domain.periods import Month, Period
from kpi.present import tables


@pytest.fixture
def cat():
    return parse_catalog(MINI_TOML)


def _first(rows):
    return pd.DataFrame({"unit": [r[0] for r in rows], "period": [r[1] for r in rows],
                         "first_submitted_at": pd.to_datetime([r[2] for r in rows]),
                         "versions": [r[3] for r in rows]},
                        columns=["unit", "period", "first_submitted_at", "versions"])


FIRST = _first([("A", "2026-04", "2026-05-17 23:59", 1),   # last minute of the 17th: on time
                ("A", "2026-05", "2026-06-18 08:00", 2),   # on the 18th: 1 day late
                ("B", "2026-04", "2026-05-21 09:00", 1),   # 4 days late (18, 19, 20, 21)
                ("B", "2026-05", "2026-06-02 10:00", 1),
                ("B", "2026-06", "2026-07-10 10:00", 1)])
MONTHS = [Month(2026, 4), Month(2026, 5), Month(2026, 6), Month(2026, 7)]


def test_board_on_time_late_by_days_missing_not_due(cat):
    b = tables.submission_board(cat, FIRST, MONTHS, dt.date(2026, 7, 20))
    assert list(b["unit"]) == ["A"] * 4 + ["B"] * 4
    assert list(b["status"]) == ["on_time", "late", "missing", "not_due",
                                 "late", "on_time", "on_time", "not_due"]
    assert list(b["days_late"]) == [0, 1, 0, 0, 4, 0, 0, 0]
    assert list(b["versions"]) == [1, 2, 0, 0, 1, 1, 1, 0]
    assert b.iloc[2]["due"] == dt.date(2026, 7, 18)
    t = tables.board_table(b)
    assert list(t.columns) == ["Đơn vị", "Tháng 4/2026", "Tháng 5/2026", "Tháng 6/2026", "Tháng 7/2026"]
    assert t.iloc[0].tolist() == ["Đơn vị A", "✔ Đúng hạn", "▲ Muộn 1 ngày", "✖ Chưa nộp",
                                  "○ Chưa đến hạn"]
    assert t.iloc[1].tolist() == ["Đơn vị B", "▲ Muộn 4 ngày", "✔ Đúng hạn", "✔ Đúng hạn",
                                  "○ Chưa đến hạn"]
    assert tables.board_counts(b) == {"on_time": 3, "late": 2, "missing": 1, "not_due": 2}
    assert tables.missing_units(b) == [("A", [Month(2026, 6)])]


@pytest.mark.parametrize("today, status", [
    (dt.date(2026, 7, 17), "not_due"),   # the last day to send June's figures
    (dt.date(2026, 7, 18), "missing"),   # the due date itself: too late
])
def test_the_18th_boundary_for_a_month_not_sent(cat, today, status):
    b = tables.submission_board(cat, FIRST, [Month(2026, 6)], today, ["A"])
    assert list(b["status"]) == [status]


def test_one_unit_timeliness_is_the_board_of_that_unit(cat):
    t = tables.timeliness(cat, FIRST, "B", MONTHS, dt.date(2026, 7, 20))
    assert list(t["status"]) == ["late", "on_time", "on_time", "not_due"]
    assert "unit" not in t.columns and list(t["days_late"]) == [4, 0, 0, 0]


def test_next_due_and_countdown(cat):
    # before the 18th the previous month falls due; from the 18th on, the current month
    assert tables.next_due(cat, dt.date(2026, 11, 17)) == (Month(2026, 10), dt.date(2026, 11, 18))
    assert tables.next_due(cat, dt.date(2026, 11, 18)) == (Month(2026, 11), dt.date(2026, 12, 18))
    assert tables.countdown_text(cat, dt.date(2026, 11, 23)) == (
        "Số liệu Tháng 11/2026: còn 25 ngày đến hạn 18/12/2026")
    assert tables.countdown_text(cat, dt.date(2026, 11, 17)) == (
        "Số liệu Tháng 10/2026: còn 1 ngày đến hạn 18/11/2026")


def test_board_months_are_the_quarter_the_month_falling_due_and_the_current_month(cat):
    today = dt.date(2026, 11, 5)    # October falls due on 18/11; November is the current month
    assert tables.board_months(cat, Period.parse("2026-Q3"), today) == [
        Month(2026, 7), Month(2026, 8), Month(2026, 9), Month(2026, 10), Month(2026, 11)]
    assert tables.board_months(cat, Period.parse("2026-11"), today) == [
        Month(2026, 10), Month(2026, 11), Month(2026, 12)]


def test_reminder_lists_the_units_missing_and_the_next_due_date(cat):
    today = dt.date(2026, 7, 20)
    b = tables.submission_board(cat, FIRST, MONTHS, today)
    assert tables.reminder_text(cat, b, today) == (
        "Xã Thử: nhắc gửi số liệu chuyển đổi số (20/07/2026).\n"
        "Các đơn vị chưa gửi số liệu đã quá hạn:\n"
        "- Đơn vị A: Tháng 6/2026 (hạn trước ngày 18/07/2026)\n"
        "Đề nghị các đơn vị gửi ngay qua trang «Nhập số liệu».\n"
        "Số liệu Tháng 7/2026 gửi trước ngày 18/08/2026 (còn 29 ngày); chưa đơn vị nào gửi.")


def test_reminder_when_everyone_has_sent(cat):
    today = dt.date(2026, 6, 1)    # the log as it stood that day
    first = _first([("A", "2026-04", "2026-05-17 23:59", 1), ("B", "2026-04", "2026-05-21 09:00", 1),
                    ("B", "2026-05", "2026-05-31 10:00", 1)])
    b = tables.submission_board(cat, first, [Month(2026, 4), Month(2026, 5)], today)
    assert tables.reminder_text(cat, b, today) == (
        "Xã Thử: nhắc gửi số liệu chuyển đổi số (01/06/2026).\n"
        "Tất cả đơn vị đã gửi đủ số liệu đến hạn.\n"
        "Số liệu Tháng 5/2026 gửi trước ngày 18/06/2026 (còn 17 ngày); chưa gửi: Đơn vị A.")


def test_an_empty_log_gives_an_all_missing_board(cat):
    b = tables.submission_board(cat, _first([]), [Month(2026, 4)], dt.date(2026, 7, 20))
    assert list(b["status"]) == ["missing", "missing"]
    assert [code for code, _ in tables.missing_units(b)] == ["A", "B"]


def test_missing_summary_for_the_overview(cat):
    b = tables.submission_board(cat, FIRST, MONTHS, dt.date(2026, 7, 20))
    assert tables.missing_summary(cat, b) == "✖ 1/2 đơn vị chưa gửi số liệu tháng đã đến hạn"
    b = tables.submission_board(cat, FIRST, MONTHS[:2], dt.date(2026, 7, 20))
    assert tables.missing_summary(cat, b) == "✔ Cả 2 đơn vị đã gửi đủ số liệu tháng đến hạn"


def test_reminder_when_the_next_month_is_already_in(cat):
    today = dt.date(2026, 6, 10)
    first = _first([("A", "2026-05", "2026-06-02 10:00", 1), ("B", "2026-05", "2026-06-03 10:00", 1)])
    b = tables.submission_board(cat, first, [Month(2026, 5)], today)
    assert tables.reminder_text(cat, b, today).splitlines()[1:] == [
        "Tất cả đơn vị đã gửi đủ số liệu đến hạn.",
        "Số liệu Tháng 5/2026 gửi trước ngày 18/06/2026 (còn 8 ngày); các đơn vị đã gửi đủ."]
