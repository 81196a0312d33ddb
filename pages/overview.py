"""Tổng quan: the period's score, the groups, the criteria losing points and who leads them."""
from html import escape

import streamlit as st

from kpi.domain.rights import may
from kpi.domain.scoring import MET
from kpi.present import charts, tables, texts
from kpi.present import tasks as task_texts
from kpi.present.texts import score_percent
from kpi.web import auth, data, notes, safe, state, widgets
from kpi.web import evidence as web_evidence

period = state.current_period()
projector = state.is_projector()
as_of = data.as_of()
catalog = data.catalog()

if not projector:  # in projector mode the frame's top row carries the title
    st.title(f"{safe.md(catalog.commune_name)} · {period.label}" if period else safe.md(catalog.commune_name))
    st.caption(safe.md(catalog.name))
if period is None:
    st.info("Chưa có số liệu nào. Hãy vào trang «Nhập số liệu» để nhập số liệu tháng của các "
            "đơn vị (hoặc chạy `python -m kpi demo` để xem dữ liệu mẫu).")
    st.stop()

result = data.result(period)   # the one door: frozen when the quarter is closed, else as of `as_of`
catalog, figures, score = result.catalog, result.figures, result.commune
previous = period.previous()
prev_result = data.result(previous)
prev_score = prev_result.commune if tables.has_data(prev_result.figures, previous) else None
reported = [m for m in period.months if tables.has_data(figures, tables.Period(m.quarter, m))]
past = state.is_past(as_of)
met = sum(r.status == MET for r in score.indicators)

what_it_takes, short_actions = data.what_it_takes(period)
change = tables.score_change(score, prev_score)

if projector:
    # one screen at 1280×720 to 1920×1080 (style-projector.css sizes it to the viewport)
    up, down = texts.grade_margins(score.total_points, score.max_points, catalog.grades)
    left, right = st.columns([1, 1.9], gap="medium")
    with left:
        widgets.projector_headline(
            total=texts.score_headline(score.total_points, score.max_points), grade=score.grade,
            provisional=texts.result_state_short(score.provisional, result.frozen, result.recomputed,
                                                 as_of if past else None) or tables.provisional_short(score),
            change=tables.change_text(change, previous.label, metric=False), margins=(up, down))
        # ── evidence and milestones: lacking evidence, overdue and at-risk deadlines first ──
        web_evidence.projector_follow_up(catalog, period.quarter, as_of)
        # ── the task register: how many other tasks are overdue, the first one with its lead unit ──
        _late = web_evidence.overdue_tasks(as_of)     # an obligation already on the lines above: once
        if _late:
            _days, _name, _leads = task_texts.overdue_parts(catalog, _late[0])
            # one line each (cut with …, as the milestones above), the lead unit kept on the right
            st.markdown(f'<div class="kpi-tasks-late"><div class="st"><b>Nhiệm vụ quá hạn: {len(_late)}</b>'
                        f'<span class="ld">{escape(_leads)}</span></div>'
                        f'<div class="nm">{escape(_days)} · {escape(_name)}</div></div>',
                        unsafe_allow_html=True)
    with right:
        seconds = state.rotation_seconds()
        if seconds:
            st.subheader("Các chỉ tiêu mất điểm, lần lượt")
            every_loss = tables.loss_rows(catalog, score, len(score.indicators), what_it_takes)
            widgets.loss_carousel(every_loss, seconds)
        else:
            top = tables.loss_rows(catalog, score, 5, what_it_takes, short_actions)
            finished = (f" · {period.quarter.label} đã kết thúc, số còn thiếu"
                        if not score.provisional and len(reported) == 3 and not period.is_month else "")
            st.subheader(f"Chỉ tiêu mất nhiều điểm nhất{finished}")
            widgets.losses(top, state.link_params, short=True)
        st.subheader("Điểm theo nhóm (so với tối đa của nhóm)"
                     + (" · tạm tính" if score.provisional else ""))
        widgets.projector_groups(tables.group_table(score), partial=score.provisional)
    st.stop()  # the projector view is the one screen above

if may(auth.actor(), "read_past_record"):
    state.as_of_picker(st.columns([1, 3])[0])
appraised = notes.appraisal_of(catalog, period.quarter) if not period.is_month else None
cols = st.columns(5 if appraised else 4)
headline = (f"Tổng điểm {period.label}" + texts.score_state(score.provisional, result.frozen)
            + (f" · tính đến {texts.date(as_of)}" if past and not result.frozen else ""))
cols[0].metric(headline, texts.score_headline(score.total_points, score.max_points),
               tables.change_text(change, previous.label))
cols[1].metric("Xếp loại", score.grade)
cols[2].metric("Tỷ lệ điểm", score_percent(score.percent))
cols[3].metric("Chỉ tiêu đạt", f"{met}/{len(score.indicators)}")
if appraised:   # the city's word beside the commune's own (details below the criteria table)
    cols[4].metric(f"Điểm thẩm định {period.quarter.label}",
                   texts.score_headline(appraised.total, result.commune.max_points))
if result.frozen:
    st.info(texts.frozen_note(result.closed_by, result.closed_at, result.catalog_version), icon=":material/lock:")
elif past:
    st.info(f"Điểm như vào cuối ngày {texts.date(as_of)}: số liệu gửi sau ngày đó không được tính, "
            "hạn báo cáo tính theo ngày đó.", icon=":material/history:")
if score.provisional:
    st.warning(tables.provisional_text(score), icon=":material/schedule:")
if period.is_month:
    st.caption(f"Điểm của riêng {period.label}: chấm trên số liệu của tháng; chỉ tiêu cộng dồn cả "
               f"quý (tin, bài…) chỉ đủ khi cộng ba tháng. «Cần làm» tính cho {period.quarter.label}.")
elif len(reported) < 3:
    st.caption(f"{period.label} mới có số liệu của {len(reported)}/3 tháng "
               f"({', '.join(m.label for m in reported)}); điểm tính trên các tháng đã có.")

# ── evidence: criteria still without accepted evidence and their points (see «Minh chứng») ──
web_evidence.lacking_block(catalog, period.quarter)

# ── reporting: units missing a due report (details on «Tình hình nộp số liệu») ──
_board = tables.submission_board(catalog, data.first_submissions(),
                                 tables.board_months(catalog, period, as_of), as_of)
st.page_link("pages/submissions.py", label=tables.missing_summary(catalog, _board)
             + " · xem tình hình nộp số liệu", icon=":material/fact_check:")
# ── the task register: overdue tasks and the first three with their lead units («Nhiệm vụ») ──
_late = data.task_register().overdue
if _late:
    with st.container(key="kpi_tasks_late"):     # wraps on a narrow screen instead of being cut (style.css)
        st.page_link("pages/tasks.py", label=f"{len(_late)} nhiệm vụ quá hạn: "
                     + safe.md("; ".join(task_texts.overdue_lines(catalog, _late, 3))) + " · xem trang Nhiệm vụ",
                     icon=":material/task_alt:")
# ────────────────────────────────────────────────────────────────────────────

top = tables.loss_rows(catalog, score, 5, what_it_takes, short_actions)
losses_title = "5 chỉ tiêu mất nhiều điểm nhất và việc cần làm"
st.subheader(losses_title)
widgets.losses(top, state.link_params)

INDICATOR, UNIT = "pages/indicator.py", "pages/unit.py"
left, right = st.columns([3, 2])
with left:
    st.subheader("Điểm theo nhóm chỉ tiêu")
    widgets.chart(data.figure(charts.group_bars, tables.group_table(score), partial=score.provisional,
                              key=(period.key,)))
with right:
    st.subheader("Điểm mất theo đơn vị chủ trì")
    by_lead = tables.losses_by_lead_unit(catalog, score)
    widgets.linked_table(by_lead, "lead_table", {None: (UNIT, "unit", "Đơn vị")}, wrap=True,
                         all_rows=True, column_config={
                             "Đơn vị": None,
                             "Tên đơn vị": st.column_config.TextColumn("Đơn vị chủ trì", width=120),
                             "Điểm mất": st.column_config.TextColumn(width=64),
                             "Số chỉ tiêu": st.column_config.NumberColumn(width=70)})

st.subheader("Bảng chỉ tiêu (xếp theo điểm mất)")
st.caption("Bấm vào tên một chỉ tiêu để mở trang của chỉ tiêu; bấm vào đơn vị chủ trì để mở trang "
           "của đơn vị; «Mở ↗» mở trang của chỉ tiêu trong thẻ mới.")
criteria = tables.criteria_table(catalog, score)
widgets.linked_table(
    criteria, "criteria_table",
    {None: (INDICATOR, "indicator", "Mã"), "Đơn vị chủ trì": (UNIT, "unit", "Mã đơn vị")},
    # widths that add up to the page at 1280 wide with the menu open (wider screens stretch them):
    # names wrap, nothing is cut
    column_config={"Mã": None, "Nhóm": None, "Tối đa": None, "Mã đơn vị": None,
                   **{c: st.column_config.TextColumn(width=w) for c, w in (
                       ("Chỉ tiêu", 214), ("Đạt được", 90), ("Mục tiêu", 95), ("Điểm", 50),
                       ("Điểm mất", 65), ("Trạng thái", 95), ("Đơn vị chủ trì", 150))}},
    all_rows=True, wrap=True)
# ── what goes to the city and what comes back: the explanations of the criteria losing points,
#    the city's appraisal (a quarter's; the office uploads the returned Biểu) ──
if not period.is_month:
    notes.explanation_list(catalog, period.quarter, result)
    notes.appraisal_block(data.catalog(), period.quarter, result, auth.actor())

st.subheader("Tình trạng theo đơn vị và chỉ tiêu")
widgets.status_legend()
# a click on a cell opens its criterion (whose page shows every unit's part, each a link)
widgets.chart(data.figure(
    charts.status_heatmap, data.status_matrix(period), {u.code: u.name for u in catalog.units},
    {i.id: i.name for i in catalog.indicators}, key=(period.key,)), key="status_heatmap",
    opens=(INDICATOR, "indicator", "y"), known={i.id for i in catalog.indicators})
st.caption("Mỗi ô là kết quả trên số liệu riêng của đơn vị đó; ô trống: đơn vị không báo cáo "
           "chỉ tiêu này. Rê chuột lên một ô để xem tên đầy đủ; bấm vào ô để mở trang của chỉ tiêu.")

widgets.report_downloads(catalog, period)
