"""Danh mục chỉ tiêu: groups, targets, points, the scoring rule in words, evidence, source."""
import streamlit as st

from kpi.present import tables
from kpi.present.texts import smart_number
from kpi.web import data, safe, state

catalog = data.catalog()

st.title("Danh mục chỉ tiêu")
st.caption(safe.md(catalog.name))
grades = " · ".join(f"{safe.md(g.label)} từ {smart_number(g.min)} %" for g in catalog.grades)
st.markdown(f"**{len(catalog.indicators)} chỉ tiêu** trong {len(catalog.groups)} nhóm, tổng "
            f"**{smart_number(catalog.max_points)} điểm**. Xếp loại theo tỷ lệ điểm: {grades}. "
            f"Số liệu tháng M gửi trước ngày {catalog.due_day} tháng M+{catalog.due_month_offset}.")
st.caption("Mục tiêu, điểm và đơn vị chủ trì đọc từ tệp cấu hình danh mục chỉ tiêu của quản trị viên; "
           "mục tiêu ghi «mặc định của xã» là do xã đặt khi văn bản không ghi số.")

for n, group in enumerate(catalog.groups):
    points = sum(i.points for i in catalog.indicators_of_group(group))
    st.subheader(f"{safe.md(group)} · {smart_number(points)} điểm")
    # a static table wraps long texts (rules, evidence, sources) instead of cutting them
    st.table(tables.catalog_page_table(catalog, group).map(safe.md), hide_index=True)
    # each criterion's own page (its figures, units, history), keeping the period
    with st.container(horizontal=True, gap="small", key=f"catalog_links_{n}"):
        for i in catalog.indicators_of_group(group):
            st.page_link("pages/indicator.py", label=safe.md(i.name), icon=":material/flag:",
                         query_params=state.link_params(indicator=i.id))
    for note in tables.catalog_notes(catalog, group):
        st.caption(safe.md(note))

if catalog.milestones:
    st.subheader(f"Mốc, nhiệm vụ theo dõi (không tính điểm) · {len(catalog.milestones)}")
    st.caption("Yêu cầu của các văn bản mà xã theo dõi nhưng chưa có số liệu tháng để chấm điểm.")
    st.table(tables.milestone_table(catalog).map(safe.md), hide_index=True)
