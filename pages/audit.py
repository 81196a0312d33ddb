"""Nhật ký: who did what, when, to which unit-month and file; filters and .xlsx export."""
import streamlit as st

from kpi.domain.periods import Month
from kpi.domain.rights import may
from kpi.present.audit_texts import ACTIONS, action_text, audit_table
from kpi.usecases.history import audit_rows
from kpi.web import auth, data, state

actor = auth.actor()
if not may(actor, "read_audit"):
    st.error("Chỉ Văn phòng và quản trị viên được xem nhật ký.")
    st.stop()
catalog = data.catalog()
st.title("Nhật ký")
st.caption("Mọi lần nhập, thay phiên bản, từ chối (quyền, khoá sổ), khoá/mở quý, đăng nhập, "
           "thay đổi tài khoản và phiên bản danh mục.")
cols = st.columns(4)
person = cols[0].text_input("Người thực hiện (tên đăng nhập)", key="audit_person").strip()
unit = cols[1].selectbox("Đơn vị", [""] + [u.code for u in catalog.units], key="audit_unit",
                         format_func=lambda c: "Tất cả" if not c else f"{c} — {catalog.unit_name(c)}")
# the period as a choice (months of the last two years, then quarters), never a code to type
this_month = Month.of(state.today())
months = [this_month.add(-n) for n in range(24)]
quarters = sorted({m.quarter for m in months}, key=str, reverse=True)
labels = {str(p): p.label for p in [*months, *quarters]}
period = cols[2].selectbox("Kỳ", ["", *labels], key="audit_period",
                           format_func=lambda k: labels.get(k, "Tất cả"))
action = cols[3].selectbox("Việc", ["", *ACTIONS], format_func=lambda a: action_text(a) if a else "Tất cả",
                          key="audit_action")
rows = audit_rows(data.connection(), catalog.commune, person or None, unit or None, period or None, action or None)
table = audit_table(rows)
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"Thời điểm": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm:ss")})


def audit_xlsx() -> bytes:
    """The table as .xlsx (user text never a formula), built (and openpyxl imported) only when
    the button is clicked."""
    from kpi.reports.audit_xlsx import audit_workbook
    return audit_workbook(table)


st.download_button("Tải nhật ký (.xlsx)", audit_xlsx, file_name="nhat-ky.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   icon=":material/download:")
