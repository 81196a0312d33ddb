"""What the session remembers and the URL mirrors: the commune being looked at (a database of
several communes), the shared period, projector mode, the rotating card, a page's chosen
criterion or unit.

Session state is the truth while a session lives; the URL's query parameters mirror it each run
(page switches clear them) and seed it when a link is opened."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from kpi import settings
from kpi.domain.periods import Month, Period, Quarter
from kpi.present.tables import data_months, data_quarters

PERIOD_KINDS = ("Quý", "Tháng")


def _query(name: str) -> str | None:
    value = st.query_params.get(name)
    return value or None


def _init_period(months, quarters) -> None:
    """First run of a session: the period from the URL if it has data, else the default."""
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
        from kpi.web import safe  # (safe reads data, which reads this module)
        st.toast(safe.md(notice))      # it quotes the link's text: never Markdown (a link, an image)
    return period


def current_commune() -> str | None:
    """The commune the commune pages work in (None before the frame has chosen one)."""
    return st.session_state.get("commune")


def seed_commune(codes: list[str], default: str, locked: str | None = None) -> None:
    """Make the session's commune valid before anything is read: the account's own, else the one
    chosen, else `?commune=` of the link, else `default`."""
    st.session_state["_several_communes"] = locked is None and len(codes) > 1
    if locked is not None or len(codes) <= 1:
        st.session_state["commune"] = locked or (codes[0] if codes else default)
    elif st.session_state.get("commune") not in codes:
        wanted = _query("commune")
        st.session_state["commune"] = wanted if wanted in codes else (default if default in codes else codes[0])


def commune_picker(codes: list[str], names: dict[str, str], default: str, locked: str | None = None,
                   where=None) -> str:
    """The commune the commune pages work in: an account's own commune (`locked`), else chosen
    among `codes` (seeded once by `?commune=`, mirrored into the URL); no picker for one commune."""
    seed_commune(codes, default, locked)
    if locked is not None or len(codes) <= 1:
        st.query_params.pop("commune", None)
        return st.session_state["commune"]
    if "commune_pick" not in st.session_state or st.session_state["commune_pick"] != st.session_state["commune"]:
        st.session_state["commune_pick"] = st.session_state["commune"]

    def chosen() -> None:
        st.session_state["commune"] = st.session_state["commune_pick"]

    (where or st.sidebar).selectbox("Xã", codes, key="commune_pick", on_change=chosen,
                                    format_func=lambda c: names.get(c, c))
    st.query_params["commune"] = st.session_state["commune"]
    return st.session_state["commune"]


def choose_commune(code: str) -> None:
    """Open commune `code` in the commune pages (the city view's click)."""
    st.session_state["commune"] = code   # the picker follows on the next run


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


# the pages a meeting goes through at projector size (url paths; "" is the overview)
PROJECTOR_PAGES = ("", "toan-thanh-pho", "chi-tieu", "don-vi", "mo-phong")


def link_params(**extra: str) -> dict[str, str]:
    """Query parameters for a link to another page: the shared period and projector mode go
    along, so the page opens as the one being shown (and the address can be shared)."""
    params: dict[str, str] = {}
    if st.session_state.get("_several_communes") and current_commune():
        params["commune"] = str(current_commune())
    period = current_period()
    if period is not None:
        params["period"] = period.key
    if is_projector():
        params["projector"] = "1"
    params.update(extra)
    return params


# the address of a page opened from a table's link (st.Page url paths of app.py)
PAGE_PATHS = {"pages/overview.py": "tong-quan", "pages/indicator.py": "chi-tieu", "pages/unit.py": "don-vi"}


def page_href(page: str, label: str | None = None, **extra: str) -> str:
    """A real link to `page` (a file of pages/) with `link_params(**extra)`: relative, so it
    works under any base path; `label` goes in the fragment, where a table's link column reads
    the text it shows (the page ignores it)."""
    from urllib.parse import quote, urlencode
    href = f"{PAGE_PATHS.get(page, page)}?{urlencode(link_params(**extra))}"
    return href + (f"#{quote(label)}" if label else "")


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


# ── the day the record is judged on ──────────────────────────────────────────

def begin_run() -> None:
    """Read the clock once for this script run: every page of the run judges the record on it."""
    st.session_state["_today"] = settings.today()


def today() -> dt.date:
    return st.session_state.get("_today") or settings.today()


def as_of() -> dt.date:
    """«Tính đến ngày»: the day picked on the overview (or `?as_of=` in the address), else today.
    The record as it stood at the end of that day: later uploads do not count."""
    if "_as_of" not in st.session_state:
        wanted = _query("as_of")
        try:
            picked = dt.date.fromisoformat(wanted) if wanted else None
        except ValueError:
            picked = None
        st.session_state["_as_of"] = picked
    picked = st.session_state["_as_of"]
    return picked if picked is not None and picked < today() else today()


def today_only() -> None:
    """An account that may not look at the record of an earlier day sees today's, whatever the
    address says (a shared `?as_of=` link)."""
    st.session_state["_as_of"] = None
    st.query_params.pop("as_of", None)


def is_past(day: dt.date) -> bool:
    return day < today()


def as_of_picker(where=None) -> dt.date:
    """The «Tính đến ngày» date input (default today, never after it), kept in the address."""
    where = where or st
    current = as_of()

    def chosen() -> None:
        st.session_state["_as_of"] = st.session_state["as_of_pick"]

    st.session_state["as_of_pick"] = current
    where.date_input("Tính đến ngày", key="as_of_pick", max_value=today(), format="DD/MM/YYYY",
                     on_change=chosen, help="Xem lại điểm như vào cuối ngày này: số liệu gửi sau ngày "
                     "đó không được tính, hạn báo cáo tính theo ngày đó.")
    mirror_query("as_of", current.isoformat() if is_past(current) else None)
    return current
