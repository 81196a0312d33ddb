"""Shared pieces of the screen: the stylesheet, status badges, the losses table and the
projector's rotating card, report downloads, charts as built."""
from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

import pandas as pd
import streamlit as st

from kpi.domain.catalog import Catalog
from kpi.present import texts
from kpi.present.charts import STATUS_COLORS
from kpi.present.charts import status_legend as legend
from kpi.present.tables import LossRow

_CSS_DIR = Path(__file__).resolve().parent

def inject_css(projector: bool) -> None:
    """The app's only stylesheet (base rules, plus the projector variant when on)."""
    css = _CSS_DIR.joinpath("style.css").read_text(encoding="utf-8")
    if projector:
        css += _CSS_DIR.joinpath("style-projector.css").read_text(encoding="utf-8")
    st.markdown(f"<style>{css}</style>", unsafe_allow_html=True)


def status_badge(status: str) -> str:
    """A status as HTML: colour (Okabe-Ito, from charts) + icon + word, so it reads without colour."""
    return (f'<span class="kpi-badge {status}" style="background:{STATUS_COLORS[status]}">'
            f'{escape(texts.status(status))}</span>')


def status_legend() -> None:
    items = "".join(f'<span><i style="background:{c}"></i>{t}</span>' for t, c, _ in legend())
    st.markdown(f'<div class="kpi-legend">{items}</div>', unsafe_allow_html=True)


def losses_html(top: list[LossRow]) -> str:
    """The criteria losing most points as an HTML table (large text in projector mode)."""
    head = ('<tr><th>Chỉ tiêu</th><th class="num">Điểm mất</th><th>Đạt / mục tiêu</th>'
            '<th>Trạng thái</th><th>Cần làm để lấy lại điểm</th><th>Chủ trì</th></tr>')
    body = []
    for r in top:
        body.append(
            f'<tr><td class="name">{escape(r.name)}</td>'
            f'<td class="num">{escape(texts.points_change(-r.points_lost))}</td>'
            f'<td>{escape(r.achieved)} / {escape(r.target)}</td>'
            f'<td>{status_badge(r.status)}</td>'
            f'<td class="todo">{escape(r.todo)}</td>'
            f'<td>{escape(r.lead)}</td></tr>')
    return f'<table class="kpi-losses">{head}{"".join(body)}</table>'



def report_downloads(catalog: Catalog, figures: pd.DataFrame, period, record_note: str | None = None) -> None:
    """The quarter's reports (Excel, PDF) as download buttons, built only when clicked; a closed
    quarter's come from its frozen catalogue and figures and say so (`record_note`)."""
    from kpi.reports.pdf import build_summary_pdf
    from kpi.reports.xlsx import build_report_xlsx
    quarter = period.quarter
    slug = f"{catalog.commune}-{quarter}"
    st.subheader(f"Báo cáo {quarter.label}")
    cols = st.columns(2)
    # built only when clicked (a callable), on the figures of this run
    cols[0].download_button(
        "Tải biểu tự chấm điểm (Excel)",
        lambda: build_report_xlsx(catalog, figures, quarter, today=dt.date.today(), record_note=record_note),
        file_name=f"tu-cham-diem-{slug}.xlsx", icon=":material/table_view:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols[1].download_button(
        "Tải bản tóm tắt (PDF)",
        lambda: build_summary_pdf(catalog, figures, quarter, today=dt.date.today(), record_note=record_note),
        file_name=f"tom-tat-{slug}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:")


def loss_card_html(row: LossRow, position: int, count: int) -> str:
    """One criterion losing points, as a large card for the projector."""
    todo = f'<div class="todo"><b>Cần làm:</b> {escape(row.todo)}</div>' if row.todo else ""
    return (f'<div class="kpi-card"><div class="pos">{position}/{count}</div>'
            f'<div class="name">{escape(row.name)}</div>'
            f'<div class="facts">{status_badge(row.status)} '
            f'<span>Đạt {escape(row.achieved)} / mục tiêu {escape(row.target)}</span> '
            f'<span class="lost">{escape(texts.points_change(-row.points_lost))} điểm</span></div>'
            f'{todo}<div class="lead"><b>Chủ trì:</b> {escape(row.lead)}</div></div>')


def loss_carousel(losing: list[LossRow], seconds: int) -> None:
    """Advance through the criteria losing points, one card every `seconds` (only this card
    reruns, not the page)."""
    if not losing:
        st.success("Không chỉ tiêu nào mất điểm trong kỳ này.")
        return

    @st.fragment(run_every=seconds)
    def card():
        i = st.session_state.get("rotate_index", 0) % len(losing)
        st.session_state["rotate_index"] = i + 1
        st.markdown(loss_card_html(losing[i], i + 1, len(losing)), unsafe_allow_html=True)

    card()


def losses(top: list[LossRow]) -> None:
    if not top:
        st.success("Không chỉ tiêu nào mất điểm trong kỳ này.")
    else:
        st.markdown(losses_html(top), unsafe_allow_html=True)


def chart(fig) -> None:
    """A Plotly figure of kpi.charts as built (its own theme, fonts and separators)."""
    st.plotly_chart(fig, theme=None, config={"displayModeBar": False, "locale": "vi"})
