"""Data preparation for the pages: DataFrames in, DataFrames out, no Streamlit.

Every number comes from `kpi.scoring` (scores) and every text from `kpi.fmt` / `kpi.periods`
(formats); these functions only select, arrange and label, so the pages stay descriptions of
the screen and the same tables can be tested here with exact numbers.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kpi.domain.catalog import Catalog, Indicator
from kpi.domain.periods import Month, Period, Quarter
from kpi.domain.scoring import (
    QuarterResults,
    QuarterScore,
    Timeliness,
    Totals,
    achieved_of,
    monthly_totals,
    ranked_by_loss,
    ratio_percent,
    report_timeliness,
    round_points,
    score_criterion,
    score_quarter,
    score_quarter_all,
    totals_of,
)
from kpi.domain.whatif import ScenarioResult
from kpi.present import texts as fmt
from kpi.present.evidence_tables import due_text

# ── the period being looked at ───────────────────────────────────────────────


def data_months(figures: pd.DataFrame) -> list[Month]:
    """The months that hold at least one figure, oldest first."""
    if figures.empty:
        return []
    return sorted(Month.parse(p) for p in figures["period"].dropna().unique())


def data_quarters(figures: pd.DataFrame) -> list[Quarter]:
    return sorted({m.quarter for m in data_months(figures)})


def default_period(figures: pd.DataFrame) -> Period | None:
    """The quarter of the latest month with data (None on an empty database)."""
    months = data_months(figures)
    return Period(months[-1].quarter) if months else None


def period_figures(figures: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The figures the period is scored on (a month is scored on its own figures only)."""
    months = {str(m) for m in period.months}
    return figures[figures["period"].isin(months)]


def score_period(catalog: Catalog, figures: pd.DataFrame, period: Period,
                 unit: str | None = None, as_of: dt.date | None = None) -> QuarterScore:
    score = score_quarter(catalog, period_figures(figures, period), period.quarter, unit, as_of,
                          months=tuple(period.months))
    return _labelled(score, period)


def score_period_all(catalog: Catalog, figures: pd.DataFrame, period: Period,
                     as_of: dt.date | None = None) -> QuarterResults:
    """`score_period` of the commune and of every unit, from one pass over the figures."""
    every = score_quarter_all(catalog, period_figures(figures, period), period.quarter, as_of,
                              months=tuple(period.months))
    return QuarterResults(_labelled(every.commune, period),
                          {u: _labelled(s, period) for u, s in every.units.items()})


def _labelled(score: QuarterScore, period: Period) -> QuarterScore:
    """A month's score keeps the same numbers, labelled with the month so no page calls it a
    quarter's score."""
    return dataclasses.replace(score, quarter=str(period.month)) if period.month else score


def provisional_text(score: QuarterScore) -> str | None:
    """`Tạm tính: còn 22 tháng-đơn vị chưa đến hạn báo cáo` for a provisional score, else None."""
    if not score.provisional:
        return None
    if score.to_come:
        return (f"Tạm tính: còn {score.to_come} lượt báo cáo tháng của các đơn vị chưa đến hạn; "
                "chỉ tiêu chưa đến hạn không bị tính là mất điểm.")
    return "Tạm tính: kỳ này chưa hết hạn báo cáo; số liệu còn có thể thay đổi."


def provisional_short(score: QuarterScore) -> str | None:
    """The projector's one line: `Tạm tính: còn 24 lượt báo cáo chưa đến hạn`."""
    if not score.provisional:
        return None
    if score.to_come:
        return f"Tạm tính: còn {score.to_come} lượt báo cáo chưa đến hạn"
    return "Tạm tính: kỳ này chưa hết hạn báo cáo"


def has_data(figures: pd.DataFrame, period: Period, unit: str | None = None) -> bool:
    rows = period_figures(figures, period)
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    return not rows.empty


# ── texts of one criterion ───────────────────────────────────────────────────

def points_as_text(table: pd.DataFrame, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """A copy of a table whose number columns (points) read the Vietnamese way: 1,2 not 1.2."""
    out = table.copy()
    for col in out.columns:
        if col not in exclude and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(lambda x: fmt.smart_number(None if pd.isna(x) else float(x)))
    return out


def score_change(score: QuarterScore, previous: QuarterScore | None) -> float | None:
    """Points gained since the previous period (None when it had nothing to compare, or when one
    of the two is provisional: a part of a period is not compared with a whole one)."""
    if previous is None or previous.percent is None or score.percent is None:
        return None
    if score.provisional or previous.provisional:
        return None
    return round_points(score.total_points) - round_points(previous.total_points)


def change_text(delta: float | None, previous_label: str, metric: bool = True) -> str | None:
    """`+1,5 điểm so với Quý II/2026`; `metric`: the ASCII sign st.metric colours, else the
    minus sign of text."""
    if delta is None:
        return None
    sign = fmt.metric_delta(delta) if metric else fmt.points_change(delta)
    return f"{sign} điểm so với {previous_label}"


# ── overview tables ──────────────────────────────────────────────────────────

CRITERIA_COLUMNS = ["Mã", "Nhóm", "Chỉ tiêu", "Đạt được", "Mục tiêu", "Điểm", "Tối đa",
                    "Điểm mất", "Trạng thái", "Đơn vị chủ trì", "Mã đơn vị"]


def criteria_table(catalog: Catalog, score: QuarterScore) -> pd.DataFrame:
    """The criteria table of the overview, sorted by points lost."""
    rows = [{
        "Mã": r.id, "Nhóm": r.indicator.group, "Chỉ tiêu": r.indicator.name,
        "Đạt được": fmt.achieved(r.indicator, r.achieved), "Mục tiêu": fmt.target(r.indicator),
        "Điểm": fmt.points(r.points), "Tối đa": fmt.points(r.max_points),
        "Điểm mất": fmt.points(r.points_lost), "Trạng thái": fmt.status(r.status),
        "Đơn vị chủ trì": catalog.unit_name(r.indicator.lead_unit), "Mã đơn vị": r.indicator.lead_unit}
        for r in ranked_by_loss(score)]
    return pd.DataFrame(rows, columns=CRITERIA_COLUMNS)


def group_table(score: QuarterScore) -> pd.DataFrame:
    """Points per group against their maximum, catalogue order."""
    rows = [{"Nhóm": g.group, "Điểm": round_points(g.points), "Tối đa": g.max_points,
             "Tỷ lệ": (100.0 * g.points / g.max_points) if g.max_points else None}
            for g in score.by_group()]
    return pd.DataFrame(rows, columns=["Nhóm", "Điểm", "Tối đa", "Tỷ lệ"])


@dataclass(frozen=True)
class LossRow:
    """One criterion losing points, as the overview's table and the projector's card show it."""
    id: str
    name: str
    points_lost: float
    achieved: str       # as written for people (kpi.present.texts)
    target: str
    status: str         # the status code (met, near, …)
    lead: str           # the lead unit's name
    todo: str           # what meeting it takes ("" when nothing to say)
    short: str = ""     # the same in ≤ 12 words (the projector)
    lead_code: str = ""


def loss_rows(catalog: Catalog, score: QuarterScore, n: int = 5,
              what_it_takes: dict[str, str] | None = None,
              short: dict[str, str] | None = None) -> list[LossRow]:
    """The n criteria losing most points (only those losing any), with what it takes."""
    what_it_takes = what_it_takes or {}
    short = short or {}
    return [LossRow(r.id, r.indicator.name, r.points_lost, fmt.achieved(r.indicator, r.achieved),
                    fmt.target(r.indicator), r.status, catalog.unit_name(r.indicator.lead_unit),
                    what_it_takes.get(r.id, ""), short.get(r.id, ""), r.indicator.lead_unit)
            for r in ranked_by_loss(score) if round_points(r.points_lost) > 0][:n]


def top_losses(catalog: Catalog, score: QuarterScore, n: int = 5,
               what_it_takes: dict[str, str] | None = None) -> pd.DataFrame:
    """`loss_rows` as a table with Vietnamese headers."""
    rows = [{"Mã": r.id, "Chỉ tiêu": r.name, "Điểm mất": fmt.points(r.points_lost),
             "Đạt được": r.achieved, "Mục tiêu": r.target, "Trạng thái": fmt.status(r.status),
             "Đơn vị chủ trì": r.lead, "Cần làm": r.todo}
            for r in loss_rows(catalog, score, n, what_it_takes)]
    return pd.DataFrame(rows, columns=["Mã", "Chỉ tiêu", "Điểm mất", "Đạt được", "Mục tiêu",
                                       "Trạng thái", "Đơn vị chủ trì", "Cần làm"])


def losses_by_lead_unit(catalog: Catalog, score: QuarterScore) -> pd.DataFrame:
    """Points lost summed by the lead unit of each criterion, most first."""
    lost: dict[str, float] = {}
    count: dict[str, int] = {}
    for r in score.indicators:
        pl = round_points(r.points_lost)
        if pl > 0:
            lead = r.indicator.lead_unit
            lost[lead] = lost.get(lead, 0.0) + pl
            count[lead] = count.get(lead, 0) + 1
    ranked = sorted(lost.items(), key=lambda kv: -kv[1])
    rows = [{"Đơn vị": code, "Tên đơn vị": catalog.unit_name(code),
             "Điểm mất": fmt.points(v), "Số chỉ tiêu": count[code]} for code, v in ranked]
    return pd.DataFrame(rows, columns=["Đơn vị", "Tên đơn vị", "Điểm mất", "Số chỉ tiêu"])


def what_it_takes_texts(catalog: Catalog, figures: pd.DataFrame, period: Period,
                        unit: str | None = None) -> dict[str, str]:
    """Criterion id → what meeting it by the quarter's end takes (kpi.goalseek's words)."""
    return what_it_takes_both(catalog, figures, period, unit)[0]


def what_it_takes_both(catalog: Catalog, figures: pd.DataFrame, period: Period,
                       unit: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """(full sentences, short actions ≤ 12 words) by criterion id, from one goal-seek pass."""
    from kpi.domain.goalseek import what_it_takes_all
    from kpi.present.goal_texts import answer_texts, short_actions
    answers = what_it_takes_all(catalog, figures, period.quarter, unit=unit)
    return answer_texts(catalog, answers), short_actions(catalog, answers)


def status_matrix(catalog: Catalog, figures: pd.DataFrame, period: Period,
                  results: QuarterResults | None = None) -> pd.DataFrame:
    """Units × criteria: each unit's status on each criterion it reports (None elsewhere).

    Rows are unit codes in catalogue order, columns criterion ids in catalogue order; the
    status is that of `score_quarter(..., unit=code)`, i.e. the unit's own figures (`results`: the
    period's scores already computed by `score_period_all`).
    """
    results = results or score_period_all(catalog, figures, period)
    data = {}
    for unit in catalog.units:
        statuses = {r.id: r.status for r in results.of(unit.code).indicators}
        data[unit.code] = [statuses.get(ind.id) for ind in catalog.indicators]
    df = pd.DataFrame.from_dict(data, orient="index",
                                columns=[ind.id for ind in catalog.indicators]).astype(object)
    return df.where(df.notna(), None)


# ── one criterion ────────────────────────────────────────────────────────────

def _rows_of(catalog: Catalog, figures: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    rows = figures[figures["indicator_id"] == ind.id]
    return rows[rows["unit"].isin(ind.units)]


def monthly_series(catalog: Catalog, figures: pd.DataFrame, indicator_id: str,
                   months: list[Month] | None = None) -> pd.DataFrame:
    """The commune's achieved value of one criterion month by month (blank when unreported).

    Columns: period, label, short (axis label `6/2026`), achieved, target. `months` defaults
    to every month with data.
    """
    ind = catalog.indicator(indicator_id)
    by_month = monthly_totals(ind, _rows_of(catalog, figures, ind))
    months = months if months is not None else data_months(figures)
    out = []
    for m in months:
        totals = by_month.get(str(m), Totals())
        out.append({"period": str(m), "label": m.label, "short": f"{m.month}/{m.year}",
                    "achieved": achieved_of(ind, totals), "target": ind.target})
    return pd.DataFrame(out, columns=["period", "label", "short", "achieved", "target"]).astype(
        {"achieved": "float64", "target": "float64"})


def quarter_series(catalog: Catalog, figures: pd.DataFrame, indicator_id: str,
                   quarters: list[Quarter] | None = None) -> pd.DataFrame:
    """One criterion quarter by quarter: achieved, points, max, status (scored by the engine)."""
    ind = catalog.indicator(indicator_id)
    quarters = quarters if quarters is not None else data_quarters(figures)
    out = []
    for q in quarters:
        r, provisional = score_criterion(catalog, figures, q, ind.id)
        out.append({"quarter": str(q), "label": q.label, "achieved": r.achieved,
                    "target": ind.target, "points": r.points, "max_points": r.max_points,
                    "status": r.status, "provisional": provisional})
    return pd.DataFrame(out, columns=["quarter", "label", "achieved", "target", "points",
                                      "max_points", "status", "provisional"]).astype(
        {"achieved": "float64", "target": "float64", "points": "float64",
         "max_points": "float64"})


def unit_contributions(catalog: Catalog, figures: pd.DataFrame, indicator_id: str,
                       period: Period) -> pd.DataFrame:
    """Each reporting unit's part of one criterion in the period.

    Columns: unit, name, numerator, denominator, value, achieved, share (percent of the
    commune's numerator for a ratio, of the commune's value for a count), status.
    """
    ind = catalog.indicator(indicator_id)
    rows = _rows_of(catalog, period_figures(figures, period), ind)
    total = totals_of(ind, rows)
    whole = total.numerator if ind.is_ratio else total.value
    out = []
    for code in ind.units:
        s = score_criterion(catalog, period_figures(figures, period), period.quarter, ind.id, unit=code,
                            months=tuple(period.months))[0]
        t = s.totals
        part = t.numerator if ind.is_ratio else t.value
        out.append({"unit": code, "name": catalog.unit_name(code), "numerator": t.numerator,
                    "denominator": t.denominator, "value": t.value, "achieved": s.achieved,
                    "share": (100.0 * part / whole) if part is not None and whole else None,
                    "status": s.status})
    return pd.DataFrame(out, columns=["unit", "name", "numerator", "denominator", "value",
                                      "achieved", "share", "status"]).astype(
        {c: "float64" for c in ("numerator", "denominator", "value", "achieved", "share")})


def figures_table(catalog: Catalog, figures: pd.DataFrame, indicator_id: str,
                  period: Period) -> pd.DataFrame:
    """The stored figures of one criterion in the period, one row per unit and month."""
    ind = catalog.indicator(indicator_id)
    rows = _rows_of(catalog, period_figures(figures, period), ind).sort_values(
        ["period", "unit"])
    out = []
    for _, r in rows.iterrows():
        m = Month.parse(r["period"])
        row = {"Tháng": m.label, "Đơn vị": catalog.unit_name(r["unit"])}
        if ind.is_ratio:
            num, den = _f(r["numerator"]), _f(r["denominator"])
            row[ind.numerator_label] = fmt.smart_number(num)
            row[ind.denominator_label] = fmt.smart_number(den)
            row["Tỷ lệ"] = fmt.percent(ratio_percent(num, den))
        else:
            row[ind.measure.capitalize() or "Giá trị"] = fmt.smart_number(_f(r["value"]))
        note = r.get("note") if "note" in r else None
        row["Ghi chú"] = note if isinstance(note, str) else ""
        out.append(row)
    return pd.DataFrame(out)


def _f(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


# ── reporting on time: every unit, month by month ────────────────────────────

ON_TIME, LATE, MISSING, NOT_DUE = tuple(Timeliness)   # the engine's rule decides which
TIMELINESS_LABELS = {ON_TIME: "✔ Đúng hạn", LATE: "▲ Nộp muộn", MISSING: "✖ Chưa nộp",
                     NOT_DUE: "○ Chưa đến hạn"}
BOARD_COLUMNS = ["unit", "unit_name", "period", "label", "due", "submitted", "versions", "status",
                 "days_late", "status_text"]


def submission_board(catalog: Catalog, first_submissions: pd.DataFrame, months: list[Month],
                     today: dt.date, units: list[str] | None = None) -> pd.DataFrame:
    """Each unit's reporting, month by month, against the catalogue's due date.

    The status is the engine's `report_timeliness` (the same rule that scores on-time reporting);
    a late month says by `days_late` days (sent on the 18th is one day late).
    One row per unit and month, units in catalogue order, months as given.
    """
    codes = units if units is not None else [u.code for u in catalog.units]
    sent_of = {(r.unit, r.period): r for r in first_submissions.itertuples(index=False)}
    out = []
    for code in codes:
        for m in months:
            due = m.due_date(catalog.due_day, catalog.due_month_offset)
            r = sent_of.get((code, str(m)))
            sent = pd.Timestamp(r.first_submitted_at).to_pydatetime() if r is not None else None
            status = str(report_timeliness(catalog, m, sent, today))   # the engine's rule, as scored
            # «trước ngày 18»: sent on the 18th is one day late
            days_late = (sent.date() - due).days + 1 if sent is not None and status == LATE else 0
            out.append({"unit": code, "unit_name": catalog.unit_name(code), "period": str(m),
                        "label": m.label, "due": due, "submitted": sent,
                        "versions": int(r.versions) if r is not None else 0, "status": status,
                        "days_late": days_late, "status_text": TIMELINESS_LABELS[status]})
    return pd.DataFrame(out, columns=BOARD_COLUMNS)


def timeliness(catalog: Catalog, first_submissions: pd.DataFrame, unit: str,
               months: list[Month], today: dt.date) -> pd.DataFrame:
    """One unit's rows of `submission_board`.
    Columns: period, label, due, submitted, versions, status, days_late, status_text."""
    return submission_board(catalog, first_submissions, months, today, [unit]).drop(
        columns=["unit", "unit_name"]).reset_index(drop=True)


def board_months(catalog: Catalog, period: Period, today: dt.date) -> list[Month]:
    """The months the board shows: the chosen period's quarter, the month falling due next and
    the current month, oldest first."""
    return sorted(set(period.quarter.months) | {next_due(catalog, today)[0], Month.of(today)})


def board_cell(row) -> str:
    """A board status as read without colour: icon and words (`▲ Muộn 4 ngày`)."""
    if row["status"] == LATE:
        return f"▲ Muộn {row['days_late']} ngày"
    return TIMELINESS_LABELS[row["status"]]


def board_table(board: pd.DataFrame) -> pd.DataFrame:
    """Units down, months across, one status text per cell."""
    if board.empty:
        return pd.DataFrame(columns=["Đơn vị"])
    cells = board.assign(cell=board.apply(board_cell, axis=1))
    labels = list(dict.fromkeys(board["label"]))
    names = list(dict.fromkeys(board["unit_name"]))
    wide = cells.pivot(index="unit_name", columns="label", values="cell").reindex(
        index=names, columns=labels)
    return wide.rename_axis(index="Đơn vị", columns=None).reset_index()


def board_counts(board: pd.DataFrame) -> dict[str, int]:
    """How many unit-months of the board are in each status."""
    return {s: int((board["status"] == s).sum()) for s in (ON_TIME, LATE, MISSING, NOT_DUE)}


def missing_units(board: pd.DataFrame) -> list[tuple[str, list[Month]]]:
    """(unit code, months past due and not sent) for each unit missing a due report."""
    gone = board[board["status"] == MISSING]
    return [(code, [Month.parse(p) for p in rows["period"]])
            for code, rows in gone.groupby("unit", sort=False)]


def missing_summary(catalog: Catalog, board: pd.DataFrame) -> str:
    """One line for the overview: how many units have not sent a report that is due."""
    late = len(missing_units(board))
    total = len(catalog.units)
    if not late:
        return f"✔ Cả {total} đơn vị đã gửi đủ số liệu tháng đến hạn"
    return f"✖ {late}/{total} đơn vị chưa gửi số liệu tháng đã đến hạn"


def next_due(catalog: Catalog, today: dt.date) -> tuple[Month, dt.date]:
    """The month whose report falls due next, and its due date (the first one after today)."""
    m = Month.of(today).add(-catalog.due_month_offset)
    while m.due_date(catalog.due_day, catalog.due_month_offset) <= today:
        m = m.add(1)
    return m, m.due_date(catalog.due_day, catalog.due_month_offset)


def countdown_text(catalog: Catalog, today: dt.date) -> str:
    """`Số liệu Tháng 11/2026: còn 25 ngày đến hạn 18/12/2026` (gửi trước ngày đó)."""
    month, due = next_due(catalog, today)
    return f"Số liệu {month.label}: còn {(due - today).days} ngày đến hạn {fmt.date(due)}"


def reminder_text(catalog: Catalog, board: pd.DataFrame, today: dt.date) -> str:
    """A message ready to paste into Zalo or an email: who has not sent what, and the next due date."""
    month, due = next_due(catalog, today)
    lines = [f"{catalog.commune_name}: nhắc gửi số liệu chuyển đổi số ({fmt.date(today)})."]
    late = missing_units(board)
    if late:
        lines.append("Các đơn vị chưa gửi số liệu đã quá hạn:")
        for code, months in late:
            lines.append(f"- {catalog.unit_name(code)}: "
                         + "; ".join(f"{m.label} (hạn trước ngày "
                                     f"{fmt.date(m.due_date(catalog.due_day, catalog.due_month_offset))})"
                                     for m in months))
        lines.append("Đề nghị các đơn vị gửi ngay qua trang «Nhập số liệu».")
    else:
        lines.append("Tất cả đơn vị đã gửi đủ số liệu đến hạn.")
    waiting = board[(board["period"] == str(month)) & (board["status"] == NOT_DUE)]
    if len(waiting) and len(waiting) == board["unit"].nunique():
        who = "; chưa đơn vị nào gửi."
    else:
        who = f"; chưa gửi: {', '.join(waiting['unit_name'])}." if len(waiting) else "; các đơn vị đã gửi đủ."
    lines.append(f"Số liệu {month.label} gửi trước ngày {fmt.date(due)} (còn {(due - today).days} ngày){who}")
    return "\n".join(lines)


# ── one unit ─────────────────────────────────────────────────────────────────

def timeliness_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Tháng": df["label"], "Hạn nộp (trước ngày)": [fmt.date(d) for d in df["due"]],
        "Nộp lần đầu": [fmt.datetime(s) if s is not None and not pd.isna(s) else fmt.MISSING
                        for s in df["submitted"]],
        "Số phiên bản": df["versions"], "Tình trạng": [board_cell(r) for _, r in df.iterrows()]})


def unit_share(catalog: Catalog, score: QuarterScore, unit_score: QuarterScore) -> dict:
    """A unit's weight in the scorecard: its criteria's points and what they earned."""
    return {"criteria": len(unit_score.indicators), "points": unit_score.total_points,
            "max_points": unit_score.max_points,
            "share_of_max": (100.0 * unit_score.max_points / score.max_points)
            if score.max_points else None}


def unit_criteria_table(catalog: Catalog, unit_score: QuarterScore) -> pd.DataFrame:
    rows = [{"Mã": r.id, "Chỉ tiêu": r.indicator.name,
             "Đạt được": fmt.achieved(r.indicator, r.achieved), "Mục tiêu": fmt.target(r.indicator),
             "Điểm": fmt.points(r.points), "Tối đa": fmt.points(r.max_points),
             "Trạng thái": fmt.status(r.status),
             "Chủ trì": "Có" if r.indicator.lead_unit == unit_score.unit else ""}
            for r in ranked_by_loss(unit_score)]
    return pd.DataFrame(rows, columns=["Mã", "Chỉ tiêu", "Đạt được", "Mục tiêu", "Điểm", "Tối đa",
                                       "Trạng thái", "Chủ trì"])


UPLOAD_STATUS = {"accepted": "Đang dùng", "superseded": "Đã thay thế"}
SOURCE_LABELS = {"excel": "Tệp Excel", "demo": "Dữ liệu mẫu"}


def upload_history_table(history: pd.DataFrame) -> pd.DataFrame:
    """store.upload_history in Vietnamese, newest first."""
    return pd.DataFrame({
        "Tháng": [Month.parse(p).label for p in history["period"]],
        "Phiên bản": history["version"],
        "Trạng thái": [UPLOAD_STATUS.get(s, s) for s in history["status"]],
        "Người nhập": history["submitted_by"],
        "Thời điểm": [fmt.datetime(pd.Timestamp(t).to_pydatetime()) for t in history["submitted_at"]],
        "Tệp": [f if isinstance(f, str) else SOURCE_LABELS.get(s, s)
                for f, s in zip(history["file_name"], history["source"])],
        "Số ô số liệu": history["figure_count"]})


# ── catalogue ────────────────────────────────────────────────────────────────

def catalog_table(catalog: Catalog, group: str | None = None) -> pd.DataFrame:
    """Every criterion of the catalogue (or of one group), every field written for people."""
    rows = [{"Mã": i.id, "Nhóm": i.group, "Chỉ tiêu": i.name,
             "Loại": "Tỷ lệ" if i.is_ratio else "Số lượng", "Mục tiêu": fmt.target(i),
             "Điểm": fmt.points(i.points), "Cách tính điểm": fmt.rule(i),
             "Đơn vị chủ trì": catalog.unit_name(i.lead_unit),
             "Đơn vị báo cáo": ", ".join(i.units),
             "Hạn hoàn thành": due_text(i.deadline, i.start, ""),
             "Tài liệu kiểm chứng": i.evidence, "Nguồn": i.source, "Ghi chú": i.note}
            for i in (catalog.indicators if group is None else catalog.indicators_of_group(group))]
    return pd.DataFrame(rows)


# the catalogue page's columns: what one screen holds (the rest is in the downloadable reports)
CATALOG_PAGE_COLUMNS = ["Mã", "Chỉ tiêu", "Mục tiêu", "Điểm", "Cách tính điểm", "Đơn vị chủ trì",
                        "Tài liệu kiểm chứng", "Nguồn"]


def catalog_page_table(catalog: Catalog, group: str) -> pd.DataFrame:
    """One group's criteria as the catalogue page shows them."""
    return catalog_table(catalog, group)[CATALOG_PAGE_COLUMNS]


def catalog_notes(catalog: Catalog, group: str) -> list[str]:
    """The group's criteria that have a deadline, a start or a note: `ID: hạn hoàn thành 31/12/2026. note`,
    `ID: thường xuyên, từ 01/10/2025. note`."""
    notes = []
    for i in catalog.indicators_of_group(group):
        if i.note or i.deadline or i.start:
            deadline = (f"hạn hoàn thành {fmt.date(i.deadline)}. " if i.deadline else
                        f"{due_text(None, i.start)}. " if i.start else "")
            notes.append(f"{i.id}: {deadline}{i.note}")
    return notes


def milestone_table(catalog: Catalog) -> pd.DataFrame:
    """The catalogue's obligations followed without points (`[[milestones]]`)."""
    rows = [{"Mã": m.id, "Nhóm": m.group, "Nhiệm vụ": m.name, "Yêu cầu": m.target,
             "Hạn hoàn thành": due_text(m.deadline, m.start, ""),
             "Đơn vị chủ trì": catalog.unit_name(m.lead) if m.lead else "",
             "Tài liệu kiểm chứng": m.evidence, "Nguồn": m.source, "Ghi chú": m.note}
            for m in catalog.milestones]
    return pd.DataFrame(rows, columns=["Mã", "Nhóm", "Nhiệm vụ", "Yêu cầu", "Hạn hoàn thành", "Đơn vị chủ trì",
                                       "Tài liệu kiểm chứng", "Nguồn", "Ghi chú"])


def contribution_table(ind: Indicator, contrib: pd.DataFrame) -> pd.DataFrame:
    """views.unit_contributions as users read it."""
    out = {"Đơn vị": contrib["name"]}
    if ind.is_ratio:
        out[ind.numerator_label] = [fmt.smart_number(_f(x)) for x in contrib["numerator"]]
        out[ind.denominator_label] = [fmt.smart_number(_f(x)) for x in contrib["denominator"]]
        out["Tỷ lệ"] = [fmt.percent(_f(x)) for x in contrib["achieved"]]
    else:
        out[ind.measure.capitalize() or "Giá trị"] = [fmt.smart_number(_f(x))
                                                     for x in contrib["value"]]
    out["Phần đóng góp"] = [fmt.percent(_f(x)) for x in contrib["share"]]
    out["Trạng thái"] = [fmt.status(s) for s in contrib["status"]]
    return pd.DataFrame(out)


# ── upload ───────────────────────────────────────────────────────────────────

def template_months(today: dt.date, count: int = 12) -> list[Month]:
    """Months offered for a template, newest first (the current month, then earlier ones)."""
    current = Month.of(today)
    return [current.add(-k) for k in range(count)]


PROBLEM_COLUMNS = ["Dòng, chỉ tiêu", "Lỗi", "Ô", "Giá trị đã nhập", "Cần"]


def problems_table(problems) -> pd.DataFrame:
    """Validation problems (kpi.ingest.Problem) in Vietnamese: the table row (STT) and the
    criterion's name first, what is wrong, then the cell."""
    return pd.DataFrame([{"Dòng, chỉ tiêu": p.headline, "Lỗi": _sentence(p.detail or p.message),
                          "Ô": p.cell_text, "Giá trị đã nhập": p.value or "", "Cần": p.expected or ""}
                         for p in problems], columns=PROBLEM_COLUMNS)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


PREVIEW_COLUMNS = ["Chỉ tiêu", "Thay đổi (đang lưu → mới)"]
NEW, UNCHANGED, CLEARED = "● Mới", "Không đổi", "✖ Bỏ trống"


def _preview_figure(ind: Indicator, num, den, value, achieved) -> str | None:
    """`412/450 (91,6 %)` for a ratio, `17 nhà` for a number; None when nothing is there."""
    if ind.is_ratio:
        if _f(num) is None and _f(den) is None:
            return None
        shown = f"{fmt.smart_number(_f(num))}/{fmt.smart_number(_f(den))}"
        return shown if _f(achieved) is None else f"{shown} ({fmt.achieved(ind, _f(achieved), noun=False)})"
    return None if _f(value) is None else f"{fmt.smart_number(_f(value))} {ind.measure}".strip()


def preview_change(ind: Indicator, r) -> str:
    """One criterion of a preview in words: old → new, «Mới», «Không đổi» or «Bỏ trống»."""
    new = _preview_figure(ind, r.numerator, r.denominator, r.value, r.achieved)
    old = _preview_figure(ind, r.previous_numerator, r.previous_denominator, r.previous_value,
                          r.previous_achieved)
    if old is None:
        return f"{NEW}: {new or fmt.MISSING}"
    if not r.changed:
        return f"{UNCHANGED}: {old}"
    if new is None:
        return f"{CLEARED} (đang lưu: {old})"
    return f"{old} → {new}"


def preview_table(catalog: Catalog, preview: pd.DataFrame) -> pd.DataFrame:
    """kpi.usecases.preview.preview_figures as users read it, narrow enough for a phone: the criterion and
    what happens to it (`361/380 (95,0 %) → 366/380 (96,3 %)`, «● Mới: …» when nothing was stored)."""
    return pd.DataFrame([{"Chỉ tiêu": r.name,
                          "Thay đổi (đang lưu → mới)": preview_change(catalog.indicator(r.indicator_id), r)}
                         for r in preview.itertuples(index=False)], columns=PREVIEW_COLUMNS)


def preview_summary(preview: pd.DataFrame) -> str:
    """One line above a preview: a new month, or how many criteria change."""
    stored = preview[["previous_numerator", "previous_denominator", "previous_value"]].notna().any(axis=1)
    if not stored.any():
        return f"Tháng mới: chưa có số liệu đang lưu; {len(preview)} chỉ tiêu đều là số liệu mới."
    changed = int(preview["changed"].sum())
    if not changed:
        return "Giống hệt số liệu đang lưu: không chỉ tiêu nào thay đổi."
    return f"Thay bản đang lưu: {changed}/{len(preview)} chỉ tiêu thay đổi."


def outcome_text(catalog: Catalog, outcome) -> str:
    """One stored unit-month (store.RecordOutcome) in words."""
    where = f"{catalog.unit_name(outcome.unit)}, {Month.parse(outcome.period).label}"
    if not outcome.created:
        return f"{where}: giống bản đang lưu (phiên bản {outcome.version}), không thay đổi."
    if outcome.supersedes:
        return f"{where}: đã lưu phiên bản {outcome.version}, thay bản trước."
    return f"{where}: đã lưu phiên bản {outcome.version}."


# ── what-if ──────────────────────────────────────────────────────────────────

def changes_table(result: ScenarioResult) -> pd.DataFrame:
    """The criteria whose points the scenario moves (a change that shows as 0 points is left out):
    actual vs scenario, every cell text as people read it (`+1,8`, `−3,29`)."""
    rows = []
    for c in result.changes:
        if fmt.points_change(c.gain) == "0":
            continue
        ind = c.indicator
        rows.append({"Nhóm": ind.group, "Chỉ tiêu": ind.name,
                     "Thực tế": fmt.achieved(ind, c.actual.achieved),
                     "Mô phỏng": fmt.achieved(ind, c.simulated.achieved),
                     "Điểm thực tế": fmt.points_of(c.actual.points, c.actual.max_points),
                     "Điểm mô phỏng": fmt.points_of(c.simulated.points, c.simulated.max_points),
                     "Chênh lệch": fmt.points_change(c.gain)})
    return pd.DataFrame(rows, columns=["Nhóm", "Chỉ tiêu", "Thực tế", "Mô phỏng", "Điểm thực tế",
                                       "Điểm mô phỏng", "Chênh lệch"])


def compare(a: ScenarioResult, b: ScenarioResult) -> pd.DataFrame:
    """Two scenarios of the same quarter side by side, per criterion and the total."""
    rows = []
    for ca, cb in zip(a.changes, b.changes):
        rows.append({"Chỉ tiêu": ca.indicator.name,
                     "Thực tế": round_points(ca.actual.points),
                     a.scenario.name: round_points(ca.simulated.points),
                     b.scenario.name if b.scenario.name != a.scenario.name else
                     f"{b.scenario.name} (2)": round_points(cb.simulated.points)})
    rows.append({"Chỉ tiêu": "Tổng điểm", "Thực tế": round_points(a.actual.total_points),
                 a.scenario.name: round_points(a.simulated.total_points),
                 b.scenario.name if b.scenario.name != a.scenario.name else
                 f"{b.scenario.name} (2)": round_points(b.simulated.total_points)})
    return pd.DataFrame(rows)
