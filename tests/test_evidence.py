"""Evidence: file checks by content, content-addressed keeping, rights, reviews, closed quarters,
verify and backups."""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from common import SYSTEM
from evidence_files import docx, docx_with_hidden_macro, exe, pdf, png, with_xlm_macro, xlsx

from kpi.domain.figures import Actor
from kpi.domain.rights import PermissionDenied
from kpi.evidence.board import ACCEPTED, MISSING, NEEDS_MORE, PENDING
from kpi.evidence.checks import DOCX, JPEG, PDF, PNG, XLSX, EvidenceRefused, check_evidence_file
from kpi.settings import Settings, evidence_dir_beside
from kpi.store import StoreError
from kpi.store.accounts import audit_rows
from kpi.store.evidence import evidence_items
from kpi.usecases import evidence as ev

pytestmark = pytest.mark.both_engines  # the store-level tests run on DuckDB and PostgreSQL

MB = 1024 * 1024
OFFICE = Actor("Văn phòng", "office", "vanphong")
VHXH = Actor("Đầu mối VHXH", "coordinator", "dv-vhxh", ("VHXH",))
CA = Actor("Đầu mối Công an", "coordinator", "dv-ca", ("CA",))
VIEWER = Actor("Xem", "viewer", "xem")


@pytest.fixture
def edir(db_path):
    return Settings(db_path, db_path).evidence_dir


# ── checks by content ────────────────────────────────────────────────────────

@pytest.mark.parametrize("data, name, media", [
    (pdf(), "bien-ban.pdf", PDF), (png(), "anh.png", PNG), (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "a.jpg", JPEG),
    (docx(), "quyet-dinh.docx", DOCX), (xlsx(), "danh-sach.xlsx", XLSX),
    (pdf(), "ten-sai.docx", PDF),          # the name does not decide: the content does
])
def test_accepted_types_by_content(data, name, media):
    checked = check_evidence_file(data, name, 20 * MB)
    assert (checked.media_type, checked.size, checked.file_name) == (media, len(data), name)


@pytest.mark.parametrize("data, name, words", [
    (exe(), "bien-ban-nghiem-thu.pdf", "là chương trình Windows"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "anh.png", "là chương trình Linux"),
    (docx(macro=True), "quyet-dinh.docx", "có chứa macro"),
    (docx_with_hidden_macro(), "quyet-dinh.docx", "có chứa macro"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "cu.doc", "định dạng cũ"),
    (b"Hello, just text", "ghi-chu.pdf", "không phải loại tệp được nhận"),
    (b"", "rong.pdf", "rỗng (0 byte)"),
])
def test_refused_types_name_the_file(data, name, words):
    with pytest.raises(EvidenceRefused) as e:
        check_evidence_file(data, name, 20 * MB)
    assert f"Tệp «{name}»" in str(e.value) and words in str(e.value)
    assert "Chỉ nhận PDF, ảnh PNG/JPEG, Word .docx, Excel .xlsx." in str(e.value)


@pytest.mark.parametrize("how", ["macrosheets", "content_type", "relationship", "dialogsheet"])
def test_an_excel_4_macro_sheet_is_refused(how):
    bad = with_xlm_macro(xlsx(), how)
    with pytest.raises(EvidenceRefused) as e:
        check_evidence_file(bad, "danh-sach.xlsx", 20 * MB)
    assert str(e.value).startswith("Tệp «danh-sach.xlsx»: có chứa macro Excel 4.0 (trang macro) (phần «")
    assert check_evidence_file(xlsx(), "danh-sach.xlsx", 20 * MB).media_type == XLSX


def test_size_limit_boundary():
    data = pdf()
    assert check_evidence_file(data, "vua.pdf", len(data)).size == len(data)
    with pytest.raises(EvidenceRefused, match=r"Tệp «to.pdf»: lớn 21,0 MB, vượt giới hạn 20,0 MB"):
        check_evidence_file(b"%PDF-" + b"0" * (21 * MB - 5), "to.pdf", 20 * MB)


def test_size_limit_is_a_setting(monkeypatch):
    from kpi.settings import evidence_max_bytes
    assert evidence_max_bytes() == 20 * MB
    monkeypatch.setenv("KPI_EVIDENCE_MAX_MB", "2")
    assert evidence_max_bytes() == 2 * MB


def test_evidence_dir_beside_the_database(tmp_path):
    s = Settings(tmp_path / "kpi.duckdb", tmp_path / "c.toml")
    assert s.evidence_dir == tmp_path / "kpi.duckdb.evidence"
    assert evidence_dir_beside(tmp_path / "khac") == tmp_path / "khac.evidence"


# ── attaching ────────────────────────────────────────────────────────────────

def test_attach_keeps_the_file_content_addressed(conn, catalog, edir):
    data = pdf()
    item, created = ev.attach_file(conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None, data,
                                   "bien-ban.pdf", "Biên bản cài đặt số 05/BB ngày 01/07/2026")
    sha = hashlib.sha256(data).hexdigest()
    assert created and item.sha256 == sha and item.unit is None and item.media_type == PDF
    assert (edir / sha).read_bytes() == data
    assert [p.name for p in edir.iterdir()] == [sha]
    assert (item.added_by, item.description) == ("dv-vhxh", "Biên bản cài đặt số 05/BB ngày 01/07/2026")
    row = audit_rows(conn, action="evidence_add").iloc[0]
    assert (row["actor"], row["period"], row["file_sha256"]) == ("dv-vhxh", "2026-Q3", sha)


def test_reattach_same_bytes_loses_nothing(conn, catalog, edir):
    data, other = pdf("a"), pdf("b")
    first, _ = ev.attach_file(conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None, data, "a.pdf", "Tệp A")
    again, created = ev.attach_file(conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None, data,
                                    "a-lan-2.pdf", "Tệp A gửi lại")
    assert not created and again.id == first.id and again.description == "Tệp A"
    ev.attach_file(conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None, other, "a.pdf", "Tệp B cùng tên")
    # the same bytes for another quarter: a new row, the one kept file shared
    ev.attach_file(conn, catalog, edir, VHXH, "2026-Q4", "ATTT_MA_DOC", None, data, "a.pdf", "Tệp A quý IV")
    items = evidence_items(conn, catalog.commune)
    assert [i.description for i in items] == ["Tệp A", "Tệp B cùng tên", "Tệp A quý IV"]
    assert sorted(p.name for p in edir.iterdir()) == sorted(hashlib.sha256(d).hexdigest() for d in (data, other))
    assert all((edir / i.sha256).read_bytes() in (data, other) for i in items)


def test_refused_file_keeps_nothing(conn, catalog, edir):
    with pytest.raises(EvidenceRefused):
        ev.attach_file(conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None, exe(), "bien-ban.pdf", "x")
    with pytest.raises(EvidenceRefused, match="vượt giới hạn"):
        ev.attach_file(conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None, pdf(), "x.pdf", "x",
                       max_bytes=10)
    assert evidence_items(conn, catalog.commune) == [] and not edir.exists()


def test_coordinator_refused_for_another_unit(conn, catalog, edir):
    # DVC_HS_TRUC_TUYEN is reported by TTPVHCC and CA: the CA coordinator attaches for CA only
    item, _ = ev.attach_file(conn, catalog, edir, CA, "2026-Q3", "DVC_HS_TRUC_TUYEN", "CA", pdf(), "ca.pdf", "CA")
    assert item.unit == "CA"
    with pytest.raises(PermissionDenied, match="chỉ được gửi tài liệu kiểm chứng cho đơn vị của mình"):
        ev.attach_file(conn, catalog, edir, CA, "2026-Q3", "DVC_HS_TRUC_TUYEN", "TTPVHCC", png(), "t.png", "x")
    # the criterion as a whole belongs to its lead unit (TTPVHCC), not to CA
    with pytest.raises(PermissionDenied):
        ev.attach_file(conn, catalog, edir, CA, "2026-Q3", "DVC_HS_TRUC_TUYEN", None, png(), "t.png", "x")
    with pytest.raises(PermissionDenied, match="không có quyền gửi tài liệu kiểm chứng"):
        ev.attach_file(conn, catalog, edir, VIEWER, "2026-Q3", "ATTT_MA_DOC", None, png(), "t.png", "x")
    assert [i.unit for i in evidence_items(conn, catalog.commune)] == ["CA"]
    assert list(edir.iterdir()) == [edir / item.sha256]       # the refused PNG was not kept
    assert len(audit_rows(conn, action="refused_rights")) == 3


def test_unknown_criterion_or_unit(conn, catalog, edir):
    with pytest.raises(StoreError, match="Không có chỉ tiêu mã «KHONG_CO»"):
        ev.attach_link(conn, catalog, OFFICE, "2026-Q3", "KHONG_CO", None, "https://a.vn/x", "x")
    with pytest.raises(StoreError, match="không do đơn vị «VP» báo cáo"):
        ev.attach_link(conn, catalog, OFFICE, "2026-Q3", "ATTT_MA_DOC", "VP", "https://a.vn/x", "x")
    with pytest.raises(EvidenceRefused, match="Liên kết «ftp://a» không hợp lệ"):
        ev.attach_link(conn, catalog, OFFICE, "2026-Q3", "ATTT_MA_DOC", None, "ftp://a", "x")


def test_single_unit_criterion_is_one_slot(conn, catalog, edir):
    item, _ = ev.attach_link(conn, catalog, VHXH, "2026-Q3", "ATTT_MA_DOC", "VHXH", "https://x.vn/bb", "Biên bản")
    assert item.unit is None and item.link == "https://x.vn/bb" and item.sha256 is None


# ── reviews ──────────────────────────────────────────────────────────────────

def _state(conn, catalog, quarter, indicator, unit=None):
    return next(s for s in ev.quarter_board(conn, catalog, quarter)
                if s.indicator.id == indicator and s.unit == unit).state


def test_review_states_and_history(conn, catalog, edir):
    q, ind = "2026-Q3", "ATTT_MA_DOC"
    with time_machine.travel(dt.datetime(2026, 10, 1, 8, 0), tick=False):
        assert _state(conn, catalog, q, ind) == MISSING
        ev.attach_file(conn, catalog, edir, VHXH, q, ind, None, pdf(), "bb.pdf", "Biên bản 05/BB")
        assert _state(conn, catalog, q, ind) == PENDING
    with time_machine.travel(dt.datetime(2026, 10, 2, 8, 0), tick=False):
        with pytest.raises(StoreError, match="cần ghi rõ cần bổ sung gì"):
            ev.review(conn, catalog, OFFICE, q, ind, None, "needs_more", " ")
        ev.review(conn, catalog, OFFICE, q, ind, None, "needs_more", "Thiếu hợp đồng cài đặt")
        assert _state(conn, catalog, q, ind) == NEEDS_MORE
    with time_machine.travel(dt.datetime(2026, 10, 3, 8, 0), tick=False):
        ev.attach_file(conn, catalog, edir, VHXH, q, ind, None, docx(), "hd.docx", "Hợp đồng 07/HĐ")
        assert _state(conn, catalog, q, ind) == PENDING
    with time_machine.travel(dt.datetime(2026, 10, 4, 8, 0), tick=False):
        with pytest.raises(PermissionDenied, match="không có quyền duyệt tài liệu kiểm chứng"):
            ev.review(conn, catalog, VHXH, q, ind, None, "accepted", "")
        with pytest.raises(StoreError, match="không hợp lệ"):
            ev.review(conn, catalog, OFFICE, q, ind, None, "ok", "")
        ev.review(conn, catalog, OFFICE, q, ind, None, "accepted", "Đủ")
    slot = next(s for s in ev.quarter_board(conn, catalog, q) if s.indicator.id == ind and s.unit is None)
    assert slot.state == ACCEPTED and slot.state_text == "Đạt"
    assert [(r.state, r.comment, r.reviewed_by) for r in slot.reviews] == [
        ("needs_more", "Thiếu hợp đồng cài đặt", "vanphong"), ("accepted", "Đủ", "vanphong")]
    # another quarter is its own
    assert _state(conn, catalog, "2026-Q4", ind) == MISSING


def test_lacking_summary_counts_criteria_and_points(conn, catalog, edir):
    slots = ev.quarter_board(conn, catalog, "2026-Q3")
    total = sum(i.points for i in catalog.indicators)
    assert ev.lacking_summary(slots) == (25, total)
    ev.attach_link(conn, catalog, OFFICE, "2026-Q3", "ATTT_MA_DOC", None, "https://x.vn/a", "A")
    ev.review(conn, catalog, OFFICE, "2026-Q3", "ATTT_MA_DOC", None, "accepted", "")
    # a unit's part accepted does not make the criterion accepted
    ev.attach_link(conn, catalog, OFFICE, "2026-Q3", "DVC_HS_TRUC_TUYEN", "CA", "https://x.vn/b", "B")
    ev.review(conn, catalog, OFFICE, "2026-Q3", "DVC_HS_TRUC_TUYEN", "CA", "accepted", "")
    points = catalog.indicator("ATTT_MA_DOC").points
    assert ev.lacking_summary(ev.quarter_board(conn, catalog, "2026-Q3")) == (24, total - points)


def test_a_closed_quarter_takes_no_evidence_and_no_review(demo_conn, catalog, tmp_path):
    # like figures: a closed quarter is frozen with the evidence it had; adding is a reopening
    from kpi.store import audit_log
    from kpi.store.accounts import frozen_quarter
    from kpi.usecases.closing import close, reopen
    ev.attach_link(demo_conn, catalog, OFFICE, "2026-Q3", "ATTT_MA_DOC", None, "https://x.vn/a", "A")
    close(demo_conn, catalog, OFFICE, "2026-Q3", as_of=dt.date(2026, 11, 23))
    before = frozen_quarter(demo_conn, catalog.commune, "2026-Q3")["score"]
    edir = tmp_path / "ev"
    with pytest.raises(PermissionDenied, match=r"Quý III/2026 đã khoá sổ .*không nhận thêm tài liệu kiểm chứng"):
        ev.attach_file(demo_conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None,
                       pdf(), "bb.pdf", "Biên bản bổ sung sau khoá sổ")
    with pytest.raises(PermissionDenied, match="không duyệt minh chứng.*mở lại quý"):
        ev.review(demo_conn, catalog, OFFICE, "2026-Q3", "ATTT_MA_DOC", None, "accepted", "")
    assert not edir.exists() or not list(edir.iterdir())          # the refused file is not kept
    assert frozen_quarter(demo_conn, catalog.commune, "2026-Q3")["score"] == before
    assert _state(demo_conn, catalog, "2026-Q3", "ATTT_MA_DOC") == PENDING
    log = audit_log(demo_conn, catalog.commune)
    refused = log[log["action"] == "refused_rights"]
    assert [(json.loads(d) if isinstance(d, str) else d)["action"] for d in refused["detail"]][:2] == ["review_evidence", "attach_evidence"]
    # reopened (the administrator, with a reason), the quarter takes them again
    reopen(demo_conn, catalog, Actor("Quản trị", "admin", "admin"), "2026-Q3", "Bổ sung minh chứng theo yêu cầu đoàn kiểm tra")
    assert ev.attach_file(demo_conn, catalog, edir, VHXH, "2026-Q3", "ATTT_MA_DOC", None,
                          pdf(), "bb.pdf", "Biên bản bổ sung")[1]


def test_system_actor_may_attach(conn, catalog, edir):
    assert ev.attach_link(conn, catalog, SYSTEM, "2026-Q3", "ATTT_MA_DOC", None, "https://x.vn", "x")[1]


# ── verify and backups ───────────────────────────────────────────────────────

def _with_evidence(tmp_path, catalog):
    from kpi import store
    from kpi.settings import resolve
    db = tmp_path / "live" / "kpi.duckdb"
    conn = store.connect(db)
    store.sync_catalog(conn, catalog, SYSTEM)
    settings = resolve(str(db))
    a, _ = ev.attach_file(conn, catalog, settings.evidence_dir, OFFICE, "2026-Q3", "ATTT_MA_DOC", None, pdf(),
                          "bb.pdf", "Biên bản 05/BB")
    b, _ = ev.attach_file(conn, catalog, settings.evidence_dir, OFFICE, "2026-Q3", "HT_MAY_TINH", "VP", png(),
                          "anh.png", "Ảnh chụp")
    return db, conn, settings, (a, b)


def test_verify_checks_evidence_files(tmp_path, catalog):
    from kpi.usecases.record import verify, verify_evidence
    db, conn, settings, (a, b) = _with_evidence(tmp_path, catalog)
    assert verify_evidence(conn, settings.evidence_dir) == []
    (settings.evidence_dir / a.sha256).write_bytes(b"%PDF-changed")
    (settings.evidence_dir / b.sha256).unlink()
    (settings.evidence_dir / ("0" * 64)).write_bytes(b"stray")
    diffs = verify(conn, settings.uploads_dir)
    by_sha = {a.sha256: f"tệp minh chứng {settings.evidence_dir / a.sha256} bị thay đổi (mã băm không khớp)",
              b.sha256: f"thiếu tệp minh chứng {b.sha256[:12]}… trong {settings.evidence_dir}"}
    assert diffs[:3] == [by_sha[s] for s in sorted(by_sha)] + [
        f"tệp {settings.evidence_dir / ('0' * 64)} không thuộc tài liệu kiểm chứng nào trong cơ sở dữ liệu"]
    conn.close()


def test_backup_and_restore_carry_evidence(tmp_path, catalog):
    import json
    import zipfile

    from kpi.settings import resolve
    from kpi.usecases.backup import make_backup, restore_backup
    from kpi.usecases.record import verify_evidence
    db, conn, settings, (a, b) = _with_evidence(tmp_path, catalog)
    archive = make_backup(conn, OFFICE, settings.uploads_dir, tmp_path / "bk.zip")
    conn.close()
    with zipfile.ZipFile(archive) as zf:
        assert {f"evidence/{a.sha256}", f"evidence/{b.sha256}"} <= set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert (manifest["evidence_files"], manifest["missing_evidence_files"]) == (2, [])
    new = resolve(str(tmp_path / "moi" / "kpi.duckdb"))
    restored = restore_backup(archive, new.db_path, new.uploads_dir)
    assert (new.evidence_dir / a.sha256).read_bytes() == pdf()
    assert (new.evidence_dir / b.sha256).read_bytes() == png()
    assert verify_evidence(restored, new.evidence_dir) == []
    assert [i.description for i in evidence_items(restored, catalog.commune)] == ["Biên bản 05/BB", "Ảnh chụp"]
    restored.close()


@pytest.mark.parametrize("text, name", [
    ("Biên bản 05/BB ngày 01/07/2026", "Biên bản 05-BB ngày 01-07-2026"),
    ("../../etc/passwd", "-..-etc-passwd"),
    ("CON", "_CON"), ("a:b*c?<d>|e\"f", "a b c d e f"), ("  .an ", "an"), ("...", "_"),
    ("Tỷ lệ máy tính của xã được cài phần mềm phòng chống mã độc tập trung", "Tỷ lệ máy tính của xã được cài"),
    ("Ty\u0309 le\u0302\u0323", "Tỷ lệ"),          # decomposed Vietnamese is composed (NFC)
])
def test_safe_names_keep_vietnamese(text, name):
    from kpi.evidence.names import safe_name
    assert safe_name(text, 32) == name


def test_obligation_evidence_rights_and_slot(conn, catalog, edir):
    """An obligation of [[milestones]] takes evidence under its id, as a whole (no unit): its lead
    unit's coordinator or the office; one without a lead unit, only the office."""
    import dataclasses
    item, created = ev.attach_file(conn, catalog, edir, CA, "2026-Q3", "m_dvc_25_thiet_yeu", None, pdf(), "bc.pdf",
                                   "Báo cáo 20/BC-CAX")
    assert (item.indicator_id, item.unit, created) == ("M_DVC_25_THIET_YEU", None, True)
    with pytest.raises(PermissionDenied, match="không được cho đơn vị VP"):
        ev.attach_link(conn, catalog, CA, "2026-Q3", "M_ATTT_CAP_DO", None, "https://a.vn/x", "x")
    with pytest.raises(StoreError, match="Mốc M_ATTT_CAP_DO không chia theo đơn vị"):
        ev.attach_link(conn, catalog, OFFICE, "2026-Q3", "M_ATTT_CAP_DO", "CA", "https://a.vn/x", "x")
    no_lead = dataclasses.replace(catalog, milestones=tuple(
        dataclasses.replace(m, lead=None) if m.id == "M_ATTT_CAP_DO" else m for m in catalog.milestones))
    with pytest.raises(PermissionDenied, match="không được cho đơn vị chưa giao đơn vị chủ trì"):
        ev.attach_link(conn, no_lead, VHXH, "2026-Q3", "M_ATTT_CAP_DO", None, "https://a.vn/x", "x")
    ev.attach_link(conn, no_lead, OFFICE, "2026-Q3", "M_ATTT_CAP_DO", None, "https://a.vn/qd", "QĐ 12/QĐ-UBND")
    ev.review(conn, catalog, OFFICE, "2026-Q3", "M_ATTT_CAP_DO", None, "accepted", "")
    duties = {s.indicator.id: s for s in ev.obligation_slots(conn, catalog, "2026-Q3")}
    assert [s.indicator.id for s in duties.values()] == [m.id for m in catalog.milestones]
    assert (duties["M_DVC_25_THIET_YEU"].state, duties["M_ATTT_CAP_DO"].state) == (PENDING, ACCEPTED)
    assert duties["M_YT_SO_HOA_KCB"].state == MISSING
    # obligations carry no points: the criteria's board and its lacking count ignore them
    slots = ev.quarter_board(conn, catalog, "2026-Q3")
    assert ev.lacking_summary(slots) == (25, 100)
    assert not any(s.indicator.id.startswith("M_") for s in slots)
