"""Workbook builders for the ingest tests: filled templates, edits, raw zips, db snapshots."""
from __future__ import annotations

import io
import re
import zipfile

import openpyxl

from kpi import store
from kpi.reports.template import build_template

# Realistic figures of the public-service centre (TTPVHCC) for one month.
TTPVHCC_FIGURES = {
    "HT_MAY_TINH": (10, 10), "HT_CHU_KY_SO": (9, 10), "CQ_KY_SO_VB": (28, 30),
    "CQ_HSCV_DIEN_TU": (27, 30), "DVC_TOAN_TRINH": (170, 180), "DVC_HS_TRUC_TUYEN": (370, 412),
    "DVC_SO_HOA": (361, 380), "DVC_TAI_SU_DUNG": (330, 412), "DVC_QUA_HAN": (7, 380),
    "DVC_THANH_TOAN": (120, 150), "DVC_HAI_LONG": (209, 220), "NL_KY_NANG_SO": (9, 10),
}
TTDVSNC_FIGURES = {"HT_WIFI_NVH": 12, "NL_TO_CNS": 15, "TT_PHAT_THANH": 9,
                   "HT_MAY_TINH": (8, 9), "HT_CHU_KY_SO": (9, 9), "CQ_KY_SO_VB": (15, 15),
                   "CQ_HSCV_DIEN_TU": (20, 25), "NL_KY_NANG_SO": (7, 9)}


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(ws, code: str) -> int:
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 2).value == code:
            return r
    raise KeyError(code)


def fill_sheet(ws, figures: dict) -> None:
    """figures: id → (numerator, denominator) | value | {"E": …, "G": …, "H": …}."""
    for code, v in figures.items():
        r = row_of(ws, code)
        if isinstance(v, dict):
            for col, x in v.items():
                ws[f"{col}{r}"] = x
        elif isinstance(v, tuple):
            ws[f"E{r}"], ws[f"F{r}"] = v
        else:
            ws[f"G{r}"] = v


def filled(catalog, unit: str = "TTPVHCC", period: str = "2026-10", figures: dict | None = None,
           edit=None) -> bytes:
    """The template of `unit` filled like a coordinator would, optionally edited further."""
    wb = load(build_template(catalog, period, unit))
    fill_sheet(wb["Số liệu"], TTPVHCC_FIGURES if figures is None else figures)
    if edit:
        edit(wb, wb["Số liệu"])
    return save(wb)


def patch_part(data: bytes, part: str, fn) -> bytes:
    """Rewrite one XML part of an .xlsx (for what openpyxl cannot write: cached formulas…)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == part:
                body = fn(body.decode("utf-8")).encode("utf-8")
            z.writestr(info.filename, body)
    return out.getvalue()


def set_cell_xml(xml: str, ref: str, cell_xml: str) -> str:
    """Replace cell `ref` of a sheet's XML by `cell_xml` (the cell must exist)."""
    pattern = re.compile(rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)', re.S)
    assert pattern.search(xml), ref
    return pattern.sub(cell_xml, xml, count=1)


def snapshot(conn) -> tuple:
    """Row counts plus every stored value: equal before and after a rejected file."""
    uploads = conn.execute("SELECT id, unit, period, version, status, sha256, submitted_by "
                           "FROM uploads ORDER BY id").fetchall()
    meas = conn.execute("SELECT upload_id, indicator_id, numerator, denominator, value, note "
                        "FROM measurements ORDER BY upload_id, indicator_id").fetchall()
    audit = conn.execute("SELECT id, action, detail FROM audit_log ORDER BY id").fetchall()
    return store.content_counts(conn), uploads, meas, audit


def zip_bytes(parts: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, body in parts.items():
            z.writestr(name, body.encode("utf-8") if isinstance(body, str) else body)
    return out.getvalue()
