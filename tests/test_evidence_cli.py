"""`python -m kpi evidence add|list|review|export` on the demo database: refusals name the file,
nothing is attached while one file is refused, the pack's folders and index."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from evidence_files import docx, exe, pdf

from kpi.cli.main import main

Q = "2026-Q3"
SENT = r" — gửi \d\d/\d\d/\d{4} — "   # the day a document was attached (the clock's, not pinned)


@pytest.fixture
def db(demo_db_file, tmp_path):
    path = tmp_path / "kpi.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


@pytest.fixture
def files(tmp_path):
    out = {}
    for name, data in {"bb.pdf": pdf(), "qd.docx": docx(), "virus.pdf": exe(), "macro.docx": docx(macro=True)}.items():
        out[name] = tmp_path / name
        out[name].write_bytes(data)
    return out


def cli(db, *args):
    return main(["--db", str(db), *args])


def _list(db, capsys):
    assert cli(db, "evidence", "list", "--quarter", Q, "--json") == 0
    return json.loads(capsys.readouterr().out)


def _slot(listing, indicator, unit=None):
    return next(s for s in listing["slots"] if s["indicator"] == indicator and s["unit"] == unit)


def test_add_refuses_everything_when_one_file_is_refused(db, files, capsys):
    code = cli(db, "evidence", "add", "--quarter", Q, "--indicator", "ATTT_MA_DOC", str(files["bb.pdf"]),
               str(files["virus.pdf"]), str(files["macro.docx"]), "--by", "dv-vhxh")
    err = capsys.readouterr().err
    assert code == 2 and "Lỗi: không gửi tệp nào:" in err
    assert "Tệp «virus.pdf»: là chương trình Windows (.exe/.dll) (dù tên tệp là gì), không nhận." in err
    assert "Tệp «macro.docx»: có chứa macro VBA (phần «word/vbaProject.bin»), không nhận." in err
    assert _slot(_list(db, capsys), "ATTT_MA_DOC")["items"] == []
    assert not (db.parent / "kpi.duckdb.evidence").exists()


def test_add_list_review_export(db, files, capsys):
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "ATTT_MA_DOC", str(files["bb.pdf"]),
               "--by", "dv-vhxh", "--note", "Biên bản cài đặt số 05/BB ngày 01/07/2026") == 0
    assert "Đã gửi «bb.pdf» cho ATTT_MA_DOC Quý III/2026 — mã 1." in capsys.readouterr().out
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "ATTT_MA_DOC", str(files["bb.pdf"]),
               "--by", "dv-vhxh") == 0
    assert "«bb.pdf» đã có sẵn (mã 1" in capsys.readouterr().out
    # the CA coordinator: its own unit's part, not the other unit's
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "DVC_HS_TRUC_TUYEN", "--unit", "TTPVHCC",
               str(files["qd.docx"]), "--by", "dv-ca") == 2
    assert "chỉ được gửi tài liệu kiểm chứng cho đơn vị của mình (CA), không được cho đơn vị TTPVHCC" \
        in capsys.readouterr().err
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "DVC_HS_TRUC_TUYEN", "--unit", "CA",
               str(files["qd.docx"]), "--by", "dv-ca", "--note", "QĐ 12/QĐ-UBND") == 0
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "HT_MAY_TINH", "--link",
               "https://dvc.example.vn/bc", "--by", "vanphong", "--note", "Báo cáo trên hệ thống") == 0
    assert cli(db, "evidence", "review", "--quarter", Q, "--indicator", "ATTT_MA_DOC", "--state", "accepted",
               "--by", "dv-vhxh") == 2
    assert "không có quyền duyệt tài liệu kiểm chứng" in capsys.readouterr().err
    assert cli(db, "evidence", "review", "--quarter", Q, "--indicator", "ATTT_MA_DOC", "--state", "accepted",
               "--by", "vanphong") == 0
    assert cli(db, "evidence", "review", "--quarter", Q, "--indicator", "HT_MAY_TINH", "--state", "needs_more",
               "--comment", "Thiếu biên bản bàn giao", "--by", "vanphong") == 0
    capsys.readouterr()
    listing = _list(db, capsys)
    total = 100   # the shipped catalogue's points
    assert (listing["lacking"], listing["lacking_points"]) == (24, total - 4)   # ATTT_MA_DOC carries 4
    assert _slot(listing, "ATTT_MA_DOC")["state"] == "accepted"
    assert _slot(listing, "HT_MAY_TINH")["review"]["comment"] == "Thiếu biên bản bàn giao"
    assert _slot(listing, "DVC_HS_TRUC_TUYEN", "CA")["state"] == "pending"
    assert [i["description"] for i in _slot(listing, "DVC_HS_TRUC_TUYEN", "CA")["items"]] == ["QĐ 12/QĐ-UBND"]

    pack = db.parent / "ho-so.zip"
    assert cli(db, "evidence", "export", "--quarter", Q, "-o", str(pack), "--by", "vanphong") == 0
    assert ("vào " + str(pack) + ": 2 tệp, 1 liên kết; 24 chỉ tiêu chưa có minh chứng được duyệt.") \
        in capsys.readouterr().out
    _check_pack(pack, files)


def _bieu_column(ws, title: str) -> int:
    """The 0-based position of the Biểu's column titled `title` (its columns come from the catalogue)."""
    return next(c.column for c in ws[7] if c.value == title) - 1


def _check_pack(pack, files):
    from openpyxl import load_workbook
    # within 150 characters (kpi.evidence.names.pack_path): the criterion's folder is cut at a word's end
    a = ("01 Hạ tầng số và an toàn thông tin/03 ATTT_MA_DOC - Tỷ lệ máy tính của xã được cài phần mềm phòng"
         "/001 Biên bản cài đặt số 05-BB ngày 01-07-2026.pdf")
    b = ("03 Dịch vụ công trực tuyến/11 DVC_HS_TRUC_TUYEN - Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến/"
         "CA - Công an xã/002 QĐ 12-QĐ-UBND.docx")
    with zipfile.ZipFile(pack) as zf:
        assert zf.namelist() == ["Danh mục minh chứng Quý III-2026.xlsx", "Biểu tự chấm điểm Quý III-2026.xlsx", a, b]
        assert zf.read(a) == files["bb.pdf"].read_bytes() and zf.read(b) == files["qd.docx"].read_bytes()
        index = load_workbook(io.BytesIO(zf.read("Danh mục minh chứng Quý III-2026.xlsx"))).active
        report = load_workbook(io.BytesIO(zf.read("Biểu tự chấm điểm Quý III-2026.xlsx"))).active
    rows = {(r[1], r[3]): r for r in index.iter_rows(min_row=4, values_only=True)}
    assert [c.value for c in index[3]][:6] == ["Nhóm", "Mã", "Chỉ tiêu", "Đơn vị", "Tài liệu kiểm chứng cần có",
                                              "Tệp trong bộ hồ sơ / liên kết"]
    assert rows[("ATTT_MA_DOC", "Cả chỉ tiêu")][4:] == (
        "Hợp đồng cài đặt, biên bản nghiệm thu, biên bản cài đặt", a, "Biên bản cài đặt số 05/BB ngày 01/07/2026",
        "dv-vhxh", rows[("ATTT_MA_DOC", "Cả chỉ tiêu")][8], "Đạt", None, "vanphong", "100,0 %", "4/4")
    assert rows[("HT_MAY_TINH", "Cả chỉ tiêu")][5:7] == ("https://dvc.example.vn/bc", "Báo cáo trên hệ thống")
    assert rows[("HT_MAY_TINH", "Cả chỉ tiêu")][9:] == ("Cần bổ sung", "Thiếu biên bản bàn giao", "vanphong",
                                                        "100,0 %", "2/2")
    # 88,4 % of a ≥ 90 % target, 8 points linear: 88,4 / 90 × 8 = 7,86
    assert rows[("DVC_HS_TRUC_TUYEN", "Công an xã")][9:] == ("Chờ duyệt", None, None, "88,4 %", "7,86/8")
    assert rows[("HT_CHU_KY_SO", "Cả chỉ tiêu")][5:10] == ("(chưa có)", None, None, None, "Thiếu")
    assert len(rows) == 26          # 25 criteria and the one unit part with a document
    # the report's evidence column lists the attached documents (sent when, reviewed how), else
    # says there is none; what the catalogue requires is in the next column
    sent, needed = _bieu_column(report, "Tài liệu kiểm chứng"), _bieu_column(report, "Tài liệu kiểm chứng cần có")
    col = {r[1]: r[sent] for r in report.iter_rows(min_row=8, values_only=True) if r[1]}
    required = {r[1]: r[needed] for r in report.iter_rows(min_row=8, values_only=True) if r[1]}
    assert re.fullmatch("Biên bản cài đặt số 05/BB ngày 01/07/2026" + SENT + "đã duyệt: Đạt",
                        col["Tỷ lệ máy tính của xã được cài phần mềm phòng chống mã độc (Kaspersky)"])
    assert re.fullmatch("QĐ 12/QĐ-UBND \\(CA\\)" + SENT + "chờ duyệt",
                        col["Tỷ lệ hồ sơ TTHC được xử lý hoàn toàn trực tuyến"])
    assert re.fullmatch("Báo cáo trên hệ thống — https://dvc\\.example\\.vn/bc" + SENT + "cần bổ sung",
                        col["Tỷ lệ cán bộ, công chức có máy tính đáp ứng yêu cầu cấu hình"])
    assert col["Tỷ lệ cán bộ, công chức có chữ ký số cá nhân"] == "Chưa có minh chứng"
    assert required["Tỷ lệ cán bộ, công chức có chữ ký số cá nhân"] == \
        "Danh sách cấp chứng thư số; ảnh chụp phần mềm quản lý chứng thư"


def test_export_stops_when_a_kept_file_is_missing(db, files, capsys):
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "ATTT_MA_DOC", str(files["bb.pdf"]),
               "--by", "vanphong") == 0
    for f in (db.parent / "kpi.duckdb.evidence").iterdir():
        f.unlink()
    pack = db.parent / "ho-so.zip"
    assert cli(db, "evidence", "export", "--quarter", Q, "-o", str(pack), "--by", "vanphong") == 2
    # no description typed: the file's name without its extension (the pack adds it once)
    assert "Thiếu tệp đã lưu của tài liệu «bb» (bb.pdf)" in capsys.readouterr().err
    assert not pack.exists() and not (db.parent / "ho-so.zip.tmp").exists()


def test_report_evidence_column_lists_attached_documents(db, files, capsys):
    from openpyxl import load_workbook
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "ATTT_MA_DOC", str(files["bb.pdf"]),
               "--by", "vanphong", "--note", "Hợp đồng 07/HĐ ngày 02/06/2026") == 0
    out = db.parent / "bieu.xlsx"
    assert cli(db, "report", "--quarter", Q, "-o", str(out)) == 0
    sheet = load_workbook(out).active
    sent = _bieu_column(sheet, "Tài liệu kiểm chứng")
    col = {r[1]: r[sent] for r in sheet.iter_rows(min_row=8, values_only=True) if r[1]}
    assert re.fullmatch("Hợp đồng 07/HĐ ngày 02/06/2026" + SENT + "chờ duyệt",
                        col["Tỷ lệ máy tính của xã được cài phần mềm phòng chống mã độc (Kaspersky)"])
    assert col["Hệ thống tường lửa / giám sát truy nhập bảo vệ mạng LAN đã triển khai"] == "Chưa có minh chứng"
    # the page's download button builds the same table through the same use case
    from kpi import store
    from kpi.domain.catalog import load_catalog
    from kpi.usecases.reports import quarter_report
    from tests.common import CONFIG
    catalog = load_catalog(CONFIG)
    conn = store.connect(db)
    web = quarter_report(conn, catalog, Q, "xlsx", as_of=dt.date.today())   # the day the command ran
    conn.close()
    rows = [r for r in load_workbook(io.BytesIO(web)).active.iter_rows(min_row=7, values_only=True)]
    assert rows == [r for r in load_workbook(out).active.iter_rows(min_row=7, values_only=True)]


def test_export_puts_an_obligations_evidence_after_the_groups(db, files, capsys):
    """M_ATTT_CAP_DO (a [[milestones]] obligation, lead VP): its file in the pack after the seven
    groups, numbered after the 25 criteria; its index row says it is followed, not scored."""
    assert cli(db, "evidence", "add", "--quarter", Q, "--indicator", "M_ATTT_CAP_DO", str(files["bb.pdf"]),
               "--by", "dv-vp", "--note", "QĐ 12/QĐ-UBND phê duyệt cấp độ") == 0
    pack = db.parent / "ho-so.zip"
    capsys.readouterr()
    assert cli(db, "evidence", "export", "--quarter", Q, "-o", str(pack), "--by", "vanphong") == 0
    assert "1 tệp, 0 liên kết; 25 chỉ tiêu chưa có minh chứng được duyệt." in capsys.readouterr().out
    from openpyxl import load_workbook
    # 25 criteria, then the obligations in catalogue order: M_ATTT_CAP_DO is the 6th (31)
    path = ("08 Mốc theo dõi (không tính điểm)/31 M_ATTT_CAP_DO - Thẩm định, phê duyệt cấp độ an toàn thông tin "
            "của các/001 QĐ 12-QĐ-UBND phê duyệt cấp độ.pdf")      # the folder name cut at a word to 70
    with zipfile.ZipFile(pack) as zf:
        assert path in zf.namelist(), zf.namelist()
        assert zf.read(path) == files["bb.pdf"].read_bytes()
        index = load_workbook(io.BytesIO(zf.read("Danh mục minh chứng Quý III-2026.xlsx"))).active
    rows = {(r[1], r[3]): r for r in index.iter_rows(min_row=4, values_only=True)}
    assert len(rows) == 26          # 25 criteria and the obligation with a document
    obligation_unit = "Cả xã (chủ trì: Văn phòng HĐND và UBND xã)"   # an obligation of the commune, its lead
    assert rows[("M_ATTT_CAP_DO", obligation_unit)][5:] == (
        path, "QĐ 12/QĐ-UBND phê duyệt cấp độ", "dv-vp", rows[("M_ATTT_CAP_DO", obligation_unit)][8], "Chờ duyệt",
        None, None, "mốc theo dõi", "không tính điểm")


def _audit(db, action):
    from kpi import store
    from kpi.store.accounts import audit_rows
    conn = store.connect(db)
    try:
        return audit_rows(conn, action=action).to_dict("records")
    finally:
        conn.close()


def test_the_viewer_may_not_export_the_pack_and_the_refusal_is_audited(db, capsys):
    pack = db.parent / "ho-so.zip"
    assert cli(db, "evidence", "export", "--quarter", Q, "-o", str(pack), "--by", "xem") == 2
    err = capsys.readouterr().err
    assert "Tài khoản «xem» (Chỉ xem) không có quyền tải bộ hồ sơ minh chứng." in err, err
    assert not pack.exists() and not (db.parent / "ho-so.zip.tmp").exists()
    refused = [r for r in _audit(db, "refused_rights") if '"export_evidence_pack"' in r["detail"]]
    assert [(r["actor"], r["period"]) for r in refused] == [("xem", Q)]
    assert _audit(db, "export_evidence_pack") == []
    # a coordinator neither: the pack holds every unit's documents
    assert cli(db, "evidence", "export", "--quarter", Q, "-o", str(pack), "--by", "dv-ca") == 2
    assert "không có quyền tải bộ hồ sơ minh chứng" in capsys.readouterr().err
    assert not pack.exists()


def test_the_office_exports_the_pack_and_it_is_audited(db, capsys):
    pack = db.parent / "ho-so.zip"
    assert cli(db, "evidence", "export", "--quarter", Q, "-o", str(pack), "--by", "vanphong",
               "--as-of", "2026-10-20") == 0
    assert pack.exists()
    rows = _audit(db, "export_evidence_pack")
    assert len(rows) == 1 and rows[0]["period"] == Q and rows[0]["actor"] == "vanphong"
    assert json.loads(rows[0]["detail"]) == {"quarter": Q, "as_of": "2026-10-20", "files": 0, "links": 0}
    assert _audit(db, "refused_rights") == []


def test_the_core_refuses_the_pack_to_a_viewer_whatever_door(db):
    from kpi import store
    from kpi.domain.catalog import load_catalog
    from kpi.domain.figures import Actor
    from kpi.domain.rights import PermissionDenied
    from kpi.usecases import evidence
    from tests.common import CONFIG
    conn = store.connect(db)
    try:
        target = io.BytesIO()
        with pytest.raises(PermissionDenied, match="không có quyền tải bộ hồ sơ minh chứng"):
            evidence.write_pack(conn, load_catalog(CONFIG), Actor("Người xem", "viewer", "xem"), Q,
                                db.parent / "kpi.evidence", target, as_of=dt.date(2026, 10, 20))
        assert target.getvalue() == b""
        leader = evidence.pack_bytes(conn, load_catalog(CONFIG), Actor("Lãnh đạo", "leader", "lanhdao"), Q,
                                     db.parent / "kpi.evidence", as_of=dt.date(2026, 10, 20))
        assert zipfile.ZipFile(io.BytesIO(leader)).namelist()
    finally:
        conn.close()
