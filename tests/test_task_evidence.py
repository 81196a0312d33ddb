"""Evidence for a task of the register, through the evidence machinery: kept under `TASK:<id>` in the
quarter of the day it is sent, the same file checks and review; rights in the core (the office, a
coordinator of one of the task's lead units), refusals audited; an obligation's task shares the
obligation's evidence; the pack puts the tasks' files in a «Nhiệm vụ» folder."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from evidence_files import exe, pdf

from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied
from kpi.domain.tasks import Source, Task, parse_time_rule
from kpi.evidence.checks import EvidenceRefused
from kpi.store import StoreError
from kpi.store import tasks as ts
from kpi.usecases import evidence as ev

SOURCE = Source("Thông báo", "294/TB-VP", dt.date(2026, 6, 12), "Kết luận về chuyển đổi số")
OFFICE = Actor("Văn phòng", role="office", login="vanphong")
VP = Actor("Đầu mối VP", role="coordinator", login="dv-vp", units=("VP",))
CA = Actor("Đầu mối CA", role="coordinator", login="dv-ca", units=("CA",))
KT = Actor("Đầu mối KT", role="coordinator", login="dv-kt", units=("KT",))
DAY = dt.date(2026, 8, 3)            # Quý III/2026


@pytest.fixture
def edir(db_path):
    return db_path.parent / "evidence"


def _task(conn, name="Phê duyệt hồ sơ an ninh mạng", leads=("VP", "CA")) -> Task:
    t = Task(None, name, parse_time_rule("Tháng 7/2026"), leads, section="I", stt="1", source=SOURCE)
    plan = ts.plan_import(conn, "THAITAN", SOURCE, [t])
    ts.apply_import(conn, OFFICE, "THAITAN", plan, {t.key: ("", "")})
    return next(s.task for s in ts.stored_tasks(conn, "THAITAN") if s.task.source == SOURCE)


def _refusals(conn):
    return [json.loads(d) for (d,) in conn.execute(
        "SELECT detail FROM audit_log WHERE action = 'refused_rights' ORDER BY id").fetchall()]


def test_a_lead_units_coordinator_attaches_another_units_is_refused_and_audited(conn, catalog, edir):
    task = _task(conn)
    key = ev.task_evidence_id(task)
    assert key == f"TASK:{task.id}"
    q = Quarter.of(DAY)
    with pytest.raises(PermissionDenied, match="đơn vị"):
        ev.attach_file(conn, catalog, edir, KT, q, key, None, pdf(), "bb.pdf", "Biên bản")
    refused = _refusals(conn)[-1]
    assert refused["action"] == "attach_evidence"
    assert not list(edir.glob("*")) or not any(p.stat().st_size for p in edir.glob("*"))   # nothing kept
    # either lead unit's coordinator may (CA is the second lead), and the office
    item, created = ev.attach_file(conn, catalog, edir, CA, q, f"task:NV{task.id}", None, pdf(), "bb.pdf", "Biên bản")
    assert created and (item.indicator_id, item.quarter, item.unit) == (key, "2026-Q3", None)
    ev.attach_link(conn, catalog, OFFICE, q, key, None, "https://example.org/qd", "Quyết định")
    # the same file checks: a program is refused whoever sends it
    with pytest.raises(EvidenceRefused):
        ev.attach_file(conn, catalog, edir, VP, q, key, None, exe(), "qd.pdf", "Quyết định")
    # no unit part, no unknown task
    with pytest.raises(StoreError, match="không chia theo đơn vị"):
        ev.attach_link(conn, catalog, VP, q, key, "VP", "https://example.org/x", "x")
    with pytest.raises(StoreError, match="Không có nhiệm vụ mã NV9999"):
        ev.attach_link(conn, catalog, VP, q, "TASK:9999", None, "https://example.org/x", "x")
    # the same review: a coordinator may not, the office may
    with pytest.raises(PermissionDenied):
        ev.review(conn, catalog, VP, q, key, None, "accepted", "")
    assert _refusals(conn)[-1]["action"] == "review_evidence"
    ev.review(conn, catalog, OFFICE, q, key, None, "needs_more", "Thiếu chữ ký")
    shown = ev.task_evidence(conn, catalog, [task])[task.id]
    assert (shown.count, shown.state, shown.quarter) == (2, "needs_more", "2026-Q3")
    ev.review(conn, catalog, OFFICE, q, key, None, "accepted", "")
    assert ev.task_evidence(conn, catalog, [task])[task.id].state_text == "Đạt"


def test_an_obligations_task_shares_the_obligations_evidence(conn, catalog, edir):
    from kpi.domain.milestones import CATALOG_SOURCE
    sid = ts.source_id_of(conn, catalog.commune, CATALOG_SOURCE)
    security = next(s.task for s in ts.stored_tasks(conn, catalog.commune, source_id=sid)
                    if s.task.stt == "M_ATTT_CAP_DO")
    assert ev.task_evidence_id(security) == "M_ATTT_CAP_DO"
    with pytest.raises(PermissionDenied):        # the obligation's lead is VP: CA's coordinator is refused
        ev.attach_file(conn, catalog, edir, CA, "2026-Q3", f"TASK:{security.id}", None, pdf(), "qd.pdf", "QĐ")
    item, _ = ev.attach_file(conn, catalog, edir, VP, "2026-Q3", f"TASK:{security.id}", None, pdf(), "qd.pdf", "QĐ")
    assert item.indicator_id == "M_ATTT_CAP_DO"
    assert ev.task_evidence(conn, catalog, [security])[security.id].count == 1


def test_the_pack_puts_the_tasks_files_in_a_tasks_folder(conn, catalog, edir):
    task = _task(conn, name="Lắp đặt wifi tại nhà văn hóa thôn")
    ev.attach_file(conn, catalog, edir, VP, "2026-Q3", f"TASK:{task.id}", None, pdf("nghiem thu wifi"), "bb.pdf",
                   "Biên bản nghiệm thu wifi")
    ev.attach_file(conn, catalog, edir, VP, "2026-Q3", "M_ATTT_CAP_DO", None, pdf("quyet dinh"), "qd.pdf", "Quyết định")
    buf = io.BytesIO()
    counts = ev.write_pack(conn, catalog, OFFICE, "2026-Q3", edir, buf, as_of=DAY)
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    tasks_folder = f"{len(catalog.groups) + 2:02d} Nhiệm vụ/"
    mine = [n for n in names if n.startswith(tasks_folder)]
    assert mine == [f"{tasks_folder}NV{task.id} - Lắp đặt wifi tại nhà văn hóa thôn/"
                    f"{mine[0].rsplit('/', 1)[1]}"] and mine[0].endswith("Biên bản nghiệm thu wifi.pdf")
    assert any(n.startswith(f"{len(catalog.groups) + 1:02d} Mốc theo dõi") for n in names)   # the obligation's
    assert counts["files"] == 2
    # another quarter's pack holds none of them
    other = io.BytesIO()
    ev.write_pack(conn, catalog, OFFICE, "2026-Q4", edir, other, as_of=DAY)
    assert not [n for n in zipfile.ZipFile(io.BytesIO(other.getvalue())).namelist() if "Nhiệm vụ/" in n]


def test_cli_evidence_add_for_a_task(demo_db, tmp_path, capsys):
    from kpi.cli.main import main
    assert main(["--db", str(demo_db), "tasks", "list", "--json"]) == 0
    wifi = next(r for r in json.loads(capsys.readouterr().out) if "wifi" in r["name"])
    doc = tmp_path / "kh.pdf"
    doc.write_bytes(pdf("Ke hoach wifi"))
    add = ["--db", str(demo_db), "evidence", "add", "--task", f"NV{wifi['id']}", str(doc), "--note", "Kế hoạch wifi"]
    assert main([*add, "--by", "dv-ca"]) == 2                   # not a lead unit's coordinator: refused
    assert "không được cho đơn vị TTDVSNC" in capsys.readouterr().err
    assert main([*add, "--by", "dv-ttdvsnc"]) == 0
    quarter = Quarter.of(dt.date.today())
    assert f"Đã gửi «kh.pdf» cho TASK:{wifi['id']} {quarter.label}" in capsys.readouterr().out
    assert main(["--db", str(demo_db), "evidence", "list", "--quarter", str(quarter), "--json"]) == 0
    row = next(s for s in json.loads(capsys.readouterr().out)["slots"] if s["indicator"] == f"TASK:{wifi['id']}")
    assert (row["state"], [i["file_name"] for i in row["items"]]) == ("pending", ["kh.pdf"])
    assert main(["--db", str(demo_db), "evidence", "review", "--task", str(wifi["id"]), "--state", "accepted",
                 "--by", "vanphong"]) == 0
