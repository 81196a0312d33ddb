"""Closing and reopening a quarter. The closed quarter's frozen result is read through the one door
to a period's result, `kpi.usecases.period_result`."""
from __future__ import annotations

import datetime as dt

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Month, PeriodError, Quarter
from kpi.domain.rights import PermissionDenied
from kpi.domain.scoring import months_not_due
from kpi.store.accounts import close_quarter, closed_now, reopen_quarter
from kpi.store.reads import data_version, reported_periods
from kpi.usecases.period_result import period_result


def close(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, *, as_of: dt.date) -> int:
    """Freeze the quarter's figures, catalogue and score as the record stands on `as_of` (the day
    of closing). A quarter whose reports are not all due yet on `as_of` cannot be closed: its score
    is not final."""
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    version = data_version(conn, catalog.commune)   # the figures below are current as of this version
    result = period_result(conn, catalog, quarter, as_of=as_of, recompute=True)
    if result.provisional:
        raise PermissionDenied(f"{quarter.label} chưa hết hạn báo cáo (còn {result.commune.to_come} lượt báo "
                               "cáo tháng chưa đến hạn): điểm còn tạm tính nên chưa khoá sổ được.")
    return close_quarter(conn, actor, catalog.commune, str(quarter), result.figures, result.commune.to_dict(),
                         read_at_version=version)


def reopen(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, reason: str) -> None:
    quarter = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    reopen_quarter(conn, actor, catalog.commune, str(quarter), reason)


def closed_quarters_now(conn, catalog: Catalog) -> list[Quarter]:
    """The commune's quarters that are closed now (newest first): the ones that may be reopened."""
    quarters = _reported_quarters(conn, catalog)
    closed = {q for c, q in closed_now(conn, [str(q) for q in quarters]) if c == catalog.commune}
    return sorted((q for q in quarters if str(q) in closed), reverse=True)


def closable_quarters(conn, catalog: Catalog, *, as_of: dt.date) -> list[Quarter]:
    """The commune's quarters that may be closed on `as_of` (newest first): with figures, every
    month's report due, not closed now."""
    quarters = _reported_quarters(conn, catalog)
    closed = set(closed_quarters_now(conn, catalog))
    return sorted((q for q in quarters if q not in closed and not months_not_due(catalog, q.months, as_of)),
                  reverse=True)


def _reported_quarters(conn, catalog: Catalog) -> list[Quarter]:
    quarters = set()
    for period in reported_periods(conn, catalog.commune):
        try:
            quarters.add(Month.parse(period).quarter)
        except PeriodError:
            continue
    return sorted(quarters)
