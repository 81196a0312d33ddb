"""The app's frame: page config, look, the shared period picker, projector mode, navigation."""
import streamlit as st

from kpi.domain.catalog import CatalogError
from kpi.domain.rights import CITY_ROLES, may
from kpi.usecases.errors import StoreError
from kpi.web import auth, backups, chrome, data, safe, state, widgets

st.set_page_config(page_title="Chỉ tiêu chuyển đổi số xã", page_icon=":material/dashboard:", layout="wide")


# the catalogue and the database must open (their problems name no data); then nothing of the
# app before logging in
try:
    data.catalog()
except CatalogError as e:
    st.error("Không đọc được danh mục chỉ tiêu. Hãy sửa tệp cấu hình rồi tải lại trang.")
    st.markdown("\n".join(f"- {p}" for p in e.problems))   # the catalogue is the administrator's file
    st.stop()
try:
    data.connection()
except StoreError as e:  # database held by another program, newer than the app, …
    st.error(f"Không mở được cơ sở dữ liệu: {safe.md(e)}")
    st.stop()

overview = st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True,
                   url_path="")
pages = [
    overview,
    st.Page("pages/city.py", title="Toàn thành phố", icon=":material/location_city:", url_path="toan-thanh-pho"),
    st.Page("pages/indicator.py", title="Chỉ tiêu", icon=":material/flag:", url_path="chi-tieu"),
    st.Page("pages/unit.py", title="Đơn vị", icon=":material/apartment:", url_path="don-vi"),
    st.Page("pages/whatif.py", title="Mô phỏng", icon=":material/tune:", url_path="mo-phong"),
    st.Page("pages/upload.py", title="Nhập số liệu", icon=":material/upload_file:",
            url_path="nhap-so-lieu"),
    st.Page("pages/evidence.py", title="Minh chứng", icon=":material/folder_open:", url_path="minh-chung"),
    st.Page("pages/tasks.py", title="Nhiệm vụ", icon=":material/task_alt:", url_path="nhiem-vu"),
    st.Page("pages/submissions.py", title="Tình hình nộp số liệu", icon=":material/fact_check:",
            url_path="nop-so-lieu"),
    st.Page("pages/catalog.py", title="Danh mục chỉ tiêu", icon=":material/menu_book:",
            url_path="danh-muc"),
    st.Page("pages/backup.py", title="Sao lưu", icon=":material/backup:", url_path="sao-luu"),
    st.Page("pages/audit.py", title="Nhật ký", icon=":material/history:", url_path="nhat-ky"),
    st.Page("pages/accounts.py", title="Tài khoản", icon=":material/manage_accounts:",
            url_path="tai-khoan"),
    # the overview's own address too (bookmarks, the projector link, the menu's link); the default
    # page lives at "/"
    overview_address := st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:",
                                url_path="tong-quan", visibility="hidden"),
]
# a page opens for an account with any one of its rights («Tài khoản»: the office sees only closing a quarter)
PAGE_RIGHTS = {"toan-thanh-pho": ("read_city",), "nhap-so-lieu": ("record_submission",), "nhat-ky": ("read_audit",),
               "sao-luu": ("make_backup",), "tai-khoan": ("manage_accounts", "close_quarter")}


def may_open(actor, url_path: str) -> bool:
    return url_path not in PAGE_RIGHTS or any(may(actor, right) for right in PAGE_RIGHTS[url_path])


# Every run declares the pages, the login run too: a deep link (/don-vi?unit=CA) is then always a
# known page and opens after logging in; nothing of a page runs before. The menu is the app's own
# links (.streamlit/config.toml hides Streamlit's; kpi/web/serve.py switches off the legacy pages/
# mode of a fresh server).
current = st.navigation(pages, position="hidden")
chrome.vietnamese_chrome()   # Streamlit's own English words («Press Enter to apply», …) in Vietnamese
actor = auth.current_actor()
if actor is None:
    auth.login_form()
    st.stop()
st.session_state["_actor"] = actor
auth.keep_cookie()   # once after signing in: the browser gets the session cookie (a reload stays in)
state.begin_run()   # the one reading of the clock in this run: every page judges the record on it
if not may(actor, "read_past_record"):
    state.today_only()
# several communes (a city file, or a database holding several): the commune pages work in the one
# chosen (an account of one commune: its own); the city view is shown to those who may read it
city = data.city()
several = len(city.communes) > 1
hidden = set() if several or actor.role in CITY_ROLES else {"toan-thanh-pho"}
shown = [p for p in pages if p.visibility != "hidden" and p.url_path not in hidden
         and may_open(actor, p.url_path)]
# the menu links the overview by its own address (a real href, not the empty one of "/")
menu = [overview_address if p is overview else p for p in shown]
refused_page = not may_open(actor, current.url_path)
if (actor.role in CITY_ROLES and current is overview and not st.query_params.get("commune")
        and not st.session_state.get("_landed")):
    st.session_state["_landed"] = True      # a city account opening "/" lands on the city view (once)
    st.switch_page(pages[1], query_params=dict(st.query_params))
st.session_state["_landed"] = True
default_commune = actor.commune or (city.base.commune if city.has(city.base.commune) else city.codes[0])
names = {c.code: c.name for c in city.communes}
state.seed_commune(list(city.codes), default_commune, actor.commune)

try:
    commune = state.current_commune()
    figures = data.current_figures()
except StoreError as e:  # database held by another program, newer than the app, …
    st.error(f"Không mở được cơ sở dữ liệu: {safe.md(e)}")
    st.stop()
backups.ensure_daily_backup()
if state.projector_requested():
    # no sidebar in projector mode: the controls sit in one thin row above the page, the page
    # links in a row under them (they keep projector mode)
    bar = st.columns([3.6, 2.2, 1.5, 1.3, 1.6, 1.4], vertical_alignment="bottom")
    if state.commune_picker(list(city.codes), names, default_commune, actor.commune, where=bar[2]) != commune:
        figures = data.current_figures()
    auth.logout_button(bar[5], key="logout_projector")
    state.projector_toggle(bar[1])
    state.rotation_picker(bar[2])
    period = state.period_picker(figures, where=bar[3], where_value=bar[4])
    st.session_state["_period"] = period
    where = "Toàn thành phố" if current.url_path == "toan-thanh-pho" else data.catalog().commune_name
    bar[0].title(f"{where} — Chuyển đổi số"
                 + (f" · {period.label}" if period else ""))
    widgets.page_links([p for p in menu if p.url_path in state.PROJECTOR_PAGES or p is overview_address], current,
                       state.link_params(), row=True)
else:
    if state.commune_picker(list(city.codes), names, default_commune, actor.commune) != commune:
        figures = data.current_figures()
    widgets.page_links(menu, current, state.link_params(), where=st.sidebar)
    # the period first (it changes every page), then who is signed in, logout, projector mode
    st.session_state["_period"] = state.period_picker(figures)
    st.sidebar.caption(safe.md(auth.who_caption(actor)))   # names are typed by people
    auth.logout_button()
    state.projector_toggle()
widgets.inject_css(state.is_projector())
try:
    if refused_page:   # a typed or bookmarked address of a page this account may not open
        st.error(f"Tài khoản của bạn không được mở trang «{current.title}». Hãy chọn một trang trong menu.")
    else:
        current.run()
except Exception as e:  # noqa: BLE001 — one Vietnamese message; the traceback goes to the server log
    safe.unexpected(e)
