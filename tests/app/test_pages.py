"""Every page through Streamlit's AppTest, on the demo database and on an empty one; an upload
through the page changes what the overview shows."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import time_machine
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.domain.periods import Month
from kpi.domain.scoring import round_points
from kpi.ingest import layout as L
from kpi.present import tables as views
from kpi.present import texts
from kpi.present.texts import smart_number
from kpi.reports.template import build_template
from kpi.usecases.period_result import period_result
from kpi.usecases.scores import scoring_figures
from tests.common import TODAY, log_in

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGES = ["pages/overview.py", "pages/indicator.py", "pages/unit.py", "pages/upload.py", "pages/submissions.py",
         "pages/catalog.py", "pages/backup.py"]


def _app(monkeypatch, db: Path, login: str = "admin") -> AppTest:
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = AppTest.from_file(APP, default_timeout=60)
    return log_in(at, db, login)


def _no_errors(at: AppTest, page: str) -> None:
    assert not at.exception, f"{page}: {[e.value for e in at.exception]}"
    assert not at.error, f"{page}: {[e.value for e in at.error]}"


def _problem_lists(at: AppTest) -> list[str]:
    """The upload page's problem lists (Markdown, numbered)."""
    return [m.value for m in at.markdown if m.value.startswith("1. **")]


def test_every_page_runs_on_the_demo_database(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.run()
    _no_errors(at, "app")
    # default period: the quarter of the latest month with data (the demo ends in 10/2026)
    assert at.metric[0].label == "Tổng điểm Quý IV/2026 (tạm tính)"
    # the app runs on the real date: on 23/11/2026 November and December of the 12 units are not due
    assert at.warning[0].value.startswith("Tạm tính: còn 24 lượt báo cáo tháng của các đơn vị chưa đến hạn")
    assert not at.metric[0].delta                # a partial quarter is not compared with a whole one
    assert at.query_params["period"] == "2026-Q4"
    for page in PAGES:
        at.switch_page(page).run()
        _no_errors(at, page)
    at.switch_page("pages/indicator.py").run()
    assert at.selectbox(key="indicator_id").value == "HT_MAY_TINH"
    # the picker reads «Nhóm — Tên chỉ tiêu», grouped in catalogue group order
    options = at.selectbox(key="indicator_id").options
    assert options[0] == "Hạ tầng số và an toàn thông tin — Tỷ lệ cán bộ, công chức có máy tính đáp ứng yêu cầu cấu hình"
    groups = [o.split(" — ")[0] for o in options]
    assert groups == sorted(groups, key=groups.index) and len(dict.fromkeys(groups)) == 7
    at.selectbox(key="indicator_id").set_value("DVC_HS_TRUC_TUYEN").run()
    _no_errors(at, "indicator DVC_HS_TRUC_TUYEN")
    assert at.query_params["indicator"] == "DVC_HS_TRUC_TUYEN"
    at.switch_page("pages/unit.py").run()
    at.selectbox(key="unit_code").set_value("QS").run()
    _no_errors(at, "unit QS")


def test_overview_numbers_match_the_engine(monkeypatch, demo_db, catalog):
    conn = store.connect(demo_db)
    figures = scoring_figures(conn, catalog)       # with reporting on time measured from the log
    conn.close()
    q3 = views.Period.parse("2026-Q3")
    expected = views.score_period(catalog, figures, q3)
    at = _app(monkeypatch, demo_db)
    at.query_params["period"] = "2026-Q3"
    at.run()
    _no_errors(at, "overview Q3")
    assert at.metric[0].label == "Tổng điểm Quý III/2026"
    assert at.metric[0].value == texts.score_headline(expected.total_points, expected.max_points)
    assert at.metric[1].value == expected.grade
    # a provisional quarter is not compared with a whole one: no change shown
    at.selectbox(key="period_quarter").set_value("2026-Q4").run()
    _no_errors(at, "overview Q4")
    assert at.metric[0].label == "Tổng điểm Quý IV/2026 (tạm tính)" and not at.metric[0].delta
    # the month view: the picker switches to months, the URL follows
    at.radio(key="period_kind").set_value("Tháng").run()
    at.selectbox(key="period_month").set_value("2026-08").run()
    _no_errors(at, "overview 08/2026")
    assert at.metric[0].label == "Tổng điểm Tháng 8/2026"
    assert at.query_params["period"] == "2026-08"


def test_a_loss_against_the_previous_quarter_is_red(monkeypatch, demo_db, catalog):
    """Once Q4's reports are all due (after 18/01/2027), Q4 is final and lower than Q3: st.metric
    gets an ASCII "-" (red, arrow down), never a Unicode minus (green, arrow up)."""
    later = dt.date(2027, 1, 20)
    conn = store.connect(demo_db)
    figures = scoring_figures(conn, catalog, as_of=later)
    conn.close()
    q3, q4 = views.Period.parse("2026-Q3"), views.Period.parse("2026-Q4")
    q3_score = views.score_period(catalog, figures, q3, as_of=later)
    q4_score = views.score_period(catalog, figures, q4, as_of=later)
    loss = round_points(q3_score.total_points) - round_points(q4_score.total_points)
    assert not q4_score.provisional and loss > 0
    with time_machine.travel(dt.datetime(2027, 1, 20, 9, 0), tick=True):
        at = _app(monkeypatch, demo_db)
        at.query_params["period"] = "2026-Q4"
        at.run()
        _no_errors(at, "overview Q4, January 2027")
        assert at.metric[0].label == "Tổng điểm Quý IV/2026"
        assert at.metric[0].delta == f"-{smart_number(loss)} điểm so với Quý III/2026"


def test_a_link_with_an_unknown_period_falls_back_to_the_latest(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.query_params["period"] = "2019-Q1"
    at.run()
    _no_errors(at, "overview")
    assert at.metric[0].label == "Tổng điểm Quý IV/2026 (tạm tính)"
    assert "2019-Q1" in at.toast[0].value


def test_projector_mode_from_the_url(monkeypatch, demo_db):
    at = _app(monkeypatch, demo_db)
    at.query_params["projector"] = "1"
    at.run()
    _no_errors(at, "projector")
    assert at.toggle(key="projector").value is True
    assert not at.sidebar.selectbox  # the controls moved out of the hidden sidebar
    assert any("display:none" in m.value for m in at.markdown if "<style>" in m.value
               and "stSidebar" in m.value)
    # one screen: the headline (HTML sized to the screen, no st.metric), losses, groups
    head = next(m.value for m in at.markdown if 'class="kpi-head"' in m.value)
    assert "Tổng điểm <b>(tạm tính)</b>" in head and "Tạm tính: còn 24 lượt báo cáo chưa đến hạn" in head
    assert "so với" not in head  # a provisional quarter is not compared with a whole one
    assert any('class="kpi-grps partial"' in m.value for m in at.markdown)  # hatched group bars
    assert len(at.metric) == 0 and len(at.dataframe) == 0
    at.toggle(key="projector").set_value(False).run()
    _no_errors(at, "projector off")
    assert "projector" not in at.query_params
    assert len(at.dataframe) >= 2


def test_the_projector_lists_the_security_level_obligation_once(monkeypatch, demo_db):
    """The security level (30/04/2026) is the catalogue's obligation M_ATTT_CAP_DO and the 004 plan's
    task IV.2: one milestone line, not again as the first overdue task (the wifi plan is then)."""
    at = _app(monkeypatch, demo_db)
    at.query_params["projector"] = "1"
    at.run()
    _no_errors(at, "projector")
    html = "".join(m.value for m in at.markdown)
    assert html.count("cấp độ an toàn thông tin") == 1, html
    late = next(m.value for m in at.markdown if 'class="kpi-tasks-late"' in m.value)
    assert "Nhiệm vụ quá hạn: 2</b>" in late and "wifi" in late, late


def test_projector_headline_of_a_finished_quarter(monkeypatch, demo_db):
    """Quý III/2026 of the demo: total, grade, change, the margin to the grade boundary, and the
    three biggest losses as short actions with links to the criterion and the lead unit."""
    at = _app(monkeypatch, demo_db)
    at.query_params["projector"] = "1"
    at.query_params["period"] = "2026-Q3"
    at.run()
    _no_errors(at, "projector Q3")
    head = next(m.value for m in at.markdown if 'class="kpi-head"' in m.value)
    # the official total (each criterion's points truncated to 0,01): 95,89, and Quý II/2026's 85,84
    for text in ('<div class="kpi-total">95,89/100</div>', '<div class="kpi-grade">Xuất sắc</div>',
                 "+9,98 điểm so với Quý II/2026", "▼ Mất quá 5,89 điểm sẽ xuống Tốt"):
        assert text in head, text
    assert "▲" not in head  # the top grade: nothing above
    actions = [m.value for m in at.markdown if 'class="kpi-act"' in m.value]
    assert len(actions) == 5
    assert "−0,87</span> Thiếu 521 hồ sơ lưu trữ đã số hóa" in actions[0]
    assert "Quý III/2026 đã kết thúc" in at.subheader[0].value
    groups = next(m.value for m in at.markdown if m.value.startswith('<div class="kpi-grps'))
    assert 'class="kpi-grps"' in groups and "6,73/7" in groups and 'style="width:96.' in groups


def test_catalogue_names_open_their_criterion(monkeypatch, demo_db, catalog):
    at = _app(monkeypatch, demo_db)
    at.run()
    at.switch_page("pages/catalog.py").run()
    _no_errors(at, "catalogue")
    # one link per criterion in the page (the menu is in the sidebar), labelled with its name
    links = [e.proto for e in at.main.get("page_link")]
    assert [p.label for p in links] == [i.name for g in catalog.groups for i in catalog.indicators
                                        if i.group == g]
    assert all(p.page.endswith("chi-tieu") for p in links), {p.page for p in links}
    assert "indicator=HT_MAY_TINH" in links[0].query_string and "period=2026-Q4" in links[0].query_string


def test_every_page_runs_on_an_empty_database(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "empty.duckdb")
    at.run()
    _no_errors(at, "app")
    assert "Chưa có số liệu" in at.info[0].value
    for page in PAGES:
        at.switch_page(page).run()
        _no_errors(at, page)
        if page == "pages/catalog.py":  # the catalogue does not depend on figures
            assert len(at.table) == 8  # one table per group, then the milestones followed without points
            assert at.subheader[-1].value == "Mốc, nhiệm vụ theo dõi (không tính điểm) · 8"
        else:
            assert at.info, f"{page} says nothing on an empty database"


def filled_template(catalog, unit: str, month: Month, numbers: dict[str, tuple]) -> bytes:
    """The real template, filled with openpyxl as a coordinator would."""
    wb = openpyxl.load_workbook(io.BytesIO(build_template(catalog, month, unit)))
    ws = wb[L.DATA_SHEET]
    header_row, cols = None, {}
    for row in ws.iter_rows():
        values = [c.value for c in row]
        if L.COL_CODE in values:
            header_row = row[0].row
            cols = {v: i + 1 for i, v in enumerate(values) if v}
            break
    assert header_row, "template has no header row"
    for r in range(header_row + 1, ws.max_row + 1):
        code = ws.cell(r, cols[L.COL_CODE]).value
        if code in numbers:
            fig = numbers[code]
            if len(fig) == 2:
                ws.cell(r, cols[L.COL_NUM]).value, ws.cell(r, cols[L.COL_DEN]).value = fig
            else:
                ws.cell(r, cols[L.COL_VALUE]).value = fig[0]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_upload_page_imports_and_the_overview_shows_it(monkeypatch, tmp_path, catalog):
    # an empty database: the upload of one unit-month is the only data, so the overview's
    # numbers are exactly those of the file
    db = tmp_path / "kpi.duckdb"
    month = Month(2026, 10)
    ids = [i.id for i in catalog.typed_indicators_of_unit("TTDVSNC")]
    numbers = {}
    for i in catalog.typed_indicators_of_unit("TTDVSNC"):
        numbers[i.id] = (9, 9) if i.is_ratio else (17,) if i.id == "HT_WIFI_NVH" else (4,)
    data = filled_template(catalog, "TTDVSNC", month, numbers)
    at = _app(monkeypatch, db, "dv-ttdvsnc")     # the unit's coordinator: the submitter is the account
    at.run()
    at.switch_page("pages/upload.py").run()
    _no_errors(at, "upload")
    at.file_uploader(key="upload_file").upload("so-lieu-TTDVSNC.xlsx", data).run()
    _no_errors(at, "upload checked")
    assert any("hợp lệ" in s.value for s in at.success)
    confirm = next(b for b in at.button if b.label == "Xác nhận nhập số liệu")
    confirm.click().run()
    _no_errors(at, "upload confirmed")
    assert any("Đã nhập số liệu" in s.value and "phiên bản 1" in s.value for s in at.success)
    # where to see it: the unit's page
    [link] = [e.proto for e in at.main.get("page_link") if "unit=TTDVSNC" in e.proto.query_string]
    assert link.label.startswith("Xem kết quả của ")
    # the same file again: said plainly, nothing stored
    at.session_state["preview_versions"] = {}
    at.session_state["imported"] = None
    at.file_uploader(key="upload_file").upload("so-lieu-TTDVSNC-lan-2.xlsx", data).run()
    next(b for b in at.button if b.label == "Xác nhận nhập số liệu").click().run()
    _no_errors(at, "the same file again")
    assert any(i.value.startswith("Không có gì thay đổi") for i in at.info), [i.value for i in at.info]
    assert not any("Đã nhập số liệu" in s.value for s in at.success)

    conn = store.connect(db)
    hist = store.upload_history(conn, catalog.commune)
    figures = store.current_figures(conn, catalog.commune)
    scored = scoring_figures(conn, catalog)
    conn.close()
    assert list(hist["submitted_by"]) == ["dv-ttdvsnc"] and len(figures) == len(ids)
    expected = views.score_period(catalog, scored, views.Period.parse("2026-Q4"))
    at.switch_page("pages/overview.py").run()
    _no_errors(at, "overview after upload")
    assert at.metric[0].label == "Tổng điểm Quý IV/2026 (tạm tính)"
    assert at.metric[0].value == texts.score_headline(expected.total_points, expected.max_points)
    assert expected.total_points > 0


def test_upload_page_reports_problems_with_cells(monkeypatch, tmp_path, catalog):
    db = tmp_path / "kpi.duckdb"
    ratio = next(i for i in catalog.indicators_of_unit("CA") if i.is_ratio)
    data = filled_template(catalog, "CA", Month(2026, 10), {ratio.id: (12, 10)})  # 12 of 10
    at = _app(monkeypatch, db)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").upload("ca.xlsx", data).run()
    _no_errors_but_validation = [e.value for e in at.exception]
    assert not _no_errors_but_validation
    assert at.error and "chưa nhập gì" in at.error[0].value
    # adapted: the problems are a wrapped list (readable on a phone), no longer a dataframe;
    # each names the row (STT) and the criterion first, the cell second
    [problems] = _problem_lists(at)
    stt = next(str(r) for r in range(1, 40) if f"**STT {r} · {ratio.name}**" in problems)
    assert problems.startswith(f"1. **STT {stt} · {ratio.name}**: Tử số (12) lớn hơn Mẫu số (10)")
    assert "_ô E" in problems and f"trang «{L.DATA_SHEET}»_" in problems
    # nothing to confirm; the annotated copy only on request (adapted: it was built on every run)
    assert [b.label for b in at.button] == ["Tạo tệp đánh dấu lỗi", "Đăng xuất"]
    conn = store.connect(db)
    assert store.upload_history(conn, catalog.commune).empty
    conn.close()


def test_projector_rotation_shows_one_losing_criterion_at_a_time(monkeypatch, demo_db, catalog):
    at = _app(monkeypatch, demo_db)
    at.query_params["projector"] = "1"
    at.query_params["rotate"] = "10"
    at.run()
    _no_errors(at, "rotation")
    assert at.selectbox(key="rotate").value == 10
    cards = [m.value for m in at.markdown if 'class="kpi-card"' in m.value]
    conn = store.connect(demo_db)
    score = period_result(conn, catalog, "2026-Q4", as_of=TODAY).commune     # what the page shows
    conn.close()
    losing = [r for r in views.ranked_by_loss(score) if round(r.points_lost, 2) > 0]
    assert len(cards) == 1
    assert f"1/{len(losing)}" in cards[0] and losing[0].indicator.name in cards[0]
    at.run()  # each run (here a rerun; in the browser the timer) shows the next criterion
    card = next(m.value for m in at.markdown if 'class="kpi-card"' in m.value)
    assert f"2/{len(losing)}" in card and losing[1].indicator.name in card
    at.selectbox(key="rotate").set_value(0).run()
    assert not any('class="kpi-card"' in m.value for m in at.markdown)
    assert "rotate" not in at.query_params


def test_a_database_the_app_cannot_open_is_one_clear_message(monkeypatch, tmp_path):
    db = tmp_path / "newer.duckdb"
    c = store.connect(db)
    c.execute("INSERT INTO schema_version VALUES (99, now())")
    c.close()
    # no account can be read from it: the message comes before the login form
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(ROOT / "config" / "indicators.toml"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"Không mở được cơ sở dữ liệu: Cơ sở dữ liệu ở phiên bản 99, mới hơn chương trình ({store.SCHEMA_VERSION}). "
        "Hãy cập nhật chương trình."]


def test_a_broken_catalogue_is_listed_not_a_traceback(monkeypatch, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((ROOT / "config" / "indicators.toml").read_text(encoding="utf-8")
                   .replace('target = 90\npoints = 8', 'target = -90\npoints = 8'), encoding="utf-8")
    monkeypatch.setenv("KPI_DB", str(tmp_path / "kpi.duckdb"))
    monkeypatch.setenv("KPI_CONFIG", str(bad))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error[0].value.startswith("Không đọc được danh mục chỉ tiêu")
    assert any("DVC_HS_TRUC_TUYEN, khóa `target`" in m.value for m in at.markdown)


def test_markdown_in_a_file_name_and_cells_is_shown_as_text(monkeypatch, tmp_path, catalog):
    db = tmp_path / "kpi.duckdb"
    ratio = next(i for i in catalog.indicators_of_unit("CA") if i.is_ratio)
    data = filled_template(catalog, "CA", Month(2026, 10), {ratio.id: (12, 10)})
    hostile = "![x](http://evil.example/p.png) [bấm](http://evil.example) <b>:red[đỏ]</b>.xlsx"
    at = _app(monkeypatch, db)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").upload(hostile, data).run()
    assert not at.exception
    [message] = [e.value for e in at.error]
    assert message.startswith("Tệp «\\!\\[x\\](http\\://evil.example/p.png) \\[bấm\\](http\\://evil.example) "
                              "\\<b\\>\\:red\\[đỏ\\]\\</b\\>.xlsx» có 1 lỗi")
    at.button(key="annotate").click().run()
    assert not at.exception
    assert at.get("download_button")


def test_an_unreadable_upload_is_refused_in_vietnamese(monkeypatch, tmp_path):
    at = _app(monkeypatch, tmp_path / "kpi.duckdb")
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").upload("bao-cao.pdf", b"%PDF-1.4 ...").run()
    assert not at.exception
    assert at.error and "chưa nhập gì" in at.error[0].value
    [problems] = _problem_lists(at)   # adapted: a wrapped list, no longer a dataframe
    assert problems.startswith("1. **Tệp**: Không phải tệp Excel .xlsx (tệp PDF).") and "_cả tệp_" in problems


def test_an_inf_cell_is_never_a_traceback_on_the_page(monkeypatch, tmp_path, catalog):
    from tests.ingest_helpers import filled, patch_part, set_cell_xml
    data = filled(catalog, period="2024-06")
    data = patch_part(data, "xl/worksheets/sheet1.xml",
                      lambda x: set_cell_xml(x, "E15", '<c r="E15"><v>inf</v></c>'))
    at = _app(monkeypatch, tmp_path / "kpi.duckdb")
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").upload("inf.xlsx", data).run()
    assert not at.exception
    texts = [e.value for e in at.error] + [s.value for s in at.success]
    assert texts and not any("Traceback" in t or "/work/" in t or ".py" in t for t in texts)


def test_an_unexpected_error_is_one_vietnamese_message(monkeypatch, tmp_path):
    import kpi.web.safe as safe
    at = _app(monkeypatch, tmp_path / "kpi.duckdb")
    at.run()

    def boom(*a, **k):
        raise RuntimeError("/secret/path leaked")
    monkeypatch.setattr("kpi.ingest.check_workbook", boom)
    monkeypatch.setattr(safe, "check_workbook", boom)
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_file").upload("a.xlsx", b"PK..").run()
    assert not at.exception
    assert [e.value for e in at.error] == [safe.UNEXPECTED]


def test_the_app_makes_the_daily_backup_when_configured(monkeypatch, demo_db, tmp_path):
    import datetime as dt
    monkeypatch.setenv("KPI_BACKUP_DIR", str(tmp_path / "daily"))
    monkeypatch.setenv("KPI_BACKUP_KEEP", "3")
    at = _app(monkeypatch, demo_db)
    at.run()
    _no_errors(at, "app with daily backup")
    assert [p.name for p in (tmp_path / "daily").iterdir()] == [f"kpi-{dt.date.today().isoformat()}.zip"]


def test_markdown_in_the_catalogue_is_shown_as_text_on_its_page(monkeypatch, tmp_path):
    """A criterion's name, evidence and note with Markdown (links, emphasis, Streamlit's colour
    directive) are written on «Danh mục chỉ tiêu» as the characters typed in the catalogue."""
    config = tmp_path / "indicators.toml"
    config.write_text((ROOT / "config" / "indicators.toml").read_text(encoding="utf-8")
                      .replace('name = "Số nhà văn hóa thôn có wifi miễn phí"',
                               'name = "Số nhà văn hóa *có* [wifi](http://evil.example)"')
                      .replace('evidence = "Danh sách nhà văn hóa có wifi;', 'evidence = ":red[Danh sách] <b>;')
                      .replace('note = "Mục tiêu là số nhà văn hóa thôn', 'note = "**Mục tiêu** là số nhà văn hóa thôn'),
                      encoding="utf-8")
    db = tmp_path / "kpi.duckdb"
    monkeypatch.setenv("KPI_DB", str(db))
    monkeypatch.setenv("KPI_CONFIG", str(config))
    at = log_in(AppTest.from_file(APP, default_timeout=60), db, "admin")
    at.run()
    at.switch_page("pages/catalog.py").run()
    _no_errors(at, "catalogue")
    [row] = [r for t in at.table for r in t.value.to_dict("records") if r["Mã"] == "HT\\_WIFI\\_NVH"]
    assert row["Chỉ tiêu"] == "Số nhà văn hóa \\*có\\* \\[wifi\\](http\\://evil.example)"
    assert row["Tài liệu kiểm chứng"].startswith("\\:red\\[Danh sách\\] \\<b\\>;")
    assert any(c.value.startswith("HT\\_WIFI\\_NVH: \\*\\*Mục tiêu\\*\\* là số nhà văn hóa thôn") for c in at.caption)
    link = next(e.proto for e in at.main.get("page_link") if "HT_WIFI_NVH" in e.proto.query_string)
    assert link.label == "Số nhà văn hóa \\*có\\* \\[wifi\\](http\\://evil.example)"
