"""Đơn vị: one unit's criteria and status, its share of points, its timeliness and uploads."""
import pandas as pd
import streamlit as st

from kpi.domain.scoring import MET
from kpi.present import tables, texts
from kpi.present.texts import percent, smart_number
from kpi.web import data, safe, state, widgets
from kpi.web import evidence as web_evidence

catalog = data.catalog()
figures = data.current_figures()
period = state.current_period()
projector = state.is_projector()

codes = [u.code for u in catalog.units]
actor = st.session_state["_actor"]
if ("unit_code" not in st.session_state and not st.query_params.get("unit") and actor.role == "coordinator"
        and actor.units and actor.units[0] in codes):
    st.session_state["unit_code"] = actor.units[0]      # a coordinator sees their own unit first
state.query_choice("unit", codes, "unit_code")
code = st.selectbox("Đơn vị", codes, key="unit_code", format_func=catalog.unit_name)
state.mirror_query("unit", code)

st.title(safe.md(catalog.unit_name(code)))
own = catalog.indicators_of_unit(code)
led = [i for i in catalog.indicators if i.lead_unit == code]
if not projector:
    st.caption(f"Báo cáo {len(own)} chỉ tiêu, chủ trì {len(led)} chỉ tiêu.")

if period is None:
    st.info("Chưa có số liệu nào. Hãy nhập số liệu tháng ở trang «Nhập số liệu».")
    st.stop()

result = data.result(period)   # the one door: frozen when the quarter is closed; every unit, one pass
commune_score, unit_score = result.commune, result.of(code)
share = tables.unit_share(catalog, commune_score, unit_score)
months = tables.data_months(figures)
timely = tables.timeliness(catalog, data.first_submissions(), code, months, data.as_of())
due = timely[timely["status"] != tables.NOT_DUE]

met = f"{sum(r.status == MET for r in unit_score.indicators)}/{len(unit_score.indicators)}"
on_time = f"{int((due['status'] == tables.ON_TIME).sum())}/{len(due)} tháng"
score_text = texts.score_headline(unit_score.total_points, unit_score.max_points) if own else "—"
if projector:
    # the meeting's question first: the unit's score, how many criteria it meets, which lose points
    # (three below full HD, five on it: style-projector.css), at projector size on one screen
    with st.container(key="unit_head", horizontal=True, gap="large"):
        st.metric(f"Điểm đơn vị · {period.label}" + texts.score_state(unit_score.provisional, result.frozen),
                  score_text)
        st.metric("Chỉ tiêu đạt", met)
        st.metric("Báo cáo đúng hạn", on_time)
    losing = tables.loss_rows(catalog, unit_score, 5)
    st.subheader(f"Chỉ tiêu mất điểm · {period.label}")
    if not losing:
        st.success("Không chỉ tiêu nào của đơn vị mất điểm trong kỳ này.")
    else:
        with st.container(key="unit_losing"):
            st.table(pd.DataFrame([{"Điểm mất": texts.points_change(-r.points_lost), "Chỉ tiêu": r.name,
                                    "Đạt được": r.achieved, "Mục tiêu": r.target,
                                    "Trạng thái": texts.status(r.status)} for r in losing]).map(safe.md),
                     hide_index=True)
else:
    # the score's label names its quarter and its kind («tạm tính», «đã khoá sổ»): its column is the widest
    cols = st.columns([1.35, 1.1, 0.75, 1])
    cols[0].metric(f"Điểm đơn vị · {period.label}" + texts.score_state(unit_score.provisional, result.frozen),
                   score_text)
    cols[1].metric("Tỷ trọng trong tổng điểm tối đa", percent(share["share_of_max"]))
    cols[2].metric("Chỉ tiêu đạt", met)
    cols[3].metric("Báo cáo đúng hạn", on_time)

st.subheader(f"Các chỉ tiêu của đơn vị · {period.label}")
if not own:
    st.info("Đơn vị này không báo cáo chỉ tiêu nào trong danh mục.")
elif not tables.has_data(figures, period, unit=code):
    st.info(f"Đơn vị chưa có số liệu trong {period.label}.")
else:
    st.caption("Điểm tính trên số liệu riêng của đơn vị (cùng quy tắc chấm điểm của xã), "
               f"tối đa {smart_number(share['max_points'])} điểm. Bấm vào một chỉ tiêu để mở trang "
               "của chỉ tiêu; «Mở ↗» mở trang đó trong thẻ mới.")
    # widths that add up to the page at 1280 wide with the menu open (wider screens stretch them):
    # names wrap, nothing is cut
    widgets.linked_table(
        tables.unit_criteria_table(catalog, unit_score), "unit_criteria_table",
        {None: ("pages/indicator.py", "indicator", "Mã")}, all_rows=True, wrap=True,
        column_config={"Mã": None, **{c: st.column_config.TextColumn(width=w) for c, w in (
            ("Chỉ tiêu", 284), ("Đạt được", 90), ("Mục tiêu", 95), ("Điểm", 60), ("Tối đa", 60),
            ("Trạng thái", 100), ("Chủ trì", 70))}})

# one below the other, each the page's width: at 1366×768 with the menu open every column shows
# on one line or wraps (static tables; their cells are Markdown, so every text is escaped)
st.subheader("Báo cáo tháng: đúng hạn hay muộn")
st.caption(f"Số liệu tháng M gửi trước ngày {catalog.due_day} của tháng M+"
           f"{catalog.due_month_offset}; tính theo lần nộp đầu tiên.")
st.table(tables.timeliness_table(timely.iloc[::-1]).map(safe.md), hide_index=True)

st.subheader("Lịch sử nhập số liệu")
history = data.upload_history(code)
if history.empty:
    st.info("Đơn vị chưa nhập số liệu lần nào.")
else:
    st.table(tables.upload_history_table(history).map(safe.md), hide_index=True)

# ── the quarter's evidence of the unit's criteria: what is attached, reviews, the attach form
#    (for an account that may attach for this unit; not in projector mode) ──
web_evidence.unit_evidence(catalog, period.quarter, code, st.session_state["_actor"])
