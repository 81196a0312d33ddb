"""`score`: the quarter's score table in Vietnamese, or JSON."""
import json

from kpi.cli.context import UserError
from kpi.domain.periods import Quarter
from kpi.domain.scoring import round_points, status_text
from kpi.present.texts import percent, smart_number
from kpi.usecases.closing import quarter_result


def register(sub):
    p = sub.add_parser("score", help="tính điểm một quý")
    p.add_argument("--quarter", required=True, help="quý, dạng 2026-Q2")
    p.add_argument("--unit", help="mã đơn vị (bỏ trống: toàn xã)")
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("--recompute", action="store_true",
                   help="quý đã khoá sổ: tính lại theo danh mục và số liệu hiện nay (không đổi kết quả đã khoá)")
    p.set_defaults(handler=run)


def run(args, ctx):
    quarter = Quarter.parse(args.quarter)
    catalog = ctx.catalog
    unit = args.unit.strip().upper() if args.unit else None
    if unit is not None and unit not in {u.code for u in catalog.units}:
        raise UserError(f"Không có đơn vị mã «{args.unit}» trong danh mục. Các mã: "
                        + ", ".join(u.code for u in catalog.units))
    result = quarter_result(ctx.conn, catalog, quarter, unit, recompute=args.recompute)
    score = result.score
    if args.json:
        print(json.dumps({**score.to_dict(), "closed": result.closed, "catalog_version": result.catalog_version},
                         ensure_ascii=False, indent=2))
        return 0
    who = catalog.unit_name(unit) if unit else catalog.commune_name
    print(f"{catalog.name}\n{who} — {quarter.label}\n")
    if result.closed and not args.recompute:
        print(f"Quý đã khoá sổ ({result.closed_by}, {result.closed_at:%d/%m/%Y %H:%M}): kết quả đã khoá, "
              f"theo danh mục phiên bản {result.catalog_version}.\n")
    elif result.closed:
        print("Quý đã khoá sổ; đây là kết quả tính lại theo danh mục hiện nay, không phải kết quả đã khoá.\n")
    print(f"{'Mã chỉ tiêu':<22}{'Đạt được':>12}{'Mục tiêu':>11}{'Điểm':>8}{'Tối đa':>8}  Trạng thái")
    for r in score.indicators:
        unit_sfx = " %" if r.indicator.is_ratio else ""
        achieved = percent(r.achieved) if r.indicator.is_ratio else smart_number(r.achieved)
        target = smart_number(r.indicator.target) + unit_sfx
        print(f"{r.id:<22}{achieved:>12}{target:>11}{smart_number(round_points(r.points)):>8}"
              f"{smart_number(r.max_points):>8}  {status_text(r.status)}")
    print(f"\nTổng điểm: {smart_number(round_points(score.total_points))}/"
          f"{smart_number(score.max_points)} ({percent(score.percent)}) — Xếp loại: {score.grade}")
    return 0
