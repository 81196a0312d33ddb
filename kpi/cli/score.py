"""`score`: the quarter's score table in Vietnamese, or JSON.

A read command: it computes the answer each time (`kpi.usecases.period_result`) and writes
nothing to the database, not even the catalogue (`Context.reads_only`). When the catalogue file
differs from the version the database keeps, it scores with the file's catalogue, records no version,
prints `catalog_version: null` for a quarter it scores (a closed quarter's frozen result keeps its own)
and says so on stderr."""
import datetime as dt
import json
import math
import sys

from kpi.cli.context import CLI_ACTOR, UserError, add_as_of, as_of_of
from kpi.domain.periods import Quarter


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


def run(args, ctx):
    quarter = Quarter.parse(args.quarter)
    as_of = as_of_of(args, ctx)
    ctx.reads_only = True
    if args.all_communes:
        return run_all(args, ctx, quarter, as_of)
    ctx.commune = args.commune
    catalog = ctx.catalog
    unit = args.unit.strip().upper() if args.unit else None
    if unit is not None and unit not in {u.code for u in catalog.units}:
        raise UserError(f"Không có đơn vị mã «{args.unit}» trong danh mục. Các mã: "
                        + ", ".join(u.code for u in catalog.units))
    from kpi.usecases.period_result import period_result
    result = period_result(ctx.conn, catalog, quarter, unit=unit, recompute=args.recompute, as_of=as_of)
    frozen = result.closed and not args.recompute
    version = result.catalog_version if frozen or catalog.commune not in ctx.unrecorded else None
    if catalog.commune in ctx.unrecorded:
        print(f"Lưu ý: danh mục trong {ctx.config_path} khác phiên bản cơ sở dữ liệu đang giữ; "
              + ("kết quả đã khoá không đổi. " if frozen else "điểm tính theo danh mục trong tệp. ")
              + "Lệnh này chỉ đọc nên không ghi phiên bản danh mục mới (ứng dụng hoặc lệnh ghi tiếp theo sẽ ghi).",
              file=sys.stderr)
    if args.json:
        data = finite({**result.score.to_dict(), "closed": result.closed, "catalog_version": version})
        print(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(_table(catalog, quarter, unit, args.recompute, result))
    return 0


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
    if unit is None:
        lines.append(f"\nTổng điểm: {texts.score_headline(score.total_points, score.max_points)} "
                     f"({texts.score_percent(score.percent)}) — Xếp loại: {score.grade}")
    else:   # a unit is graded only on a unit scale of the catalogue
        lines.append("\n" + texts.unit_score_line(score.total_points, score.max_points,
                                                   catalog.unit_grade_for(score.percent)))
    if score.provisional:
        lines.append(provisional_text(score))
    return "\n".join(lines)
