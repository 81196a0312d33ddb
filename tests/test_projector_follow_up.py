"""The projector's evidence and milestone lines: exact texts, overdue and at risk first, lead units
short, at most `limit` rows, done and ongoing ones left out of the rows but counted."""
from __future__ import annotations

import dataclasses
import datetime as dt

from catalogs import catalog_of

from kpi.domain.milestones import QuarterReading, milestones
from kpi.domain.periods import Quarter
from kpi.present.evidence_tables import projector_follow_up
from kpi.present.texts import unit_short

CAT_TOML = """
    [[indicators]]
    id = "MA_DOC"
    group = "G"
    name = "Tỷ lệ máy tính của xã được cài phần mềm phòng chống mã độc (Kaspersky)"
    kind = "ratio"
    target = 100
    points = 4
    units = ["A"]
    deadline = 2026-07-10

    [[indicators]]
    id = "TUONG_LUA"
    group = "G"
    name = "Tường lửa"
    kind = "number"
    target = 1
    points = 2.5
    units = ["A"]
    deadline = 2026-09-30

    [[milestones]]
    id = "M_CAP_DO"
    group = "G"
    name = "Phê duyệt cấp độ"
    deadline = 2026-04-30
    source = "KH"

    [[milestones]]
    id = "M_SU_CO"
    group = "G"
    name = "Báo cáo sự cố"
    lead = "A"
    source = "KH"
    """
CAT = catalog_of(CAT_TOML)


def test_lines_on_a_day():
    q3 = Quarter(2026, 3)
    rows = milestones(CAT, dt.date(2026, 7, 1), {q3: QuarterReading(q3, {"MA_DOC": 50.0, "TUONG_LUA": 0.0}, False)}, {})
    shown = projector_follow_up(CAT, "Quý III/2026", 2, 6.5, rows)
    assert shown.evidence == "Minh chứng Quý III/2026: 2/2 chỉ tiêu chưa được duyệt, 6,5 điểm"
    assert shown.heading == "Mốc hạn: 1 quá hạn · 1 có nguy cơ · 1 đúng tiến độ"
    # 9 days left < 50 % × 90: at risk; 91 days left ≥ 100 % × 90: on track
    assert shown.rows == [("✖ Quá hạn 62 ngày", "chưa giao", "Phê duyệt cấp độ"),
                          ("▲ Có nguy cơ · còn 9 ngày", "Đơn vị A",
                           "Tỷ lệ máy tính của xã được cài phần mềm phòng chống mã độc…"),
                          ("● Đúng tiến độ · còn 91 ngày", "Đơn vị A", "Tường lửa")]
    assert shown.urgent == 2
    assert len(projector_follow_up(CAT, "Quý III/2026", 2, 6.5, rows, limit=2).rows) == 2


def test_all_done_and_all_accepted():
    q3 = Quarter(2026, 3)
    rows = milestones(CAT, dt.date(2026, 10, 1), {q3: QuarterReading(q3, {"MA_DOC": 100.0, "TUONG_LUA": 1.0})},
                      {"M_CAP_DO": dt.date(2026, 4, 2)})
    shown = projector_follow_up(CAT, "Quý IV/2026", 0, 0, rows)
    assert shown.evidence == "Minh chứng Quý IV/2026: mọi chỉ tiêu đã được duyệt"
    assert shown.heading == "Mốc hạn: 3 đã xong"
    assert shown.rows == [] and shown.urgent == 0


def test_unit_short_names():
    assert [unit_short(n) for n in ("Văn phòng HĐND và UBND xã", "Phòng Văn hóa - Xã hội",
                                    "Trung tâm Phục vụ hành chính công", "Công an xã", "Ban Chỉ huy quân sự xã",
                                    "Trường Mầm non", "Xã")] == [
        "VP HĐND và UBND", "P. Văn hóa - Xã hội", "TT Phục vụ hành chính công", "Công an", "BCH quân sự",
        "Tr. Mầm non", "Xã"]


def test_an_obligation_is_listed_once_not_again_as_an_overdue_task():
    """The obligation's own task and a document's task that is the same obligation (the same deadline,
    a lead unit in common, most words of the name) are left out of the overdue tasks the projector
    lists under the milestones; another overdue task stays."""
    from kpi.domain.milestones import CATALOG_SOURCE, beside_board, catalog_tasks, same_obligation
    from kpi.domain.tasks import Source, Task, parse_time_rule, task_state

    cat = catalog_of(CAT_TOML.replace('source = "KH"\n\n    [[milestones]]', 'lead = "A"\n    source = "KH"\n\n    [[milestones]]', 1))
    day = dt.date(2026, 7, 1)
    own = [dataclasses.replace(t, id=n) for n, t in enumerate(catalog_tasks(cat)[0], 1)]
    assert own[0].source == CATALOG_SOURCE and own[0].stt == "M_CAP_DO" and own[0].leads == ("A",)
    rows = milestones(cat, day, {}, {}, own)
    plan = Source("Kế hoạch", "01/KH-UBND", None, "Kế hoạch 2026")
    same = Task(10, "Tổ chức phê duyệt cấp độ", parse_time_rule("Tháng 4/2026"), ("B", "A"), source=plan, stt="2")
    other_day = dataclasses.replace(same, id=11, rule=parse_time_rule("Tháng 5/2026"))
    other_lead = dataclasses.replace(same, id=12, leads=("B",))
    other_name = Task(13, "Kế hoạch wifi nhà văn hóa", parse_time_rule("Tháng 4/2026"), ("A",), source=plan, stt="3")
    obligation = next(m for m in rows if m.id == "M_CAP_DO")
    assert obligation.task_id == 1 and obligation.status == "overdue"
    assert [same_obligation(t, obligation) for t in (own[0], same, other_day, other_lead, other_name)] == [
        True, True, False, False, False]
    states = [task_state(t, (), day) for t in (own[0], same, other_day, other_lead, other_name)]
    assert [s.task.id for s in beside_board([s for s in states if s.state == "overdue"], rows)] == [11, 12, 13]
