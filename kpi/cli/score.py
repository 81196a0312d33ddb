"""`score`: the quarter's score table in Vietnamese, or JSON.

A score once computed is kept in the store with what it was computed from (`kpi.store.kept_scores`):
asking the same question again, with the same figures, closures, catalogue and code, prints the kept
answer without scoring again, so the process never imports pandas (the scoring engine's library). A
miss scores with the engine as always and keeps the answer. `--all-communes` always scores."""
import datetime as dt
import hashlib
import json
import math
from pathlib import Path

from kpi.cli.context import CLI_ACTOR, UserError, add_as_of, as_of_of
from kpi.domain.periods import Quarter

# the code that decides a kept answer (scoring, catalogue, periods, how it is written and printed):
# a new version of any of them must not print an answer kept by the previous one
_KPI = Path(__file__).resolve().parents[1]
_ANSWER_CODE = ("domain/scoring.py", "domain/catalog.py", "domain/periods.py", "domain/figures.py",
                "present/texts.py", "present/tables.py", "usecases/closing.py", "usecases/scores.py",
                "store/reads.py", "store/accounts.py", "store/writes.py", "cli/score.py")


def finite(data):
    """The data with every non-finite float as null: JSON has no Infinity or NaN."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(v) for v in data]
    return data


def register(sub):
    p = sub.add_parser("score", help="tính điểm một quý")
    p.add_argument("--quarter", required=True, help="quý, dạng 2026-Q2")
    p.add_argument("--unit", help="mã đơn vị (bỏ trống: toàn xã)")
    p.add_argument("--commune", metavar="MÃ_XÃ", help="mã xã (khi danh mục hoặc cơ sở dữ liệu có nhiều xã)")
    p.add_argument("--all-communes", dest="all_communes", action="store_true",
                   help="điểm của mọi xã, xếp hạng (cùng --json: mỗi xã một đối tượng)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    add_as_of(p)
    p.add_argument("--recompute", action="store_true",
                   help="quý đã khoá sổ: tính lại theo danh mục và số liệu hiện nay (không đổi kết quả đã khoá)")
    p.set_defaults(handler=run)


def run_all(args, ctx, quarter: Quarter, as_of: dt.date | None) -> int:
    """Every commune's score together, ranked."""
    from kpi.present import texts
    from kpi.usecases.city import city_scores, to_json
    if args.unit or args.commune:
        raise UserError("--all-communes không dùng cùng --unit hoặc --commune.")
    results = city_scores(ctx.conn, ctx.city, CLI_ACTOR, quarter, as_of=as_of)
    if args.json:
        print(json.dumps(finite(to_json(results)), ensure_ascii=False, indent=2, allow_nan=False))
        return 0
    print(f"{ctx.city.name if not ctx.city.single else ctx.city.base.name} — {quarter.label}, {len(results)} xã\n")
    print(f"{'Hạng':>4}  {'Mã xã':<12}{'Tên xã':<28}{'Điểm':>16}{'Tỷ lệ':>9}  {'Xếp loại':<12}{'Thay đổi':>10}")
    for rank, r in enumerate(results, 1):
        change = "—" if r.change is None else texts.points_change(r.change)
        print(f"{rank:>4}  {r.code:<12}{r.name[:27]:<28}"
              f"{texts.score_headline(r.score.total_points, r.score.max_points):>16}"
              f"{texts.score_percent(r.score.percent):>9}  {r.score.grade:<12}{change:>10}")
    return 0


def _answer_sha(catalog, config: Path) -> str:
    """The catalogue (as parsed: criteria, targets, units, names), the catalogue file's text (a new
    text is a new catalogue version once the store syncs it) and the code that scores and prints."""
    digest = hashlib.sha256(repr(catalog).encode("utf-8"))
    digest.update(config.read_bytes())
    for name in _ANSWER_CODE:
        digest.update((_KPI / name).read_bytes())
    return digest.hexdigest()


def run(args, ctx):
    quarter = Quarter.parse(args.quarter)
    as_of = as_of_of(args, ctx)
    if args.all_communes:
        return run_all(args, ctx, quarter, as_of)
    ctx.commune = args.commune
    catalog = ctx.catalog
    unit = args.unit.strip().upper() if args.unit else None
    if unit is not None and unit not in {u.code for u in catalog.units}:
        raise UserError(f"Không có đơn vị mã «{args.unit}» trong danh mục. Các mã: "
                        + ", ".join(u.code for u in catalog.units))
    from kpi.store import connect
    from kpi.store.kept_scores import ScoreKey, kept_score
    key = ScoreKey(catalog.commune, str(quarter), unit, as_of.isoformat(),
                   bool(args.recompute), _answer_sha(catalog, ctx.config_path))
    conn = connect(ctx.settings.db)     # without the catalogue sync: a hit's key holds the catalogue
    try:
        kept = kept_score(conn, key)
    finally:
        conn.close()
    if kept is None:
        kept = _score_and_keep(ctx, catalog, quarter, unit, args.recompute, as_of, key)
    if args.json:
        print(json.dumps(kept.score, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(kept.printed)
    return 0


def _score_and_keep(ctx, catalog, quarter: Quarter, unit: str | None, recompute: bool, as_of: dt.date | None, key):
    """Score with the engine (the frozen result of a closed quarter unless `recompute`) and keep
    the answer, JSON and table, for the next same question."""
    from kpi.store.kept_scores import KeptScore, keep_score, score_versions
    from kpi.usecases.period_result import period_result
    conn = ctx.conn
    versions = score_versions(conn, catalog.commune)
    result = period_result(conn, catalog, quarter, unit=unit, recompute=recompute, as_of=as_of)
    data = finite({**result.score.to_dict(), "closed": result.closed, "catalog_version": result.catalog_version})
    kept = KeptScore(json.loads(json.dumps(data, ensure_ascii=False, allow_nan=False)),
                     _table(catalog, quarter, unit, recompute, result))
    keep_score(conn, key, versions, kept)
    return kept


def _table(catalog, quarter: Quarter, unit: str | None, recompute: bool, result) -> str:
    """The score table as printed (without the final newline)."""
    from kpi.present import texts
    from kpi.present.tables import provisional_text
    score = result.score
    who = catalog.unit_name(unit) if unit else catalog.commune_name
    lines = [f"{catalog.name}\n{who} — {quarter.label}\n"]
    if result.closed and not recompute:
        lines.append(f"Quý đã khoá sổ ({result.closed_by}, {result.closed_at:%d/%m/%Y %H:%M}): kết quả đã khoá, "
                     f"theo danh mục phiên bản {result.catalog_version}.\n")
    elif result.closed:
        lines.append("Quý đã khoá sổ; đây là kết quả tính lại theo danh mục hiện nay, không phải kết quả đã khoá.\n")
    lines.append(f"{'Mã chỉ tiêu':<22}{'Đạt được':>12}{'Mục tiêu':>11}{'Điểm':>8}{'Tối đa':>8}  Trạng thái")
    for r in score.indicators:
        achieved = texts.achieved(r.indicator, r.achieved, noun=False)
        target = texts.target(r.indicator, noun=False)
        lines.append(f"{r.id:<22}{achieved:>12}{target:>11}{texts.points(r.points):>8}"
                     f"{texts.points(r.max_points):>8}  {texts.status(r.status)}")
    lines.append(f"\nTổng điểm: {texts.score_headline(score.total_points, score.max_points)} "
                 f"({texts.score_percent(score.percent)}) — Xếp loại: {score.grade}")
    if score.provisional:
        lines.append(provisional_text(score))
    return "\n".join(lines)
