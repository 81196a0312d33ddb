"""`safe.md`: user text and URL parameters inside Markdown stay literal text — no link, image,
emphasis, HTML, directive, and no autolink from a bare URL, a `www.` address or an e-mail address."""
from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from kpi.web.safe import md

HOSTILE = [
    "**x** [a](https://evil.example/login) ![x](http://evil.example/t.png)",
    "xem http://evil.example/x hoặc https://evil.example",
    "www.evil.example/dang-nhap và WWW.EVIL.EXAMPLE",
    "gửi cho ke.gian@evil.example",
    "<https://evil.example> <img src=x onerror=alert(1)>",
    ":red[đỏ] :material/warning: `code` _nghiêng_ ~~gạch~~ $x$",
    "# tiêu đề", "> trích dẫn",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_itself(text):
    html = MarkdownIt("commonmark").enable("strikethrough").render(md(text))
    assert "<a " not in html and "<img" not in html and "<em>" not in html and "<strong>" not in html
    assert not re.search(r"<(h1|blockquote|code|s)>", html), html
    # what a GFM autolink literal starts from never stays as it was written
    escaped = md(text)
    assert not re.search(r"(?<!\\)://", escaped) and not re.search(r"(?i)www\.", escaped) and not re.search(r"(?<!\\)@", escaped)


def test_plain_text_reads_the_same_once_rendered():
    text = "Báo cáo số 15/BC-CAX ngày 05/10/2026 (bản ký số) – 89,9 %"
    assert md(text) == text
    rendered = MarkdownIt("commonmark").render(md("xem https://vneid.example.vn/bao-cao, www.a.vn, a@b.vn"))
    assert "xem https://vneid.example.vn/bao-cao, www.a.vn, a@b.vn" in rendered
