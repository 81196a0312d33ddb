"""Streamlit's own interface words in Vietnamese.

Streamlit writes some words of its interface in English and has no option for them: the skip link
(«Skip to main content»), «Press Enter to apply», the uploader's «Upload» and «200MB per file» and a
file's size («9.0KB»), the selectbox's «Choose an option», tooltips' «Help for …», the tables'
toolbar («Search», «Download as CSV», «Fullscreen»), «Collapse sidebar», … A small script, installed
once per page, replaces them (text, placeholder, aria-label, title) whenever Streamlit draws them.
Should Streamlit rename one, tests/e2e/test_english_browser.py fails with the page and the text."""
from __future__ import annotations

import json

import streamlit as st

# exact strings → Vietnamese
WORDS = {
    "Skip to main content": "Chuyển đến nội dung chính",
    "Collapse sidebar": "Thu gọn thanh bên", "Expand sidebar": "Mở thanh bên", "Sidebar": "Thanh bên",
    "Open": "Mở danh sách", "Close": "Đóng", "Clear": "Xoá", "Clear all": "Xoá hết", "Clear value": "Xoá",
    "Link to heading": "Liên kết đến mục này",
    "Download as CSV": "Tải về dạng CSV", "Fullscreen": "Toàn màn hình", "Close fullscreen": "Thu nhỏ",
    "Search": "Tìm", "Show/hide columns": "Ẩn/hiện cột", "Show hide columns": "Ẩn/hiện cột",
    "file upload": "tải tệp lên", "Upload": "Chọn tệp", "Browse files": "Chọn tệp",
    "Drag and drop file here": "Kéo thả tệp vào đây", "Drag and drop files here": "Kéo thả tệp vào đây",
    "Choose an option": "Chọn…", "Choose options": "Chọn…", "No results": "Không có kết quả",
    "Increment": "Tăng", "Decrement": "Giảm",
    "Show password": "Hiện mật khẩu", "Hide password": "Ẩn mật khẩu", "Choose date": "Chọn ngày",
    "Show password text": "Hiện mật khẩu", "Hide password text": "Ẩn mật khẩu",
    "Remove file": "Bỏ tệp", "Delete": "Xoá", "Remove": "Bỏ",
    "Copy to clipboard": "Chép", "Copied": "Đã chép",
    # an empty date input (`format="DD/MM/YYYY"`) shows its format as the placeholder
    "DD/MM/YYYY": "ngày/tháng/năm", "dd/mm/yyyy": "ngày/tháng/năm",
    # … or as the masked input's parts, each its own text
    "dd": "ngày", "mm": "tháng", "yyyy": "năm", "DD": "ngày", "MM": "tháng", "YYYY": "năm",
}
# patterns (JavaScript regular expressions) → replacement
PATTERNS = [
    (r"^Help for (.+)$", "Giải thích: $1"),
    (r"^month, (.+)$", "tháng, $1"), (r"^year, (.+)$", "năm, $1"),
    (r"^Selected Date: (\w+) (\d+), (\d+)$", "Ngày đã chọn: $2 $1 $3"),
    (r"^Press (.+) to submit form$", "Nhấn $1 để gửi"),
    (r"^Press (.+) to apply$", "Nhấn $1 để áp dụng"),
    (r"^(\d+)\s?MB per file(.*)$", "tối đa $1 MB mỗi tệp$2"),
    (r"^(\d+)\.(\d+)\s?(B|KB|MB|GB)$", "$1,$2 $3"),
    (r"^(\d+)(B|KB|MB|GB)$", "$1 $2"),
]

_SCRIPT = """(() => {
  if (window.__kpiWords) return;
  const words = %s, patterns = %s.map(([p, r]) => [new RegExp(p), r]);
  const say = s => {
    const t = s.trim();
    if (!t) return null;
    if (Object.prototype.hasOwnProperty.call(words, t)) return s.replace(t, words[t]);
    for (const [p, r] of patterns)
      if (p.test(t)) return s.replace(t, t.replace(p, r).replace(MONTH, m => 'tháng ' + (MONTHS.indexOf(m) + 1)));
    return null;
  };
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
                  'October', 'November', 'December'];
  const MONTH = new RegExp(MONTHS.join('|'), 'g');
  const ATTRS = ['placeholder', 'aria-label', 'title', 'data-title', 'alt'];
  const fix = root => {
    if (root.nodeType === 3) {
      const v = say(root.nodeValue); if (v !== null && v !== root.nodeValue) root.nodeValue = v; return;
    }
    if (root.nodeType !== 1) return;
    const all = [root, ...root.querySelectorAll('*')];
    for (const e of all) {
      for (const a of ATTRS) {
        const old = e.getAttribute(a);
        if (old) { const v = say(old); if (v !== null && v !== old) e.setAttribute(a, v); }
      }
    }
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = walk.nextNode())) {
      if (n.parentElement && n.parentElement.closest('[data-testid="stIconMaterial"],script,style')) continue;
      const v = say(n.nodeValue); if (v !== null && v !== n.nodeValue) n.nodeValue = v;
    }
  };
  window.__kpiWords = new MutationObserver(records => {
    for (const r of records) {
      if (r.type === 'childList') r.addedNodes.forEach(fix);
      else if (r.type === 'characterData') fix(r.target);
      else if (r.type === 'attributes') fix(r.target);
    }
  });
  window.__kpiWords.observe(document.body, {subtree: true, childList: true, characterData: true,
                                            attributes: true, attributeFilter: ATTRS});
  fix(document.body);
})();"""


# On a phone Streamlit lays the sidebar over the page and leaves it open after a page link in it is
# followed (its own menu closes it; the app's menu is page links): close it, as its own menu does.
# Streamlit's small-screen width: below its `md` breakpoint, 768 px.
_PHONE_MENU = """(() => {
  if (window.__kpiPhoneMenu) return;
  window.__kpiPhoneMenu = true;
  document.addEventListener('click', e => {
    const link = e.target.closest && e.target.closest('[data-testid="stSidebar"] [data-testid="stPageLink"] a');
    if (!link || !window.matchMedia('(max-width: 767.98px)').matches) return;
    setTimeout(() => {
      const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
      const sidebar = document.querySelector('[data-testid="stSidebar"]');
      if (close && sidebar && sidebar.getAttribute('data-collapsed') !== 'true') close.click();
    }, 0);
  }, true);
})();"""


def vietnamese_chrome() -> None:
    """Install the scripts (every run: a reloaded page installs them again; each runs once per page):
    Streamlit's words in Vietnamese, and the phone's menu that closes once a page is chosen."""
    script = _SCRIPT % (json.dumps(WORDS, ensure_ascii=False), json.dumps(PATTERNS)) + _PHONE_MENU
    with st.container(key="kpi-chrome"):
        st.html("<style>.st-key-kpi-chrome, .st-key-kpi-script, [data-testid=stLayoutWrapper]:has(> .st-key-kpi-chrome), "
                "[data-testid=stLayoutWrapper]:has(> .st-key-kpi-script) {display:none !important}</style>"
                f"<script>{script}</script>",
                unsafe_allow_javascript=True)
