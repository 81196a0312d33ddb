"""The upload check is cached by every input: the same file checked for two communes of one
database gets two answers (a Thái Tân workbook is not «hợp lệ» while working in Xã An Lão)."""
from __future__ import annotations

import hashlib

from kpi import store
from kpi.domain.city import load_city
from kpi.usecases.demo import load_city_demo
from kpi.web import safe
from tests.common import CONFIG, TODAY
from tests.ingest_helpers import filled


def test_a_workbook_checked_in_one_commune_is_checked_again_in_another(tmp_path, monkeypatch):
    db = tmp_path / "city.duckdb"
    conn = store.connect(db)
    city = load_city(CONFIG)
    load_city_demo(conn, city, 2, 3, today=TODAY)
    conn.close()
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(CONFIG))
    workbook = filled(city.catalog_for("THAITAN"))          # its «Xã» cell names Xã Thái Tân
    digest = hashlib.sha256(workbook).hexdigest()
    at_home = safe.checked_upload(digest, "ttpvhcc.xlsx", workbook, "THAITAN", TODAY)
    elsewhere = safe.checked_upload(digest, "ttpvhcc.xlsx", workbook, "XA001", TODAY)
    assert at_home.ok
    assert not elsewhere.ok
    assert any("Xã" in p.message or "xã" in p.message for p in elsewhere.problems)
