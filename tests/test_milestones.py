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
                                 "status": "done", "lead": "A", "done_on": "2026-06-20", "share_done": 0.5,
                                 "days_left": 9}


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
