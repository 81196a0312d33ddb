"""Tài khoản: accounts (add, disable, new password) and closing/reopening a quarter (admin)."""
import pandas as pd
import streamlit as st

from kpi.domain.periods import PeriodError, Quarter
from kpi.domain.rights import ROLES, PermissionDenied, may, role_text
from kpi.usecases.accounts import add_user, change_password, disable_user
from kpi.usecases.closing import close, reopen
from kpi.usecases.errors import StoreError
from kpi.usecases.history import closed_quarters, list_accounts
from kpi.web import auth, data, safe

actor = auth.actor()
if not may(actor, "manage_accounts"):
    st.error("Chỉ quản trị viên được quản lý tài khoản.")
    st.stop()
catalog = data.catalog()
conn = data.connection()
st.title("Tài khoản")
accounts = list_accounts(conn)
st.dataframe(pd.DataFrame({
    "Tên đăng nhập": [a.login for a in accounts], "Họ tên": [a.name for a in accounts],
    "Vai trò": [role_text(a.role) for a in accounts], "Đơn vị": [", ".join(a.units) for a in accounts],
    "Trạng thái": ["hoạt động" if a.active else "đã khoá" for a in accounts],
    "Mẫu": ["có" if a.demo else "" for a in accounts]}), hide_index=True, width="stretch")


def _do(fn, ok: str) -> None:
    try:
        fn()
    except (StoreError, PermissionDenied, PeriodError) as e:
        st.error(safe.md(e))      # messages name logins and quarters as typed
        return
    st.success(safe.md(ok))


with st.form("add_account", clear_on_submit=True):
    st.subheader("Thêm tài khoản")
    c = st.columns(4)
    login = c[0].text_input("Tên đăng nhập mới")
    name = c[1].text_input("Họ tên")
    role = c[2].selectbox("Vai trò", list(ROLES), format_func=role_text)
    units = c[3].multiselect("Đơn vị (đầu mối)", [u.code for u in catalog.units], format_func=catalog.unit_name,
                             placeholder="Chọn đơn vị")
    password = st.text_input("Mật khẩu ban đầu", type="password")
    if st.form_submit_button("Thêm"):
        _do(lambda: add_user(conn, catalog, actor, login, role, units, name, password),
            f"Đã thêm tài khoản «{login}».")

logins = [a.login for a in accounts]
if logins:
    with st.form("change_account"):
        st.subheader("Đổi mật khẩu / khoá tài khoản")
        who = st.selectbox("Tài khoản", logins)
        new_password = st.text_input("Mật khẩu mới", type="password")
        c = st.columns(2)
        if c[0].form_submit_button("Đổi mật khẩu"):
            _do(lambda: change_password(conn, actor, who, new_password), f"Đã đổi mật khẩu của «{who}».")
        if c[1].form_submit_button("Khoá tài khoản"):
            _do(lambda: disable_user(conn, actor, who), f"Đã khoá tài khoản «{who}».")

st.subheader("Khoá sổ quý")
quarter = st.text_input("Quý (dạng 2026-Q2)", key="close_quarter")
reason = st.text_input("Lý do mở lại (bắt buộc khi mở lại)", key="reopen_reason")
c = st.columns(2)
if c[0].button("Khoá sổ quý"):
    _do(lambda: close(conn, catalog, actor, Quarter.parse(quarter.strip())), f"Đã khoá sổ quý {quarter}.")
if c[1].button("Mở lại quý"):
    _do(lambda: reopen(conn, catalog, actor, Quarter.parse(quarter.strip()), reason),
        f"Đã mở lại quý {quarter}.")
closures = closed_quarters(conn, catalog.commune)
if len(closures):
    st.dataframe(closures, hide_index=True, width="stretch")
