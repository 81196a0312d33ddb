"""Closing and reopening a quarter. The closed quarter's frozen result is read through the one door
to a period's result, `kpi.usecases.period_result`."""
from __future__ import annotations

import datetime as dt

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied
from kpi.store.accounts import close_quarter, reopen_quarter
from kpi.store.reads import data_version
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
