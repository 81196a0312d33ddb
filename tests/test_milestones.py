"""Milestones: criteria with a deadline — done, on track, at risk, overdue at the boundaries."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from catalogs import catalog_of

from kpi.cli.main import main
from kpi.domain.milestones import AT_RISK, DONE, ON_TRACK, OVERDUE, milestones, share_done, status_on

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
    rows = milestones(CAT, dt.date(2026, 7, 1), {"MA_DOC": 50.0, "QUA_HAN": 3.0}, {})
    assert [(m.id, m.status, m.days_left, m.lead, m.share_done) for m in rows] == [
        ("QUA_HAN", OVERDUE, -1, "A", 0.0), ("MA_DOC", AT_RISK, 9, "A", 0.5)]
    rows = milestones(CAT, dt.date(2026, 7, 1), {"MA_DOC": 50.0, "QUA_HAN": 0.5}, {"MA_DOC": dt.date(2026, 6, 20)})
    assert [(m.id, m.status, m.done_on) for m in rows] == [("QUA_HAN", DONE, None),
                                                           ("MA_DOC", DONE, dt.date(2026, 6, 20))]
    assert rows[1].to_dict() == {"id": "MA_DOC", "name": "Máy tính cài phần mềm diệt virus", "deadline": "2026-07-10",
                                 "status": "done", "lead": "A", "kind": "criterion", "done_on": "2026-06-20",
                                 "share_done": 0.5, "days_left": 9}


# ── the command on the demo data (ATTT_MA_DOC due 10/07/2026, ATTT_TUONG_LUA due 31/07/2026) ──

@pytest.fixture
def db(demo_db_file, tmp_path):
    path = tmp_path / "kpi.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


def _states(db, capsys, as_of):
    assert main(["--db", str(db), "milestones", "--as-of", as_of, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert all(set(r) >= {"id", "name", "deadline", "status", "lead"} for r in rows)
    return {r["id"]: (r["status"], r["share_done"], r["days_left"]) for r in rows}


def test_cli_milestones_at_the_deadline_boundaries(db, capsys):
    # before 30/06 the latest known month is May: 39 of 46 computers (84,78 %), 7/46 × 90 = 13,7 days
    # needed for the rest → on track with 14 days left, at risk with 13
    assert _states(db, capsys, "2026-06-26")["ATTT_MA_DOC"] == ("on_track", 0.8478, 14)
    assert _states(db, capsys, "2026-06-27")["ATTT_MA_DOC"] == ("at_risk", 0.8478, 13)
    # June's figures count from 30/06 (its last day): 43 of 49 (87,76 %)
    assert _states(db, capsys, "2026-06-30")["ATTT_MA_DOC"] == ("at_risk", 0.8776, 10)
    assert _states(db, capsys, "2026-07-10")["ATTT_MA_DOC"] == ("at_risk", 0.8776, 0)
    assert _states(db, capsys, "2026-07-11")["ATTT_MA_DOC"] == ("overdue", 0.8776, -1)
    # July 45/49 (91,84 %), August 44/46 (95,65 %): still overdue; September reaches 100 % (known from 30/09): done,
    # though after the deadline
    assert _states(db, capsys, "2026-07-31")["ATTT_MA_DOC"] == ("overdue", 0.9184, -21)
    assert _states(db, capsys, "2026-09-29")["ATTT_MA_DOC"] == ("overdue", 0.9565, -81)
    assert _states(db, capsys, "2026-09-30")["ATTT_MA_DOC"] == ("done", 1.0, -82)


def test_cli_milestone_done_by_accepted_evidence(db, capsys, tmp_path):
    pdf_file = tmp_path / "bb.pdf"
    from evidence_files import pdf
    pdf_file.write_bytes(pdf())
    assert main(["--db", str(db), "evidence", "add", "--quarter", "2026-Q3", "--indicator", "ATTT_MA_DOC",
                 str(pdf_file), "--by", "dv-vhxh", "--note", "Biên bản 05/BB"]) == 0
    assert main(["--db", str(db), "evidence", "review", "--quarter", "2026-Q3", "--indicator", "ATTT_MA_DOC",
                 "--state", "accepted", "--by", "vanphong"]) == 0
    capsys.readouterr()
    today = dt.date.today()
    assert _states(db, capsys, today.isoformat())["ATTT_MA_DOC"][0] == "done"
    # a review made after the day asked about does not count on that day
    assert _states(db, capsys, "2026-07-11")["ATTT_MA_DOC"][0] == "overdue"
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
    rows = milestones(OBLIGATIONS, dt.date(2026, 5, 3), {"MA_DOC": 50.0},
                      {"M_CAP_DO": dt.date(2026, 5, 2), "M_SU_CO": dt.date(2026, 4, 1)})
    assert [(m.id, m.status, m.done_on, m.share_done) for m in rows] == [
        ("MA_DOC", ON_TRACK, None, 0.5),                     # 68 days left > 50 % × 90 = 45
        ("M_CAP_DO", DONE, dt.date(2026, 5, 2), 1.0),        # accepted two days late: done
        ("M_SU_CO", "ongoing", dt.date(2026, 4, 1), 0.0)]    # no deadline: ongoing, its evidence noted
    assert rows[2].to_dict() == {"id": "M_SU_CO", "name": "Báo cáo sự cố trong 24 giờ", "deadline": None,
                                 "status": "ongoing", "lead": None, "kind": "obligation", "done_on": "2026-04-01",
                                 "share_done": 0.0, "days_left": None}


def test_cli_obligation_at_the_deadline_boundaries(db, capsys):
    # M_ATTT_CAP_DO (Tháng 4/2026 → 30/04/2026, lead VP), no evidence: 0 % done
    assert _states(db, capsys, "2026-01-30")["M_ATTT_CAP_DO"] == ("on_track", 0.0, 90)
    assert _states(db, capsys, "2026-01-31")["M_ATTT_CAP_DO"] == ("at_risk", 0.0, 89)
    assert _states(db, capsys, "2026-04-30")["M_ATTT_CAP_DO"] == ("at_risk", 0.0, 0)
    assert _states(db, capsys, "2026-05-01")["M_ATTT_CAP_DO"] == ("overdue", 0.0, -1)
    states = _states(db, capsys, "2026-05-01")
    assert states["M_ATTT_SU_CO_24H"] == ("ongoing", 0.0, None)
    assert states["M_DVC_25_THIET_YEU"] == ("overdue", 0.0, -212)            # due 01/10/2025
    assert main(["--db", str(db), "milestones", "--as-of", "2026-05-01"]) == 0
    text = capsys.readouterr().out
    assert ("- ✖ Quá hạn: M_ATTT_CAP_DO — Thẩm định, phê duyệt cấp độ an toàn thông tin của các hệ thống thông "
            "tin trọng yếu do xã quản lý (hạn 30/04/2026, quá 1 ngày; chủ trì Văn phòng HĐND và UBND xã; "
            "mốc theo dõi, không tính điểm)") in text
    assert ("- ◆ Thường xuyên: M_ATTT_SU_CO_24H — Báo cáo sự cố an ninh mạng trong vòng 24 giờ khi xảy ra "
            "(không có hạn; chủ trì Văn phòng HĐND và UBND xã; mốc theo dõi, không tính điểm)") in text
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
