"""The command line's parser in Vietnamese: argparse's own words (usage, section titles, -h, and
its error messages such as a missing option or an unknown choice) are written the way the rest of
the CLI speaks, and an error ends with where to read the help, never with English."""
from __future__ import annotations

import argparse
import re
from typing import NoReturn

# argparse's error messages (Python 3.11–3.13) → Vietnamese; anything else is shown as it comes
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"^the following arguments are required: (.*)$", r"thiếu tham số bắt buộc: \1"),
    (r"^unrecognized arguments: (.*)$", r"không hiểu các tham số: \1"),
    (r"^argument (.+?): invalid choice: (.+?) \(choose from (.*)\)$",
     r"tham số \1: \2 không phải lựa chọn hợp lệ (chọn một trong: \3)"),
    (r"^argument (.+?): expected one argument$", r"tham số \1 cần một giá trị"),
    (r"^argument (.+?): expected at least one argument$", r"tham số \1 cần ít nhất một giá trị"),
    (r"^argument (.+?): expected at most one argument$", r"tham số \1 nhận nhiều nhất một giá trị"),
    (r"^argument (.+?): expected (\d+) arguments?$", r"tham số \1 cần \2 giá trị"),
    (r"^argument (.+?): invalid \S+ value: (.*)$", r"tham số \1: giá trị \2 không hợp lệ"),
    (r"^argument (.+?): not allowed with argument (.*)$", r"tham số \1 không dùng cùng \2"),
    (r"^argument (.+?): ignored explicit argument (.*)$", r"tham số \1 không nhận giá trị \2"),
    (r"^one of the arguments (.*) is required$", r"cần một trong các tham số: \1"),
    (r"^ambiguous option: (\S+) could match (.*)$", r"tùy chọn \1 không rõ, có thể là: \2"),
))


def error_text(message: str) -> str:
    """argparse's error message in Vietnamese (unchanged when it is not one of argparse's own)."""
    for pattern, replacement in _ERRORS:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, "cách dùng: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse.ArgumentParser speaking Vietnamese; its sub-command parsers are made of this class too."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="in hướng dẫn này rồi thoát")

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Lỗi: {error_text(message)}\nXem hướng dẫn: {self.prog} -h\n")
