"""The office's explanation (giải trình) of a criterion's result in a quarter, as the web and the
CLI both write and read it; the Biểu prints it in its «Giải trình» column. Frozen with the quarter:
a closed quarter refuses a change (kpi.store.explanations)."""
from __future__ import annotations

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.scoring import QuarterScore
from kpi.store import StoreError
from kpi.store.explanations import Explanation, explanations, write_explanation

__all__ = ["Explanation", "explain", "quarter_explanations", "explanation_texts", "losing_explanations"]


def _criterion(catalog: Catalog, indicator_id: str) -> str:
    code = (indicator_id or "").strip().upper()
    if not catalog.has_indicator(code):
        raise StoreError(f"Không có chỉ tiêu mã «{indicator_id}» trong danh mục.")
    return code


def explain(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, indicator_id: str,
            text: str) -> Explanation | None:
    """Write (or, with an empty text, remove) the explanation of a criterion in `quarter`."""
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return write_explanation(conn, actor, catalog.commune, str(q), _criterion(catalog, indicator_id), text)


def quarter_explanations(conn, catalog: Catalog, quarter: Quarter | str) -> dict[str, Explanation]:
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
    return explanations(conn, catalog.commune, str(q))


def explanation_texts(conn, catalog: Catalog, quarter: Quarter | str) -> dict[str, str]:
    """Criterion → its explanation's text (what the Biểu prints)."""
    return {k: e.text for k, e in quarter_explanations(conn, catalog, quarter).items()}


def losing_explanations(score: QuarterScore, written: dict[str, Explanation]) -> list[tuple[str, str, float,
                                                                                            Explanation | None]]:
    """The criteria that lost points (most lost first), each with its explanation or None:
    (id, name, points lost, explanation)."""
    rows = [(r.indicator.id, r.indicator.name, r.points_lost, written.get(r.indicator.id))
            for r in score.indicators if r.points_lost > 0]
    return sorted(rows, key=lambda x: -x[2])
