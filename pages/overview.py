"""Tổng quan: the period's score, the groups, the criteria losing points and who leads them."""
import streamlit as st

from kpi import charts, ui, views
from kpi.fmt import percent
from kpi.scoring import MET

catalog = ui.catalog()
figures = ui.current_figures()
period = ui.current_period()
projector = ui.is_projector()

if not projector:  # in projector mode the frame's top row carries the title
    st.title(f"{catalog.commune_name} · {period.label}" if period else catalog.commune_name)
    st.caption(catalog.name)
if period is None:
    st.info("Chưa có số liệu nào. Hãy vào trang «Nhập số liệu» để nhập số liệu tháng của các "
            "đơn vị (hoặc chạy `python -m kpi demo` để xem dữ liệu mẫu).")
    st.stop()

score = views.score_period(catalog, figures, period)
previous = period.previous()
prev_score = (views.score_period(catalog, figures, previous)
              if views.has_data(figures, previous) else None)
reported = [m for m in period.months if views.has_data(figures, views.Period(m.quarter, m))]
met = sum(r.status == MET for r in score.indicators)

cols = st.columns(4)
cols[0].metric(f"Tổng điểm {period.label}", views.score_headline(score),
               views.change_text(views.score_change(score, prev_score), previous.label))
cols[1].metric("Xếp loại", score.grade)
cols[2].metric("Tỷ lệ điểm", percent(score.percent))
cols[3].metric("Chỉ tiêu đạt", f"{met}/{len(score.indicators)}")
if period.is_month:
    st.caption(f"Điểm của riêng {period.label}: chấm trên số liệu của tháng; chỉ tiêu cộng dồn cả "
               f"quý (tin, bài…) chỉ đủ khi cộng ba tháng. «Cần làm» tính cho {period.quarter.label}.")
elif len(reported) < 3:
    st.caption(f"{period.label} mới có số liệu của {len(reported)}/3 tháng "
               f"({', '.join(m.label for m in reported)}); điểm tính trên các tháng đã có.")

what_it_takes = views.what_it_takes_texts(catalog, figures, period)
top = views.top_losses(catalog, score, 5, what_it_takes)
statuses = {r.id: r.status for r in score.indicators}

losses_title = "5 chỉ tiêu mất nhiều điểm nhất và việc cần làm"
if projector:
    left, right = st.columns([1, 2.8])
    with left:
        st.subheader("Điểm theo nhóm")
        ui.chart(charts.group_bars(views.group_table(score), projector=True))
    with right:
        seconds = ui.rotation_seconds()
        if seconds:
            st.subheader("Các chỉ tiêu mất điểm, lần lượt")
            every_loss = views.top_losses(catalog, score, len(score.indicators), what_it_takes)
            ui.loss_carousel(every_loss, statuses, seconds)
        else:
            st.subheader(losses_title)
            ui.losses(top, statuses)
    st.stop()  # the projector view is the one screen above

st.subheader(losses_title)
ui.losses(top, statuses)

left, right = st.columns([3, 2])
with left:
    st.subheader("Điểm theo nhóm chỉ tiêu")
    ui.chart(charts.group_bars(views.group_table(score)))
with right:
    st.subheader("Điểm mất theo đơn vị chủ trì")
    st.dataframe(views.losses_by_lead_unit(catalog, score), hide_index=True, width="stretch",
                 column_config={"Đơn vị": None})

st.subheader("Bảng chỉ tiêu (xếp theo điểm mất)")
ui.status_legend()
st.dataframe(views.criteria_table(catalog, score), hide_index=True, width="stretch",
             column_config={"Mã": None, "Chỉ tiêu": st.column_config.TextColumn(width="large")})

st.subheader("Tình trạng theo đơn vị và chỉ tiêu")
ui.status_legend()
ui.chart(charts.status_heatmap(
    views.status_matrix(catalog, figures, period), {u.code: u.name for u in catalog.units},
    {i.id: i.name for i in catalog.indicators}))
st.caption("Mỗi ô là kết quả trên số liệu riêng của đơn vị đó; ô trống: đơn vị không báo cáo "
           "chỉ tiêu này.")

ui.report_downloads(catalog, figures, period)
