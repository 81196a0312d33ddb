"""Mô phỏng: change a quarter's figures the way people think and see the score move at once;
what meeting each criterion takes; the cheapest way to a total; scenarios kept and compared.
Nothing here writes to the database."""
import streamlit as st

from kpi.domain.goalseek import default_grade_goal, grade_goals, plan_to_reach, what_it_takes_all
from kpi.domain.periods import Period
from kpi.domain.scoring import quarter_totals
from kpi.domain.whatif import Adjustment, Scenario, adjustments_for_goal, beyond_reach, reach_of, simulate
from kpi.present import tables, texts
from kpi.present.goal_texts import (
    UNREACHABLE,
    adjustment_text,
    answer_text,
    beyond_reach_text,
    grade_goal_text,
    plan_text,
)
from kpi.present.texts import smart_number
from kpi.present.whatif_charts import gain_waterfall
from kpi.web import data, safe, state

EDITING = "Kịch bản đang sửa"
OWN_TOTAL = "Số điểm tự chọn"
FIELDS = ("num", "den", "rate", "val", "set")


def key(ind_id: str, field: str) -> str:
    return f"wi:{ind_id}:{field}"


def scenario_from_inputs(catalog, name: str) -> Scenario:
    """The scenario the inputs on screen describe (read from the session before they render)."""
    s = Scenario(name)
    get = st.session_state.get
    for ind in catalog.indicators:
        if ind.is_ratio:
            adj = Adjustment(ind.id, extra_numerator=float(get(key(ind.id, "num")) or 0),
                             extra_denominator=float(get(key(ind.id, "den")) or 0),
                             set_rate=get(key(ind.id, "rate")))
        else:
            adj = Adjustment(ind.id, extra_value=float(get(key(ind.id, "val")) or 0),
                             set_value=get(key(ind.id, "set")))
        s = s.with_adjustment(adj)
    return s


def load_inputs(catalog, scenario: Scenario) -> None:
    """Callback: put a scenario's adjustments into the inputs (reset = the empty scenario)."""
    for ind in catalog.indicators:
        a = scenario.adjustment(ind.id) or Adjustment(ind.id)
        st.session_state[key(ind.id, "num")] = int(a.extra_numerator)
        st.session_state[key(ind.id, "den")] = int(a.extra_denominator)
        st.session_state[key(ind.id, "rate")] = a.set_rate
        st.session_state[key(ind.id, "val")] = float(a.extra_value)
        st.session_state[key(ind.id, "set")] = a.set_value
    st.session_state["wi_name"] = scenario.name


def save_scenario(catalog) -> None:
    name = (st.session_state.get("wi_name") or "").strip() or "Kịch bản"
    st.session_state.setdefault("wi_saved", {})[name] = scenario_from_inputs(catalog, name)
    st.session_state["wi_saved_notice"] = f"Đã lưu kịch bản «{name}» cho phiên làm việc này."


def apply_plan(catalog, steps, quarter) -> None:
    scenario = scenario_from_inputs(catalog, st.session_state.get("wi_name") or "Theo mục tiêu")
    for step in steps:
        try:
            for adj in adjustments_for_goal(catalog, step.answer, quarter):
                scenario = scenario.with_adjustment(adj)
        except ValueError:
            continue   # a monthly average is not one input; the text says what it takes
    load_inputs(catalog, scenario)


st.title("Mô phỏng và mục tiêu")
if data.current_figures().empty:
    st.info("Chưa có số liệu nào để mô phỏng. Hãy nhập số liệu tháng của các đơn vị ở trang "
            "«Nhập số liệu» (hoặc tạo dữ liệu mẫu: `python -m kpi demo`).")
    st.stop()

quarter = state.current_period().quarter   # a month picked in the frame simulates its quarter
projector = state.is_projector()
# the actual is the period's result through the one door (frozen when the quarter is closed, else as
# of «Tính đến ngày»); the scenario starts from the figures that scored it
now = data.result(Period(quarter))
catalog = now.catalog
figures = now.figures if now.frozen else data.current_figures()

totals = quarter_totals(catalog, now.figures, quarter)
if "wi_name" not in st.session_state:
    load_inputs(catalog, Scenario("Kịch bản 1"))
scenario = scenario_from_inputs(catalog, st.session_state["wi_name"])
result = simulate(catalog, totals, quarter, scenario, actual=now.commune)
actual, simulated = result.actual, result.simulated
reach = reach_of(catalog, figures, quarter, as_of=now.as_of, totals=totals)   # months already due are set
out_of_reach = beyond_reach(result, reach)

st.caption(f"{quarter.label} — {safe.md(catalog.commune_name)}. Mọi chỉ tiêu bắt đầu từ số liệu thực tế; "
           "thay đổi ở dưới chỉ dùng để tính thử, **không thay đổi số liệu đã lưu**.")
# the totals stay in view (sticky, style.css) while figures are typed further down the page
totals_box = st.container(key="wi_totals")
m1, m2, m3 = totals_box.columns(3)
m1.metric("Tổng điểm thực tế", texts.score_headline(actual.total_points, actual.max_points),
          help=f"Xếp loại: {actual.grade}")
# a delta for st.metric is ASCII-signed (texts.metric_delta) so a loss shows red
m2.metric("Tổng điểm mô phỏng", texts.score_headline(simulated.total_points, simulated.max_points),
          delta=f"{texts.metric_delta(result.gain)} điểm" if scenario.adjustments else None)
if out_of_reach:
    m2.caption(f"⚠ {len(out_of_reach)} giá trị mô phỏng {UNREACHABLE}; tổng này không còn đạt được.")
m3.metric("Xếp loại mô phỏng", simulated.grade,
          delta=None if simulated.grade == actual.grade else f"từ {actual.grade}", delta_color="off")
if out_of_reach:
    st.warning("\n".join(f"- {beyond_reach_text(c, reach[c.indicator.id])}" for c in out_of_reach))

if scenario.adjustments:
    left, right = st.columns([3, 2])
    left.plotly_chart(gain_waterfall(result, projector=projector), width="stretch",
                      config={"displayModeBar": False})
    right.markdown("**Các thay đổi đang mô phỏng**")
    right.markdown("\n".join(f"- {adjustment_text(catalog, a)}" for a in scenario.adjustments))
    moved = tables.changes_table(result)
    if not moved.empty:   # a static table: its names wrap, no column hides behind a scroll
        st.table(moved.map(safe.md), hide_index=True)
else:
    st.info("Nhập thay đổi cho một hay nhiều chỉ tiêu ở thẻ «Điều chỉnh số liệu» để xem điểm "
            "mới, hoặc dùng thẻ «Cần làm gì» để biết cần thêm bao nhiêu.")

tab_edit, tab_goal, tab_compare = st.tabs(["Điều chỉnh số liệu", "Cần làm gì", "So sánh kịch bản"])

with tab_edit:
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    c1.text_input("Tên kịch bản", key="wi_name")
    c2.button("Lưu kịch bản", on_click=save_scenario, args=(catalog,), width="stretch")
    c3.button("Đặt lại về thực tế", on_click=load_inputs, args=(catalog, Scenario("Kịch bản 1")),
              width="stretch")
    notice = st.session_state.pop("wi_saved_notice", None)
    if notice:
        st.success(safe.md(notice))      # it names the scenario the user typed
    for group in catalog.groups:
        inds = catalog.indicators_of_group(group)
        changed = sum(1 for i in inds if scenario.adjustment(i.id))
        with st.expander(f"{group}" + (f" — {changed} thay đổi" if changed else ""),
                         expanded=bool(changed)):
            for ind in inds:
                r = result.change(ind.id)
                now = texts.achieved(ind, r.actual.achieved)
                st.markdown(f"**{safe.md(ind.name)}** — thực tế {safe.md(now)}, {texts.points_of(r.actual.points, r.actual.max_points)}"
                            f" điểm ({texts.status(r.actual.status)})"
                            + (f" → **{texts.points(r.simulated.points)}** điểm"
                               if abs(r.gain) > 1e-9 else "")
                            + (f" — ⚠ {UNREACHABLE}" if r in out_of_reach else ""))
                cols = st.columns(3)
                if ind.is_ratio:
                    t = r.actual.totals
                    cols[0].number_input(f"Thêm: {ind.numerator_label}", step=1, key=key(ind.id, "num"),
                                         help=f"Quý đang có {smart_number(t.numerator)}.")
                    cols[1].number_input(f"Thêm: {ind.denominator_label}", step=1,
                                         key=key(ind.id, "den"),
                                         help=f"Quý đang có {smart_number(t.denominator)}.")
                    cols[2].number_input("Hoặc đặt tỷ lệ quý (%)", min_value=0.0, max_value=100.0,
                                         step=0.5, format="%g", key=key(ind.id, "rate"), placeholder="không đặt")
                else:
                    unit_word = f" ({ind.measure})" if ind.measure else ""
                    cols[0].number_input(f"Thêm{unit_word}", step=1.0, format="%g", key=key(ind.id, "val"))
                    cols[1].number_input("Hoặc đặt bằng", min_value=0.0, step=1.0, format="%g",
                                         key=key(ind.id, "set"), placeholder="không đặt")

with tab_goal:
    answers = what_it_takes_all(catalog, figures, quarter)
    ratios_open = [a for a in answers.values() if a.projected_denominator is not None]
    if ratios_open:
        with st.expander("Số dự kiến mỗi tháng còn lại (mặc định: bình quân các tháng đã có)"):
            cols = st.columns(3)
            for i, a in enumerate(ratios_open):
                ind = catalog.indicator(a.indicator_id)
                cols[i % 3].number_input(f"{ind.name}: {ind.denominator_label}", min_value=1,
                                         value=int(a.projected_denominator), step=1,
                                         key=f"wi_proj:{quarter}:{ind.id}")
        projected = {a.indicator_id: st.session_state.get(f"wi_proj:{quarter}:{a.indicator_id}")
                     for a in ratios_open}
        answers = what_it_takes_all(catalog, figures, quarter, projected_denominators=projected)
    else:
        projected = None
    st.subheader("Để đạt một xếp loại hoặc một tổng điểm")
    goals = grade_goals(catalog, actual)
    options = [grade_goal_text(g) for g in goals] + [OWN_TOTAL]
    default = default_grade_goal(goals)
    picked = st.selectbox("Mục tiêu", options, key=f"wi_goal_pick:{quarter}",
                          index=options.index(grade_goal_text(default)) if default else len(options) - 1,
                          help="Mặc định: xếp loại cao hơn liền trên (hoặc giữ xếp loại hiện tại khi đã cao nhất).")
    if picked == OWN_TOTAL:
        goal = st.number_input("Tổng điểm muốn đạt", min_value=0.0, max_value=float(actual.max_points),
                               value=float(round(actual.total_points)), step=1.0, format="%.0f", key="wi_goal")
    else:
        goal = goals[options.index(picked)].points
    plan = plan_to_reach(catalog, figures, quarter, goal, projected_denominators=projected)
    st.markdown(plan_text(plan))
    if plan.steps:
        st.caption("Thứ tự: chỉ tiêu cần thay đổi tương đối ít nhất cho mỗi điểm được cộng làm trước.")
        st.markdown("\n".join(
            f"{i}. **{s.name}** ({texts.points(s.points_before)} → "
            f"{texts.points(s.points_after)} điểm): {answer_text(catalog.indicator(s.indicator_id), s.answer)}"
            for i, s in enumerate(plan.steps, 1)))
        st.button("Đưa các bước này vào kịch bản", on_click=apply_plan,
                  args=(catalog, plan.steps, quarter))
    st.subheader("Để đạt từng chỉ tiêu chưa đạt")
    if not answers:
        st.success("Mọi chỉ tiêu có số liệu trong quý đều đã đạt.")
    else:
        st.markdown("\n".join(
            f"- {'✔' if a.reachable else '✖'} **{catalog.indicator(k).name}** "
            f"({texts.points_of(a.current_points, catalog.indicator(k).points)} điểm): "
            f"{answer_text(catalog.indicator(k), a)}"
            for k, a in answers.items()))
        st.caption("✔ còn đạt được trong quý · ✖ không còn đạt được mục tiêu trong quý.")

with tab_compare:
    saved: dict = st.session_state.get("wi_saved", {})
    options = [EDITING] + list(saved)
    if len(options) < 2:
        st.info("Lưu ít nhất một kịch bản (nút «Lưu kịch bản») để so sánh hai kịch bản.")
    else:
        a_col, b_col = st.columns(2)
        a_name = a_col.selectbox("Kịch bản A", options, index=0, key="wi_cmp_a")
        b_name = b_col.selectbox("Kịch bản B", options, index=1, key="wi_cmp_b")
        pick = lambda n: scenario if n == EDITING else saved[n]  # noqa: E731
        ra = simulate(catalog, totals, quarter, pick(a_name), actual=actual)
        rb = simulate(catalog, totals, quarter, pick(b_name), actual=actual)
        k1, k2 = st.columns(2)
        for col, r in ((k1, ra), (k2, rb)):
            col.metric(safe.md(r.scenario.name), f"{texts.points(r.simulated.total_points)} điểm",
                       delta=f"{texts.metric_delta(r.gain)} — {r.simulated.grade}")
        st.dataframe(tables.points_as_text(tables.compare(ra, rb)), hide_index=True, width="stretch")
        c1, c2 = st.columns(2)
        c1.button("Mở kịch bản B để sửa", on_click=load_inputs, args=(catalog, pick(b_name)))
