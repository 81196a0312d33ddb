"""The command line's own parser speaks Vietnamese: a missing option, a bad choice, a missing value
and -h are written without argparse's English, and a mistake exits 2 with where to read the help."""
from __future__ import annotations

import re
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO

import pytest

from kpi.cli.main import COMMANDS, main
from kpi.cli.parser import error_text

ENGLISH = re.compile(r"usage|options|positional|arguments|argument|required|invalid|choose|expected|"
                     r"show this help|error", re.IGNORECASE)


def test_argparse_messages_read_in_vietnamese():
    cases = [
        ("the following arguments are required: --quarter, --by", "thiếu tham số bắt buộc: --quarter, --by"),
        ("unrecognized arguments: --bogus x", "không hiểu các tham số: --bogus x"),
        ("argument VIỆC: invalid choice: 'frob' (choose from 'add', 'list')",
         "tham số VIỆC: 'frob' không phải lựa chọn hợp lệ (chọn một trong: 'add', 'list')"),
        ("argument --quarter: expected one argument", "tham số --quarter cần một giá trị"),
        ("argument --unit: expected at least one argument", "tham số --unit cần ít nhất một giá trị"),
        ("argument --months: invalid int value: 'ba'", "tham số --months: giá trị 'ba' không hợp lệ"),
        ("one of the arguments --a --b is required", "cần một trong các tham số: --a --b"),
        ("ambiguous option: --c could match --commune, --config", "tùy chọn --c không rõ, có thể là: --commune, --config"),
        ("Quý «abc» không đúng dạng", "Quý «abc» không đúng dạng"),   # not argparse's: as it comes
    ]
    assert [error_text(english) for english, _ in cases] == [vietnamese for _, vietnamese in cases]


@pytest.mark.parametrize(("argv", "said"), [
    (["close"], "Lỗi: thiếu tham số bắt buộc: --quarter, --by\nXem hướng dẫn: python -m kpi close -h\n"),
    (["score", "--quarter"], "Lỗi: tham số --quarter cần một giá trị\nXem hướng dẫn: python -m kpi score -h\n"),
    (["users", "frob"], "Lỗi: tham số VIỆC: 'frob' không phải lựa chọn hợp lệ (chọn một trong: 'add', 'list', "
                        "'disable', 'enable', 'passwd')\nXem hướng dẫn: python -m kpi users -h\n"),
    (["score", "--quarter", "2026-Q3", "--bogus"],
     "Lỗi: không hiểu các tham số: --bogus\nXem hướng dẫn: python -m kpi -h\n"),
    (["frobnicate"], None),
])
def test_a_mistake_on_the_command_line_exits_2_in_vietnamese(argv, said):
    err = StringIO()
    with redirect_stderr(err), pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    if said is not None:
        assert err.getvalue() == said
    assert err.getvalue().startswith("Lỗi: ") and not ENGLISH.search(err.getvalue()), err.getvalue()


@pytest.mark.parametrize("argv", [[], *([name] for name in COMMANDS)])
def test_every_help_page_is_vietnamese(argv):
    out = StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as stop:
        main([*argv, "-h"])
    assert stop.value.code == 0
    text = out.getvalue()
    assert text.startswith("cách dùng: python -m kpi") and "in hướng dẫn này rồi thoát" in text
    assert not ENGLISH.search(text), (argv, ENGLISH.search(text).group(0))
