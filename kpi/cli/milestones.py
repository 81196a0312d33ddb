"""`milestones [--as-of YYYY-MM-DD] [--json]`: the criteria with a deadline and the catalogue's
`[[milestones]]` obligations, and where they stand (kpi.domain.milestones): status done, on_track,
at_risk, overdue — or ongoing for an obligation without a deadline («thường xuyên»); JSON rows
carry id, name, deadline (null when ongoing), status, lead (null when none), kind ("criterion" or
"obligation"), done_on, share_done, days_left (null when ongoing)."""
from __future__ import annotations

import datetime as dt
import json

from kpi.cli.context import UserError

STATUS_TEXT = {"done": "✔ Đã xong", "on_track": "● Đúng tiến độ", "at_risk": "▲ Có nguy cơ trễ",
               "overdue": "✖ Quá hạn", "ongoing": "◆ Thường xuyên"}


def register(sub):
    p = sub.add_parser("milestones", help="các mốc hạn hoàn thành: đã xong, đúng tiến độ, có nguy cơ, quá hạn, "
                                                      "thường xuyên")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="tính đến ngày này (mặc định: hôm nay)")
    p.add_argument("--json", action="store_true", help="in dạng JSON")
    p.set_defaults(handler=run)


def run(args, ctx):
    from kpi.present import texts
    from kpi.usecases.milestones import milestones_on
    as_of = ctx.today
    if args.as_of:
        try:
            as_of = dt.date.fromisoformat(args.as_of.strip())
        except ValueError:
            raise UserError(f"--as-of «{args.as_of}» không phải ngày dạng năm-tháng-ngày, ví dụ 2026-07-10.") from None
    rows = milestones_on(ctx.conn, ctx.catalog, as_of)
    if args.json:
        print(json.dumps([m.to_dict() for m in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("Danh mục không có chỉ tiêu nào có hạn hoàn thành (deadline), cũng không có mốc nào ([[milestones]]).")
        return 0
    print(f"Các mốc hạn hoàn thành, tính đến {texts.date(as_of)}:")
    for m in rows:
        print(f"- {STATUS_TEXT[m.status]}: {m.id} — {m.name} ({_facts(m, ctx.catalog, texts)})")
    return 0


def _facts(m, catalog, texts) -> str:
    lead = f"chủ trì {catalog.unit_name(m.lead)}" if m.lead else "chưa giao đơn vị chủ trì"
    done = f", minh chứng được duyệt {texts.date(m.done_on)}" if m.done_on else ""
    if m.deadline is None:
        return f"không có hạn; {lead}{done}; mốc theo dõi, không tính điểm"
    from kpi.present.evidence_tables import days_text
    when = days_text(m.days_left)
    when = "" if m.status == "done" else f", {when}"
    if m.kind == "obligation":
        return f"hạn {texts.date(m.deadline)}{when}; {lead}{done}; mốc theo dõi, không tính điểm"
    return (f"hạn {texts.date(m.deadline)}{when}; {lead}; đã đạt {texts.percent(m.share_done * 100, 0)}{done}")
