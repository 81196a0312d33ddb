"""Which commune a workbook says it belongs to: its «Xã» cells, matched against a city's communes
(by name or code, ignoring case and accents). The CLI imports a city's files without `--commune`
this way; the file is then checked against that commune's catalogue like any other."""
from __future__ import annotations

from dataclasses import dataclass

from kpi.domain.city import City
from kpi.ingest import layout as L
from kpi.ingest.numbers import fold
from kpi.ingest.parse import data_sheets, read_data_sheet
from kpi.ingest.safety import open_package
from kpi.ingest.validate import shown
from kpi.ingest.xlsx import read_workbook


@dataclass(frozen=True)
class StatedCommune:
    code: str | None          # the commune of the city the file names (None: see `problem`)
    problem: str | None = None


def stated_communes(data: bytes) -> list[tuple[str, str, str]]:
    """(sheet, cell, text) of every non-empty «Xã» cell of the workbook's data sheets; none for a
    file that cannot be read (checking the file reports why) or that has no such cell."""
    try:
        wb = read_workbook(open_package(data))
    except Exception:  # noqa: BLE001 — an unreadable file is reported by check_workbook
        return []
    out = []
    for sheet, rows in data_sheets(wb)[0]:
        meta = read_data_sheet(sheet, rows).commune
        text = meta.inline if meta.inline is not None else (shown(meta.cell) if meta.cell is not None else "")
        if text.strip():
            out.append((sheet.name, meta.ref or "", text.strip()))
    return out


def commune_of_file(data: bytes, city: City) -> StatedCommune:
    """The one commune of `city` that the file's «Xã» cells name, or a Vietnamese reason why none."""
    cells = stated_communes(data)
    if not cells:
        return StatedCommune(None, f"không biết tệp của xã nào: trang tính số liệu không có ô «{L.LABEL_COMMUNE}» "
                                   "(hoặc ô để trống). Ghi tên xã vào ô đó, hoặc nhập với --commune MÃ_XÃ.")
    by_text = {fold(c.code): c.code for c in city.communes} | {fold(c.name): c.code for c in city.communes}
    codes = set()
    for sheet, cell, text in cells:
        code = by_text.get(fold(text))
        if code is None:
            return StatedCommune(None, f"trang tính «{sheet}», ô {cell}: «{L.LABEL_COMMUNE}» là «{text}», không phải "
                                       "xã nào trong danh mục (các mã: " + ", ".join(city.codes) + ").")
        codes.add(code)
    if len(codes) > 1:
        return StatedCommune(None, f"các trang tính ghi nhiều xã khác nhau ({', '.join(sorted(codes))}); "
                                   "mỗi tệp chỉ số liệu của một xã.")
    return StatedCommune(codes.pop())
