"""The task register's rules, computed by hand: each wording of the documents → its due day, the
derived states around a due day, the completion rate the reviews quote."""
from __future__ import annotations

import datetime as dt

import pytest

from kpi.domain import tasks as T
from kpi.domain.periods import Month

D = dt.date
UNITS = {"VP": "Văn phòng HĐND và UBND xã", "VHXH": "Phòng Văn hóa - Xã hội", "KT": "Phòng Kinh tế",
         "TTPVHCC": "Trung tâm Phục vụ hành chính công", "TTDVSNC": "Trung tâm Dịch vụ sự nghiệp công",
         "CA": "Công an xã", "TYT": "Trạm Y tế xã", "MN": "Trường Mầm non", "TH": "Trường Tiểu học",
         "THCS": "Trường Trung học cơ sở"}


@pytest.mark.parametrize("text, kind, due", [
    ("trước ngày 10/7/2026", T.DATE, D(2026, 7, 9)),           # before the 10th: the 9th is the last day
    ("Thời gian hoàn thành trước ngày 04/7/2026", T.DATE, D(2026, 7, 3)),
    ("đến ngày 10/7/2026", T.DATE, D(2026, 7, 10)),            # until the 10th: the 10th itself
    ("10/07/2026", T.DATE, D(2026, 7, 10)),
    ("Tháng 4/2026", T.MONTH, D(2026, 4, 30)),
    ("trong tháng 07/2026", T.MONTH, D(2026, 7, 31)),
    ("Tháng 12/2026", T.MONTH, D(2026, 12, 31)),
    ("Tháng 2/2028", T.MONTH, D(2028, 2, 29)),
    ("Quý II/2026", T.QUARTER, D(2026, 6, 30)),
    ("Quý IV/2026", T.QUARTER, D(2026, 12, 31)),
    ("Năm 2026", T.YEAR, D(2026, 12, 31)),
    ("Thường xuyên", T.STANDING_RULE, None),
    ("Nhiệm vụ thường xuyên", T.STANDING_RULE, None),
])
def test_each_wording_gives_its_due_day(text, kind, due):
    rule = T.parse_time_rule(text)
    assert (rule.kind, rule.due, rule.monthly) == (kind, due, False)


def test_a_date_cell_is_due_that_day():
    assert T.parse_time_rule(dt.datetime(2026, 7, 10)).due == D(2026, 7, 10)


@pytest.mark.parametrize("text", ["Thường xuyên; định kỳ hằng tháng báo cáo kết quả",
                                  "Nhiệm vụ thường xuyên; định kỳ hàng tháng báo cáo kết quả"])
def test_standing_with_a_monthly_report(text):
    rule = T.parse_time_rule(text)
    assert rule.standing and rule.monthly and rule.due is None


def test_since_and_range():
    since = T.parse_time_rule("từ ngày 01/10/2025")
    assert (since.kind, since.start, since.due) == (T.SINCE, D(2025, 10, 1), None)
    rng = T.parse_time_rule("từ ngày 01/5/2026 đến ngày 30/6/2026")
    assert (rng.start, rng.due) == (D(2026, 5, 1), D(2026, 6, 30))


@pytest.mark.parametrize("text, words", [
    ("", "trống"),
    ("sớm nhất có thể", "không phải thời hạn"),
    ("trước ngày 31/6/2026", "không có trong lịch"),
    ("Quý V/2026", "quý"),
    ("Tháng 13/2026", "tháng 13"),
    ("từ ngày 01/7/2026 đến ngày 30/6/2026", "trước ngày bắt đầu"),
])
def test_unreadable_time_rules_say_why(text, words):
    with pytest.raises(T.TaskInputError, match=words):
        T.parse_time_rule(text)


def test_units_named_in_a_cell():
    m = T.match_units("Phòng Văn hóa - Xã hội; Phòng Kinh tế", UNITS)
    assert m.codes == ("VHXH", "KT")
    assert T.match_units("Phòng Văn hoá – Xã hội, Văn phòng HĐND và UBND xã", UNITS).codes == ("VHXH", "VP")
    assert T.match_units("Phòng Văn hóa - Xã hội; Phòng Kinh tế,", UNITS).codes == ("VHXH", "KT")
    assert T.match_units("Văn phòng HĐND và UBND xã; Công an xã", UNITS).codes == ("VP", "CA")
    assert T.match_units("VHXH; ca", UNITS).codes == ("VHXH", "CA")
    assert T.match_units("Các cơ quan chuyên môn, đơn vị thuộc xã", UNITS).all_units
    assert T.match_units("Các trường học", UNITS).codes == ("MN", "TH", "THCS")
    assert T.match_units("Công an thành phố", UNITS, outside_allowed=True).outside == ("Công an thành phố",)
    with pytest.raises(T.TaskInputError, match="«Phòng Tư pháp» không phải đơn vị"):
        T.match_units("Phòng Kinh tế; Phòng Tư pháp", UNITS)
    with pytest.raises(T.TaskInputError, match="Công an thành phố"):
        T.match_units("Công an thành phố", UNITS)           # outside the commune: never a lead


def _task(due_text: str, **kw) -> T.Task:
    return T.Task(1, "Kaspersky cho 100% máy tính", T.parse_time_rule(due_text), ("VHXH",), **kw)


def _done(day: dt.date, recorded: dt.date | None = None) -> T.Progress:
    return T.Progress(1, f"{day:%Y-%m}", T.COMPLETED, "Đã cài", day,
                      recorded_at=dt.datetime.combine(recorded or day, dt.time(9)))


def _started(day: dt.date) -> T.Progress:
    return T.Progress(1, f"{day:%Y-%m}", T.IN_PROGRESS, "Đang ký hợp đồng", None,
                      recorded_at=dt.datetime.combine(day, dt.time(9)))


def test_states_around_the_due_day():
    task = _task("trước ngày 10/7/2026")            # due 09/07/2026
    state = lambda day, ups=(): T.task_state(task, ups, day)  # noqa: E731
    # not done: the day before, the day, the day after
    assert (state(D(2026, 7, 8)).state, state(D(2026, 7, 8)).days_left) == (T.AT_RISK, 1)
    assert (state(D(2026, 7, 9)).state, state(D(2026, 7, 9)).days_left) == (T.AT_RISK, 0)
    assert (state(D(2026, 7, 10)).state, state(D(2026, 7, 10)).days_late) == (T.OVERDUE, 1)
    # far ahead: on track when started, at risk within 30 days when not started
    assert state(D(2026, 5, 1)).state == T.ON_TRACK
    assert state(D(2026, 6, 10)).state == T.AT_RISK                    # 29 days, not started
    assert state(D(2026, 6, 10), [_started(D(2026, 6, 5))]).state == T.ON_TRACK
    # started: at risk from 7 days before the due day (8 days left is still on track)
    assert (state(D(2026, 7, 1), [_started(D(2026, 6, 5))]).state, state(D(2026, 7, 1)).days_left) == (T.ON_TRACK, 8)
    assert state(D(2026, 7, 2), [_started(D(2026, 6, 5))]).state == T.AT_RISK
    # done the day before, the day, the day after
    assert state(D(2026, 7, 20), [_done(D(2026, 7, 8))]).state == T.DONE_ON_TIME
    assert state(D(2026, 7, 20), [_done(D(2026, 7, 9))]).state == T.DONE_ON_TIME
    late = state(D(2026, 7, 20), [_done(D(2026, 7, 10))])
    assert (late.state, late.days_late) == (T.DONE_LATE, 1)
    # progress recorded after the day asked about is not seen
    assert state(D(2026, 7, 9), [_done(D(2026, 7, 8), recorded=D(2026, 7, 12))]).state == T.AT_RISK


def test_a_standing_task_counts_by_its_monthly_report():
    task = _task("Thường xuyên; định kỳ hằng tháng báo cáo kết quả")
    since = D(2026, 5, 3)          # imported on 03/05: the report of May is due before 18/06
    st = lambda day, ups=(): T.task_state(task, ups, day, tracked_since=since)  # noqa: E731
    assert st(D(2026, 6, 17)).state == T.STANDING
    missing = st(D(2026, 6, 18))
    assert (missing.state, missing.missing_report, missing.days_late) == (T.OVERDUE, "2026-05", 1)
    may = T.Progress(1, "2026-05", T.IN_PROGRESS, "Báo cáo tháng 5",
                     recorded_at=dt.datetime(2026, 6, 15, 10))
    assert st(D(2026, 6, 18), [may]).state == T.STANDING
    # a standing task without a monthly report is never late
    assert T.task_state(_task("Thường xuyên"), (), D(2027, 1, 1)).state == T.STANDING


def test_completion_rate_23_of_45():
    """45 tasks due in the first 9 months of 2025: 23 done (20 on time, 3 late), 22 not done."""
    tasks, ups = [], {}
    for n in range(1, 46):
        due = D(2025, 1 + (n % 9), 10)
        tasks.append(T.Task(n, f"Nhiệm vụ {n}", T.TimeRule(T.DATE, "", due=due), ("VHXH",)))
        if n <= 20:
            ups[n] = [T.Progress(n, "", T.COMPLETED, "", due, recorded_at=dt.datetime(2025, 9, 30))]
        elif n <= 23:
            ups[n] = [T.Progress(n, "", T.COMPLETED, "", due + dt.timedelta(days=3),
                                 recorded_at=dt.datetime(2025, 9, 30))]
        elif n <= 30:
            ups[n] = [T.Progress(n, "", T.IN_PROGRESS, "", None, recorded_at=dt.datetime(2025, 9, 30))]
    # a task due after the period and one done after it are not counted / not done
    tasks.append(T.Task(46, "Sau kỳ", T.TimeRule(T.DATE, "", due=D(2025, 10, 5)), ("VHXH",)))
    start, end, label = T.period_bounds("months", 2025, 9)
    assert (start, end, label) == (D(2025, 1, 1), D(2025, 9, 30), "9 tháng đầu năm 2025")
    c = T.completion(tasks, ups, start, end, as_of=D(2025, 10, 3))
    assert (c.counted, c.done, c.on_time, c.late) == (45, 23, 20, 3)
    assert round(c.rate, 2) == 51.11
    assert T.rate_text(c) == "hoàn thành 23/45 nhiệm vụ, đạt 51,11 %"


def test_completion_done_after_the_period_is_not_done_in_it():
    task = _task("Tháng 6/2026")
    ups = {1: [_done(D(2026, 7, 3))]}
    q2 = T.period_bounds("quarter", 2026, 2)
    assert T.completion([task], ups, q2[0], q2[1], D(2026, 7, 10)).done == 0
    year = T.period_bounds("year", 2026)
    c = T.completion([task], ups, year[0], year[1], D(2026, 7, 10))
    assert (c.counted, c.done, c.late) == (1, 1, 1)


def test_completion_of_a_standing_task_by_its_reports():
    task = _task("Thường xuyên; định kỳ hằng tháng báo cáo kết quả", )
    task = T.Task(1, task.name, T.parse_time_rule("từ ngày 01/04/2026; định kỳ hằng tháng báo cáo kết quả"),
                  ("VHXH",))
    reports = [T.Progress(1, f"2026-0{m}", T.IN_PROGRESS, "", recorded_at=dt.datetime(2026, m + 1, 10))
               for m in (4, 5)]
    q2 = T.period_bounds("quarter", 2026, 2)          # reports of April and May due in Q2
    assert T.completion([task], {1: reports}, *q2[:2], D(2026, 7, 1)) == T.Completion(1, 1, 1, 0, (1,))
    assert T.completion([task], {1: reports[:1]}, *q2[:2], D(2026, 7, 1)).done == 0


def test_monthly_update_counts_of_khcn_tasks():
    a = T.Task(1, "A", T.parse_time_rule("Tháng 12/2026"), ("VHXH",), tags=("KHCN",))
    b = T.Task(2, "B", T.parse_time_rule("Tháng 12/2026"), ("VHXH",), tags=("KHCN", "ATTT"))
    c = T.Task(3, "C", T.parse_time_rule("Tháng 12/2026"), ("VHXH",), tags=("ATTT",))
    ups = {1: [T.Progress(1, "2026-07", T.IN_PROGRESS, "", recorded_at=dt.datetime(2026, 7, 20))],
           3: [T.Progress(3, "2026-07", T.IN_PROGRESS, "", recorded_at=dt.datetime(2026, 7, 20))]}
    assert T.monthly_update_counts([a, b, c], ups, Month(2026, 7), D(2026, 8, 1)) == (1, 2)
    assert T.monthly_update_counts([a, b, c], ups, Month(2026, 7), D(2026, 7, 19)) == (0, 2)


def test_order_puts_overdue_and_at_risk_first():
    day = D(2026, 7, 20)
    ts = [T.Task(i, str(i), T.parse_time_rule(r), ("VP",)) for i, r in
          enumerate(["Tháng 12/2026", "trước ngày 10/7/2026", "Thường xuyên", "trước ngày 25/7/2026",
                     "trước ngày 04/7/2026"], 1)]
    ordered = T.sort_states(T.task_state(t, (), day) for t in ts)
    assert [s.task.id for s in ordered] == [5, 2, 4, 1, 3]
    assert [s.task.id for s in T.due_within([T.task_state(t, (), day) for t in ts], day)] == [4]
