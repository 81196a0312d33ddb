"""Many communes: the city file and its validation, every commune's score in one pass (exact on a
hand-built two-commune case, equal to the per-commune path on the demo), rights by commune, the
many-commune demo and the CLI."""
from __future__ import annotations

import datetime as dt
import io
import json
import sys
from contextlib import redirect_stdout

import pytest

from kpi import store
from kpi.cli.main import main
from kpi.domain.catalog import CatalogError
from kpi.domain.city import load_city
from kpi.domain.figures import Actor, Figure, Submission
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied
from kpi.domain.scoring import points_sum
from kpi.present.texts import score_percent
from kpi.usecases.city import city_scores, commune_catalog
from kpi.usecases.demo import load_city_demo
from kpi.usecases.period_result import period_result
from tests.common import CONFIG, SYSTEM, TODAY

# the tests on a database (`db_target`) run on DuckDB and on PostgreSQL
pytestmark = pytest.mark.both_engines

CRITERIA = """
[scorecard]
name = "Bộ chỉ tiêu thử"
commune = "MAU"
grades = [{ min = 90, label = "Xuất sắc" }, { min = 50, label = "Trung bình" }, { min = 0, label = "Yếu" }]

[reporting]
due_day = 18
due_month_offset = 1

[[units]]
code = "A"
name = "Đơn vị A"
[[units]]
code = "B"
name = "Đơn vị B"

[[indicators]]
id = "TY_LE"
group = "Nhóm 1"
name = "Một tỷ lệ"
kind = "ratio"
target = 100
points = 10
units = ["A", "B"]

[[indicators]]
id = "SO_LUONG"
group = "Nhóm 2"
name = "Một số lượng"
kind = "number"
target = 10
points = 10
units = ["A"]
"""

CITY = """
[city]
code = "TP"
name = "Thành phố thử"
criteria = "criteria.toml"

[[communes]]
code = "XA1"
name = "Xã Một"

[[communes]]
code = "XA2"
name = "Xã Hai"
targets = { SO_LUONG = 5 }
"""
CITY_READER = Actor("Thành phố", "city_viewer", "thanhpho")
AS_OF = dt.date(2026, 11, 23)   # every month of Q2/2026 due


@pytest.fixture
def city_file(tmp_path):
    (tmp_path / "criteria.toml").write_text(CRITERIA, encoding="utf-8")
    path = tmp_path / "city.toml"
    path.write_text(CITY, encoding="utf-8")
    return path


def test_city_file_gives_each_commune_its_catalogue(city_file):
    city = load_city(city_file)
    assert city.codes == ("XA1", "XA2") and not city.single
    one, two = city.catalog_for("XA1"), city.catalog_for("XA2")
    assert (one.commune, one.commune_name, two.commune_name) == ("XA1", "Xã Một", "Xã Hai")
    assert one.indicator("SO_LUONG").target == 10 and two.indicator("SO_LUONG").target == 5
    assert city.base.indicator("SO_LUONG").target == 10     # the shared criteria are untouched


def test_each_commune_catalogue_as_text_parses_back_to_it(city_file):
    """What the database keeps as a commune's catalogue version (a closed quarter is scored again
    from it) is that commune's catalogue exactly: code, name, own units, own targets."""
    from kpi.domain.catalog import parse_catalog
    city_file.write_text(CITY + '''
[[communes]]
code = "XA3"
name = "Xã Ba"
units = [{ code = "A", name = "Đơn vị A của xã Ba" }]
targets = { TY_LE = 80 }
''', encoding="utf-8")
    city = load_city(city_file)
    for code in city.codes:
        text = city.catalog_text_for(code)
        assert parse_catalog(text) == city.catalog_for(code), code
    three = parse_catalog(city.catalog_text_for("XA3"))
    assert [u.code for u in three.units] == ["A"] and three.indicator("TY_LE").units == ("A",)
    assert three.indicator("TY_LE").target == 80 and three.unit_name("A") == "Đơn vị A của xã Ba"
    shipped = load_city(CONFIG.parent / "city.toml")
    for code in shipped.codes:
        assert parse_catalog(shipped.catalog_text_for(code)) == shipped.catalog_for(code), code
    one = load_city(CONFIG)
    assert one.catalog_text_for("THAITAN") == CONFIG.read_text(encoding="utf-8")   # comments kept


def test_a_city_commune_quarter_closes_and_scores_again_from_its_own_catalogue(tmp_path, city_file, db_target):
    from kpi.usecases.closing import close
    city, conn = _two_communes(city_file, db_target)
    for code in city.codes:     # what the app and the CLI do when they open the database
        store.sync_catalog(conn, city.catalog_for(code), SYSTEM, city.catalog_text_for(code))
    office = Actor("Văn phòng xã Hai", "office", "vp-2", commune="XA2")
    close(conn, city.catalog_for("XA2"), office, "2026-Q2", as_of=AS_OF)
    frozen = period_result(conn, city.catalog_for("XA2"), "2026-Q2", as_of=AS_OF)
    assert frozen.closed and frozen.catalog.commune == "XA2"
    assert frozen.catalog.indicator("SO_LUONG").target == 5          # XA2's own target, frozen with it
    assert frozen.score.total_points == pytest.approx(18.0)           # as scored before closing
    with pytest.raises(PermissionDenied):
        close(conn, city.catalog_for("XA1"), office, "2026-Q2", as_of=AS_OF)
    # the city later raises XA2's target (4 of 8 → 5 of 10 points): its closed quarter keeps ranking
    # by the result kept at closing, and says so; XA1's open quarter follows the file
    city_file.write_text(CITY.replace("targets = { SO_LUONG = 5 }", "targets = { SO_LUONG = 8 }"), encoding="utf-8")
    later = load_city(city_file)
    assert period_result(conn, later.catalog_for("XA2"), Quarter.parse("2026-Q2"), as_of=AS_OF,
                         recompute=True).commune.total_points == \
        pytest.approx(15.0)
    by = {r.code: r for r in city_scores(conn, later, CITY_READER, "2026-Q2", as_of=AS_OF)}
    assert by["XA2"].closed and by["XA2"].score.total_points == pytest.approx(18.0)
    assert not by["XA1"].closed and by["XA1"].score.total_points == pytest.approx(9.0)
    from kpi.present.city_views import ranking_table
    table = ranking_table(sorted(by.values(), key=lambda r: r.code))
    assert list(table["Xếp loại"]) == ["Yếu", "Xuất sắc (đã khoá sổ)"]


def test_one_commune_catalogue_is_a_city_of_one():
    city = load_city(CONFIG)
    assert city.single and city.codes == ("THAITAN",) and city.base.commune_name == "Xã Thái Tân"


def test_shipped_city_file_is_valid():
    city = load_city(CONFIG.parent / "city.toml")
    assert city.codes == ("THAITAN", "NGHIDUONG", "CAMGIANG")
    assert city.catalog_for("NGHIDUONG").indicator("HT_WIFI_NVH").target == 17   # doc 002 §2.4
    assert all(c.note for c in city.communes)      # each says which of its numbers are samples


def test_shipped_city_keeps_each_commune_s_own_deadlines_and_due_rule():
    """Nghi Dương's meeting deadlines, Thái Tân's plan dates and Cẩm Giang's due rule stay theirs."""
    city = load_city(CONFIG.parent / "city.toml")
    thai, nghi, cam = (city.catalog_for(c) for c in ("THAITAN", "NGHIDUONG", "CAMGIANG"))
    assert nghi.indicator("ATTT_MA_DOC").deadline == dt.date(2026, 7, 10)
    assert thai.indicator("ATTT_MA_DOC").deadline is None and cam.indicator("ATTT_MA_DOC").deadline is None
    assert thai.indicator("HT_MAY_TINH").deadline == dt.date(2026, 6, 30)
    assert nghi.indicator("HT_MAY_TINH").deadline is None
    shared = {"M_DVC_25_THIET_YEU", "M_DVC_KHONG_DIA_GIOI", "M_DVC_DOANH_NGHIEP", "M_DVC_MOT_LAN"}
    assert {m.id for m in nghi.milestones} == shared
    assert {m.id for m in cam.milestones} == shared | {"M_YT_SO_HOA_KCB"}
    assert "M_ATTT_CAP_DO" in {m.id for m in thai.milestones}
    assert (cam.due_day, cam.due_month_offset) == (18, 1)
    # a commune the file does not list (a demo database's) gets only what is shared
    extra = city.with_communes([("XA001", "Xã Mẫu")]).catalog_for("XA001")
    assert {m.id for m in extra.milestones} == shared and not any(i.deadline for i in extra.indicators)
    # the one-commune catalogue is its commune's own: every date of it applies
    own = load_city(CONFIG).catalog_for("THAITAN")
    assert own.indicator("ATTT_MA_DOC").deadline == dt.date(2026, 7, 10) and len(own.milestones) == 8


def test_a_commune_s_dates_are_not_another_s(city_file):
    """The criteria file's deadline, milestone and due rule reach a commune only when marked shared
    or listed for it; what the database keeps as its catalogue says the same."""
    from kpi.domain.catalog import parse_catalog
    criteria = city_file.parent / "criteria.toml"
    criteria.write_text(CRITERIA.replace("due_day = 18", "due_day = 25").replace(
        'units = ["A"]\n', 'units = ["A"]\ndeadline = 2026-07-10\n') + """
[[milestones]]
id = "M_RIENG"
group = "Nhóm 1"
name = "Mốc của một xã"
deadline = 2026-04-30
source = "thử"

[[milestones]]
id = "M_CHUNG"
group = "Nhóm 1"
name = "Mốc chung"
shared = true
source = "thử"
""", encoding="utf-8")
    city_file.write_text(CITY + """
[[communes]]
code = "XA3"
name = "Xã Ba"
deadlines = { SO_LUONG = 2026-09-30, M_RIENG = 2026-05-31 }
reporting = { due_day = 10, due_month_offset = 1 }
""", encoding="utf-8")
    city = load_city(city_file)
    one, three = city.catalog_for("XA1"), city.catalog_for("XA3")
    assert one.indicator("SO_LUONG").deadline is None and [m.id for m in one.milestones] == ["M_CHUNG"]
    assert (one.due_day, one.due_month_offset) == (18, 1)          # the app's default, not the file's 25
    assert three.indicator("SO_LUONG").deadline == dt.date(2026, 9, 30)
    assert {m.id: m.deadline for m in three.milestones} == {"M_RIENG": dt.date(2026, 5, 31), "M_CHUNG": None}
    assert three.due_day == 10
    for code in city.codes:
        assert parse_catalog(city.catalog_text_for(code)) == city.catalog_for(code), code
    criteria.write_text(criteria.read_text(encoding="utf-8").replace(
        "due_day = 25", "due_day = 25\nshared = true").replace(
        "deadline = 2026-07-10\n", "deadline = 2026-07-10\ndeadline_shared = true\n"), encoding="utf-8")
    city_file.write_text(CITY, encoding="utf-8")
    one = load_city(city_file).catalog_for("XA1")
    assert one.indicator("SO_LUONG").deadline == dt.date(2026, 7, 10) and one.due_day == 25


def test_commune_dates_are_checked(city_file):
    city_file.write_text(CITY + """
[[communes]]
code = "XA3"
name = "Xã Ba"
deadlines = { KHONG_CO = 2026-07-10, TY_LE = "10/7/2026" }
milestones = ["M_KHONG_CO"]
reporting = { due_day = 40, hour = 9 }
""", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_city(city_file)
    assert err.value.problems == [
        "city.toml, xã XA3, khóa `deadlines.KHONG_CO`: không có chỉ tiêu hay mốc mã này trong bộ chỉ tiêu chung.",
        "city.toml, xã XA3, khóa `deadlines.TY_LE`: phải là ngày dạng 2026-07-10, không có dấu ngoặc kép "
        "(đang là '10/7/2026').",
        "city.toml, xã XA3, khóa `milestones`: không có mốc mã này trong bộ chỉ tiêu chung: M_KHONG_CO.",
        "city.toml, xã XA3, khóa `reporting.hour`: khóa không được hỗ trợ (chỉ due_day, due_month_offset).",
        "city.toml, xã XA3, khóa `reporting.due_day`: phải là ngày từ 1 đến 31, đang là 40.",
    ]


def test_city_file_problems_all_at_once(tmp_path):
    (tmp_path / "criteria.toml").write_text(CRITERIA.replace("points = 10\nunits = [\"A\"]",
                                                             "points = -1\nunits = [\"A\"]"), encoding="utf-8")
    path = tmp_path / "city.toml"
    path.write_text("""
[city]
code = "TP"
criteria = "criteria.toml"
colour = "xanh"

[[communes]]
code = "xa1"
name = "Xã Một"

[[communes]]
code = "XA2"
name = ""
units = [{ code = "B", name = "Đơn vị B" }]
targets = { KHONG_CO = 3, TY_LE = 120 }

[[communes]]
code = "XA2"
name = "Xã Hai lần nữa"
""", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_city(path)
    assert err.value.problems == [
        "city.toml, [city].name: bắt buộc, là chuỗi ký tự.",
        "city.toml, [city].colour: khóa không được hỗ trợ (viết sai tên khóa?).",
        "criteria.toml (bộ chỉ tiêu chung): Chỉ tiêu SO_LUONG, khóa `points`: bắt buộc, là số > 0 và không quá 100 (đang là -1).",
        "city.toml, xã xa1, khóa `code`: bắt buộc, chỉ gồm A-Z, 0-9, dấu _ (đang là 'xa1').",
        "city.toml, xã XA2, khóa `name`: bắt buộc (tên xã, tiếng Việt).",
        "city.toml, xã XA2, khóa `code`: mã xã bị trùng.",
    ]   # the targets are checked against valid criteria only (next test)
    assert "(" in str(err.value) and "city.toml" in str(err.value)


def test_commune_targets_are_checked_against_the_criteria(city_file):
    city_file.write_text(CITY.replace("targets = { SO_LUONG = 5 }", "targets = { KHONG_CO = 3, TY_LE = 120, "
                                      "SO_LUONG = \"5\" }"), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_city(city_file)
    assert err.value.problems == [
        "city.toml, xã XA2, khóa `targets.KHONG_CO`: không có chỉ tiêu mã này trong bộ chỉ tiêu chung.",
        "city.toml, xã XA2, khóa `targets.TY_LE`: chỉ tiêu tỷ lệ tính theo %, không quá 100 (đang là 120).",
        "city.toml, xã XA2, khóa `targets.SO_LUONG`: mục tiêu phải là số > 0 (đang là '5').",
    ]


def test_commune_targets_are_finite(city_file):
    city_file.write_text(CITY.replace("targets = { SO_LUONG = 5 }", "targets = { SO_LUONG = nan, TY_LE = inf }"),
                         encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_city(city_file)
    assert err.value.problems == [
        "city.toml, xã XA2, khóa `targets.SO_LUONG`: mục tiêu phải là số > 0 (đang là nan — không phải một số).",
        "city.toml, xã XA2, khóa `targets.TY_LE`: mục tiêu phải là số > 0 (đang là inf — vô cực, không phải một số "
        "hữu hạn).",
    ]


def test_city_file_syntax_and_encoding_are_said_in_vietnamese(city_file):
    city_file.write_bytes(b"\xef\xbb\xbf" + CITY.encode())
    assert load_city(city_file).codes == ("XA1", "XA2")         # a byte order mark is accepted
    (city_file.parent / "criteria.toml").write_bytes(b"\xef\xbb\xbf" + CRITERIA.encode())
    assert load_city(city_file).catalog_for("XA1").indicators
    city_file.write_text(CITY + "\n[ghi_chu\n", encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_city(city_file)
    [problem] = err.value.problems
    assert problem.startswith("Lỗi cú pháp TOML trong tệp «city.toml» ở dòng ") and \
        problem.endswith(": thiếu «]» ở cuối tên bảng.")
    city_file.write_bytes(CITY.encode("utf-16"))
    with pytest.raises(CatalogError) as err:
        load_city(city_file)
    assert err.value.problems == ["Tệp «city.toml» không phải văn bản UTF-8 (byte 0xFF ở dòng 1, cột 1): hãy mở "
                                  "bằng trình soạn thảo và lưu lại với mã hóa UTF-8."]


def test_commune_units_must_report_every_criterion(tmp_path, city_file):
    city_file.write_text(CITY.replace('targets = { SO_LUONG = 5 }', 'units = [{ code = "B", name = "Đơn vị B" }]'),
                         encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_city(city_file)
    assert err.value.problems == ["city.toml, xã XA2, khóa `units`: không đơn vị nào của xã báo cáo các chỉ tiêu: "
                                  "SO_LUONG (thêm đơn vị báo cáo các chỉ tiêu này)."]


def _two_communes(city_file, db_path):
    city = load_city(city_file)
    conn = store.connect(db_path)
    for code in city.codes:
        store.sync_catalog(conn, city.catalog_for(code), SYSTEM)
    sent = dt.datetime(2026, 5, 10, 9, 0)
    subs = [
        # same unit codes in both communes: they must never add up
        Submission("XA1", "A", "2026-04", (Figure("TY_LE", 8.0, 10.0), Figure("SO_LUONG", value=4.0)),
                   submitted_at=sent),
        Submission("XA1", "B", "2026-04", (Figure("TY_LE", 2.0, 10.0),), submitted_at=sent),
        Submission("XA2", "A", "2026-04", (Figure("TY_LE", 10.0, 10.0), Figure("SO_LUONG", value=4.0)),
                   submitted_at=sent),
    ]
    store.record_submissions(conn, subs, SYSTEM)
    return city, conn


def test_every_commune_scored_apart_exactly(city_file, db_target):
    city, conn = _two_communes(city_file, db_target)
    results = city_scores(conn, city, CITY_READER, "2026-Q2", as_of=AS_OF)
    by = {r.code: r for r in results}
    # XA1: ratio 10/20 = 50 % → 5 of 10; number 4 of target 10 → 4 of 10: 9/20 = 45 %
    assert by["XA1"].score.result("TY_LE").achieved == 50.0
    assert by["XA1"].score.total_points == pytest.approx(9.0) and by["XA1"].score.percent == pytest.approx(45.0)
    # XA2: ratio 10/10 → 10; number 4 of its own target 5 → 8: 18/20 = 90 %
    assert by["XA2"].score.result("TY_LE").achieved == 100.0
    assert by["XA2"].score.total_points == pytest.approx(18.0) and by["XA2"].score.grade == "Xuất sắc"
    assert [r.code for r in results] == ["XA2", "XA1"]
    assert by["XA1"].previous is None and by["XA1"].change is None
    # the per-commune path (every page, report) gives the same
    for code in ("XA1", "XA2"):
        one = period_result(conn, city.catalog_for(code), Quarter.parse("2026-Q2"), as_of=AS_OF).commune
        assert one.total_points == pytest.approx(by[code].score.total_points)


def test_commune_without_figures_is_unscored(city_file, db_target):
    city, conn = _two_communes(city_file, db_target)
    results = city_scores(conn, city, CITY_READER, "2026-Q3", as_of=AS_OF)
    assert [(r.code, r.score.percent, r.score.total_points) for r in results] == \
        [("XA2", 0.0, 0.0), ("XA1", 0.0, 0.0)]   # nothing reported: 0 points, ties by name


def test_rights_by_commune(city_file, db_target):
    city, conn = _two_communes(city_file, db_target)
    coordinator_a = Actor("Đầu mối A xã Một", "coordinator", "dv-a-1", ("A",), commune="XA1")
    refused = Submission("XA2", "A", "2026-05", (Figure("TY_LE", 1.0, 10.0),))
    before = store.content_counts(conn)["uploads"]
    with pytest.raises(PermissionDenied, match="chỉ làm việc với xã XA1.*xã XA2"):
        store.record_submissions(conn, [refused], coordinator_a)
    assert store.content_counts(conn)["uploads"] == before
    store.record_submissions(conn, [Submission("XA1", "A", "2026-05", (Figure("TY_LE", 1.0, 10.0),))],
                             coordinator_a)
    office_a = Actor("Văn phòng xã Một", "office", "vp-1", commune="XA1")
    assert commune_catalog(city, office_a, "XA1").commune == "XA1"
    with pytest.raises(PermissionDenied, match="không được xem số liệu của xã XA2"):
        commune_catalog(city, office_a, "XA2")
    with pytest.raises(PermissionDenied, match="toàn thành phố"):
        city_scores(conn, city, office_a, "2026-Q2", as_of=AS_OF)
    with pytest.raises(PermissionDenied):
        city_scores(conn, city, Actor("Đầu mối", "coordinator", "dv-a", ("A",)), "2026-Q2", as_of=AS_OF)
    assert len(city_scores(conn, city, CITY_READER, "2026-Q2", as_of=AS_OF)) == 2


def test_account_commune_is_stored(db_target, catalog):
    from kpi.store.accounts import get_account
    from kpi.usecases.accounts import add_user
    conn = store.connect(db_target)
    add_user(conn, catalog, SYSTEM, "vp-thaitan", "office", (), "VP", "mat-khau-dai", commune="THAITAN")
    add_user(conn, catalog, SYSTEM, "thanhpho", "city_viewer", (), "TP", "mat-khau-dai")
    assert get_account(conn, "vp-thaitan").actor().commune == "THAITAN"
    assert get_account(conn, "thanhpho").actor().commune is None
    office = get_account(conn, "vp-thaitan").actor()
    with pytest.raises(PermissionDenied, match="chỉ làm việc với xã THAITAN, không được quản lý tài khoản của xã XA9"):
        add_user(conn, catalog, Actor("Quản trị xã", "admin", "qt", commune="THAITAN"), "x-khac", "viewer", (),
                 "X", "mat-khau-dai", commune="XA9")
    assert office.role == "office"


def test_city_scores_equal_the_per_commune_path_on_the_demo(db_target):
    conn = store.connect(db_target)
    city = load_city(CONFIG)
    load_city_demo(conn, city, 4, 9, today=TODAY)
    stored = load_city(CONFIG).with_communes(store.reads.stored_communes(conn))
    for quarter, as_of in (("2026-Q3", TODAY), ("2026-Q4", TODAY), ("2026-Q3", dt.date(2026, 10, 5))):
        results = city_scores(conn, city, SYSTEM, quarter, as_of=as_of)
        assert len(results) == 4
        for r in results:
            one = period_result(conn, stored.catalog_for(r.code), Quarter.parse(quarter), as_of=as_of).commune
            assert (r.score.total_points, r.score.max_points, r.score.provisional, r.score.to_come) == \
                (pytest.approx(one.total_points), one.max_points, one.provisional, one.to_come), (quarter, r.code)
            assert [x.status for x in r.score.indicators] == [x.status for x in one.indicators]


def test_city_demo_is_deterministic_and_communes_differ(tmp_path):
    rows = []
    for name in ("a", "b"):
        conn = store.connect(tmp_path / f"{name}.duckdb")
        created = load_city_demo(conn, load_city(CONFIG), 7, 6, today=TODAY)
        rows.append((created, conn.execute(
            "SELECT commune, unit, period, indicator_id, numerator, denominator, value FROM measurements "
            "ORDER BY ALL").fetchall(), conn.execute(
            "SELECT commune, unit, period, submitted_at FROM uploads ORDER BY ALL").fetchall()))
    assert rows[0] == rows[1]
    results = city_scores(conn, load_city(CONFIG), SYSTEM, "2026-Q3", as_of=TODAY)
    by = {r.code: r for r in results}
    assert by["XA002"].on_time == 0 and by["XA002"].due > 0          # late every month
    assert by["THAITAN"].score.percent - by["XA001"].score.percent > 15   # far behind
    assert len({round(r.score.percent, 3) for r in results}) == 7


def test_cli_all_communes_json(db_target):
    db = db_target
    assert main(["--db", str(db), "demo", "--communes", "3", "--months", "6"]) == 0
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--db", str(db), "score", "--quarter", "2026-Q3", "--all-communes", "--json",
                     "--as-of", "2026-11-23"]) == 0
    data = json.loads(out.getvalue())
    assert [d["rank"] for d in data] == [1, 2, 3]
    assert sorted(d["commune"] for d in data) == ["THAITAN", "XA001", "XA002"]
    assert data[0]["percent"] >= data[1]["percent"] >= data[2]["percent"]
    one = io.StringIO()
    with redirect_stdout(one):
        assert main(["--db", str(db), "score", "--quarter", "2026-Q3", "--commune", data[2]["commune"], "--json",
                     "--as-of", "2026-11-23"]) == 0
    assert json.loads(one.getvalue())["total_points"] == data[2]["total_points"]
    for d in data:   # each total is the sum of its criteria's and of its groups' official points
        assert round(sum(i["points"] for i in d["indicators"]) * 100, 6) == round(d["total_points"] * 100, 6)
        assert round(sum(g["points"] for g in d["groups"]) * 100, 6) == round(d["total_points"] * 100, 6)
    err = io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        assert main(["--db", str(db), "score", "--quarter", "2026-Q3", "--commune", "KHONGCO"]) == 2
    finally:
        sys.stderr = old
    assert "Không có xã mã «KHONGCO»" in err.getvalue()


def test_a_file_of_another_commune_is_refused_naming_the_cell(tmp_path, city_file, db_target):
    from kpi.usecases.importing import import_workbook
    from tests.ingest_helpers import filled, snapshot
    city = load_city(CONFIG.parent / "city.toml")
    conn = store.connect(db_target)
    for code in city.codes:
        store.sync_catalog(conn, city.catalog_for(code), SYSTEM)
    thai_tan, nghi_duong = city.catalog_for("THAITAN"), city.catalog_for("NGHIDUONG")
    data = filled(thai_tan)     # the template of Thái Tân: «Xã» = Xã Thái Tân
    before = snapshot(conn)
    refused = import_workbook(conn, nghi_duong, data, "ttpvhcc-10.xlsx", SYSTEM, tmp_path / "uploads", today=TODAY)
    assert not refused.ok and refused.outcomes == []
    [problem] = [p for p in refused.check.problems if p.field == "Xã"]
    assert problem.cell == "C3" and problem.value == "Xã Thái Tân" and problem.expected == "Xã Nghi Dương"
    assert "không phải Xã Nghi Dương (mã NGHIDUONG)" in problem.message
    assert snapshot(conn) == before
    accepted = import_workbook(conn, thai_tan, data, "ttpvhcc-10.xlsx", SYSTEM, tmp_path / "uploads", today=TODAY)
    assert accepted.ok
    assert conn.execute("SELECT DISTINCT commune FROM uploads").fetchall() == [("THAITAN",)]


def test_cli_adds_an_account_of_one_commune(tmp_path):
    from kpi.store.accounts import get_account
    db = tmp_path / "u.duckdb"
    old = sys.stdin
    sys.stdin = io.StringIO("mat-khau-dai-1\n")
    try:
        assert main(["--db", str(db), "--config", str(CONFIG.parent / "city.toml"), "users", "add", "vp-nd",
                     "--role", "office", "--commune", "nghiduong"]) == 0
    finally:
        sys.stdin = old
    conn = store.connect(db)
    assert get_account(conn, "vp-nd").actor().commune == "NGHIDUONG"
    conn.close()
    listed = io.StringIO()
    with redirect_stdout(listed):
        assert main(["--db", str(db), "--config", str(CONFIG.parent / "city.toml"), "users", "list", "--json"]) == 0
    assert [(a["login"], a["commune"]) for a in json.loads(listed.getvalue())] == [("vp-nd", "NGHIDUONG")]
    listed = io.StringIO()
    with redirect_stdout(listed):
        assert main(["--db", str(db), "--config", str(CONFIG.parent / "city.toml"), "users", "list"]) == 0
    assert "vp-nd" in listed.getvalue() and "xã NGHIDUONG" in listed.getvalue()


def test_cli_city_report_workbook(tmp_path, db_target):
    import openpyxl
    db = db_target
    assert main(["--db", str(db), "demo", "--communes", "3", "--months", "6"]) == 0
    out = tmp_path / "xep-hang.xlsx"
    assert main(["--db", str(db), "report", "--quarter", "2026-Q3", "--city", "-o", str(out)]) == 0
    conn = store.connect(db, read_only=True)
    results = city_scores(conn, load_city(CONFIG), SYSTEM, "2026-Q3", as_of=TODAY)
    conn.close()
    ws = openpyxl.load_workbook(out)["Xếp hạng"]
    assert [ws.cell(r, 2).value for r in (4, 5, 6)] == [r.code for r in results]
    assert [ws.cell(r, 9).value for r in (4, 5, 6)] == [r.score.total_points for r in results]
    assert ws.cell(3, 1).value == "Hạng"
    catalog = load_city(CONFIG).base
    for row, r in zip((4, 5, 6), results, strict=True):
        # the points are the sum of the commune's official points; its percent never reads past a
        # grade line it did not reach (truncated), in figures and in words
        assert ws.cell(row, 9).value == points_sum(x.points for x in r.score.indicators)
        shown = ws.cell(row, 10).value
        assert shown <= r.score.percent and catalog.grade_for(shown) == r.score.grade
        assert ws.cell(row, 5).value == score_percent(r.score.percent)


def test_cli_imports_a_city_s_files_by_their_commune_cell(tmp_path, capsys):
    """With the city file and no --commune, each file goes to the commune its «Xã» cell names; a
    file naming no commune of the city is refused naming the cell, and nothing of it is stored."""
    from tests.ingest_helpers import filled
    config = CONFIG.parent / "city.toml"
    city = load_city(config)
    db = tmp_path / "c.duckdb"
    thai_tan = tmp_path / "thai-tan.xlsx"
    thai_tan.write_bytes(filled(city.catalog_for("THAITAN")))
    nghi_duong = tmp_path / "nghi-duong.xlsx"
    nghi_duong.write_bytes(filled(city.catalog_for("NGHIDUONG"), period="2026-09"))
    stranger = tmp_path / "xa-la.xlsx"
    stranger.write_bytes(filled(city.catalog_for("THAITAN"), edit=lambda wb, ws: ws.__setitem__("C3", "Xã Lạ")))
    cli = ["--db", str(db), "--config", str(config), "import"]
    conn = store.connect(db)
    from kpi.usecases.accounts import add_user
    add_user(conn, city.catalog_for("THAITAN"), SYSTEM, "qt", "admin", (), "Quản trị", "mat-khau-dai")
    conn.close()
    assert main(cli + [str(thai_tan), str(nghi_duong), str(stranger), "--by", "qt"]) == 1
    out = capsys.readouterr().out
    assert f"✖ {stranger}: bị từ chối — không ghi gì vào cơ sở dữ liệu: trang tính «Số liệu», ô C3: «Xã» là «Xã Lạ», " \
           "không phải xã nào trong danh mục (các mã: THAITAN, NGHIDUONG, CAMGIANG)." in out
    assert "Tổng kết: 3 tệp — 2 đã nhập, 0 không đổi, 1 bị từ chối." in out
    conn = store.connect(db)
    assert conn.execute("SELECT commune, unit, period FROM uploads ORDER BY commune").fetchall() == \
        [("NGHIDUONG", "TTPVHCC", "2026-09"), ("THAITAN", "TTPVHCC", "2026-10")]
    conn.close()
    assert main(cli + ["--commune", "NGHIDUONG", str(thai_tan), "--by", "qt"]) == 1   # the cell must match
    assert "Số liệu!C3: «Xã» là «Xã Thái Tân», không phải Xã Nghi Dương (mã NGHIDUONG)" in capsys.readouterr().out


def _many_communes_case(communes: int = 40):
    """A city of `communes` communes on the shipped criteria (one of them averaged, "mean"): some with
    fewer units or their own targets, one with nothing; figures of every unit code in every commune
    (a unit the commune does not have never counts), blanks, zero denominators, typed values of the
    computed criterion, rows of the months around the quarter; first uploads on time, late or none."""
    import dataclasses

    import numpy as np
    import pandas as pd

    from kpi.domain.catalog import load_catalog
    from kpi.domain.city import City, CommuneSpec
    base = load_catalog(CONFIG)
    base = dataclasses.replace(base, indicators=tuple(
        dataclasses.replace(i, aggregate="mean") if i.id == "TT_TIN_BAI" else i for i in base.indicators), _by_id={})
    few = tuple(u for u in base.units if u.code not in ("QS", "MN", "TTDVSNC"))
    specs = [CommuneSpec(f"X{k:03d}", f"Xã {k}", units=few if k % 3 == 1 else None,
                         targets=(("HT_WIFI_NVH", 3.0 + k % 7),) if k % 4 == 2 else ()) for k in range(communes)]
    city = City("TP", "Thành phố thử", base, tuple(specs))
    rng = np.random.default_rng(14)
    rows, log = [], []
    for spec in specs[:-1]:                       # the last commune sends nothing
        for unit in base.units:
            for period in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
                for ind in base.indicators:
                    if unit.code not in ind.units and rng.random() > 0.05:
                        continue
                    if rng.random() < 0.15:
                        rows.append((spec.code, unit.code, period, ind.id, None, None, None))
                    elif ind.is_ratio:
                        den = float(rng.integers(0, 40)) if rng.random() < 0.1 else float(rng.integers(1, 40))
                        rows.append((spec.code, unit.code, period, ind.id, float(rng.integers(0, 41)), den, None))
                    else:
                        rows.append((spec.code, unit.code, period, ind.id, None, None, float(rng.integers(0, 30))))
                day = int(rng.integers(-3, 30))
                if day >= 0:
                    month = int(period[-2:])
                    log.append((spec.code, unit.code, period,
                                dt.datetime(2026 + month // 12, month % 12 + 1, 1 + day % 28, 8, 30)))
    figures = pd.DataFrame(rows, columns=["commune", "unit", "period", "indicator_id", "numerator", "denominator",
                                          "value"]).astype({"numerator": "float64", "denominator": "float64",
                                                            "value": "float64"})
    first = pd.DataFrame(log, columns=["commune", "unit", "period", "first_submitted_at"])
    return city, figures, first


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2026, 10, 5), dt.date(2026, 8, 25)])
def test_many_communes_scored_in_one_pass_equal_each_commune_scored_alone(as_of):
    """The vectorised city pass (one aggregation grouped by commune) against `score_quarter` on each
    commune's slice: every total, status, point and provisional flag equal (==), at a size where the
    pass works on tens of thousands of rows; with Sep and with Aug–Sep not yet due too."""
    from kpi.domain.city_scoring import city_quarter_scores
    from kpi.domain.scoring import communes_pass, quarter_pass, score_quarter, with_computed
    city, figures, first = _many_communes_case()
    quarter = Quarter.parse("2026-Q3")
    assert len(figures) > 15_000
    got = city_quarter_scores(city, city.codes, figures, first, quarter, as_of)
    periods = [str(m) for m in quarter.months]
    catalogs = {code: city.catalog_for(code) for code in city.codes[:-1]}
    passes = communes_pass(catalogs, figures, quarter)
    for code in city.codes[:-1]:
        catalog = city.catalog_for(code)
        mine = figures[(figures["commune"] == code) & figures["period"].isin(periods)].drop(columns="commune")
        log = first[(first["commune"] == code) & first["period"].isin(periods)].drop(columns="commune")
        scored = with_computed(catalog, mine, log, as_of, quarter.months)
        assert got[code] == score_quarter(catalog, scored, quarter, as_of=as_of), code
        assert passes[code] == quarter_pass(catalog, figures[figures["commune"] == code], quarter), code
    assert got[city.codes[-1]] is None
    assert got["X001"].max_points == got["X000"].max_points    # units differ, criteria do not
    assert got["X002"].result("HT_WIFI_NVH").indicator.target == 5.0
    assert len({round(s.total_points, 6) for s in got.values() if s}) > 30


def test_city_quarter_aggregate_is_the_bare_group_by(city_file, db_target):
    """The bench's floor: the quarter's accepted figures summed per commune, criterion and unit, two
    communes' unit A apart, no scoring rule (a blank stays blank), on both engines."""
    from kpi.store.reads import city_quarter_aggregate
    city, conn = _two_communes(city_file, db_target)
    rows = sorted(city_quarter_aggregate(conn, ["2026-04", "2026-05", "2026-06"]))
    assert rows == [("XA1", "SO_LUONG", "A", 1, None, None, 4.0), ("XA1", "TY_LE", "A", 1, 8.0, 10.0, None),
                    ("XA1", "TY_LE", "B", 1, 2.0, 10.0, None), ("XA2", "SO_LUONG", "A", 1, None, None, 4.0),
                    ("XA2", "TY_LE", "A", 1, 10.0, 10.0, None)]
    assert city_quarter_aggregate(conn, ["2026-07", "2026-08", "2026-09"]) == []
