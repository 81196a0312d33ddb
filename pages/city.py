"""Toàn thành phố: every commune ranked by the quarter's score with grade and change, how the scores
spread, the criteria most often missed, who reports late, communes × groups; a click opens the
commune's own pages."""
import streamlit as st

from kpi.domain.periods import Month
from kpi.present import city_views, texts
from kpi.usecases.city import group_matrix, missed_criteria
from kpi.web import auth, data, safe, state, widgets

actor = auth.actor()
period = state.current_period()
quarter = period.quarter if period is not None else Month.of(data.as_of()).quarter
projector = state.is_projector()
city = data.city()
results = data.city_scores(str(quarter), actor)
names = {r.code: r.name for r in results}


def open_commune(code: str) -> None:
    """The commune's overview (then its units and criteria), in this session."""
    state.choose_commune(code)
    st.switch_page("pages/overview.py", query_params=state.link_params(commune=code))


if not projector:
    st.title(f"Toàn thành phố · {quarter.label}")
    st.caption(f"{safe.md(city.name if city.code != city.base.commune else city.base.name)} — {len(results)} xã. "
               "Bấm vào tên một xã để mở trang tổng quan của xã đó trong thẻ mới (địa chỉ của thẻ gửi "
               "được cho người khác); chọn ô đầu dòng để mở ngay tại đây.")
if not results:
    st.info("Chưa có xã nào trong cơ sở dữ liệu.")
    st.stop()

scored = [r.score.percent for r in results if r.score.percent is not None]
ranking = city_views.ranking_table(results)
missed = missed_criteria(results)
provisional = any(r.score.provisional for r in results)

if projector:
    left, right = st.columns([1.25, 1], gap="medium")
    with left:
        st.subheader(f"Xếp hạng {quarter.label}" + (" · tạm tính" if provisional else ""))
        # twelve rows fit every projector size: all of them, else the first eight and the last four
        top = ranking if len(ranking) <= 12 else ranking.head(8)
        bottom = ranking.tail(4) if len(ranking) > 12 else ranking.iloc[0:0]
        shown = ["Hạng", "Xã", "Điểm", "Xếp loại", "Thay đổi"]   # st.table: projector-size text
        st.table(top[shown].map(safe.md).set_index("Hạng"))
        if not bottom.empty:
            st.caption("Cuối bảng")
            st.table(bottom[shown].map(safe.md).set_index("Hạng"))
    with right:
        st.subheader("Phân bố điểm các xã")
        widgets.chart(city_views.score_histogram(results, projector=True))
        st.subheader("Chỉ tiêu nhiều xã chưa đạt nhất")
        st.table(city_views.missed_table(missed, len(results), 3, name_length=64)[["Chỉ tiêu", "Số xã chưa đạt"]]
                 .map(safe.md), hide_index=True)
    st.stop()

cols = st.columns(4)
cols[0].metric("Số xã", len(results))
cols[1].metric("Điểm bình quân", texts.score_percent(sum(scored) / len(scored)) if scored else "—")
cols[2].metric("Cao nhất", texts.score_percent(max(scored)) if scored else "—", help=safe.md(results[0].name))
cols[3].metric("Thấp nhất", texts.score_percent(min(scored)) if scored else "—", help=safe.md(results[-1].name))
st.caption(" · ".join(f"{safe.md(grade)}: {n} xã" for grade, n in city_views.grade_counts(results))
           + (" · Quý chưa kết thúc: điểm tạm tính." if provisional else ""))

st.subheader("Xếp hạng các xã")
# the name is a real link to the commune's overview (the period and projector mode go along)
linked = ranking.assign(Xã=[state.page_href("pages/overview.py", r.name, commune=r.code) for r in results])
event = st.dataframe(linked, hide_index=True, width="stretch", key="city_ranking", on_select="rerun",
                     selection_mode="single-row", height=min(38 + 35 * len(ranking), 520),
                     column_config={"Xã": st.column_config.LinkColumn("Xã", display_text=r"#(.+)$")})
rows = event.selection.get("rows", []) if event else []
if rows:
    open_commune(results[rows[0]].code)   # the ranking's rows are the results, in order
pick, go_button = st.columns([3, 1], vertical_alignment="bottom")
chosen = pick.selectbox("Mở trang của xã", [r.code for r in results], key="city_open",
                        format_func=lambda c: names.get(c, c))
if go_button.button("Mở trang tổng quan", icon=":material/arrow_forward:"):
    open_commune(chosen)

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Phân bố điểm")
    widgets.chart(city_views.score_histogram(results))
with right:
    st.subheader("Báo cáo đúng hạn: các xã thấp nhất")
    widgets.chart(city_views.on_time_bars(results))

st.subheader("Chỉ tiêu nhiều xã chưa đạt nhất")
st.dataframe(city_views.missed_table(missed, len(results)), hide_index=True, width="stretch")

st.subheader("Điểm theo nhóm của từng xã (% điểm tối đa của nhóm)")
matrix = group_matrix(results)
widgets.chart(city_views.group_heatmap(matrix, names))
