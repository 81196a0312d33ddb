"""The thin Streamlit layer: one cached DuckDB connection, cached reads keyed by the data
version, the shared period picker. The only module of kpi/ that imports Streamlit."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from . import store
from .catalog import Catalog, load_catalog
from .cli import DEFAULT_CONFIG, DEFAULT_DB
from .store import Actor

APP_ACTOR = Actor("Ứng dụng web", role="system")


def db_path() -> Path:
    return Path(os.environ.get("KPI_DB") or DEFAULT_DB)


def config_path() -> Path:
    return Path(os.environ.get("KPI_CONFIG") or DEFAULT_CONFIG)


@st.cache_data(show_spinner=False)
def _catalog_at(path: str, mtime: float) -> Catalog:
    return load_catalog(path)


def _catalog_mtime() -> float:
    path = config_path()
    return path.stat().st_mtime if path.exists() else 0.0


def catalog() -> Catalog:
    """The catalogue, re-read when the TOML file changes."""
    return _catalog_at(str(config_path()), _catalog_mtime())


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return store.connect(path)


@st.cache_resource(show_spinner=False)
def _catalog_synced(path: str, config: str, mtime: float) -> bool:
    """Write the catalogue's units into the database once per catalogue version, not per rerun."""
    store.sync_catalog(_connection(path), catalog(), APP_ACTOR)
    return True


def connection():
    """A cursor on the app's one DuckDB connection (cursors are per-thread safe)."""
    path = str(db_path())
    _catalog_synced(path, str(config_path()), _catalog_mtime())
    return _connection(path).cursor()


def data_version() -> str:
    return store.data_version(connection(), catalog().commune)


@st.cache_data(show_spinner=False, max_entries=64)
def _current_figures(db: str, commune: str, version: str) -> pd.DataFrame:
    return store.current_figures(_connection(db).cursor(), commune)


def current_figures() -> pd.DataFrame:
    """All current figures of the commune, cached until the next import."""
    cat = catalog()
    connection()
    return _current_figures(str(db_path()), cat.commune, data_version())


def first_submissions() -> pd.DataFrame:
    connection()
    return _first_submissions(str(db_path()), catalog().commune, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _first_submissions(db: str, commune: str, version: str) -> pd.DataFrame:
    return store.first_submissions(_connection(db).cursor(), commune)


def upload_history(unit: str | None = None) -> pd.DataFrame:
    connection()
    return _upload_history(str(db_path()), catalog().commune, unit, data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _upload_history(db: str, commune: str, unit: str | None, version: str) -> pd.DataFrame:
    return store.upload_history(_connection(db).cursor(), commune, unit)


def uploads_dir() -> Path:
    """Uploaded files are kept next to the database (data/uploads/…)."""
    return db_path().parent / "uploads"


# ── the shared period picker, projector mode and URL state ───────────────────
# Session state is the truth while a session lives; the URL's query parameters mirror it each
# run (page switches clear them) and seed it when a link is opened.

PERIOD_KINDS = ("Quý", "Tháng")


def _query(name: str) -> str | None:
    value = st.query_params.get(name)
    return value or None


def _init_period(months, quarters) -> None:
    """First run of a session: the period from the URL if it has data, else the default."""
    from .views import Period
    wanted = None
    text = _query("period")
    if text:
        try:
            wanted = Period.parse(text)
        except ValueError:
            wanted = None
        if wanted and (wanted.month not in months if wanted.month else wanted.quarter not in quarters):
            wanted = None
        if wanted is None:
            st.session_state["period_notice"] = (
                f"Không có số liệu cho kỳ «{text}» trong địa chỉ; đang hiển thị kỳ gần nhất.")
    p = wanted or Period(months[-1].quarter)
    st.session_state["period_kind"] = PERIOD_KINDS[1] if p.month else PERIOD_KINDS[0]
    st.session_state["period_quarter"] = str(p.quarter)
    st.session_state["period_month"] = str(p.month or months[-1])


def period_picker(figures: pd.DataFrame, where=None, where_value=None):
    """Quarter or month, shared by every page; returns a `views.Period` (None: no data).

    `where` holds the quarter/month switch, `where_value` the list (both default: sidebar)."""
    from .periods import Month, Quarter
    from .views import Period, data_months, data_quarters
    where = where or st.sidebar
    where_value = where_value or where
    months = data_months(figures)
    if not months:
        st.query_params.pop("period", None)
        return None
    quarters = data_quarters(figures)
    if "period_kind" not in st.session_state:
        _init_period(months, quarters)
    q_opts = [str(q) for q in reversed(quarters)]
    m_opts = [str(m) for m in reversed(months)]
    # a new import may have changed which periods exist
    if st.session_state.get("period_quarter") not in q_opts:
        st.session_state["period_quarter"] = q_opts[0]
    if st.session_state.get("period_month") not in m_opts:
        st.session_state["period_month"] = m_opts[0]
    kind = where.radio("Xem theo", PERIOD_KINDS, key="period_kind", horizontal=True)
    if kind == PERIOD_KINDS[1]:
        m = Month.parse(where_value.selectbox("Tháng", m_opts, key="period_month",
                                        format_func=lambda s: Month.parse(s).label))
        period = Period(m.quarter, m)
    else:
        q = Quarter.parse(where_value.selectbox("Quý", q_opts, key="period_quarter",
                                          format_func=lambda s: Quarter.parse(s).label))
        period = Period(q)
    st.query_params["period"] = period.key
    notice = st.session_state.pop("period_notice", None)
    if notice:
        st.toast(notice)
    return period


def current_period():
    """The period chosen in the frame (app.py), for the pages."""
    return st.session_state.get("_period")


def projector_requested() -> bool:
    """Projector mode as chosen so far (seeded once by `?projector=1`)."""
    if "projector" not in st.session_state:
        st.session_state["projector"] = _query("projector") in ("1", "true", "yes")
    return bool(st.session_state["projector"])


def projector_toggle(where=None) -> bool:
    """Projector mode: a toggle, seeded by `?projector=1`, mirrored into the URL."""
    projector_requested()
    on = (where or st.sidebar).toggle("Chế độ trình chiếu", key="projector",
                                      help="Chữ lớn, tương phản cao, ẩn thanh bên — cho cuộc họp.")
    if on:
        st.query_params["projector"] = "1"
    else:
        st.query_params.pop("projector", None)
    return on


def is_projector() -> bool:
    return bool(st.session_state.get("projector"))


def query_choice(name: str, options: list[str], state_key: str) -> None:
    """Seed a page's selectbox (criterion, unit) from the URL once, keep it valid."""
    if state_key not in st.session_state or st.session_state[state_key] not in options:
        wanted = _query(name)
        st.session_state[state_key] = wanted if wanted in options else options[0]


def mirror_query(name: str, value: str | None) -> None:
    if value is None:
        st.query_params.pop(name, None)
    else:
        st.query_params[name] = value


# ── look: one stylesheet, projector variant ──────────────────────────────────

_BASE_CSS = """
<style>
.stMainBlockContainer, .block-container {padding-top:2.2rem !important}
.kpi-losses {font-size:0.92em}
.kpi-badge {display:inline-block; padding:0.1em 0.5em; border-radius:0.4em; color:#fff;
            font-weight:600; white-space:nowrap}
.kpi-badge.near {color:#1A1A1A}
.kpi-badge.na {color:#1A1A1A}
.kpi-losses {width:100%; border-collapse:collapse}
.kpi-losses td, .kpi-losses th {padding:0.35em 0.5em; border-bottom:1px solid #ccc;
                                text-align:left; vertical-align:top}
.kpi-losses td.num, .kpi-losses th.num {text-align:right; white-space:nowrap}
.kpi-losses .name {width:26%}
.kpi-losses .todo {width:36%}
.kpi-legend span {margin-right:1em; white-space:nowrap}
.kpi-legend i {display:inline-block; width:0.9em; height:0.9em; border-radius:0.2em;
               margin-right:0.3em; vertical-align:-0.1em}
</style>
"""

_PROJECTOR_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"]
  {display:none !important}
.stApp {background:#fff}
.stApp, .stApp p, .stApp li, .stApp label, .stApp td, .stApp th {color:#000 !important}
.stMainBlockContainer, .block-container
  {padding:0.6rem 1.6rem 0.4rem 1.6rem !important; max-width:100% !important}
.stApp p, .stApp li, .stApp label, .stApp td, .stApp th
  {font-size:22px !important; line-height:1.3 !important}
.stApp [data-testid="stCaptionContainer"] p {font-size:20px !important; color:#222 !important}
.stApp h1 {font-size:40px !important; padding:0 !important}
.stApp h2, .stApp h3 {font-size:28px !important; padding:0.1rem 0 !important}
.stApp [data-testid="stMetricValue"] p
  {font-size:64px !important; font-weight:800 !important; line-height:1.05 !important}
.stApp [data-testid="stMetricLabel"] p {font-size:24px !important; font-weight:600 !important}
.stApp [data-testid="stMetricDelta"] p {font-size:24px !important}
.stApp [data-testid="stMetricDelta"] svg {width:24px; height:24px}
.stApp [data-testid="stSelectbox"] input, .stApp [data-baseweb="select"] * {font-size:20px !important}
.kpi-losses td, .kpi-losses th {padding:0.25em 0.45em; border-bottom:2px solid #000;
                                font-size:20px !important; line-height:1.25 !important}
.kpi-losses .todo {font-size:20px !important}
.kpi-badge {font-size:20px}
.kpi-card {border:3px solid #000; border-radius:0.5rem; padding:1rem 1.4rem}
.kpi-card .pos {float:right; font-size:24px; font-weight:600}
.kpi-card .name {font-size:40px; font-weight:800; line-height:1.2; margin-bottom:0.6rem}
.kpi-card .facts, .kpi-card .todo, .kpi-card .lead {font-size:28px; line-height:1.35;
                                                   margin-bottom:0.5rem}
.kpi-card .facts span {margin-left:0.8rem}
.kpi-card .lost {font-weight:800}
.kpi-card .kpi-badge {font-size:28px}
</style>
"""


def inject_css(projector: bool) -> None:
    """The app's only stylesheet (base rules, plus the projector variant when on)."""
    st.markdown(_BASE_CSS + (_PROJECTOR_CSS if projector else ""), unsafe_allow_html=True)


def status_badge(status: str) -> str:
    """A status as HTML: colour (Okabe-Ito, from charts) + icon + word, so it reads without colour."""
    from html import escape
    from .charts import STATUS_COLORS
    from .scoring import status_text
    return (f'<span class="kpi-badge {status}" style="background:{STATUS_COLORS[status]}">'
            f'{escape(status_text(status))}</span>')


def status_legend() -> None:
    from .charts import status_legend as legend
    items = "".join(f'<span><i style="background:{c}"></i>{t}</span>' for t, c, _ in legend())
    st.markdown(f'<div class="kpi-legend">{items}</div>', unsafe_allow_html=True)


def losses_html(top: pd.DataFrame, statuses: dict[str, str]) -> str:
    """The criteria losing most points as an HTML table (large text in projector mode)."""
    from html import escape
    head = ('<tr><th>Chỉ tiêu</th><th class="num">Điểm mất</th><th>Đạt / mục tiêu</th>'
            '<th>Trạng thái</th><th>Cần làm để lấy lại điểm</th><th>Chủ trì</th></tr>')
    body = []
    for _, r in top.iterrows():
        body.append(
            f'<tr><td class="name">{escape(r["Chỉ tiêu"])}</td>'
            f'<td class="num">−{escape(r["Điểm mất"])}</td>'
            f'<td>{escape(r["Đạt được"])} / {escape(r["Mục tiêu"])}</td>'
            f'<td>{status_badge(statuses[r["Mã"]])}</td>'
            f'<td class="todo">{escape(r["Cần làm"])}</td>'
            f'<td>{escape(r["Đơn vị chủ trì"])}</td></tr>')
    return f'<table class="kpi-losses">{head}{"".join(body)}</table>'



def report_downloads(catalog: Catalog, figures: pd.DataFrame, period) -> None:
    """The quarter's reports (Excel, PDF) as download buttons, built only when clicked."""
    import datetime as dt
    from .report_pdf import build_summary_pdf
    from .report_xlsx import build_report_xlsx
    quarter = period.quarter
    slug = f"{catalog.commune}-{quarter}"
    st.subheader(f"Báo cáo {quarter.label}")
    cols = st.columns(2)
    # built only when clicked (a callable), on the figures of this run
    cols[0].download_button(
        "Tải biểu tự chấm điểm (Excel)",
        lambda: build_report_xlsx(catalog, figures, quarter, today=dt.date.today()),
        file_name=f"tu-cham-diem-{slug}.xlsx", icon=":material/table_view:",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    cols[1].download_button(
        "Tải bản tóm tắt (PDF)",
        lambda: build_summary_pdf(catalog, figures, quarter, today=dt.date.today()),
        file_name=f"tom-tat-{slug}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:")


ROTATION_CHOICES = (0, 5, 10, 15, 30)   # seconds per criterion; 0 = off


def rotation_picker(where) -> int:
    """Projector mode: seconds per criterion for the rotating card (`?rotate=10`), 0 = off."""
    if "rotate" not in st.session_state:
        wanted = _query("rotate")
        st.session_state["rotate"] = (int(wanted) if wanted and wanted.isdigit()
                                      and int(wanted) in ROTATION_CHOICES else 0)
    seconds = where.selectbox("Tự chuyển chỉ tiêu", ROTATION_CHOICES, key="rotate",
                              format_func=lambda n: "Tắt" if n == 0 else f"mỗi {n} giây")
    mirror_query("rotate", str(seconds) if seconds else None)
    return seconds


def rotation_seconds() -> int:
    return int(st.session_state.get("rotate") or 0) if is_projector() else 0


def loss_card_html(row: pd.Series, status: str, position: int, count: int) -> str:
    """One criterion losing points, as a large card for the projector."""
    from html import escape
    todo = (f'<div class="todo"><b>Cần làm:</b> {escape(row["Cần làm"])}</div>'
            if row["Cần làm"] else "")
    return (f'<div class="kpi-card"><div class="pos">{position}/{count}</div>'
            f'<div class="name">{escape(row["Chỉ tiêu"])}</div>'
            f'<div class="facts">{status_badge(status)} '
            f'<span>Đạt {escape(row["Đạt được"])} / mục tiêu {escape(row["Mục tiêu"])}</span> '
            f'<span class="lost">−{escape(row["Điểm mất"])} điểm</span></div>'
            f'{todo}<div class="lead"><b>Chủ trì:</b> {escape(row["Đơn vị chủ trì"])}</div></div>')


def loss_carousel(losing: pd.DataFrame, statuses: dict[str, str], seconds: int) -> None:
    """Advance through the criteria losing points, one card every `seconds` (only this card
    reruns, not the page)."""
    if losing.empty:
        st.success("Không chỉ tiêu nào mất điểm trong kỳ này.")
        return

    @st.fragment(run_every=seconds)
    def card():
        i = st.session_state.get("rotate_index", 0) % len(losing)
        st.session_state["rotate_index"] = i + 1
        row = losing.iloc[i]
        st.markdown(loss_card_html(row, statuses[row["Mã"]], i + 1, len(losing)),
                    unsafe_allow_html=True)

    card()


def losses(top: pd.DataFrame, statuses: dict[str, str]) -> None:
    if top.empty:
        st.success("Không chỉ tiêu nào mất điểm trong kỳ này.")
    else:
        st.markdown(losses_html(top, statuses), unsafe_allow_html=True)


def chart(fig) -> None:
    """A Plotly figure of kpi.charts as built (its own theme, fonts and separators)."""
    st.plotly_chart(fig, theme=None, config={"displayModeBar": False, "locale": "vi"})
