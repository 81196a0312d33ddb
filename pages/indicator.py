"""Chỉ tiêu: one criterion over time, per unit, its figures, evidence and source."""
import streamlit as st

from kpi.present import charts, tables, texts
from kpi.present.texts import date
from kpi.web import data, notes, safe, state, widgets
from kpi.web import evidence as web_evidence

catalog = data.catalog()
figures = data.current_figures()
period = state.current_period()
projector = state.is_projector()

# grouped by group (catalogue order); typing filters the list ("wifi", "Đề án 06", …)
ids = [i.id for g in catalog.groups for i in catalog.indicators_of_group(g)]
state.query_choice("indicator", ids, "indicator_id")
indicator_id = st.selectbox(
    "Chỉ tiêu (gõ để tìm theo tên hoặc nhóm)", ids, key="indicator_id",
    format_func=lambda i: texts.indicator_choice(catalog.indicator(i)))
state.mirror_query("indicator", indicator_id)
ind = catalog.indicator(indicator_id)

st.header(safe.md(ind.name))
if projector:   # one line: the group and who leads it
    st.caption(f"Nhóm: {safe.md(ind.group)} · Chủ trì: {safe.md(catalog.unit_name(ind.lead_unit))}")
else:
    st.caption(f"Nhóm: {safe.md(ind.group)} · Chủ trì: {safe.md(catalog.unit_name(ind.lead_unit))} · "
               f"Đơn vị báo cáo: {safe.md(', '.join(catalog.unit_name(u) for u in ind.units))}")

if period is None:
    st.info("Chưa có số liệu nào. Hãy nhập số liệu tháng ở trang «Nhập số liệu».")
else:
    result = data.criterion_result(period, ind.id)   # a closed quarter: as frozen at its closing
    todo = data.what_it_takes_one(period, ind.id)
    monthly = data.monthly_series(ind.id)
    has_months = monthly["achieved"].notna().sum() > 0
    if projector:
        # the meeting's question first: the result against the target, its points and status, beside
        # its trend; the quarters and the units follow below
        with st.container(key="criterion_head", horizontal=True, gap="large"):
            with st.container(key="criterion_facts", width=420):
                st.metric(f"Đạt được · {period.label}", texts.achieved(ind, result.achieved))
                st.metric("Mục tiêu", texts.target(ind))
                st.metric("Điểm", texts.points_of(result.points, result.max_points))
                st.markdown(widgets.status_badge(result.status), unsafe_allow_html=True)
            with st.container(key="criterion_trend"):
                st.markdown("**Theo tháng (toàn xã)**")
                if has_months:
                    widgets.chart(data.figure(charts.monthly_line, monthly, ind, projector=True))
                else:
                    st.info("Chỉ tiêu này chưa có số liệu tháng nào.")
        if todo:
            st.info(f"**Cần làm:** {todo}")
        if has_months:
            st.subheader("Theo quý")
            widgets.chart(data.figure(charts.quarter_bars, data.quarter_series(ind.id), ind, projector=True))
    else:
        cols = st.columns(4)
        cols[0].metric(f"Đạt được · {period.label}", texts.achieved(ind, result.achieved))
        cols[1].metric("Mục tiêu", texts.target(ind))
        cols[2].metric("Điểm", texts.points_of(result.points, result.max_points))
        with cols[3]:
            st.markdown("**Trạng thái**")
            st.markdown(widgets.status_badge(result.status), unsafe_allow_html=True)
        if todo:
            st.info(f"**Cần làm:** {todo}")
        if not has_months:
            st.info("Chỉ tiêu này chưa có số liệu tháng nào.")
        else:
            left, right = st.columns(2)
            with left:
                st.subheader("Theo tháng (toàn xã)")
                widgets.chart(data.figure(charts.monthly_line, monthly, ind, projector=projector))
            with right:
                st.subheader("Theo quý")
                widgets.chart(data.figure(charts.quarter_bars, data.quarter_series(ind.id), ind,
                                          projector=projector))

    st.subheader(f"Đóng góp của từng đơn vị · {period.label}")
    contrib = data.unit_contributions(ind.id, period)
    if contrib["status"].eq("no_data").all():
        st.info(f"Chưa đơn vị nào báo cáo chỉ tiêu này trong {period.label}.")
    else:
        st.caption("Bấm vào cột hoặc tên một đơn vị để mở trang của đơn vị.")
        widgets.chart(data.figure(charts.unit_bars, contrib, ind, projector=projector), key="unit_bars",
                      opens=("pages/unit.py", "unit", "x"), known=set(contrib["unit"]))
        by_unit = tables.contribution_table(ind, contrib).assign(Mã=contrib["unit"].to_numpy())
        widgets.linked_table(by_unit, "contribution_table", {None: ("pages/unit.py", "unit", "Mã")},
                             column_config={"Mã": None}, all_rows=True)
        st.subheader(f"Số liệu đã nhập · {period.label}")
        st.dataframe(tables.figures_table(catalog, figures, ind.id, period), hide_index=True,
                     width="stretch")

st.subheader("Cách tính điểm, tài liệu kiểm chứng, nguồn")
st.markdown(f"- **Cách tính điểm:** {texts.rule(ind)}\n"
            f"- **Tài liệu kiểm chứng:** {safe.md(ind.evidence or 'chưa quy định')}\n"
            f"- **Văn bản nguồn:** {safe.md(ind.source or 'chưa ghi')}"
            + (f"\n- **Hạn hoàn thành:** {date(ind.deadline)}" if ind.deadline else "")
            + (f"\n- **Thực hiện:** thường xuyên, từ {date(ind.start)}" if ind.start else "")
            + (f"\n- **Ghi chú:** {safe.md(ind.note)}" if ind.note else ""))

# ── the quarter's evidence of this criterion: what is attached, its review, the attach form
#    (for an account that may attach; not in projector mode) ──
if period is not None:
    # the office's explanation of the quarter's result (printed in the Biểu), frozen once it is closed
    notes.criterion_explanation(catalog, period.quarter, ind.id, st.session_state["_actor"],
                                data.result(period).closed)
    web_evidence.criterion_evidence(catalog, period.quarter, ind.id, st.session_state["_actor"])
