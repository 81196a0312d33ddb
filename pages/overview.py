"""Tổng quan: the quarter's score."""
import pandas as pd
import streamlit as st

from kpi import ui
from kpi.fmt import percent, smart_number
from kpi.periods import Month
from kpi.scoring import round_points, score_quarter, status_text

catalog = ui.catalog()
figures = ui.current_figures()
st.title(f"{catalog.commune_name} — Chỉ tiêu chuyển đổi số")
if figures.empty:
    st.info("Chưa có số liệu nào. Hãy nhập số liệu tháng của các đơn vị.")
    st.stop()
quarter = Month.parse(figures["period"].max()).quarter
score = score_quarter(catalog, figures, quarter)
st.metric(f"Tổng điểm {quarter.label}",
          f"{smart_number(round_points(score.total_points))}/{smart_number(score.max_points)}",
          help=score.grade)
st.subheader(f"Xếp loại: {score.grade}")
rows = [{"Chỉ tiêu": r.indicator.name,
         "Đạt được": percent(r.achieved) if r.indicator.is_ratio else smart_number(r.achieved),
         "Điểm": smart_number(round_points(r.points)), "Tối đa": smart_number(r.max_points),
         "Trạng thái": status_text(r.status)} for r in score.indicators]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
