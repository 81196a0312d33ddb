"""The task register's store on both engines: import plan and re-import difference, edits, progress
with rights checked in the store and every change (and refusal) audited."""
from __future__ import annotations

import datetime as dt

import pytest
from common import SYSTEM

from kpi.domain.figures import Actor
from kpi.domain.milestones import is_catalog_task
from kpi.domain.rights import PermissionDenied
from kpi.domain.tasks import COMPLETED, IN_PROGRESS, Progress, Source, Task, parse_time_rule
from kpi.store import StoreError
from kpi.store import tasks as ts

pytestmark = pytest.mark.both_engines

SOURCE = Source("Thông báo", "294/TB-VP", dt.date(2026, 6, 12), "Kết luận về chuyển đổi số")
OFFICE = Actor("Văn phòng", role="office", login="vanphong")
VHXH = Actor("Đầu mối VHXH", role="coordinator", login="dv-vhxh", units=("VHXH",))
CA = Actor("Đầu mối CA", role="coordinator", login="dv-ca", units=("CA",))


def _t(stt: str, name: str, due: str, leads=("VHXH",), section="I") -> Task:
    return Task(None, name, parse_time_rule(due), leads, section=section, section_title="Chuyển đổi số",
                stt=stt, source=SOURCE, tags=("KHCN",))


def _import(conn, tasks, actor=OFFICE):
    plan = ts.plan_import(conn, "THAITAN", SOURCE, tasks)
    return plan, ts.apply_import(conn, actor, "THAITAN", plan, {t.key: ("Phòng Văn hóa - Xã hội", "") for t in tasks})


def _documents(conn):
    """The register's tasks of documents (the catalogue sync also writes the catalogue's obligations)."""
    return [s for s in ts.stored_tasks(conn, "THAITAN") if not is_catalog_task(s.task)]


def _audit(conn, action):
    return conn.execute("SELECT actor, detail FROM audit_log WHERE action = ? ORDER BY id", [action]).fetchall()


def test_import_then_reimport_shows_the_difference_and_keeps_progress(conn):
    first = [_t("1", "Kaspersky", "trước ngày 10/7/2026"), _t("2", "Tường lửa", "trong tháng 7/2026"),
             _t("3", "Wifi", "trước ngày 04/7/2026", leads=("TTDVSNC",))]
    plan, sid = _import(conn, first)
    assert (len(plan.added), plan.changed, plan.dropped) == (3, (), ())
    stored = _documents(conn)
    assert [(s.task.stt, s.task.due) for s in stored] == [("1", dt.date(2026, 7, 9)), ("2", dt.date(2026, 7, 31)),
                                                         ("3", dt.date(2026, 7, 3))]
    assert stored[0].task.source == SOURCE and stored[0].task.tags == ("KHCN",)
    kasp = stored[0].task
    ts.record_progress(conn, VHXH, "THAITAN", kasp, Progress(0, "2026-07", IN_PROGRESS, "Đã ký hợp đồng"))
    version = ts.register_version(conn, "THAITAN")
    # the same sheet again: nothing to change
    assert ts.plan_import(conn, "THAITAN", SOURCE, first).empty
    # changed: task 2 gets a new date, task 3 is dropped, task 4 is new
    second = [first[0], _t("2", "Tường lửa", "đến ngày 15/8/2026"), _t("4", "Báo cáo hiện trạng", "10/07/2026")]
    plan = ts.plan_import(conn, "THAITAN", SOURCE, second)
    assert [t.stt for t in plan.added] == ["4"] and [t.stt for t in plan.dropped] == ["3"]
    assert [(c[1].stt, c[2]) for c in plan.changed] == [("2", ("thời gian",))] and plan.unchanged == 1
    ts.apply_import(conn, OFFICE, "THAITAN", plan, {})
    after = {s.task.stt: s.task for s in _documents(conn)}
    assert sorted(after) == ["1", "2", "4"] and after["1"].id == kasp.id        # same id, progress kept
    assert after["2"].due == dt.date(2026, 8, 15)
    assert [u.result for u in ts.task_updates(conn, "THAITAN")[kasp.id]] == ["Đã ký hợp đồng"]
    assert ts.register_version(conn, "THAITAN") != version
    assert [r[0] for r in _audit(conn, "tasks_import")] == ["vanphong", "vanphong"]
    assert ts.task_sources(conn, "THAITAN")[-1][1:] == (SOURCE, 3)


def test_a_stale_plan_is_refused_and_nothing_is_written(conn):
    _import(conn, [_t("1", "Kaspersky", "trước ngày 10/7/2026")])
    stale = ts.plan_import(conn, "THAITAN", SOURCE, [_t("1", "Kaspersky (sửa)", "trước ngày 10/7/2026")])
    ts.apply_import(conn, OFFICE, "THAITAN", ts.plan_import(conn, "THAITAN", SOURCE, [
        _t("1", "Kaspersky", "trước ngày 10/7/2026"), _t("2", "Khác", "Tháng 8/2026")]), {})
    before = ts.register_version(conn, "THAITAN")
    with pytest.raises(StoreError, match="vừa được người khác thay đổi"):
        ts.apply_import(conn, OFFICE, "THAITAN", stale, {})
    assert ts.register_version(conn, "THAITAN") == before


def test_only_the_office_imports_and_refusals_are_audited(conn):
    with pytest.raises(PermissionDenied, match="nhập, sửa sổ nhiệm vụ"):
        _import(conn, [_t("1", "Kaspersky", "trước ngày 10/7/2026")], actor=VHXH)
    assert _documents(conn) == []
    assert "manage_tasks" in _audit(conn, "refused_rights")[-1][1]


def test_a_coordinator_updates_only_tasks_their_unit_leads(conn):
    _import(conn, [_t("1", "Kaspersky", "trước ngày 10/7/2026"),
                   _t("2", "An ninh mạng", "Tháng 4/2026", leads=("VP", "CA"))])
    kasp, security = (s.task for s in _documents(conn))
    with pytest.raises(PermissionDenied, match="đơn vị VHXH"):
        ts.record_progress(conn, CA, "THAITAN", kasp, Progress(0, "2026-07", IN_PROGRESS, "x"))
    assert ts.task_updates(conn, "THAITAN") == {}
    refused = _audit(conn, "refused_rights")[-1]
    assert refused[0] == "dv-ca" and "update_task" in refused[1]
    # a second lead unit's coordinator may; the office may record for any task
    ts.record_progress(conn, CA, "THAITAN", security, Progress(0, "2026-04", COMPLETED, "Đã phê duyệt",
                                                               dt.date(2026, 4, 28)))
    ts.record_progress(conn, OFFICE, "THAITAN", kasp, Progress(0, "2026-07", COMPLETED, "Xong", dt.date(2026, 7, 8)))
    ups = ts.task_updates(conn, "THAITAN")
    assert ups[security.id][0].recorded_by == "dv-ca" and ups[kasp.id][0].done_on == dt.date(2026, 7, 8)
    assert [r[0] for r in _audit(conn, "task_progress")] == ["dv-ca", "vanphong"]
    with pytest.raises(StoreError, match="cần ngày hoàn thành"):
        ts.record_progress(conn, OFFICE, "THAITAN", kasp, Progress(0, "2026-07", COMPLETED, "Xong"))


def test_tasks_added_and_edited_on_the_page(conn):
    tid = ts.save_task(conn, OFFICE, "THAITAN", _t("1", "Báo cáo hiện trạng và nhu cầu đầu tư", "trước ngày 10/7/2026"),
                       "Phòng Văn hóa - Xã hội", "Văn phòng HĐND và UBND xã")
    stored = ts.task_by_id(conn, "THAITAN", tid)
    assert stored.task.name.startswith("Báo cáo") and stored.supports_text == "Văn phòng HĐND và UBND xã"
    edited = Task(tid, stored.task.name, parse_time_rule("đến ngày 15/7/2026"), ("VHXH", "VP"), section="I",
                  stt="1", source=SOURCE)
    ts.save_task(conn, OFFICE, "THAITAN", edited, "VHXH; VP", "")
    assert ts.task_by_id(conn, "THAITAN", tid).task.due == dt.date(2026, 7, 15)
    with pytest.raises(StoreError, match="STT 1"):
        ts.save_task(conn, OFFICE, "THAITAN", _t("1", "Trùng", "Tháng 8/2026"), "", "")
    with pytest.raises(PermissionDenied):
        ts.save_task(conn, VHXH, "THAITAN", _t("2", "Khác", "Tháng 8/2026"), "", "")
    assert [a for a, _ in _audit(conn, "task_add")] == ["vanphong"] and len(_audit(conn, "task_edit")) == 1
    assert SYSTEM.role == "system"
