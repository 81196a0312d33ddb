"""User text on pages, safely: Markdown escaping, the checked upload cached by its hash, and the
one message for an unexpected error (details in the server log only)."""
from __future__ import annotations

import datetime as dt
import logging
import re
from typing import TYPE_CHECKING

import streamlit as st

from kpi.web import data

if TYPE_CHECKING:
    from kpi.ingest import CheckResult

log = logging.getLogger("kpi.web")
# what Markdown (and Streamlit's directives :red[…], :material/…:, emoji :x:) could act on, and
# what its autolinks start from: `http://…` (the `:`), `www.…` (the `.`), `a@b.vn` (the `@`)
_MARKUP = re.compile(r"([\\`*_\[\]<>#!~|${}&@]|:(?=[\w/])|(?<=[wW]{3})\.)")
UNEXPECTED = ("Đã có lỗi không mong đợi; số liệu đã lưu không bị ảnh hưởng. Hãy tải lại trang và "
              "thử lại; nếu vẫn lỗi, báo quản trị viên (chi tiết đã ghi vào nhật ký máy chủ).")


def md(text: object) -> str:
    """`text` as literal characters inside Markdown: links, images, bare URLs (`http://…`,
    `www.…`, e-mail addresses: no autolink forms), emphasis, HTML, code and
    Streamlit's `:material/…:` / `:red[…]` directives are backslash-escaped into plain text."""
    return _MARKUP.sub(r"\\\1", str(text)).replace("\n", " ")


@st.cache_data(show_spinner=False, max_entries=32)
def _checked(digest: str, config: str, mtime: float, commune: str, day: str, file_name: str,
             _data: bytes) -> CheckResult:
    """The check of one file's content for one commune's catalogue on one day: every input is an
    argument (a file checked in one commune is never «hợp lệ» in another)."""
    catalog = data._commune_catalog(config, mtime, commune)
    return check_workbook(_data, file_name, catalog, dt.date.fromisoformat(day))


def check_workbook(workbook: bytes, file_name: str, catalog, today: dt.date) -> CheckResult:
    """kpi.ingest's check, imported (with the workbook reader, openpyxl) only when a file is checked."""
    from kpi.ingest import check_workbook as check
    return check(workbook, file_name, catalog, today=today)


def checked_upload(digest: str, file_name: str, workbook: bytes, commune: str, today: dt.date) -> CheckResult:
    """The check of an uploaded file for `commune` on `today`, once per file content (sha256),
    commune, catalogue version and day."""
    path = data.config_path()
    return _checked(digest, str(path), path.stat().st_mtime if path.exists() else 0.0, commune,
                    today.isoformat(), file_name, workbook)


def unexpected(error: BaseException) -> None:
    log.error("unexpected error on a page", exc_info=error)
    st.error(UNEXPECTED)
