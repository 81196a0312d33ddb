"""`python -m kpi template / import / rebuild`: exit codes and the printed lines."""
import pytest

from kpi import store
from kpi.cli.main import main
from tests.common import add_user
from tests.ingest_helpers import TTPVHCC_FIGURES, filled, load

PERIOD = "2024-06"      # safely before the real current month of whoever runs the tests


@pytest.fixture
def env(tmp_path, catalog):
    db = tmp_path / "db" / "kpi.duckdb"
    files = tmp_path / "in"
    files.mkdir()
    good = filled(catalog, period=PERIOD)
    (files / "a-ttpvhcc.xlsx").write_bytes(good)
    (files / "b-loi.xlsx").write_bytes(filled(catalog, period=PERIOD, edit=lambda wb, ws: (
        ws.__setitem__("E15", "ba trăm"), ws.__setitem__("F18", -1))))
    add_user(db, "anh", "coordinator", "TTPVHCC", name="Nguyễn Thị Ánh")
    add_user(db, "binh", "office", name="Trần Văn Bình")
    return tmp_path, db, files


def cli(db, *args):
    return main(["--db", str(db), *args])


def test_template_command(tmp_path, capsys, catalog):
    out = tmp_path / "ca.xlsx"
    assert cli(tmp_path / "k.duckdb", "template", "--unit", "ca", "--period", "2026-05", "-o", str(out)) == 0
    assert capsys.readouterr().out == f"Đã tạo tệp mẫu {out} — Công an xã, Tháng 5/2026.\n"
    assert load(out.read_bytes())["Số liệu"]["C5"].value == "CA"
    all_out = tmp_path / "all.xlsx"
    assert cli(tmp_path / "k.duckdb", "template", "--all-units", "--period", "2026-05", "-o", str(all_out)) == 0
    assert len(load(all_out.read_bytes()).sheetnames) == len(catalog.units) + 1
    assert cli(tmp_path / "k.duckdb", "template", "--unit", "XX", "--period", "2026-05") == 2
    assert "Không có đơn vị mã «XX»" in capsys.readouterr().err


def test_import_prints_every_problem_and_exits_1(env, capsys):
    tmp, db, files = env
    code = cli(db, "import", str(files / "a-ttpvhcc.xlsx"), str(files / "b-loi.xlsx"),
               "--by", "anh", "--annotate", str(tmp / "loi"))
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out == [
        f"✔ {files / 'a-ttpvhcc.xlsx'}: đã nhập TTPVHCC Trung tâm Phục vụ hành chính công, "
        "Tháng 6/2024: 12 số liệu, phiên bản 1.",
        f"✖ {files / 'b-loi.xlsx'}: bị từ chối, 2 lỗi — không ghi gì vào cơ sở dữ liệu:",
        "  - Số liệu!E15: Tử số của chỉ tiêu DVC_HS_TRUC_TUYEN là chữ «ba trăm», không phải số.",
        "  - Số liệu!F18: Mẫu số của chỉ tiêu DVC_QUA_HAN là số âm «-1».",
        f"  → bản đánh dấu lỗi: {tmp / 'loi' / 'b-loi.loi.xlsx'}",
        "Tổng kết: 2 tệp — 1 đã nhập, 0 không đổi, 1 bị từ chối.",
    ]
    marked = load((tmp / "loi" / "b-loi.loi.xlsx").read_bytes())
    assert marked["Số liệu"]["E15"].comment is not None
    conn = store.connect(db)
    h = store.upload_history(conn, "THAITAN")
    assert list(h.submitted_by) == ["anh"] and list(h.unit) == ["TTPVHCC"]
    conn.close()


def test_import_folder_twice_and_identical(env, capsys):
    tmp, db, files = env
    (files / "b-loi.xlsx").unlink()
    assert cli(db, "import", str(files), "--by", "anh") == 0
    capsys.readouterr()
    assert cli(db, "import", str(files / "*.xlsx"), "--by", "anh") == 0
    assert capsys.readouterr().out.splitlines() == [
        f"= {files / 'a-ttpvhcc.xlsx'}: TTPVHCC Trung tâm Phục vụ hành chính công, Tháng 6/2024 "
        "giống hệt số liệu đã lưu (phiên bản 1); không có gì mới.",
        "Tổng kết: 1 tệp — 0 đã nhập, 1 không đổi, 0 bị từ chối."]


def test_dry_run_writes_nothing(env, capsys):
    tmp, db, files = env
    db = tmp / "chua-co" / "kpi.duckdb"    # (the env's database holds the test accounts)
    assert cli(db, "import", "--dry-run", str(files / "a-ttpvhcc.xlsx")) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"✔ {files / 'a-ttpvhcc.xlsx'}: hợp lệ (chạy thử, chưa ghi) — TTPVHCC Trung tâm Phục vụ "
        "hành chính công, Tháng 6/2024: 12 số liệu.",
        "Tổng kết: 1 tệp — 1 hợp lệ, 0 không đổi, 0 bị từ chối."]
    assert not db.exists()


def test_missing_file_is_a_clear_error(env, capsys):
    tmp, db, files = env
    assert cli(db, "import", str(files / "khong-co.xlsx")) == 2
    assert capsys.readouterr().err == f"Lỗi: Không tìm thấy tệp {files / 'khong-co.xlsx'}.\n"


def test_rebuild_replays_kept_files_in_order(env, capsys, catalog):
    tmp, db, files = env
    fixed = files / "c-sua.xlsx"
    fixed.write_bytes(filled(catalog, period=PERIOD,
                             figures=dict(TTPVHCC_FIGURES, DVC_SO_HOA=(366, 380))))
    assert cli(db, "import", str(files / "a-ttpvhcc.xlsx"), "--by", "anh") == 0
    assert cli(db, "import", str(fixed), "--by", "binh") == 0
    new_db = tmp / "moi" / "kpi.duckdb"
    capsys.readouterr()
    assert cli(new_db, "rebuild", "--from", str(db.parent / "kpi.duckdb.uploads")) == 0
    assert capsys.readouterr().out == (f"Đã dựng lại {new_db}: 2 tệp, 2 lần gửi số liệu, "
                                       "khớp nhật ký.\n")
    old, new = store.connect(db), store.connect(new_db)
    cols = ["unit", "period", "version", "status", "file_name", "sha256", "submitted_by"]
    assert new.execute("SELECT submitted_at FROM uploads ORDER BY version").fetchall() == \
        old.execute("SELECT submitted_at FROM uploads ORDER BY version").fetchall()
    h_old = store.upload_history(old, "THAITAN")[cols].sort_values("version").values.tolist()
    h_new = store.upload_history(new, "THAITAN")[cols].sort_values("version").values.tolist()
    assert h_new == h_old and [r[6] for r in h_new] == ["anh", "binh"]
    f_old = store.current_figures(old, "THAITAN").drop(columns="upload_id")
    f_new = store.current_figures(new, "THAITAN").drop(columns="upload_id")
    assert f_new.equals(f_old)
    old.close()
    # a database that already holds figures is refused
    assert cli(new_db, "rebuild", "--from", str(db.parent / "kpi.duckdb.uploads")) == 2
    assert "đã có số liệu" in capsys.readouterr().err
    new.close()


def test_annotate_of_an_unreadable_file_says_why_no_marked_copy(env, capsys):
    tmp, db, files = env
    empty = tmp / "rong.xlsx"
    empty.write_bytes(b"")
    code = cli(db, "import", str(empty), "--by", "anh", "--annotate", str(tmp / "loi"))
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert "  (không tạo được bản đánh dấu lỗi: tệp rỗng (0 byte).)" in out
    assert not (tmp / "loi").exists()
