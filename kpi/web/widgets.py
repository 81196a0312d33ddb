"""Shared pieces of the screen: the stylesheet, status badges, the losses with their links, the
projector's headline and rotating card, the menu, report downloads, charts as built."""
from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd
import streamlit as st

from kpi.domain.catalog import Catalog
from kpi.present import texts
from kpi.present.charts import STATUS_COLORS, click_target
from kpi.present.charts import status_legend as legend
from kpi.present.tables import LossRow
from kpi.web import safe, state

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


def report_downloads(catalog: Catalog, period) -> None:
    """The quarter's files, built only when clicked, by the same use cases as `python -m kpi
    report`: the report sent to the city (Word and PDF), the self-scoring table (Excel) and the
    meeting summary (PDF); a closed quarter's frozen result says so. The office and the admin type
    the report's number, addressee, causes and proposals in an expander first."""
    from kpi.domain.rights import may
    from kpi.usecases.reports import cover_report, quarter_report
    from kpi.web import auth, data
    quarter = period.quarter
    slug = f"{catalog.commune}-{quarter}"
    st.subheader(f"Báo cáo {quarter.label}")
    as_of = data.as_of()
    fields = {"number": "", "recipient": "", "causes": "", "proposals": ""}
    if may(auth.actor(), "compose_report"):
        with st.expander("Soạn báo cáo gửi thành phố (số, kính gửi, nguyên nhân, đề xuất)"):
            left, right = st.columns(2)
            fields["number"] = left.text_input("Số văn bản", key="cover_number", placeholder="ví dụ 27 → Số: 27/BC-UBND",
                                               help="Bỏ trống: để khoảng trống điền khi vào sổ văn bản.")
            fields["recipient"] = right.text_input("Kính gửi", key="cover_recipient",
                                                   placeholder="Ủy ban nhân dân thành phố")
            fields["causes"] = st.text_area("III. Nguyên nhân", key="cover_causes", height=110,
                                            help="Mỗi dòng một đoạn. Bỏ trống: báo cáo để dòng chấm để viết tay.")
            fields["proposals"] = st.text_area("IV. Đề xuất, kiến nghị", key="cover_proposals", height=110)

    def cover(fmt: str):
        return lambda: cover_report(data.connection(), data.catalog(), quarter, fmt, as_of=as_of, **fields)

    def build(fmt: str):
        return lambda: quarter_report(data.connection(), data.catalog(), quarter, fmt, as_of=as_of)

    cols = st.columns(4)
    cols[0].download_button(
        "Báo cáo gửi thành phố (Word)", cover("docx"), file_name=f"bao-cao-{slug}.docx",
        icon=":material/description:",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    cols[1].download_button(
        "Báo cáo gửi thành phố (PDF)", cover("pdf"), file_name=f"bao-cao-{slug}.pdf",
        mime="application/pdf", icon=":material/picture_as_pdf:")
    cols[2].download_button(
        "Biểu tự chấm điểm (Excel)", build("xlsx"),
        file_name=f"tu-cham-diem-{slug}.xlsx", icon=":material/table_view:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols[3].download_button(
        "Bản tóm tắt (PDF)", build("pdf"),
        file_name=f"tom-tat-{slug}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:")


def loss_card_html(row: LossRow, position: int, count: int) -> str:
    """One criterion losing points, as a large card for the projector."""
    todo = f'<div class="todo"><b>Cần làm:</b> {escape(row.todo)}</div>' if row.todo else ""
    return (f'<div class="kpi-card"><div class="pos">{position}/{count}</div>'
            f'<div class="name">{escape(row.name)}</div>'
            f'<div class="facts">{status_badge(row.status)} '
            f'<span>Đạt {escape(row.achieved)} / mục tiêu {escape(row.target)}</span> '
            f'<span class="lost">{escape(texts.points_change(-row.points_lost))} điểm</span></div>'
            f'{todo}<div class="lead"><b>Chủ trì:</b> {escape(texts.unit_short(row.lead))}</div></div>')


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


def projector_headline(total: str, grade: str, provisional: str | None, change: str | None,
                       margins: tuple[str | None, str | None]) -> None:
    """The projector's headline: total, grade, change, distance to the grade boundaries."""
    lines = [f'<div class="kpi-label">Tổng điểm{" <b>(tạm tính)</b>" if provisional else ""}</div>',
             f'<div class="kpi-total">{escape(total)}</div>',
             f'<div class="kpi-grade">{escape(grade)}</div>']
    if change:
        lines.append(f'<div class="kpi-line kpi-change">{escape(change)}</div>')
    up, down = margins
    if up:
        lines.append(f'<div class="kpi-line">▲ {escape(up)}</div>')
    if down:
        lines.append(f'<div class="kpi-line">▼ {escape(down)}</div>')
    if provisional:
        lines.append(f'<div class="kpi-line kpi-prov">{escape(provisional)}</div>')
    st.markdown(f'<div class="kpi-head">{"".join(lines)}</div>', unsafe_allow_html=True)


def losses(top: list[LossRow], link_params, short: bool = False) -> None:
    """The criteria losing most points, each as what it takes + the criterion and its lead unit
    as links (they keep the period and projector mode). `short` (the projector): the action in
    ≤ 12 words, the full sentence one click away; five are drawn, the projector's stylesheet
    shows three below 1920×1080."""
    if not top:
        st.success("Không chỉ tiêu nào mất điểm trong kỳ này.")
        return
    for n, r in enumerate(top, 1):
        with st.container(key=f"kpi_loss_{n}"):
            action = (r.short or r.todo or r.name) if short else (r.todo or r.name)
            badge = "" if short else f" {status_badge(r.status)}"
            st.markdown(f'<div class="kpi-act"><span class="lost">{escape(texts.points_change(-r.points_lost))}'
                        f'</span>{badge} {escape(action)}</div>', unsafe_allow_html=True)
            name, lead, more = st.columns([5, 3, 1.2], vertical_alignment="center", gap="small")
            name.page_link("pages/indicator.py", label=safe.md(r.name), icon=":material/flag:",
                           query_params=link_params(indicator=r.id))
            if r.lead_code:   # the projector's narrow column: the unit's short name (VP HĐND và UBND)
                lead.page_link("pages/unit.py", label=safe.md(texts.unit_short(r.lead) if short else r.lead),
                               icon=":material/apartment:",
                               query_params=link_params(unit=r.lead_code))
            with more.popover("Chi tiết"):
                st.markdown(f"**{safe.md(r.name)}**")
                st.markdown(f"Đạt {safe.md(r.achieved)} / mục tiêu {safe.md(r.target)} · "
                            f"{safe.md(texts.status(r.status))}")
                if r.todo:
                    st.markdown(f"**Cần làm:** {safe.md(r.todo)}")


def projector_groups(groups: pd.DataFrame, partial: bool = False) -> None:
    """Points per group as bars of each group's own maximum (a 7/7 group is a full bar), the
    points written on each; HTML so that it scales with the screen. `partial`: hatched bars."""
    rows = []
    for g in groups.to_dict("records"):
        pct = max(0.0, min(100.0, float(g["Tỷ lệ"] or 0.0)))
        label = f'{texts.points(g["Điểm"])}/{texts.points(g["Tối đa"])}'
        rows.append(f'<div class="kpi-grp"><span class="nm">{escape(g["Nhóm"])}</span>'
                    f'<span class="bar"><i style="width:{pct:.1f}%"></i></span>'
                    f'<span class="pt">{escape(label)}</span></div>')
    st.markdown(f'<div class="kpi-grps{" partial" if partial else ""}">{"".join(rows)}</div>',
                unsafe_allow_html=True)


def page_links(pages: list, current, params: dict[str, str], where=None, row: bool = False) -> None:
    """The app's menu: one link per page, carrying `params` (period, projector mode).

    `row`: a compact row above the page (projector mode), else a column in `where`."""
    if row:
        with st.container(key="kpi_nav", horizontal=True, gap="medium"):
            for page in pages:
                st.page_link(page, label=page.title, icon=page.icon, query_params=params)
        return
    box = (where or st).container(key="kpi_menu")
    for page in pages:
        box.page_link(page, label=page.title, icon=page.icon, query_params=params, width="stretch")


HEAD_PX, ROW_PX = 35, 35   # st.dataframe's header and row height
WRAP_ROW_PX = 66           # rows taller than 4rem let long texts wrap instead of being cut


LINK_COLUMN, LINK_PX = "Mở", 56   # the rows' link column: a real address (new tab, copy, share)


def linked_table(table: pd.DataFrame, key: str, targets: dict, column_config: dict | None = None,
                 all_rows: bool = False, wrap: bool = False) -> None:
    """A table whose cells open a page: clicking a cell of column c opens `targets[c]` (else
    `targets[None]`), a (page, query parameter, column holding the id) triple, keeping the period
    and projector mode. The first column «Mở» is each row's real link to `targets[None]` (opens
    a new tab; its address can be copied and shared). `all_rows`: tall enough for every row (no
    inner scroll box); `wrap`: rows tall enough for long names to wrap (two lines) rather than be cut."""
    row = WRAP_ROW_PX if wrap else ROW_PX
    height = HEAD_PX + row * len(table) + 3 if all_rows else "auto"
    page, name, id_column = targets[None]
    shown = table.copy()
    shown.insert(0, LINK_COLUMN, [state.page_href(page, **{name: str(v)}) for v in table[id_column]])
    config = {LINK_COLUMN: st.column_config.LinkColumn(
        LINK_COLUMN, display_text="Mở ↗", width=LINK_PX,
        help="Mở trang trong thẻ mới (địa chỉ của thẻ gửi được cho người khác)"), **(column_config or {})}
    event = st.dataframe(shown, hide_index=True, width="stretch", height=height, key=key,
                         row_height=row, column_config=config, on_select="rerun",
                         selection_mode="single-cell")
    cells = event.selection.get("cells", []) if event else []
    if cells:
        row, column = cells[0][0], cells[0][1]
        page, name, id_column = targets.get(column) or targets[None]
        st.switch_page(page, query_params=state.link_params(**{name: str(table.iloc[row][id_column])}))


def chart(fig, key: str | None = None, opens: tuple[str, str, str] | None = None,
          known=None) -> None:
    """A Plotly figure of kpi.charts as built (its own theme, fonts and separators).

    `opens` = (page, query parameter, "x" or "y"): a click on a bar or cell opens that page for
    the id on that axis (keeping the period and projector mode); `known`: the ids that may be
    opened (see charts.click_target)."""
    config = {"displayModeBar": False, "locale": "vi"}
    if opens is None:
        st.plotly_chart(fig, theme=None, config=config)
        return
    event = st.plotly_chart(fig, theme=None, config=config, key=key, on_select="rerun",
                            selection_mode="points")
    target = click_target(event.selection.get("points", []) if event else [], opens, known)
    if target:
        page, params = target
        st.switch_page(page, query_params=state.link_params(**params))
