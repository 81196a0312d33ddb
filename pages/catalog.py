"""Danh mục chỉ tiêu: groups, targets, points, the scoring rule in words, evidence, source."""
import streamlit as st

from kpi.present import tables
from kpi.present.texts import smart_number
from kpi.web import data, safe, state

catalog = data.catalog()

st.title("Danh mục chỉ tiêu")
st.caption(catalog.name)
grades = " · ".join(f"{g.label} từ {smart_number(g.min)} %" for g in catalog.grades)
st.markdown(f"**{len(catalog.indicators)} chỉ tiêu** trong {len(catalog.groups)} nhóm, tổng "
            f"**{smart_number(catalog.max_points)} điểm**. Xếp loại theo tỷ lệ điểm: {grades}. "
            f"Số liệu tháng M gửi trước ngày {catalog.due_day} tháng M+{catalog.due_month_offset}.")
st.caption("Mục tiêu, điểm và đơn vị chủ trì đọc từ tệp cấu hình (config/indicators.toml); "
           "mục tiêu ghi «mặc định của xã» là do xã đặt khi văn bản không ghi số.")

table = tables.catalog_table(catalog)
shown = ["Mã", "Chỉ tiêu", "Mục tiêu", "Điểm", "Cách tính điểm", "Đơn vị chủ trì",
         "Tài liệu kiểm chứng", "Nguồn"]
for group in catalog.groups:
    rows = table[table["Nhóm"] == group]
    points = sum(i.points for i in catalog.indicators if i.group == group)
    st.subheader(f"{group} · {smart_number(points)} điểm")
    # a static table wraps long texts (rules, evidence, sources) instead of cutting them
    st.table(rows[shown].set_index("Mã"))
    # each criterion's own page (its figures, units, history), keeping the period
    with st.container(horizontal=True, gap="small", key=f"catalog_links_{catalog.groups.index(group)}"):
        for r in rows.to_dict("records"):
            st.page_link("pages/indicator.py", label=safe.md(r["Chỉ tiêu"]), icon=":material/flag:",
                         query_params=state.link_params(indicator=r["Mã"]))
    notes = rows[(rows["Ghi chú"] != "") | (rows["Hạn hoàn thành"] != "")]
    for r in notes.to_dict("records"):
        deadline = f"hạn hoàn thành {r['Hạn hoàn thành']}. " if r["Hạn hoàn thành"] else ""
        st.caption(f"{r['Mã']}: {deadline}{r['Ghi chú']}")

if catalog.milestones:
    st.subheader(f"Mốc, nhiệm vụ theo dõi (không tính điểm) · {len(catalog.milestones)}")
    st.caption("Yêu cầu của các văn bản mà xã theo dõi nhưng chưa có số liệu tháng để chấm điểm.")
    st.table(tables.milestone_table(catalog).set_index("Mã"))
