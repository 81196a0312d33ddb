"""The app's frame: page config, look, the shared period picker, projector mode, navigation."""
import streamlit as st

from kpi.domain.catalog import CatalogError
from kpi.domain.rights import may
from kpi.store import StoreError
from kpi.web import auth, backups, data, safe, state, widgets

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
actor = auth.current_actor()

pages = [
    st.Page("pages/overview.py", title="Tổng quan", icon=":material/dashboard:", default=True,
            url_path="tong-quan"),
    st.Page("pages/indicator.py", title="Chỉ tiêu", icon=":material/flag:", url_path="chi-tieu"),
    st.Page("pages/unit.py", title="Đơn vị", icon=":material/apartment:", url_path="don-vi"),
    st.Page("pages/whatif.py", title="Mô phỏng", icon=":material/tune:", url_path="mo-phong"),
    st.Page("pages/upload.py", title="Nhập số liệu", icon=":material/upload_file:",
            url_path="nhap-so-lieu"),
    st.Page("pages/evidence.py", title="Minh chứng", icon=":material/folder_open:", url_path="minh-chung"),
    st.Page("pages/submissions.py", title="Tình hình nộp số liệu", icon=":material/fact_check:",
            url_path="nop-so-lieu"),
    st.Page("pages/catalog.py", title="Danh mục chỉ tiêu", icon=":material/menu_book:",
            url_path="danh-muc"),
]
restricted = {   # page → the right it needs
    "nhap-so-lieu": "record_submission",
    "nhat-ky": "read_audit",
    "sao-luu": "make_backup",
    "tai-khoan": "manage_accounts",
}
pages += [
    st.Page("pages/audit.py", title="Nhật ký", icon=":material/history:", url_path="nhat-ky"),
    st.Page("pages/backup.py", title="Sao lưu", icon=":material/backup:", url_path="sao-luu"),
    st.Page("pages/accounts.py", title="Tài khoản", icon=":material/manage_accounts:", url_path="tai-khoan"),
]
if actor is None:
    # every page is known to the router, so a deep link is not "not found"; none of it runs: only
    # the login form shows, and after logging in the same link opens its page
    st.navigation(pages, position="hidden")
    auth.login_form()
    st.stop()
st.session_state["_actor"] = actor
pages = [p for p in pages if p.url_path not in restricted or may(actor, restricted[p.url_path])]

try:
    figures = data.current_figures()
except StoreError as e:  # database held by another program, newer than the app, …
    st.error(f"Không mở được cơ sở dữ liệu: {safe.md(e)}")
    st.stop()
backups.ensure_daily_backup()
if state.projector_requested():
    # no sidebar in projector mode: the controls sit in one thin row above the page
    bar = st.columns([5, 1.7, 1.2, 1.3, 1.4, 1.1], vertical_alignment="bottom")
    auth.logout_button(bar[5], key="logout_projector")
    state.projector_toggle(bar[1])
    state.rotation_picker(bar[2])
    period = state.period_picker(figures, where=bar[3], where_value=bar[4])
    st.session_state["_period"] = period
    bar[0].title(f"{data.catalog().commune_name} — Chuyển đổi số"
                 + (f" · {period.label}" if period else ""))
else:
    st.sidebar.caption(auth.who_caption(actor))
    auth.logout_button()
    state.projector_toggle()
    st.session_state["_period"] = state.period_picker(figures)
widgets.inject_css(state.is_projector())
try:
    st.navigation(pages, position="hidden" if state.is_projector() else "sidebar").run()
except Exception as e:  # noqa: BLE001 — one Vietnamese message; the traceback goes to the server log
    safe.unexpected(e)
