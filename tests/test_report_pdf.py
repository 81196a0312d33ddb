"""The one-page meeting summary: one page, Vietnamese text that extracts intact (pypdf), the
engine's numbers, the vendored font embedded; and the `report` command writing both formats."""
import io
import re
import shutil
from decimal import Decimal

import openpyxl
import pytest
from common import TODAY
from pypdf import PdfReader

from kpi import store
from kpi.cli.main import main
from kpi.domain.periods import Quarter
from kpi.domain.scoring import round_points, score_quarter
from kpi.present.texts import smart_number
from kpi.reports.pdf import FONT_DIR, build_summary_pdf
from kpi.usecases.period_result import period_result

Q4 = Quarter(2026, 4)


def summary_pdf(catalog, figures, quarter, unit=None, **kw):
    """The summary of the score the engine gives these figures on `today` (the app passes the one
    door's result; the report itself never scores)."""
    return build_summary_pdf(catalog, figures, quarter, unit,
                             score=score_quarter(catalog, figures, quarter, unit, as_of=kw["today"]), **kw)


def text_of(data: bytes) -> tuple[int, str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages), reader


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(".", "").replace(",", "."))


def printed_total(text: str) -> Decimal:
    """The headline's points as printed: `92,39/100 điểm`."""
    return _decimal(re.search(r"^([\d.,]+)/[\d.,]+ điểm", text, re.M).group(1))


def printed_groups_sum(text: str, score) -> Decimal:
    """The points printed beside each group's bar, added up as a reader would."""
    return sum((_decimal(re.search(rf"^{re.escape(g.group)} ([\d.,]+)/[\d.,]+$", text, re.M).group(1))
                for g in score.by_group()), Decimal(0))


def test_summary_is_one_page_with_correct_vietnamese(catalog, demo_conn):
    result = period_result(demo_conn, catalog, Q4, as_of=TODAY)      # the one door, as `report` does
    pages, text, reader = text_of(build_summary_pdf(result.catalog, result.figures, Q4, today=TODAY,
                                                    score=result.commune))
    assert pages == 1
    score = result.commune
    assert "TÓM TẮT KẾT QUẢ CHẤM ĐIỂM CHUYỂN ĐỔI SỐ" in text
    assert "Xã Thái Tân — Quý IV/2026" in text
    # the sum of the official points (each criterion truncated to 0,01), the monthly progress of the
    # science-and-technology tasks measured from the register (October 13/15 = 86,67 % of ≥ 90 %:
    # 2,88 of 3): 92,27
    assert "92,27/100 điểm (tạm tính)" in text and smart_number(score.total_points) == "92,27"
    assert "Xếp loại: Xuất sắc (92,2 % số điểm tối đa)" in text
    for g in score.by_group():
        assert f"{g.group} {smart_number(g.points)}/{smart_number(g.max_points)}" in text
    assert printed_groups_sum(text, score) == printed_total(text)
    # the biggest loss comes first, with what meeting it takes
    assert "Các chỉ tiêu bị trừ điểm (11)" in text     # the ten typed ones and the tasks' progress
    assert text.index("Tỷ lệ đơn vị gửi báo cáo tháng trước ngày 18") < \
        text.index("Số tin, bài về chuyển đổi số đăng trên Cổng thông tin điện tử xã")
    assert "Cần thêm 9 tin, bài trong Tháng 11/2026 và Tháng 12/2026" in text
    assert "Lập ngày 23 tháng 11 năm 2026" in text
    assert "không phải thang điểm chính thức của thành phố" in text.replace("\n", " ")
    fonts = {str(font.get("/BaseFont")) for font in
             (reader.pages[0]["/Resources"]["/Font"][k].get_object()
              for k in reader.pages[0]["/Resources"]["/Font"])}
    assert any("DejaVuSans" in name for name in fonts)
    assert (FONT_DIR / "DejaVuSans.ttf").exists() and (FONT_DIR / "LICENSE-DejaVu.txt").exists()


def test_many_losses_still_fit_one_page(catalog, demo_conn):
    f = store.current_figures(demo_conn, catalog.commune)
    early = Quarter(2025, 2)                        # the demo's weakest quarter
    losing = [r for r in score_quarter(catalog, f, early).indicators if round_points(r.points_lost) > 0]
    assert len(losing) > 12
    pages, text, _ = text_of(summary_pdf(catalog, f, early, today=TODAY))
    assert pages == 1
    assert f"Các chỉ tiêu bị trừ điểm ({len(losing)})" in text
    assert "chỉ tiêu khác bị trừ điểm (xem Biểu tự chấm điểm)" in text


def test_empty_database_summary(catalog, conn):
    pages, text, _ = text_of(summary_pdf(catalog, store.current_figures(conn, catalog.commune),
                                               Q4, today=TODAY))
    assert pages == 1 and "0/100 điểm" in text and "Chưa có số liệu: 25" in text


@pytest.fixture
def demo_db(demo_db_file, tmp_path):
    path = tmp_path / "cli.duckdb"
    shutil.copy(demo_db_file, path)
    return path


def test_cli_writes_xlsx_and_pdf(catalog, demo_db, tmp_path, capsys):
    xlsx, pdf = tmp_path / "bieu.xlsx", tmp_path / "tomtat.pdf"
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q3", "--as-of", TODAY.isoformat(),
                 "-o", str(xlsx)]) == 0
    assert "Đã xuất Biểu tự chấm điểm Quý III/2026" in capsys.readouterr().out
    ws = openpyxl.load_workbook(xlsx, data_only=True).active     # the formulas' cached values
    conn = store.connect(demo_db)
    try:
        score = period_result(conn, catalog, "2026-Q3", as_of=TODAY).commune
    finally:
        conn.close()
    rows = list(ws.iter_rows(values_only=True))
    header = next(r for r in rows if "Điểm tự chấm" in r)
    points, name = header.index("Điểm tự chấm"), header.index("Chỉ tiêu")
    assert any(r[name] == "TỔNG ĐIỂM" and r[points] == score.total_points for r in rows)
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q4", "--unit", "ttpvhcc",
                 "-o", str(pdf)]) == 0
    pages, text, _ = text_of(pdf.read_bytes())
    assert pages == 1 and "Trung tâm Phục vụ hành chính công — Xã Thái Tân — Quý IV/2026" in text
    # a unit is not graded on the commune's scale (the catalogue has no unit scale)
    assert "Điểm của đơn vị (" in text and "Xếp loại" not in text


def test_cli_refuses_bad_requests_with_a_message(demo_db, tmp_path, capsys):
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q4", "-o",
                 str(tmp_path / "x.docx")]) == 2
    assert "phải có đuôi .xlsx hoặc .pdf" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q4", "--unit", "XYZ", "-o",
                 str(tmp_path / "x.pdf")]) == 2
    assert "Không có đơn vị mã «XYZ»" in capsys.readouterr().err
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q4", "-o",
                 str(tmp_path / "none" / "x.pdf")]) == 2
    assert "không tồn tại" in capsys.readouterr().err
    assert not list(tmp_path.glob("x.*"))
