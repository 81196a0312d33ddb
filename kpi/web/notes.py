"""What the commune sends to the city and what comes back, on the pages: the office's explanation
(giải trình) of a criterion (Chỉ tiêu page), the overview's list of the criteria that lost points
with their explanations, the city's appraisal (thẩm định): its total beside the self-score, the
criteria where it differs, the upload of the returned Biểu. Never in projector mode."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, may
from kpi.present import texts
from kpi.store import StoreError
from kpi.usecases.appraisal import Appraisal, AppraisalRefused, differences, import_appraisal, quarter_appraisal
from kpi.usecases.explanations import explain, losing_explanations, quarter_explanations
from kpi.usecases.period_result import PeriodResult
from kpi.web import data, safe, state

NONE_YET = "chưa có giải trình"


def _notice(key: str) -> None:
    shown = st.session_state.pop(key, None)
    if shown:
        kind, text = shown
        (st.error if kind == "error" else st.success)(safe.md(text))


def criterion_explanation(catalog: Catalog, quarter: Quarter, indicator_id: str, actor: Actor,
                          closed: bool) -> None:
    """The criterion's «Giải trình» of the quarter; for the office a text area and a save button
    (a closed quarter shows it frozen)."""
    if state.is_projector():
        return
    kept = quarter_explanations(data.connection(), catalog, quarter).get(indicator_id)
    st.subheader(f"Giải trình · {quarter.label}")
    _notice("_explain_notice")
    if not may(actor, "explain") or closed:
        if kept:
            st.markdown(safe.md(kept.text))
            st.caption(f"{safe.md(kept.written_by)}, {texts.datetime(kept.written_at)}"
                       + (" · quý đã khoá sổ: giải trình đã khoá cùng kết quả" if closed else ""))
        else:
            st.caption("Chưa có giải trình." + (" Quý đã khoá sổ." if closed else ""))
        return
    with st.form("explain_form"):
        text = st.text_area("Giải trình (in trong cột «Giải trình» của Biểu tự chấm điểm)",
                            value=kept.text if kept else "", key=f"explain_{quarter}_{indicator_id}", height=120,
                            placeholder="Vì sao chỉ tiêu chưa đạt, đã làm gì, khi nào đạt")
        saved = st.form_submit_button("Lưu giải trình", icon=":material/save:")
    if kept:
        st.caption(f"Lần ghi gần nhất: {safe.md(kept.written_by)}, {texts.datetime(kept.written_at)}")
    if saved:
        try:
            done = explain(data.connection(), catalog, actor, quarter, indicator_id, text)
            st.session_state["_explain_notice"] = ("success", "Đã lưu giải trình." if done else "Đã xoá giải trình.")
        except (PermissionDenied, StoreError) as e:
            st.session_state["_explain_notice"] = ("error", str(e))
        st.rerun()


def explanation_list(catalog: Catalog, quarter: Quarter, result: PeriodResult) -> None:
    """The overview's «Giải trình»: the criteria that lost points, each with its explanation or
    «chưa có giải trình» (compact: one table)."""
    rows = losing_explanations(result.commune, quarter_explanations(data.connection(), catalog, quarter))
    if not rows:
        return
    missing = sum(e is None for *_, e in rows)
    st.subheader(f"Giải trình · {quarter.label}")
    st.caption(f"{texts.smart_number(len(rows) - missing)}/{len(rows)} chỉ tiêu mất điểm đã có giải trình (văn phòng ghi ở trang "
               "của chỉ tiêu; in trong Biểu tự chấm điểm).")
    table = pd.DataFrame([{"Chỉ tiêu": name, "Điểm mất": texts.points(lost),
                           "Giải trình": e.text if e else NONE_YET} for _, name, lost, e in rows])
    st.dataframe(table, hide_index=True, width="stretch", key="explanations_table",
                 column_config={"Chỉ tiêu": st.column_config.TextColumn(width="medium"),
                                "Điểm mất": st.column_config.TextColumn(width="small"),
                                "Giải trình": st.column_config.TextColumn(width="large")})


def appraisal_of(catalog: Catalog, quarter: Quarter) -> Appraisal | None:
    return quarter_appraisal(data.connection(), catalog, quarter)


def appraisal_block(catalog: Catalog, quarter: Quarter, result: PeriodResult, actor: Actor) -> None:
    """The city's appraisal of the quarter: the criteria where it differs from the self-score (with
    the city's comment), and for the office the upload of the returned Biểu."""
    kept = appraisal_of(catalog, quarter)
    may_import = may(actor, "import_appraisal")
    if kept is None and not may_import:
        return
    st.subheader(f"Kết quả thẩm định của thành phố · {quarter.label}")
    _notice("_appraisal_notice")
    if kept is not None:
        diffs = differences(result, kept)
        st.markdown(f"**Điểm thẩm định: {texts.points(kept.total)}** · điểm tự chấm "
                    f"{texts.points(result.commune.total_points)} · nhập {texts.datetime(kept.imported_at)} "
                    f"({safe.md(kept.imported_by)}" + (f", tệp «{safe.md(kept.file_name)}»" if kept.file_name else "")
                    + ")")
        if diffs:
            st.dataframe(pd.DataFrame([{"Chỉ tiêu": d.indicator.name, "Tự chấm": texts.points(d.own),
                                        "Thẩm định": texts.points(d.appraised), "Ý kiến thẩm định": d.comment}
                                       for d in diffs]), hide_index=True, width="stretch", key="appraisal_diffs")
        else:
            st.caption("Điểm thẩm định của từng chỉ tiêu bằng điểm tự chấm.")
    if not may_import:
        return
    with st.expander("Nhập Biểu thành phố đã thẩm định", icon=":material/upload_file:"):
        st.caption("Tệp Biểu tự chấm điểm xã đã gửi, thành phố ghi cột «Điểm thẩm định» (và «Ý kiến thẩm định» nếu "
                   "có). Nhập lại thì thay kết quả trước; quý đã khoá sổ vẫn nhận.")
        with st.form("appraisal_form", clear_on_submit=True):
            up = st.file_uploader("Tệp .xlsx", type=["xlsx"], key="appraisal_file")
            sent = st.form_submit_button("Nhập kết quả thẩm định", icon=":material/upload:")
    if sent and up is not None:
        try:
            got = import_appraisal(data.connection(), catalog, actor, quarter, up.getvalue(), up.name,
                                   as_of=data.as_of())
            st.session_state["_appraisal_notice"] = ("success", f"Đã nhập kết quả thẩm định từ «{up.name}»: "
                                                                f"điểm thẩm định {texts.points(got.total)}.")
        except AppraisalRefused as e:
            st.session_state["_appraisal_notice"] = (
                "error", f"Không nhập tệp «{up.name}» (không ghi gì): " + " · ".join(p.message for p in e.problems))
        except (PermissionDenied, StoreError) as e:
            st.session_state["_appraisal_notice"] = ("error", str(e))
        st.rerun()
