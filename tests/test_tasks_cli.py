"""`python -m kpi tasks …` on the demo database (the shipped sample register with its progress)."""
from __future__ import annotations

import json

import pytest
from common import CONFIG, TODAY

from kpi.cli.main import main
from kpi.reports.tasks import template_xlsx

AS_OF = ["--as-of", TODAY.isoformat()]


@pytest.fixture
def db(demo_db_file, tmp_path):
    path = tmp_path / "kpi.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


def cli(db, *args):
    return main(["--db", str(db), "--config", str(CONFIG), *args])


def _list(db, capsys, *args, as_of=AS_OF):
    capsys.readouterr()
    assert cli(db, "tasks", "list", "--json", *as_of, *args) == 0
    return json.loads(capsys.readouterr().out)


def test_list_shows_the_sample_register_overdue_first(db, capsys):
    rows = _list(db, capsys)
    assert len(rows) == 41 + 8          # the documents' tasks and the catalogue's eight obligations
    assert sum(r["source"] == "Danh mục chỉ tiêu" for r in rows) == 8
    assert rows[0]["state"] == "overdue" and rows[0]["days_late"] >= rows[1]["days_late"] or rows[1]["state"] != "overdue"
    wifi = next(r for r in rows if "wifi" in r["name"])
    assert (wifi["due"], wifi["leads"], wifi["state"]) == ("2026-07-03", ["TTDVSNC"], "overdue")
    assert wifi["days_late"] == (TODAY - __import__("datetime").date(2026, 7, 3)).days
    mine = _list(db, capsys, "--unit", "TTDVSNC")
    assert {r["id"] for r in mine} >= {wifi["id"]} and all("TTDVSNC" in r["leads"] for r in mine)
    assert all(r["state"] == "overdue" for r in _list(db, capsys, "--state", "overdue"))


def test_a_coordinator_updates_only_their_units_task(db, capsys):
    wifi = next(r for r in _list(db, capsys) if "wifi" in r["name"])
    assert cli(db, "tasks", "update", f"NV{wifi['id']}", "--status", "hoàn thành", "--result", "Đã trình",
               "--by", "dv-ca", *AS_OF) == 2
    assert "chỉ được cập nhật tiến độ nhiệm vụ cho đơn vị của mình (CA)" in capsys.readouterr().err
    assert cli(db, "tasks", "update", str(wifi["id"]), "--status", "hoàn thành", "--result", "Đã trình",
               "--done-on", "2026-07-20", "--by", "dv-ttdvsnc", *AS_OF) == 0
    assert "Hoàn thành, hoàn thành ngày 20/07/2026" in capsys.readouterr().out
    # recorded now (the clock of the command), so seen from today on
    after = next(r for r in _list(db, capsys, as_of=()) if r["id"] == wifi["id"])
    assert (after["state"], after["days_late"]) == ("done_late", 17)
    assert cli(db, "tasks", "update", "NV9999", "--status", "đang thực hiện", "--by", "vanphong", *AS_OF) == 2
    assert cli(db, "tasks", "update", str(wifi["id"]), "--status", "xong rồi", "--by", "vanphong", *AS_OF) == 2
    assert "không hợp lệ" in capsys.readouterr().err


def test_import_refuses_a_bad_sheet_and_a_coordinator(db, tmp_path, capsys):
    import io

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(template_xlsx()))
    wb.active["G9"] = "sớm nhất"
    wb.active["D9"] = "Phòng Tư pháp"
    bad = tmp_path / "so.xlsx"
    wb.save(bad)
    before = len(_list(db, capsys))
    assert cli(db, "tasks", "import", str(bad), "--by", "vanphong") == 1
    out = capsys.readouterr().out
    assert "Sổ nhiệm vụ!G9: «sớm nhất» không phải thời hạn" in out and "Sổ nhiệm vụ!D9: «Phòng Tư pháp»" in out
    good = tmp_path / "mau.xlsx"
    good.write_bytes(template_xlsx())
    assert cli(db, "tasks", "import", str(good), "--by", "dv-ca") == 2
    assert cli(db, "tasks", "import", str(good), "--by", "vanphong", "--dry-run") == 0
    assert len(_list(db, capsys)) == before
    assert cli(db, "tasks", "import", str(good), "--by", "vanphong") == 0
    assert len(_list(db, capsys, as_of=())) == before + 1


def test_report_writes_the_completion_table(db, tmp_path, capsys):
    out = tmp_path / "kq.xlsx"
    assert cli(db, "tasks", "report", "--months", "9", "--year", "2026", "-o", str(out), *AS_OF) == 0
    text = capsys.readouterr().out
    assert text.startswith("9 tháng đầu năm 2026 (từ 01/01/2026 đến 30/09/2026, tính đến 23/11/2026): hoàn thành ")
    from openpyxl import load_workbook
    ws = load_workbook(out).active
    assert ws["A3"].value.startswith("Toàn xã: hoàn thành ")
    assert cli(db, "tasks", "report", "--from", "2026-09-30", "--to", "2026-01-01", *AS_OF) == 2
