"""`milestones [--as-of YYYY-MM-DD] [--json]`: the criteria with a deadline or a start and the
catalogue's `[[milestones]]` obligations, and where they stand (kpi.domain.milestones): status
done, on_track, at_risk, overdue, missed (a criterion whose deadline quarter ended below its
target) — or ongoing without a deadline («thường xuyên», «thường xuyên, từ 01/10/2025»); JSON rows
carry id, name, deadline (null when ongoing), start (null when none), status, lead (null when
none), kind ("criterion" or "obligation"), done_on, share_done, days_left (null when ongoing),
quarter (the quarter whose result judged a criterion, "2026-Q2"; null for an obligation or
without figures) and achieved (its value there). The day is read once per command (`--as-of`, else today)."""
from __future__ import annotations

import json

from kpi.cli.context import add_as_of, as_of_of


def register(sub):
    p = sub.add_parser("milestones", help="các mốc hạn hoàn thành: đã xong, đúng tiến độ, có nguy cơ, quá hạn, "
                                                      "không đạt đúng hạn, thường xuyên")
    add_as_of(p)
    p.add_argument("--json", action="store_true", help="in dạng JSON")
    p.set_defaults(handler=run)


def run(args, ctx):
    ctx.reads_only = True   # a read command: the store is never written, catalogue included
    from kpi.present import texts
    from kpi.present.evidence_tables import milestone_line
    from kpi.usecases.milestones import milestones_on
    as_of = as_of_of(args, ctx)
    rows = milestones_on(ctx.conn, ctx.catalog, as_of)
    if args.json:
        print(json.dumps([m.to_dict() for m in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("Danh mục không có chỉ tiêu nào có hạn hoàn thành (deadline) hay ngày bắt đầu (start), cũng không "
              "có mốc nào ([[milestones]]).")
        return 0
    print(f"Các mốc hạn hoàn thành, tính đến {texts.date(as_of)}:")
    for m in rows:
        print(f"- {milestone_line(ctx.catalog, m)}")
    return 0

