"""Tình hình nộp số liệu: which unit sent which month, on time or late, who is still missing,
how long until the next due date, and a reminder ready to paste into Zalo or an email."""
import streamlit as st

from kpi.domain.periods import Period, Quarter
from kpi.present import tables, texts
from kpi.usecases import tasks as task_uc
from kpi.web import data, safe, state

catalog = data.catalog()
today = data.as_of()   # today, or the day picked in «Tính đến ngày» on the overview
period = state.current_period() or Period(Quarter.of(today))

st.title("Tình hình nộp số liệu")
st.caption(f"Số liệu tháng M gửi trước ngày {catalog.due_day} của tháng M+{catalog.due_month_offset}; "
           f"tính theo lần nộp đầu tiên. "
           + (f"Tính đến ngày {texts.date(today)}." if state.is_past(today) else f"Hôm nay {texts.date(today)}."))
st.info(tables.countdown_text(catalog, today), icon=":material/event:")

board = tables.submission_board(catalog, data.first_submissions(), tables.board_months(catalog, period, today),
                                today)
counts = tables.board_counts(board)
# four across on a computer, a 2×2 grid of small numbers on a phone (style.css)
cols = st.container(key="board_counts").columns(4)
cols[0].metric("✔ Đúng hạn", f"{counts[tables.ON_TIME]} lượt")
cols[1].metric("▲ Nộp muộn", f"{counts[tables.LATE]} lượt")
cols[2].metric("✖ Chưa nộp (quá hạn)", f"{counts[tables.MISSING]} lượt")
cols[3].metric("○ Chưa đến hạn", f"{counts[tables.NOT_DUE]} lượt")

st.subheader(f"Các đơn vị theo tháng · {period.quarter.label} và tháng hiện tại")
# a static table wraps instead of cutting; its cells are Markdown, so every text is escaped
st.table(tables.board_table(board).map(safe.md), hide_index=True)
st.caption("✔ Đúng hạn · ▲ Muộn N ngày (gửi vào ngày hạn là muộn 1 ngày) · ✖ Chưa nộp, đã quá hạn · "
           "○ Chưa đến hạn.")

st.subheader("Tin nhắn nhắc nộp số liệu")
st.caption("Bấm biểu tượng sao chép ở góc khung rồi dán vào Zalo hoặc thư điện tử.")
st.code(tables.reminder_text(catalog, board, today), language=None, wrap_lines=True)

# ── one unit: its late reports and its tasks overdue or due in the next 7 days (the task register) ──
st.subheader("Tin nhắn nhắc một đơn vị")
code = st.selectbox("Đơn vị", [u.code for u in catalog.units], key="reminder_unit", format_func=catalog.unit_name)
late_months = dict(tables.missing_units(board)).get(code, [])
lines = [f"{catalog.commune_name}: nhắc {catalog.unit_name(code)} ({today:%d/%m/%Y})."]
if late_months:
    lines.append("Số liệu chưa gửi, đã quá hạn: " + "; ".join(m.label for m in late_months) + ".")
task_lines = task_uc.reminder_lines(data.task_register(), code)
if task_lines:
    lines.append("Nhiệm vụ quá hạn và sắp đến hạn (7 ngày tới):")
    lines += task_lines
if len(lines) == 1:
    lines.append("Đơn vị đã gửi đủ số liệu đến hạn và không có nhiệm vụ quá hạn hay sắp đến hạn.")
st.code("\n".join(lines), language=None, wrap_lines=True)
