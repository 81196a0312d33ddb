"""The report the commune sends to the city («BÁO CÁO Kết quả tự chấm điểm … Quý …»): Word opened
with python-docx, PDF read with pypdf (and, when installed, the Word file converted by LibreOffice),
the result from the one door, the shortfalls with their lead units and giải trình, the signer of the
catalogue, dates per Decree 30/2020/NĐ-CP; the `report --cover` command."""
import dataclasses
import datetime as dt
import io

import office
import pytest
from common import TESTER
from docx import Document
from pypdf import PdfReader

from kpi.cli.main import main
from kpi.domain.catalog import Signer
from kpi.domain.periods import Quarter
from kpi.domain.scoring import ranked_by_loss, round_points
from kpi.present import texts
from kpi.usecases.closing import close
from kpi.usecases.period_result import period_result
from kpi.usecases.reports import cover_report

Q4 = Quarter(2026, 4)
AS_OF = dt.date(2026, 12, 5)
LIFT = "Đã ký hợp đồng lắp wifi cho 3 nhà văn hóa còn lại, nghiệm thu trong tháng 01/2027."


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines += [" | ".join(c.text for c in row.cells)]
            lines += [p.text for c in row.cells for p in c.paragraphs]
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def losing(catalog, demo_conn):
    score = period_result(demo_conn, catalog, Q4, as_of=AS_OF).commune
    return [r for r in ranked_by_loss(score) if round_points(r.points_lost) > 0], score


def test_the_word_report_carries_number_addressee_total_shortfalls_and_signer(catalog, demo_conn, losing):
    rows, score = losing
    assert len(rows) >= 2
    explained = rows[1].indicator.id
    data = cover_report(demo_conn, catalog, Q4, "docx", as_of=AS_OF, number="27", recipient="Sở Khoa học và Công nghệ",
                        causes="Kinh phí được giao muộn.", proposals="Đề nghị thành phố hỗ trợ kinh phí.",
                        explanations={explained: LIFT})
    text = docx_text(data)
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN", "XÃ THÁI TÂN",
                 "Số: 27/BC-UBND", "Thái Tân, ngày 05 tháng 12 năm 2026", "BÁO CÁO",
                 "Kết quả tự chấm điểm ứng dụng công nghệ thông tin, chuyển đổi số cấp xã Quý IV/2026",
                 "Kính gửi: Sở Khoa học và Công nghệ.", "I. KẾT QUẢ TỰ CHẤM ĐIỂM", "II. TỒN TẠI, HẠN CHẾ",
                 "III. NGUYÊN NHÂN", "Kinh phí được giao muộn.", "IV. ĐỀ XUẤT, KIẾN NGHỊ",
                 "Đề nghị thành phố hỗ trợ kinh phí.", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"):
        assert line in text, line
    # the total and grade are the door's, the groups' table adds up to them
    assert f"{texts.score_headline(score.total_points, score.max_points)} điểm" in text
    assert f"xếp loại: {score.grade}" in text
    for g in score.by_group():
        assert f"{g.group} | {texts.points(g.max_points)} | {texts.points(g.points)}" in text
    # every criterion that lost points, its lead unit, and the giải trình given for one of them
    for n, r in enumerate(rows, 1):
        assert f"{n}. {r.indicator.name}" in text
        assert f"(bị trừ {texts.points_change(-r.points_lost)}); đơn vị chủ trì: " \
               f"{catalog.unit_name(r.indicator.lead_unit)}." in text
    assert text.count("Giải trình:") == 1
    assert f"Giải trình: {LIFT}" in text
    assert text.index(rows[1].indicator.name) < text.index(LIFT) < text.index(f"3. {rows[2].indicator.name}")


def test_without_typed_fields_the_report_leaves_lines_to_write_by_hand(catalog, demo_conn):
    text = docx_text(cover_report(demo_conn, catalog, Q4, "docx", as_of=AS_OF))
    assert "Số:       /BC-UBND" in text
    assert "Kính gửi: Ủy ban nhân dân thành phố." in text
    assert "Giải trình:" not in text
    doc = Document(io.BytesIO(cover_report(demo_conn, catalog, Q4, "docx", as_of=AS_OF)))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)


def test_the_signer_comes_from_the_catalogue(catalog, demo_conn):
    chair = dataclasses.replace(catalog, signer=Signer("TM.", "Chủ tịch", "Nguyễn Thanh Ngọc"))
    text = docx_text(cover_report(demo_conn, chair, Q4, "docx", as_of=AS_OF))
    assert "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH" in text and "KT. CHỦ TỊCH" not in text
    assert "Nguyễn Thanh Ngọc" in text
    order = dataclasses.replace(catalog, signer=Signer("TL.", "Chánh Văn phòng", ""))
    text = docx_text(cover_report(demo_conn, order, Q4, "docx", as_of=AS_OF))
    assert "TL. CHỦ TỊCH\nCHÁNH VĂN PHÒNG" in text and "TM. ỦY BAN NHÂN DÂN" not in text


def test_the_pdf_says_the_same(catalog, demo_conn, losing):
    rows, _ = losing
    day = dt.date(2027, 2, 5)     # every month of the quarter due: the result of that day, not of AS_OF
    score = period_result(demo_conn, catalog, Q4, as_of=day).commune
    data = cover_report(demo_conn, catalog, Q4, "pdf", as_of=day, number="27/BC-UBND",
                        explanations={rows[0].indicator.id: LIFT})
    text = " ".join(pdf_text(data).split())
    for line in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 27/BC-UBND", "Thái Tân, ngày 05 tháng 02 năm 2027",
                 "Kính gửi: Ủy ban nhân dân thành phố.", "II. TỒN TẠI, HẠN CHẾ", "Nơi nhận:", "KT. CHỦ TỊCH",
                 f"{texts.score_headline(score.total_points, score.max_points)} điểm", f"Giải trình: {LIFT}",
                 f"đơn vị chủ trì: {catalog.unit_name(rows[0].indicator.lead_unit)}"):
        assert line in text, line
    for r in rows:
        assert r.indicator.name in text


def test_a_closed_quarter_reports_its_frozen_result(catalog, demo_conn):
    close(demo_conn, catalog, TESTER, Q4, as_of=dt.date(2027, 1, 20))
    text = docx_text(cover_report(demo_conn, catalog, Q4, "docx", as_of=dt.date(2027, 1, 25)))
    assert "(đã khoá sổ)" in text and "Kết quả đã khoá sổ lúc" in text


def test_unknown_format_is_refused(catalog, demo_conn):
    with pytest.raises(ValueError):
        cover_report(demo_conn, catalog, Q4, "xlsx", as_of=AS_OF)


def test_report_cover_command(demo_db, tmp_path, capsys):
    out = tmp_path / "bao-cao.docx"
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q4", "--cover", "--number", "31",
                 "--to", "Sở Khoa học và Công nghệ", "--as-of", "2026-12-05", "-o", str(out)]) == 0
    text = docx_text(out.read_bytes())
    assert "Số: 31/BC-UBND" in text and "Kính gửi: Sở Khoa học và Công nghệ." in text
    assert "Báo cáo kết quả tự chấm điểm" in capsys.readouterr().out
    pdf = tmp_path / "bao-cao.pdf"
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q4", "--cover", "--as-of", "2026-12-05",
                 "-o", str(pdf)]) == 0
    assert "BÁO CÁO" in pdf_text(pdf.read_bytes())
    assert main(["--db", str(demo_db), "report", "--quarter", "2026-Q4", "--cover", "-o",
                 str(tmp_path / "bao-cao.xlsx")]) != 0


@pytest.mark.skipif(office.SOFFICE is None or office.PDFTOTEXT is None, reason=office.MISSING)
def test_libreoffice_prints_the_word_report_without_overlaps(catalog, demo_conn, tmp_path, losing):
    rows, _ = losing
    path = tmp_path / "bao-cao.docx"
    path.write_bytes(cover_report(demo_conn, catalog, Q4, "docx", as_of=AS_OF, number="27",
                                  explanations={rows[0].indicator.id: LIFT}))
    pdf = office.to_pdf(path, tmp_path)
    text = " ".join(pdf_text(pdf.read_bytes()).split())
    assert "Số: 27/BC-UBND" in text and "Thái Tân, ngày 05 tháng 12 năm 2026" in text
    ws = office.words(pdf)
    assert not office.overlaps(ws) and not office.outside(ws)
