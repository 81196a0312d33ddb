"""Milestones: criteria with a deadline — done, on track, at risk, overdue, missed at the
boundaries, judged on the quarter that holds the deadline; a start is a start, never late."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from catalogs import catalog_of, head_toml

from kpi.cli.main import main
from kpi.domain.catalog import CatalogError, parse_catalog
from kpi.domain.milestones import (
    AT_RISK,
    DONE,
    MISSED,
    ON_TRACK,
    ONGOING,
    OVERDUE,
    QuarterReading,
    milestones,
    quarters_to_judge,
    share_done,
    status_on,
)
from kpi.domain.periods import Quarter
from kpi.present.evidence_tables import milestone_line, milestone_table, projector_follow_up


def at(quarter: str, final: bool = True, **achieved: float | None) -> dict[Quarter, QuarterReading]:
    """What one quarter's result says of some criteria (final: closed or every report due)."""
    q = Quarter.parse(quarter)
    return {q: QuarterReading(q, achieved, final)}

D = dt.date(2026, 7, 10)
CAT = catalog_of("""
    [[indicators]]
    id = "MA_DOC"
    group = "G"
    name = "Máy tính cài phần mềm diệt virus"
    kind = "ratio"
    target = 100
    points = 4
    units = ["A"]
    deadline = 2026-07-10

    [[indicators]]
    id = "QUA_HAN"
    group = "G"
    name = "Hồ sơ quá hạn"
    kind = "ratio"
    direction = "lower"
    zero_at = 5
    target = 1
    points = 2
    units = ["A"]
    deadline = 2026-06-30

    [[indicators]]
    id = "KHONG_HAN"
    group = "G"
    name = "Không có hạn"
    kind = "number"
    target = 5
    points = 1
    units = ["A"]
    """)


def test_share_done():
    ind, lower = CAT.indicator("MA_DOC"), CAT.indicator("QUA_HAN")
    assert [share_done(ind, v) for v in (None, 0, 60, 99.5, 100, 120)] == pytest.approx([0, 0, 0.6, 0.995, 1, 1])
    assert [share_done(lower, v) for v in (None, 0.5, 1, 1.5)] == [0, 1, 1, 0]


@pytest.mark.parametrize("as_of, share, status", [
    # nothing done: at risk from 89 days before the deadline (89 < 1 × 90), on track at 90
    (D - dt.timedelta(days=90), 0.0, ON_TRACK), (D - dt.timedelta(days=89), 0.0, AT_RISK),
    # 60 % done: 40 % missing × 90 = 36 days; at 36 days left on track, at 35 at risk
    (D - dt.timedelta(days=36), 0.6, ON_TRACK), (D - dt.timedelta(days=35), 0.6, AT_RISK),
    # 99 % done: 0,9 day → only the deadline day itself is at risk
    (D - dt.timedelta(days=1), 0.99, ON_TRACK), (D, 0.99, AT_RISK),
    # the day after the deadline: overdue, whatever the share still missing
    (D + dt.timedelta(days=1), 0.99, OVERDUE), (D + dt.timedelta(days=1), 0.0, OVERDUE),
    (D + dt.timedelta(days=400), 1.0, DONE), (D - dt.timedelta(days=5), 1.0, DONE),
])
def test_status_at_the_boundaries(as_of, share, status):
    assert status_on(D, as_of, share, done=False) == status


def test_accepted_evidence_makes_it_done_even_late():
    assert status_on(D, D + dt.timedelta(days=30), 0.2, done=True) == DONE


def test_milestones_listed_worst_first():
    # 01/07: Quý II (QUA_HAN's deadline quarter) still takes June's reports; MA_DOC (due 10/07, Quý III)
    # has no Quý III figures yet, so Quý II stands in as a forecast
    rows = milestones(CAT, dt.date(2026, 7, 1), at("2026-Q2", False, MA_DOC=50.0, QUA_HAN=3.0), {})
    assert [(m.id, m.status, m.days_left, m.lead, m.share_done, str(m.quarter)) for m in rows] == [
        ("QUA_HAN", OVERDUE, -1, "A", 0.0, "2026-Q2"), ("MA_DOC", AT_RISK, 9, "A", 0.5, "2026-Q2")]
    rows = milestones(CAT, dt.date(2026, 7, 1), at("2026-Q2", False, MA_DOC=50.0, QUA_HAN=0.5),
                      {"MA_DOC": dt.date(2026, 6, 20)})
    assert [(m.id, m.status, m.done_on) for m in rows] == [("QUA_HAN", DONE, None),
                                                           ("MA_DOC", DONE, dt.date(2026, 6, 20))]
    assert rows[1].to_dict() == {"id": "MA_DOC", "name": "Máy tính cài phần mềm diệt virus", "deadline": "2026-07-10",
                                 "start": None, "status": "done", "lead": "A", "kind": "criterion",
                                 "done_on": "2026-06-20", "share_done": 0.5, "days_left": 9,
                                 "quarter": "2026-Q2", "achieved": 50.0}


# ── judged on the quarter that holds the deadline, never on a later (provisional) one ──

SIGN = catalog_of("""
    [[indicators]]
    id = "KY_SO"
    group = "G"
    name = "Tỷ lệ cán bộ, công chức có chữ ký số cá nhân"
    kind = "ratio"
    aggregate = "last"
    target = 100
    points = 4
    units = ["A"]
    deadline = 2026-06-30   # Quý II/2026
    """)
DEADLINE = dt.date(2026, 6, 30)
# Quý II ended at 90,8 %; Quý III reached 95 %; Quý IV (provisional, October so far) 100 %
YEAR = {**at("2026-Q1", KY_SO=80.0), **at("2026-Q2", KY_SO=90.8), **at("2026-Q3", KY_SO=95.0),
        **at("2026-Q4", False, KY_SO=100.0)}


def _one(catalog, as_of, readings, accepted=None):
    (m,) = milestones(catalog, as_of, readings, accepted or {})
    return m


def test_a_deadline_missed_in_its_quarter_is_never_done_by_later_figures():
    m = _one(SIGN, dt.date(2026, 12, 10), YEAR)
    assert (m.status, str(m.quarter), m.achieved, m.share_done, m.days_left) == (
        MISSED, "2026-Q2", 90.8, pytest.approx(0.908), -163)
    assert m.urgent
    assert milestone_line(SIGN, m) == (
        "✖ Không đạt đúng hạn: KY_SO — Tỷ lệ cán bộ, công chức có chữ ký số cá nhân (hạn 30/06/2026, quá 163 ngày; "
        "chủ trì Đơn vị A; Quý II/2026 đạt 90,8 %)")
    row = milestone_table(SIGN, [m]).iloc[0].to_dict()
    assert row == {"Tình trạng": "✖ Không đạt đúng hạn", "Chỉ tiêu": "Tỷ lệ cán bộ, công chức có chữ ký số cá nhân",
                   "Hạn": "30/06/2026", "Còn lại": "quá 163 ngày", "Đã đạt": "90,8 % (Quý II/2026)",
                   "Đơn vị chủ trì": "Đơn vị A"}
    shown = projector_follow_up(SIGN, "Quý IV/2026", 0, 0, [m])
    assert shown.heading == "Mốc hạn: 1 không đạt đúng hạn"
    assert shown.rows == [("✖ Không đạt đúng hạn · Quý II/2026 đạt 90,8 %", "Đơn vị A",
                           "Tỷ lệ cán bộ, công chức có chữ ký số cá nhân")]
    assert shown.urgent == 1


def test_met_in_its_deadline_quarter_is_done_whatever_came_after():
    readings = {**YEAR, **at("2026-Q2", KY_SO=100.0), **at("2026-Q3", KY_SO=96.0)}
    m = _one(SIGN, dt.date(2026, 12, 10), readings)
    assert (m.status, str(m.quarter), m.achieved) == (DONE, "2026-Q2", 100.0)
    assert milestone_table(SIGN, [m]).iloc[0]["Còn lại"] == "đã đạt chỉ tiêu"


@pytest.mark.parametrize("as_of, final, status, days_left", [
    # Quý II so far at 90,8 %: 9,2 % missing × 90 = 8,3 days needed
    (DEADLINE - dt.timedelta(days=9), False, ON_TRACK, 9),
    (DEADLINE - dt.timedelta(days=1), False, AT_RISK, 1),       # the day before
    (DEADLINE, False, AT_RISK, 0),                              # the day of the deadline
    (DEADLINE + dt.timedelta(days=1), False, OVERDUE, -1),      # the day after: June's reports still to come
    (DEADLINE + dt.timedelta(days=1), True, MISSED, -1),        # … or the quarter closed: missed
])
def test_the_days_around_the_deadline(as_of, final, status, days_left):
    m = _one(SIGN, as_of, at("2026-Q2", final, KY_SO=90.8))
    assert (m.status, m.days_left, str(m.quarter), m.achieved) == (status, days_left, "2026-Q2", 90.8)


@pytest.mark.parametrize("as_of", [DEADLINE - dt.timedelta(days=1), DEADLINE, DEADLINE + dt.timedelta(days=1)])
def test_met_around_the_deadline_is_done(as_of):
    assert _one(SIGN, as_of, at("2026-Q2", False, KY_SO=100.0)).status == DONE


def test_before_its_quarter_has_figures_the_latest_quarter_is_a_forecast():
    # 15/04: Quý II has nothing yet; Quý I (80 %) stands in: 20 % × 90 = 18 days < 76 left → on track
    m = _one(SIGN, dt.date(2026, 4, 15), {**at("2026-Q1", KY_SO=80.0), **at("2026-Q2", False, KY_SO=None)})
    assert (m.status, str(m.quarter), m.achieved) == (ON_TRACK, "2026-Q1", 80.0)
    assert milestone_table(SIGN, [m]).iloc[0]["Đã đạt"] == "80,0 % (Quý I/2026)"
    # a forecast is done only when it already meets the target
    assert _one(SIGN, dt.date(2026, 4, 15), at("2026-Q1", KY_SO=100.0)).status == DONE
    # after the deadline, the quarters after the deadline's are never read, nor after as_of's
    assert quarters_to_judge(SIGN.indicator("KY_SO"), dt.date(2026, 12, 10))[0] == Quarter(2026, 2)
    assert quarters_to_judge(SIGN.indicator("KY_SO"), dt.date(2026, 2, 1))[0] == Quarter(2026, 1)
    m = _one(SIGN, dt.date(2026, 8, 1), {**at("2026-Q3", False, KY_SO=100.0)})
    assert (m.status, m.quarter, m.achieved) == (OVERDUE, None, None)
    # the deadline's quarter over with nothing reported: missed, «chưa có số liệu»
    m = _one(SIGN, dt.date(2026, 8, 1), {**at("2026-Q1", KY_SO=95.0), **at("2026-Q2", KY_SO=None),
                                         **at("2026-Q3", False, KY_SO=100.0)})
    assert (m.status, str(m.quarter), m.achieved) == (MISSED, "2026-Q2", None)
    assert milestone_table(SIGN, [m]).iloc[0]["Đã đạt"] == "chưa có số liệu (Quý II/2026)"


def test_accepted_evidence_still_makes_a_missed_one_done():
    m = _one(SIGN, dt.date(2026, 12, 10), YEAR, {"KY_SO": dt.date(2026, 11, 2)})
    assert (m.status, m.done_on, str(m.quarter)) == (DONE, dt.date(2026, 11, 2), "2026-Q2")


# ── a start is a start: ongoing since that day, never late ──

STARTS = catalog_of("""
    [[indicators]]
    id = "DVC_25"
    group = "G"
    name = "Hồ sơ 25 dịch vụ công thiết yếu nộp trực tuyến"
    kind = "ratio"
    target = 100
    points = 2
    units = ["A"]
    start = 2025-10-01

    [[milestones]]
    id = "M_DVC_25"
    group = "G"
    name = "25 dịch vụ công thiết yếu trực tuyến toàn trình (từ ngày 01/10/2025)"
    start = 2025-10-01
    lead = "A"
    source = "TB 003"
    """)


@pytest.mark.parametrize("as_of", [dt.date(2025, 9, 30), dt.date(2025, 10, 1), dt.date(2025, 10, 2),
                                   dt.date(2026, 12, 5), dt.date(2030, 1, 1)])
def test_a_start_is_ongoing_never_overdue(as_of):
    rows = {m.id: m for m in milestones(STARTS, as_of, at(str(Quarter.of(as_of)), False, DVC_25=60.0), {})}
    for m in rows.values():
        assert (m.status, m.deadline, m.days_left, m.start) == (ONGOING, None, None, dt.date(2025, 10, 1))
        assert not m.urgent
    assert rows["DVC_25"].achieved == 60.0 and rows["M_DVC_25"].to_dict()["start"] == "2025-10-01"
    table = milestone_table(STARTS, list(rows.values()))
    assert list(table["Hạn"]) == ["thường xuyên, từ 01/10/2025"] * 2
    assert list(table["Tình trạng"]) == ["◆ Thường xuyên"] * 2
    assert milestone_line(STARTS, rows["M_DVC_25"]) == (
        "◆ Thường xuyên: M_DVC_25 — 25 dịch vụ công thiết yếu trực tuyến toàn trình (từ ngày 01/10/2025) "
        "(thường xuyên, từ 01/10/2025; chủ trì Đơn vị A; mốc theo dõi, không tính điểm)")
    assert projector_follow_up(STARTS, "Quý IV/2026", 0, 0, list(rows.values())).rows == []


def test_a_bad_start_is_named_in_vietnamese():
    with pytest.raises(CatalogError) as e:
        parse_catalog(head_toml() + """
[[indicators]]
id = "A1"
group = "G"
name = "N"
kind = "number"
target = 1
points = 1
units = ["A"]
start = "01/10/2025"
[[indicators]]
id = "A2"
group = "G"
name = "N"
kind = "number"
target = 1
points = 1
units = ["A"]
start = 2025-10-01
deadline = 2026-06-30
[[milestones]]
id = "M1"
group = "G"
name = "N"
source = "S"
start = 20251001
[[milestones]]
id = "M2"
group = "G"
name = "N"
source = "S"
deadline = 2026-06-30
start = 2025-10-01
""")
    assert e.value.problems == [
        "Chỉ tiêu A1, khóa `start`: phải là ngày dạng 2025-10-01, không có dấu ngoặc kép (đang là '01/10/2025').",
        "Chỉ tiêu A2, khóa `start`: không dùng cùng `deadline`: `deadline` là ngày phải xong, `start` là ngày bắt "
        "đầu một nhiệm vụ thường xuyên (ví dụ «từ ngày 01/10/2025»); giữ một trong hai.",
        "Mốc M1, khóa `start`: phải là ngày dạng 2025-10-01, không có dấu ngoặc kép (đang là 20251001).",
        "Mốc M2, khóa `start`: không dùng cùng `deadline`: `deadline` là ngày phải xong, `start` là ngày bắt "
        "đầu một nhiệm vụ thường xuyên (ví dụ «từ ngày 01/10/2025»); giữ một trong hai.",
    ]


def test_check_config_lists_a_bad_start(tmp_path, capsys):
    from pathlib import Path
    text = (Path(__file__).parent.parent / "config" / "indicators.toml").read_text(encoding="utf-8")
    assert "start = 2025-10-01" in text
    bad = tmp_path / "indicators.toml"
    bad.write_text(text.replace("start = 2025-10-01", 'start = "từ 01/10/2025"', 1), encoding="utf-8")
    assert main(["--config", str(bad), "check-config"]) == 1
    assert ("- Mốc M_DVC_25_THIET_YEU, khóa `start`: phải là ngày dạng 2025-10-01, không có dấu ngoặc kép "
            "(đang là 'từ 01/10/2025').") in capsys.readouterr().out


# ── the command on the demo data (HT_CHU_KY_SO due 30/06/2026: Quý II ends at 90,8 %, Quý IV so far 100 %;
# HT_MAY_TINH due the same day, met in Quý II) ──

@pytest.fixture
def db(demo_db_file, tmp_path):
    path = tmp_path / "kpi.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


def _rows(db, capsys, as_of):
    assert main(["--db", str(db), "milestones", "--as-of", as_of, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    keys = {"id", "name", "deadline", "start", "status", "lead", "kind", "done_on", "share_done", "days_left",
            "quarter", "achieved"}
    # an obligation names its task of the register
    assert all(set(r) == (keys | {"task"} if r["kind"] == "obligation" else keys) for r in rows)
    assert all(isinstance(r["task"], int) for r in rows if r["kind"] == "obligation")
    return {r["id"]: r for r in rows}


def _states(db, capsys, as_of):
    return {k: (r["status"], r["share_done"], r["days_left"]) for k, r in _rows(db, capsys, as_of).items()}


def test_cli_milestones_at_the_deadline_boundaries(db, capsys):
    # Quý II's result (the quarter of the deadline) at 90,77 %: 9,2 % × 90 = 8,3 days still needed
    assert _states(db, capsys, "2026-06-21")["HT_CHU_KY_SO"] == ("on_track", 0.9077, 9)
    assert _states(db, capsys, "2026-06-29")["HT_CHU_KY_SO"] == ("at_risk", 0.9077, 1)
    assert _states(db, capsys, "2026-06-30")["HT_CHU_KY_SO"] == ("at_risk", 0.9077, 0)
    # the day after: overdue while June's reports are still to come (due before 18/07) …
    assert _states(db, capsys, "2026-07-01")["HT_CHU_KY_SO"] == ("overdue", 0.9077, -1)
    assert _states(db, capsys, "2026-07-17")["HT_CHU_KY_SO"] == ("overdue", 0.9077, -17)
    # … then Quý II is final: missed, and it stays missed though Quý IV's provisional figures reach 100 %
    assert _states(db, capsys, "2026-07-18")["HT_CHU_KY_SO"] == ("missed", 0.9077, -18)
    december = _rows(db, capsys, "2026-12-10")
    assert {k: december["HT_CHU_KY_SO"][k] for k in ("status", "quarter", "days_left")} == {
        "status": "missed", "quarter": "2026-Q2", "days_left": -163}
    assert december["HT_CHU_KY_SO"]["achieved"] == pytest.approx(90.769, abs=1e-3)
    assert {k: december["HT_MAY_TINH"][k] for k in ("status", "quarter", "achieved")} == {
        "status": "done", "quarter": "2026-Q2", "achieved": 100.0}
    assert main(["--db", str(db), "milestones", "--as-of", "2026-12-10"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[1] == (
        "- ✖ Không đạt đúng hạn: HT_CHU_KY_SO — Tỷ lệ cán bộ, công chức có chữ ký số cá nhân (hạn 30/06/2026, "
        "quá 163 ngày; chủ trì Phòng Văn hóa - Xã hội; Quý II/2026 đạt 90,8 %)")
    assert "Đã xong: HT_CHU_KY_SO" not in text


def test_cli_milestone_done_by_accepted_evidence(db, capsys, tmp_path):
    pdf_file = tmp_path / "bb.pdf"
    from evidence_files import pdf
    pdf_file.write_bytes(pdf())
    assert main(["--db", str(db), "evidence", "add", "--quarter", "2026-Q3", "--indicator", "HT_CHU_KY_SO",
                 str(pdf_file), "--by", "dv-vhxh", "--note", "Danh sách cấp chứng thư số"]) == 0
    assert main(["--db", str(db), "evidence", "review", "--quarter", "2026-Q3", "--indicator", "HT_CHU_KY_SO",
                 "--state", "accepted", "--by", "vanphong"]) == 0
    capsys.readouterr()
    today = dt.date.today()
    assert _states(db, capsys, today.isoformat())["HT_CHU_KY_SO"][0] == "done"
    # a review made after the day asked about does not count on that day
    assert _states(db, capsys, "2026-07-18")["HT_CHU_KY_SO"][0] == "missed"
    assert main(["--db", str(db), "milestones", "--as-of", "10/07/2026"]) == 2
    assert "--as-of «10/07/2026» không phải ngày" in capsys.readouterr().err


# ── the catalogue's `[[milestones]]` obligations: dated ones by evidence only, undated ones ongoing ──

OBLIGATIONS = catalog_of("""
    [[indicators]]
    id = "MA_DOC"
    group = "G"
    name = "Máy tính cài phần mềm diệt virus"
    kind = "ratio"
    target = 100
    points = 4
    units = ["A"]
    deadline = 2026-07-10

    [[milestones]]
    id = "M_CAP_DO"
    group = "G"
    name = "Phê duyệt cấp độ an toàn thông tin"
    deadline = 2026-04-30
    lead = "A"
    source = "KH 2026"

    [[milestones]]
    id = "M_SU_CO"
    group = "G"
    name = "Báo cáo sự cố trong 24 giờ"
    source = "KH 2026"
    """)


@pytest.mark.parametrize("as_of, status, days_left", [
    # nothing accepted = 0 % done: 90 days before 30/04 (30/01) on track, 89 days (31/01) at risk
    ("2026-01-30", ON_TRACK, 90), ("2026-01-31", AT_RISK, 89),
    ("2026-04-30", AT_RISK, 0), ("2026-05-01", OVERDUE, -1),
])
def test_obligation_states_at_the_deadline_boundaries(as_of, status, days_left):
    rows = {m.id: m for m in milestones(OBLIGATIONS, dt.date.fromisoformat(as_of), {}, {})}
    m = rows["M_CAP_DO"]
    assert (m.status, m.days_left, m.share_done, m.lead, m.kind) == (status, days_left, 0.0, "A", "obligation")
    ongoing = rows["M_SU_CO"]
    assert (ongoing.status, ongoing.deadline, ongoing.days_left, ongoing.lead) == ("ongoing", None, None, None)


def test_obligations_done_by_accepted_evidence_and_listed_after_the_dated():
    rows = milestones(OBLIGATIONS, dt.date(2026, 5, 3), at("2026-Q2", False, MA_DOC=50.0),
                      {"M_CAP_DO": dt.date(2026, 5, 2), "M_SU_CO": dt.date(2026, 4, 1)})
    assert [(m.id, m.status, m.done_on, m.share_done) for m in rows] == [
        ("MA_DOC", ON_TRACK, None, 0.5),                     # 68 days left > 50 % × 90 = 45
        ("M_CAP_DO", DONE, dt.date(2026, 5, 2), 1.0),        # accepted two days late: done
        ("M_SU_CO", "ongoing", dt.date(2026, 4, 1), 0.0)]    # no deadline: ongoing, its evidence noted
    assert rows[2].to_dict() == {"task": None, "id": "M_SU_CO", "name": "Báo cáo sự cố trong 24 giờ", "deadline": None,
                                 "start": None, "status": "ongoing", "lead": None, "kind": "obligation",
                                 "done_on": "2026-04-01", "share_done": 0.0, "days_left": None,
                                 "quarter": None, "achieved": None}


def test_cli_obligation_at_the_deadline_boundaries(db, capsys):
    # M_ATTT_CAP_DO (Tháng 4/2026 → 30/04/2026, lead VP), no evidence: 0 % done
    assert _states(db, capsys, "2026-01-30")["M_ATTT_CAP_DO"] == ("on_track", 0.0, 90)
    assert _states(db, capsys, "2026-01-31")["M_ATTT_CAP_DO"] == ("at_risk", 0.0, 89)
    assert _states(db, capsys, "2026-04-30")["M_ATTT_CAP_DO"] == ("at_risk", 0.0, 0)
    assert _states(db, capsys, "2026-05-01")["M_ATTT_CAP_DO"] == ("overdue", 0.0, -1)
    states = _states(db, capsys, "2026-05-01")
    assert states["M_ATTT_SU_CO_24H"] == ("ongoing", 0.0, None)
    # «từ ngày 01/10/2025» is a start: ongoing, never overdue
    assert states["M_DVC_25_THIET_YEU"] == ("ongoing", 0.0, None)
    assert _rows(db, capsys, "2026-05-01")["M_DVC_25_THIET_YEU"]["start"] == "2025-10-01"
    assert main(["--db", str(db), "milestones", "--as-of", "2026-05-01"]) == 0
    text = capsys.readouterr().out
    assert ("- ✖ Quá hạn: M_ATTT_CAP_DO — Thẩm định, phê duyệt cấp độ an toàn thông tin của các hệ thống thông "
            "tin trọng yếu do xã quản lý (hạn 30/04/2026, quá 1 ngày; chủ trì Văn phòng HĐND và UBND xã; "
            "mốc theo dõi, không tính điểm)") in text
    assert ("- ◆ Thường xuyên: M_ATTT_SU_CO_24H — Báo cáo sự cố an ninh mạng trong vòng 24 giờ khi xảy ra "
            "(không có hạn; chủ trì Văn phòng HĐND và UBND xã; mốc theo dõi, không tính điểm)") in text
    assert ("- ◆ Thường xuyên: M_DVC_25_THIET_YEU — Người dân nộp hồ sơ trực tuyến hoàn toàn đối với 25 dịch vụ công "
            "thiết yếu (từ ngày 1 tháng 10 năm 2025) (thường xuyên, từ 01/10/2025; chủ trì Công an xã; mốc theo dõi, "
            "không tính điểm)") in text
    # the dated ones first (overdue, at risk, …), the ongoing ones last
    order = [line.split(": ")[1].split(" — ")[0] for line in text.splitlines() if line.startswith("- ")]
    assert order.index("M_ATTT_CAP_DO") < order.index("M_ATTT_SU_CO_24H")
    assert all(line.startswith("- ◆") for line in text.splitlines()[-6:])


def test_cli_obligation_done_by_its_evidence_rights_as_for_criteria(db, capsys, tmp_path):
    from evidence_files import pdf
    pdf_file = tmp_path / "qd.pdf"
    pdf_file.write_bytes(pdf("Quyet dinh phe duyet cap do"))
    add = ["--db", str(db), "evidence", "add", "--quarter", "2026-Q4", "--indicator", "M_ATTT_CAP_DO",
           str(pdf_file), "--note", "Quyết định 12/QĐ-UBND ngày 02/05/2026"]
    # the lead unit is VP: Công an's coordinator is refused, VP's attaches
    assert main([*add, "--by", "dv-ca"]) == 2
    assert "không được cho đơn vị VP" in capsys.readouterr().err
    assert main([*add, "--by", "dv-vp", "--unit", "CA"]) == 2
    assert "Mốc M_ATTT_CAP_DO không chia theo đơn vị" in capsys.readouterr().err
    assert main([*add, "--by", "dv-vp"]) == 0
    assert "Đã gửi «qd.pdf» cho M_ATTT_CAP_DO Quý IV/2026" in capsys.readouterr().out
    assert main(["--db", str(db), "evidence", "list", "--quarter", "2026-Q4", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["lacking"] == 25                      # an obligation carries no points: not lacking
    row = next(s for s in listed["slots"] if s["indicator"] == "M_ATTT_CAP_DO")
    assert (row["state"], row["unit"], [i["file_name"] for i in row["items"]]) == ("pending", None, ["qd.pdf"])
    today = dt.date.today().isoformat()
    assert _states(db, capsys, today)["M_ATTT_CAP_DO"][0] == "overdue"     # attached, not yet accepted
    assert main(["--db", str(db), "evidence", "review", "--quarter", "2026-Q4", "--indicator", "M_ATTT_CAP_DO",
                 "--state", "accepted", "--by", "vanphong"]) == 0
    capsys.readouterr()
    assert _states(db, capsys, today)["M_ATTT_CAP_DO"] == ("done", 1.0, (dt.date(2026, 4, 30) - dt.date.today()).days)
    assert _states(db, capsys, "2026-05-01")["M_ATTT_CAP_DO"][0] == "overdue"   # the review came later


# ── the catalogue's obligations are tasks of the register (one concept): written on catalogue sync,
# idempotent, audited as the system; the board reads them back from the register ──

def _catalogue_tasks(conn, catalog):
    from kpi.domain.milestones import CATALOG_SOURCE
    from kpi.store import tasks as ts
    sid = ts.source_id_of(conn, catalog.commune, CATALOG_SOURCE)
    return {s.task.stt: s for s in ts.stored_tasks(conn, catalog.commune, source_id=sid)} if sid else {}


def _audited(conn, action):
    return conn.execute("SELECT actor, detail FROM audit_log WHERE action = ? ORDER BY id", [action]).fetchall()


def test_catalogue_sync_writes_each_obligation_as_a_task(conn, catalog):
    from common import SYSTEM

    from kpi import store
    tasks = _catalogue_tasks(conn, catalog)
    assert list(tasks) == [m.id for m in catalog.milestones]
    security = tasks["M_ATTT_CAP_DO"]
    t = security.task
    assert (t.source.label, t.leads, t.due, t.rule.text, t.section_title, security.leads_text) == (
        "Danh mục chỉ tiêu", ("VP",), dt.date(2026, 4, 30), "đến ngày 30/04/2026",
        "Hạ tầng số và an toàn thông tin", "Văn phòng HĐND và UBND xã")
    assert t.output == "Hồ sơ đề xuất cấp độ; quyết định phê duyệt cấp độ" and t.note.startswith("Yêu cầu: Hoàn thành")
    started = tasks["M_DVC_25_THIET_YEU"].task.rule
    assert (started.kind, started.start, started.due, started.text) == ("since", dt.date(2025, 10, 1), None,
                                                                        "từ ngày 01/10/2025")
    assert tasks["M_ATTT_SU_CO_24H"].task.rule.text == "Thường xuyên"
    # the same catalogue again: nothing written, no audit line
    version, lines = store.tasks.register_version(conn, catalog.commune), len(_audited(conn, "catalog_tasks"))
    assert store.catalog_changes(conn, catalog) == set()
    store.sync_catalog(conn, catalog, SYSTEM)
    assert store.tasks.register_version(conn, catalog.commune) == version
    assert len(_audited(conn, "catalog_tasks")) == lines
    # a changed text: the same task (id kept) updated; a dropped obligation kept inactive; audited as the system
    import dataclasses
    changed = dataclasses.replace(catalog, milestones=tuple(
        dataclasses.replace(m, name="Phê duyệt cấp độ ATTT", deadline=dt.date(2026, 5, 31))
        if m.id == "M_ATTT_CAP_DO" else m for m in catalog.milestones if m.id != "M_YT_SO_HOA_KCB"))
    assert store.catalog_changes(conn, changed) == {"tasks"}
    store.sync_catalog(conn, changed, SYSTEM)
    after = _catalogue_tasks(conn, changed)
    assert after["M_ATTT_CAP_DO"].task.id == t.id
    assert (after["M_ATTT_CAP_DO"].task.name, after["M_ATTT_CAP_DO"].task.due) == ("Phê duyệt cấp độ ATTT",
                                                                                  dt.date(2026, 5, 31))
    assert "M_YT_SO_HOA_KCB" not in after and len(after) == len(tasks) - 1
    who, detail = _audited(conn, "catalog_tasks")[-1]
    assert who == SYSTEM.who and json.loads(detail)["changed"] == 1 and json.loads(detail)["dropped"] == 1


def test_the_board_reads_the_obligations_from_the_register(conn, catalog):
    import dataclasses

    from common import TESTER

    from kpi.usecases.milestones import milestones_on
    from kpi.usecases.tasks import update_task
    day = dt.date(2026, 5, 10)
    rows = {m.id: m for m in milestones_on(conn, catalog, day)}
    task_id = _catalogue_tasks(conn, catalog)["M_ATTT_CAP_DO"].task.id
    assert (rows["M_ATTT_CAP_DO"].status, rows["M_ATTT_CAP_DO"].task_id) == (OVERDUE, task_id)
    # a catalogue read without its obligations: the board still has them (the register holds them)
    bare = dataclasses.replace(catalog, milestones=())
    assert {m.id for m in milestones_on(conn, bare, day)} >= {m.id for m in catalog.milestones}
    # the completion recorded in the register makes it done, seen from the day it is recorded (now)
    today = dt.date.today()
    update_task(conn, catalog, TESTER, task_id, "hoàn thành", "Quyết định phê duyệt", today,
                done_on=dt.date(2026, 5, 8))
    assert {m.id: m for m in milestones_on(conn, catalog, day)}["M_ATTT_CAP_DO"].status == OVERDUE
    done = {m.id: m for m in milestones_on(conn, catalog, today)}["M_ATTT_CAP_DO"]
    assert (done.status, done.done_on, done.done_by) == (DONE, dt.date(2026, 5, 8), "progress")
    assert milestone_line(catalog, done).endswith("chủ trì Văn phòng HĐND và UBND xã, hoàn thành 08/05/2026; "
                                                  "mốc theo dõi, không tính điểm)")
