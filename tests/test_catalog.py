import datetime as dt
import textwrap

import pytest
from catalogs import head_toml
from common import ROOT

from kpi.cli.main import main
from kpi.domain.catalog import CatalogError, load_catalog, parse_catalog
from kpi.present.texts import rule as describe_rule

HEAD = "\n" + head_toml("Bộ chỉ tiêu")  # the leading blank line: the syntax-error test counts lines


def problems_of(indicators: str) -> list[str]:
    with pytest.raises(CatalogError) as e:
        parse_catalog(HEAD + textwrap.dedent(indicators))
    return e.value.problems


def test_shipped_catalogue_is_valid_and_sums_to_100(catalog):
    assert len(catalog.indicators) >= 20
    assert catalog.max_points == 100
    assert len(catalog.groups) == 7
    assert {u.code for u in catalog.units} >= {"VP", "VHXH", "KT", "TTPVHCC", "TTDVSNC", "CA",
                                                "QS", "TYT", "QLDA", "MN", "TH", "THCS"}
    dvc = catalog.indicator("DVC_HS_TRUC_TUYEN")
    assert (dvc.kind, dvc.target, dvc.units) == ("ratio", 90.0, ("TTPVHCC", "CA"))
    assert catalog.indicator("DVC_SO_HOA").target == 95
    assert catalog.indicator("HT_WIFI_NVH").target == 17
    assert all(i.source and i.evidence for i in catalog.indicators)
    # every unit reports at least one criterion, so every unit has a template to fill
    assert all(catalog.indicators_of_unit(u.code) for u in catalog.units)


def test_grade_boundaries(catalog):
    assert catalog.grade_for(90) == "Xuất sắc"
    assert catalog.grade_for(89.999) == "Tốt"
    assert catalog.grade_for(49.9) == "Yếu"
    assert catalog.grade_for(None) == "Chưa xếp loại"


def test_every_problem_is_reported_at_once_with_id_and_key():
    probs = problems_of("""
        [[indicators]]
        id = "X1"
        group = "G"
        name = "Một"
        kind = "ratio"
        target = 90
        points = 5
        units = ["A"]
        [[indicators]]
        id = "X1"
        group = "G"
        name = "Trùng"
        kind = "percent"
        target = 0
        points = -1
        units = ["B"]
        scoring = "steps"
        direction = "up"
        """)
    text = "\n".join(probs)
    assert "Chỉ tiêu X1, khóa `id`: mã chỉ tiêu bị trùng" in text
    assert "khóa `kind`" in text and "'percent'" in text
    assert "khóa `target`" in text and "khóa `points`" in text
    assert "khóa `units`: mã đơn vị không có trong [[units]]: 'B'" in text
    assert "khóa `scoring`" in text and "khóa `direction`" in text
    assert len(probs) == 7


def test_lower_needs_zero_at_and_bands_must_be_ordered():
    probs = problems_of("""
        [[indicators]]
        id = "LOW"
        group = "G"
        name = "Quá hạn"
        kind = "ratio"
        direction = "lower"
        target = 1
        points = 5
        units = ["A"]
        [[indicators]]
        id = "BAND"
        group = "G"
        name = "Hài lòng"
        kind = "ratio"
        target = 95
        points = 4
        scoring = "bands"
        bands = [[80, 2], [95, 4]]
        units = ["A"]
        """)
    assert any(p.startswith("Chỉ tiêu LOW, khóa `zero_at`: bắt buộc") for p in probs)
    assert any(p.startswith("Chỉ tiêu BAND, khóa `bands`: các mức phải xếp từ tốt nhất") for p in probs)


def test_toml_syntax_error_names_the_line():
    with pytest.raises(CatalogError) as e:
        parse_catalog(HEAD + "\n[[indicators]]\nid = \"A\nname = 1\n")
    assert e.value.problems[0].startswith("Lỗi cú pháp TOML ở dòng 11, cột 8:")


def test_unknown_key_is_flagged():
    probs = problems_of("""
        [[indicators]]
        id = "A1"
        group = "G"
        name = "Một"
        kind = "number"
        target = 3
        points = 2
        units = ["A"]
        tagret = 4
        """)
    assert probs == ["Chỉ tiêu A1, khóa `tagret`: khóa không được hỗ trợ (viết sai tên khóa?)."]


def test_rule_in_words(catalog):
    assert describe_rule(catalog.indicator("DVC_HAI_LONG")).startswith("Theo mức: ≥ 95 %: 4 điểm; ≥ 90 %: 3 điểm")
    assert describe_rule(catalog.indicator("DVC_QUA_HAN")) == (
        "Đạt ≤ 1 %: 6 điểm; ≥ 10 %: 0 điểm; ở giữa tính theo tỷ lệ.")


def test_check_config_cli(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("KPI_CONFIG", raising=False)
    monkeypatch.chdir(ROOT)
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "25 chỉ tiêu" in out and "tổng 100 điểm; 8 mốc theo dõi không tính điểm." in out
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + "[[indicators]]\nid = \"x y\"\n", encoding="utf-8")
    assert main(["--config", str(bad), "check-config"]) == 1
    out = capsys.readouterr()
    assert "khóa `id`" in out.out and "Traceback" not in out.out + out.err


def test_every_source_names_a_file_in_the_sources_folder():
    import re
    from pathlib import Path

    from kpi.domain.catalog import load_catalog
    root = Path(__file__).resolve().parents[1]
    folder = root.parent / "shared" / "domain" / "sources"
    if not folder.is_dir():
        folder = Path("/work/shared/domain/sources")
    if not folder.is_dir():
        pytest.skip("the sources folder ../shared/domain/sources is not present")
    files = {p.name.split("_")[0]: p.name for p in folder.glob("*.txt")}
    catalog = load_catalog(root / "config" / "indicators.toml")
    for ind in (*catalog.indicators, *catalog.milestones):
        docs = re.findall(r"tài liệu (\d{3})", ind.source)
        assert docs, f"{ind.id}: source names no document ({ind.source!r})"
        for d in docs:
            assert d in files, f"{ind.id}: tài liệu {d} is not a file in {folder}"


def test_milestones_are_followed_without_points():
    from kpi.domain.catalog import load_catalog
    catalog = load_catalog(ROOT / "config" / "indicators.toml")
    assert [m.id for m in catalog.milestones] == [
        "M_DVC_25_THIET_YEU", "M_DVC_KHONG_DIA_GIOI", "M_DVC_DOANH_NGHIEP", "M_DVC_MOT_LAN",
        "M_BINH_DAN_HOC_VU_SO", "M_ATTT_CAP_DO", "M_ATTT_SU_CO_24H", "M_YT_SO_HOA_KCB"]
    assert catalog.max_points == 100                      # milestones carry no points
    dated = {m.id: m.deadline for m in catalog.milestones if m.deadline}
    assert dated == {"M_ATTT_CAP_DO": dt.date(2026, 4, 30)}
    # «từ ngày 01/10/2025» (003 §2.3) is a start, ongoing since then — not a deadline
    assert {m.id: m.start for m in catalog.milestones if m.start} == {"M_DVC_25_THIET_YEU": dt.date(2025, 10, 1)}
    assert not any(i.start for i in catalog.indicators)
    # the Quý II/2026 deadlines for computers and signatures
    assert {catalog.indicator(i).deadline for i in ("HT_MAY_TINH", "HT_CHU_KY_SO")} == {dt.date(2026, 6, 30)}


def test_milestone_problems_are_named():
    with pytest.raises(CatalogError) as e:
        parse_catalog(HEAD + """
[[indicators]]
id = "A1"
group = "G"
name = "N"
kind = "number"
target = 1
points = 1
units = ["A"]
[[milestones]]
id = "A1"
group = "G"
name = "N"
source = "S"
[[milestones]]
id = "M2"
name = "N"
deadline = "Quý II"
lead = "ZZ"
points = 3
""")
    assert [p for p in e.value.problems if p.startswith("Mốc")] == [
        "Mốc A1, khóa `id`: mã bị trùng với một chỉ tiêu hoặc mốc khác.",
        "Mốc M2, khóa `group`: bắt buộc.",
        "Mốc M2, khóa `source`: bắt buộc.",
        "Mốc M2, khóa `deadline`: phải là ngày dạng 2026-07-10, không có dấu ngoặc kép (đang là 'Quý II').",
        "Mốc M2, khóa `lead`: mã đơn vị chủ trì không có trong [[units]]: 'ZZ'.",
        "Mốc M2, khóa `points`: khóa không được hỗ trợ (viết sai tên khóa?).",
    ]


def test_the_groups_split_the_criteria_in_catalogue_order(catalog):
    by_group = [catalog.indicators_of_group(g) for g in catalog.groups]
    assert all(by_group) and sum(len(g) for g in by_group) == len(catalog.indicators)
    assert [i.id for g in by_group for i in g] == sorted((i.id for i in catalog.indicators),
                                                        key=lambda x: (catalog.groups.index(catalog.indicator(x).group),
                                                                       [i.id for i in catalog.indicators].index(x)))
    assert [i.id for i in catalog.indicators_of_group("Đề án 06")][:1] and catalog.indicators_of_group("không có") == ()


ONE = """
    [[indicators]]
    id = "A1"
    group = "G"
    name = "Một"
    kind = "number"
    target = {target}
    points = {points}
    units = ["A"]
    {extra}
    """


def one(target="3", points="2", extra="") -> list[str]:
    return problems_of(ONE.format(target=target, points=points, extra=extra))


@pytest.mark.parametrize("key, text, shown", [
    ("target", "nan", "nan — không phải một số"),
    ("target", "inf", "inf — vô cực, không phải một số hữu hạn"),
    ("points", "nan", "nan — không phải một số"),
    ("points", "inf", "inf — vô cực, không phải một số hữu hạn"),
    ("points", "-inf", "-inf — vô cực, không phải một số hữu hạn"),
    ("target", "1e300", "1e+300 — quá lớn (tối đa 1e+12)"),
])
def test_target_and_points_are_finite(key, text, shown):
    probs = one(**{key: text})
    assert len(probs) == 1 and probs[0].startswith(f"Chỉ tiêu A1, khóa `{key}`: bắt buộc, là số > 0")
    assert probs[0].endswith(f"(đang là {shown}).")


def test_points_of_one_criterion_are_at_most_100():
    assert one(points="250") == [
        "Chỉ tiêu A1, khóa `points`: bắt buộc, là số > 0 và không quá 100 (đang là 250)."]


def test_every_other_number_is_finite():
    probs = one(extra="direction = \"lower\"\nzero_at = nan\nmax_value = inf\n")
    assert "Chỉ tiêu A1, khóa `zero_at`: phải là số (đang là nan — không phải một số)." in probs
    assert ("Chỉ tiêu A1, khóa `max_value`: phải là số > 0 (mức tối đa một ô số liệu được nhập), đang là "
            "inf — vô cực, không phải một số hữu hạn.") in probs
    probs = one(extra="scoring = \"bands\"\nbands = [[nan, 2], [1, 1]]\n")
    assert probs == ["Chỉ tiêu A1, khóa `bands`: mỗi mức là [đạt được, điểm] với điểm ≥ 0 "
                     "(đang là [nan — không phải một số, 2])."]


def grade_problems(grades: str) -> list[str]:
    head = HEAD.replace(HEAD[HEAD.index("grades = "):HEAD.index("\n", HEAD.index("grades = "))],
                        f"grades = {grades}")
    with pytest.raises(CatalogError) as e:
        parse_catalog(head + textwrap.dedent(ONE.format(target=3, points=2, extra="")))
    return e.value.problems


def test_grades_run_from_a_zero_floor_to_at_most_100_strictly_decreasing():
    assert grade_problems('[{ min = 90, label = "Xuất sắc" }, { min = 50, label = "Khá" }]') == [
        "[scorecard].grades: xếp loại thấp nhất phải có min = 0, để mọi kết quả đều có xếp loại "
        "(đang là 50)."]
    assert grade_problems('[{ min = 190, label = "Xuất sắc" }, { min = 0, label = "Yếu" }]') == [
        "[scorecard].grades[1]: min là phần trăm tổng điểm tối đa, từ 0 đến 100 (đang là 190)."]
    assert grade_problems('[{ min = nan, label = "Xuất sắc" }, { min = 0, label = "Yếu" }]') == [
        "[scorecard].grades[1]: cần min (số) và label (chuỗi) (min đang là nan — không phải một số)."]
    assert grade_problems('[{ min = 50, label = "Khá" }, { min = 50, label = "Yếu" }, { min = 0, label = "Kém" }]') \
        == ["[scorecard].grades: xếp loại phải theo thứ tự từ cao xuống thấp (min giảm dần)."]


def test_due_day_is_a_number_not_a_truth_value():
    with pytest.raises(CatalogError) as e:
        parse_catalog(HEAD + "[reporting]\ndue_day = true\n" + textwrap.dedent(ONE.format(target=3, points=2, extra="")))
    assert e.value.problems == ["[reporting].due_day: phải là ngày từ 1 đến 31, đang là True."]


@pytest.mark.parametrize("text, message", [
    ("[[indicators]]\nid = \"A\nname = 1\n", "Lỗi cú pháp TOML trong tệp «bad.toml» ở dòng 10, cột 8: chuỗi chưa có "
                                            "dấu ngoặc kép đóng trước khi hết dòng."),
    ("[[indicators]]\nid = A1\n", "Lỗi cú pháp TOML trong tệp «bad.toml» ở dòng 10, cột 6: giá trị không hợp lệ "
                                 "(chuỗi phải trong dấu ngoặc kép, ví dụ name = \"…\")."),
    ("[[indicators]\n", "Lỗi cú pháp TOML trong tệp «bad.toml» ở dòng 9, cột 13: thiếu «]]» ở cuối tên bảng [[…]]."),
    ("[scorecard]\n", "Lỗi cú pháp TOML trong tệp «bad.toml» ở dòng 9, cột 11: bảng [scorecard] được khai báo hai lần."),
    ("x = [1, 2\n", "Lỗi cú pháp TOML trong tệp «bad.toml» ở cuối tệp: danh sách […] chưa đóng «]»."),
])
def test_syntax_errors_are_said_in_vietnamese_with_file_and_line(tmp_path, text, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + text, encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load_catalog(bad)
    assert e.value.problems == [message]


def test_a_byte_order_mark_is_accepted_and_other_encodings_are_named(tmp_path, capsys, monkeypatch):
    good = tmp_path / "bom.toml"
    good.write_bytes(b"\xef\xbb\xbf" + (HEAD + textwrap.dedent(ONE.format(target=3, points=2, extra=""))).encode())
    assert load_catalog(good).indicator("A1").target == 3
    assert main(["--config", str(good), "check-config"]) == 0
    latin = tmp_path / "cp1258.toml"
    latin.write_bytes((HEAD + "# Đơn vị\n").encode("utf-8").replace("Đ".encode(), b"\xd0"))
    with pytest.raises(CatalogError) as e:
        load_catalog(latin)
    assert e.value.problems == ["Tệp «cp1258.toml» không phải văn bản UTF-8 (byte 0xD0 ở dòng 8, cột 9): hãy mở "
                                "bằng trình soạn thảo và lưu lại với mã hóa UTF-8."]
    capsys.readouterr()
    assert main(["--config", str(latin), "check-config"]) == 1
    out = capsys.readouterr()
    assert "không phải văn bản UTF-8" in out.out and "Traceback" not in out.out + out.err


def test_check_config_lists_every_number_problem_at_once(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + textwrap.dedent(ONE.format(target="nan", points="inf", extra="max_value = nan")),
                   encoding="utf-8")
    assert main(["--config", str(bad), "check-config"]) == 1
    out = capsys.readouterr().out
    assert "khóa `target`" in out and "khóa `points`" in out and "khóa `max_value`" in out


def test_the_signer_defaults_to_a_vice_chairman_signing_in_the_chairmans_place(catalog):
    assert (catalog.signer.mode, catalog.signer.title, catalog.signer.name) == ("KT.", "PHÓ CHỦ TỊCH", "")
    signer = parse_catalog(HEAD + '[signer]\nmode = "tm"\ntitle = "CHỦ TỊCH"\nname = "Nguyễn Thanh Ngọc"\n'
                           + textwrap.dedent(ONE.format(target=3, points=2, extra=""))).signer
    assert (signer.mode, signer.title, signer.name) == ("TM.", "CHỦ TỊCH", "Nguyễn Thanh Ngọc")


def test_signer_problems_are_said_in_vietnamese():
    with pytest.raises(CatalogError) as e:
        parse_catalog(HEAD + '[signer]\nmode = "KY"\ntitle = ""\nname = 3\nrank = 1\n'
                      + textwrap.dedent(ONE.format(target=3, points=2, extra="")))
    assert e.value.problems == [
        "[signer].rank: khóa không có trong danh mục (các khóa: mode, title, name).",
        "[signer].name: phải là chuỗi ký tự một dòng, tối đa 120 ký tự (đang là 3).",
        "[signer].mode: thẩm quyền ký là «TM.» (thay mặt), «KT.» (ký thay) hoặc «TL.» (thừa lệnh), đang là «KY».",
        "[signer].title: cần chức vụ của người ký, ví dụ \"PHÓ CHỦ TỊCH\"."]


def test_units_are_graded_only_on_a_unit_scale_of_the_catalogue(catalog):
    assert catalog.unit_grades == () and catalog.unit_grade_for(95.0) is None
    with_scale = parse_catalog(HEAD.replace("[scorecard]\n", '[scorecard]\nunit_grades = [{ min = 80, label = "Hoàn thành '
                                            'tốt" }, { min = 0, label = "Chưa hoàn thành" }]\n', 1)
                               + textwrap.dedent(ONE.format(target=3, points=2, extra="")))
    assert with_scale.unit_grade_for(85.0) == "Hoàn thành tốt"
    assert with_scale.unit_grade_for(50.0) == "Chưa hoàn thành"
    with pytest.raises(CatalogError) as e:
        parse_catalog(HEAD.replace("[scorecard]\n", '[scorecard]\nunit_grades = [{ min = 80, label = "Tốt" }]\n', 1)
                      + textwrap.dedent(ONE.format(target=3, points=2, extra="")))
    assert e.value.problems == ["[scorecard].unit_grades: xếp loại thấp nhất phải có min = 0, để mọi kết quả "
                                "đều có xếp loại (đang là 80)."]


ENGLISH = ("target", "deadline", "default", "points", "point", "unit", "units", "lead", "note", "source",
           "sample", "commune", "criterion", "criteria", "score", "month", "quarter", "report", "evidence",
           "done", "the", "and", "of", "from", "per", "each", "every", "stock")


def _strings(value, where=""):
    """Every string value of a TOML document (key names left out), with where it is."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for n, v in enumerate(value):
            yield from _strings(v, f"{where}[{n}]")
    elif isinstance(value, str):
        yield where, value


@pytest.mark.parametrize("name", ["indicators.toml", "city.toml"])
def test_catalogue_texts_are_vietnamese(name):
    """Users read every string of the catalogue (names, notes, sources, evidence): no English word."""
    import re
    import tomllib
    data = tomllib.loads((ROOT / "config" / name).read_text(encoding="utf-8"))
    found = [(where, word) for where, text in _strings(data) for word in ENGLISH
             if re.search(rf"(?<![\w_]){word}(?![\w_])", text, re.IGNORECASE)]
    assert found == []
