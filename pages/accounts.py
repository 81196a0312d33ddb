"""Tài khoản: accounts (add, disable, enable, new password; admin) and closing a quarter (admin and
office; reopening: admin). The office sees only the closing part."""
import pandas as pd
import streamlit as st

from kpi.domain.periods import PeriodError
from kpi.domain.rights import ROLES, PermissionDenied, may, role_text
from kpi.usecases.accounts import add_user, change_password, disable_user, enable_user
from kpi.usecases.closing import closable_quarters, close, closed_quarters_now, reopen
from kpi.usecases.errors import StoreError
from kpi.usecases.history import closed_quarters, list_accounts
from kpi.web import auth, data, safe, state

actor = auth.actor()
manages = may(actor, "manage_accounts")
if not manages and not may(actor, "close_quarter"):
    st.error("Chỉ quản trị viên được quản lý tài khoản; khoá sổ quý: quản trị viên hoặc văn phòng.")
    st.stop()
catalog = data.catalog()
conn = data.connection()


NOTICE = "_accounts_notice"


def _do(fn, ok: str) -> None:
    """Run an action; on success run the page again (tables and pickers show the change) with `ok`."""
    try:
        fn()
    except (StoreError, PermissionDenied, PeriodError) as e:
        st.error(safe.md(e))      # messages name logins and quarters as typed
        return
    st.session_state[NOTICE] = ok
    st.rerun()


done = st.session_state.pop(NOTICE, None)


if manages:
    st.title("Tài khoản")
    if done:
        st.success(safe.md(done))
    accounts = list_accounts(conn)
    st.dataframe(pd.DataFrame({
        "Tên đăng nhập": [a.login for a in accounts], "Họ tên": [a.name for a in accounts],
        "Vai trò": [role_text(a.role) for a in accounts], "Đơn vị": [", ".join(a.units) for a in accounts],
        "Trạng thái": ["hoạt động" if a.active else "đã khoá" for a in accounts],
        "Mẫu": ["có" if a.demo else "" for a in accounts]}), hide_index=True, width="stretch")

    with st.form("add_account", clear_on_submit=True, enter_to_submit=False):
        st.subheader("Thêm tài khoản")
        c = st.columns(4)
        login = c[0].text_input("Tên đăng nhập mới")
        name = c[1].text_input("Họ tên")
        role = c[2].selectbox("Vai trò", list(ROLES), format_func=role_text,
                             index=list(ROLES).index("viewer"))     # the least rights unless chosen
        units = c[3].multiselect("Đơn vị (đầu mối)", [u.code for u in catalog.units], format_func=catalog.unit_name,
                                 placeholder="Chọn đơn vị")
        password = st.text_input("Mật khẩu ban đầu", type="password",
                                 help="Ít nhất 10 ký tự; không chứa tên đăng nhập; không phải mật khẩu phổ biến "
                                      "(12345678…, password, matkhau…); không chỉ lặp lại một ký tự.")
        if st.form_submit_button("Thêm"):
            _do(lambda: add_user(conn, catalog, actor, login, role, units, name, password),
                f"Đã thêm tài khoản «{login}».")

    logins = [a.login for a in accounts]
    if logins:
        with st.form("change_account", enter_to_submit=False):
            st.subheader("Đổi mật khẩu / khoá hoặc mở khoá tài khoản")
            who = st.selectbox("Tài khoản", logins,
                               format_func=lambda x: x + ("" if next(a for a in accounts if a.login == x).active
                                                          else " (đã khoá)"))
            new_password = st.text_input("Mật khẩu mới", type="password")
            c = st.columns(3)
            if c[0].form_submit_button("Đổi mật khẩu"):
                _do(lambda: change_password(conn, actor, who, new_password), f"Đã đổi mật khẩu của «{who}».")
            if c[1].form_submit_button("Khoá tài khoản"):
                _do(lambda: disable_user(conn, actor, who), f"Đã khoá tài khoản «{who}».")
            if c[2].form_submit_button("Mở khoá tài khoản"):
                _do(lambda: enable_user(conn, actor, who), f"Đã mở khoá tài khoản «{who}».")
    st.subheader("Khoá sổ quý")
else:
    st.title("Khoá sổ quý")
    if done:
        st.success(safe.md(done))

today = state.today()        # the day of the click: the closing judges the record on it
closable = closable_quarters(conn, catalog, as_of=today)
if closable:
    quarter = st.selectbox("Quý khoá sổ", closable, format_func=lambda q: q.label, key="close_quarter")
    if st.button("Khoá sổ quý", type="primary"):
        _do(lambda: close(conn, catalog, actor, quarter, as_of=today), f"Đã khoá sổ {quarter.label}.")
else:
    st.info("Chưa có quý nào khoá sổ được: quý cần có số liệu, đã hết hạn mọi báo cáo tháng và chưa khoá sổ.")

if may(actor, "reopen_quarter"):
    reopenable = closed_quarters_now(conn, catalog)
    if reopenable:
        st.subheader("Mở lại quý đã khoá sổ")
        again = st.selectbox("Quý mở lại", reopenable, format_func=lambda q: q.label, key="reopen_quarter")
        reason = st.text_input("Lý do mở lại (bắt buộc)", key="reopen_reason")
        if st.button("Mở lại quý"):
            _do(lambda: reopen(conn, catalog, actor, again, reason), f"Đã mở lại {again.label}.")
closures = closed_quarters(conn, catalog.commune)
if len(closures):
    st.dataframe(closures, hide_index=True, width="stretch")
