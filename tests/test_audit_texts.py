"""The audit log as people read it (kpi/present/audit_texts.py) and on the Nhật ký page."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from kpi.present.audit_texts import ACTIONS, audit_table, detail_text, period_text
from tests.common import log_in

ROOT = Path(__file__).resolve().parents[1]


def test_every_action_the_store_writes_has_words():
    written = set()
    for path in (ROOT / "kpi").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for code in ("record_submission", "supersede", "refused_rights", "refused_conflict", "close_quarter",
                     "reopen_quarter", "login", "login_failed", "login_locked", "session_expired", "account_add",
                     "account_passwd", "account_disable", "account_enable", "catalog_version", "sync_catalog",
                     "evidence_add", "evidence_review", "make_backup", "explanation_write", "appraisal_import"):
            if f'"{code}"' in text:
                written.add(code)
    assert written <= set(ACTIONS), written - set(ACTIONS)
    assert "logout" in ACTIONS and len(set(ACTIONS.values())) == len(ACTIONS)   # no two read alike


def test_details_read_as_fields_in_vietnamese():
    cases = [
        (None, ""), ("", ""),
        ('{"login": "admin"}', "tài khoản: admin"),
        ('{"login": "dv-ca", "role": "coordinator", "units": ["CA", "KT"], "name": ""}',
         "tài khoản: dv-ca; vai trò: Đầu mối đơn vị; đơn vị: CA, KT"),
        ('{"action": "reopen_quarter", "reason": "Sai số liệu"}', "việc: Mở lại quý; lý do: Sai số liệu"),
        ('{"quarter": "2026-Q3", "catalog_version": 2, "figures": 480}',
         "quý: 2026-Q3; phiên bản danh mục: 2; số ô số liệu: 480"),
        ('{"upload_id": 7, "version": 2, "file": "ca.xlsx", "supersedes": null}',
         "lần nhập: 7; phiên bản: 2; tệp: ca.xlsx"),
        ('{"login": "tên không tồn tại", "name_hash": "0a1b2c3d4e5f", "client": "10.0.0.7", "failures": 5, '
         '"client_failures": 12}', "tài khoản: tên không tồn tại; mã của tên đã gõ: 0a1b2c3d4e5f; địa chỉ máy: "
         "10.0.0.7; số lần sai liên tiếp: 5; số lần sai của máy: 12"),
        ('{"new_key": 1}', "new_key: 1"),
        ("not json", "not json"), ("[1, 2]", "[1, 2]"),
    ]
    assert [detail_text(stored) for stored, _ in cases] == [shown for _, shown in cases]


def test_periods_and_missing_values():
    assert [period_text(p) for p in ("2026-10", "2026-Q3", None, "", "2026-13")] == \
        ["Tháng 10/2026", "Quý III/2026", "", "", "2026-13"]
    rows = pd.DataFrame({
        "happened_at": [dt.datetime(2026, 11, 24, 1, 51, 12), dt.datetime(2026, 11, 2, 9, 0, 5)],
        "actor": ["admin", "dv-ca"], "action": ["login", "record_submission"],
        "unit": [None, "CA"], "period": [None, "2026-10"], "file_sha256": [None, "ab12"],
        "detail": ['{"login": "admin"}', '{"upload_id": 3, "version": 1, "file": "ca.xlsx", "supersedes": null}']})
    table = audit_table(rows)
    assert table.drop(columns="Thời điểm").to_dict("records") == [
        {"Người": "admin", "Việc": "Đăng nhập", "Đơn vị": "", "Kỳ": "", "Tệp (sha256)": "",
         "Chi tiết": "tài khoản: admin"},
        {"Người": "dv-ca", "Việc": "Nhập số liệu", "Đơn vị": "CA", "Kỳ": "Tháng 10/2026", "Tệp (sha256)": "ab12",
         "Chi tiết": "lần nhập: 3; phiên bản: 1; tệp: ca.xlsx"}]
    assert list(table["Thời điểm"]) == list(pd.to_datetime(rows["happened_at"]))   # still times: sorts as times


def test_the_audit_page_shows_no_none_and_no_json(monkeypatch, demo_db):
    monkeypatch.setenv("KPI_DB", str(demo_db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = log_in(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), demo_db, "admin").run()
    at.switch_page("pages/audit.py").run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    added = table[table["Việc"] == "Thêm tài khoản"]
    assert "tài khoản: admin; vai trò: Quản trị" in set(added["Chi tiết"]), set(added["Chi tiết"])
    shown = table.drop(columns="Thời điểm").astype(str)
    assert not shown.isin(["None", "nan", "NaT"]).any().any()
    assert not shown["Chi tiết"].str.startswith("{").any()
    uploads = table[table["Việc"] == "Nhập số liệu"]
    assert len(uploads) and uploads["Kỳ"].str.fullmatch(r"Tháng \d{1,2}/\d{4}").all()
