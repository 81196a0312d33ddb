"""Minh chứng: for the quarter, each criterion (× unit): the evidence required, what is attached,
the review; filters; attaching and reviewing; the inspection pack; the milestone timeline."""
import streamlit as st

from kpi.present import evidence_tables, texts
from kpi.usecases import evidence
from kpi.web import data, safe, state
from kpi.web import evidence as web_evidence

catalog = data.catalog()
period = state.current_period()
actor = st.session_state["_actor"]

if period is None:
    st.title("Minh chứng")
    st.info("Chưa có số liệu nào, nên chưa có quý nào để gửi minh chứng.")
    st.stop()

quarter = period.quarter
st.title(f"Minh chứng · {quarter.label}")
st.caption("Tài liệu kiểm chứng của từng chỉ tiêu trong quý: cần có gì, đã gửi gì, văn phòng đã duyệt chưa.")
web_evidence.notice()

slots = evidence.quarter_board(data.connection(), catalog, quarter)
count, points = evidence.lacking_summary(slots)
cols = st.columns(3)
cols[0].metric("Chỉ tiêu chưa có minh chứng được duyệt", f"{count}/{len(catalog.indicators)}")
cols[1].metric("Điểm của các chỉ tiêu đó", texts.points(points))
cols[2].metric("Chờ duyệt", sum(s.state == "pending" for s in slots))

timeline = web_evidence.milestones_today()
if timeline:
    st.subheader("Mốc hạn hoàn thành")
    with st.container(key="milestone_board"):       # static: wraps at 1366, no column hidden
        st.table(evidence_tables.milestone_table(catalog, timeline).map(safe.md), hide_index=True)

st.subheader("Minh chứng theo chỉ tiêu")
left, right = st.columns([3, 2])
choice = left.segmented_control("Lọc", list(evidence_tables.FILTERS), default="Tất cả", key="evidence_filter")
units = [None] + [u.code for u in catalog.units]
if "evidence_unit" not in st.session_state and actor.role == "coordinator" and actor.units:
    st.session_state["evidence_unit"] = actor.units[0]      # a coordinator sees their unit first
unit = right.selectbox("Đơn vị", units, key="evidence_unit",
                       format_func=lambda u: "Tất cả đơn vị" if u is None else catalog.unit_name(u))
rows = evidence_tables.shown(slots, evidence_tables.FILTERS[choice or "Tất cả"], unit)
if rows:
    # a static table: every column wraps at 1366 with the menu open, nothing is cut or hidden
    # (its cells are Markdown: user text escaped)
    with st.container(key="evidence_board"):
        st.table(evidence_tables.board_table(catalog, rows).map(safe.md), hide_index=True)
else:
    st.info("Không có chỉ tiêu nào khớp bộ lọc.")

# the obligations of the catalogue's [[milestones]] take evidence too: accepted, it makes them done
duties = evidence.obligation_slots(data.connection(), catalog, quarter)
# and the register's tasks with something sent this quarter (sent from «Nhiệm vụ»; reviewed here)
duties += evidence.task_slots(data.connection(), catalog, quarter)
attach, review = st.columns(2)
with attach:
    web_evidence.attach_form(catalog, quarter, slots + duties, actor)
with review:
    web_evidence.review_form(catalog, quarter, slots + duties, actor)

web_evidence.pack_download(catalog, quarter, actor)
