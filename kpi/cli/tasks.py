"""`tasks …`: the task register (sổ theo dõi nhiệm vụ).

- `tasks import TỆP --by TÊN [--dry-run]`: import a register workbook (all-or-nothing; prints every
  problem by sheet and cell, or the difference with the stored register, then writes it);
- `tasks list [--unit CA] [--role lead|support] [--state overdue|at_risk|…] [--as-of …] [--json]`;
- `tasks update ID --status "hoàn thành" [--result "…"] [--done-on …] [--period 2026-07] --by TÊN`;
- `tasks report --from 2026-01-01 --to 2026-09-30 -o ket-qua.xlsx` (or `--quarter 2026-Q3`,
  `--months 9 --year 2026`, `--year 2026`);
- `tasks template -o so-nhiem-vu.xlsx`: the empty register to fill.
The day is read once per command (`--as-of`, else today)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kpi.cli.context import UserError, add_as_of, as_of_of

STATES = ("overdue", "at_risk", "on_track", "standing", "done_on_time", "done_late")


def register(sub):
    p = sub.add_parser("tasks", help="sổ theo dõi nhiệm vụ: nhập, liệt kê, cập nhật tiến độ, tỷ lệ hoàn thành")
    tsub = p.add_subparsers(dest="tasks_command", metavar="VIỆC")
    tsub.required = True
    im = tsub.add_parser("import", help="nhập sổ nhiệm vụ từ tệp Excel (theo mẫu phụ lục phân công)")
    im.add_argument("file", metavar="TỆP")
    im.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản nhập (văn phòng, quản trị)")
    im.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và in thay đổi, không ghi")
    im.set_defaults(handler=run_import)
    ls = tsub.add_parser("list", help="liệt kê nhiệm vụ và tình trạng (quá hạn, có nguy cơ trước)")
    ls.add_argument("--unit", help="mã đơn vị")
    ls.add_argument("--role", choices=("lead", "support", "any"), default="lead",
                    help="với --unit: đơn vị chủ trì (mặc định), phối hợp, hoặc cả hai")
    ls.add_argument("--state", choices=STATES, help="chỉ một tình trạng")
    add_as_of(ls, "xét tình trạng")
    ls.add_argument("--json", action="store_true", help="in dạng JSON")
    ls.set_defaults(handler=run_list)
    up = tsub.add_parser("update", help="cập nhật tiến độ một nhiệm vụ (đầu mối đơn vị chủ trì, văn phòng)")
    up.add_argument("id", metavar="MÃ", help="mã nhiệm vụ (số, hoặc NV12)")
    up.add_argument("--status", required=True, help="chưa thực hiện | đang thực hiện | hoàn thành")
    up.add_argument("--result", default="", help="kết quả ngắn gọn")
    up.add_argument("--done-on", dest="done_on", metavar="YYYY-MM-DD", help="ngày hoàn thành (mặc định hôm nay)")
    up.add_argument("--period", metavar="YYYY-MM", help="tháng báo cáo (mặc định tháng của ngày tính)")
    up.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản cập nhật")
    add_as_of(up, "ghi")
    up.set_defaults(handler=run_update)
    rp = tsub.add_parser("report", help="tỷ lệ hoàn thành nhiệm vụ của một kỳ, xuất .xlsx")
    rp.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    rp.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    rp.add_argument("--quarter", metavar="2026-Q3")
    rp.add_argument("--months", type=int, metavar="N", help="N tháng đầu năm (cùng --year)")
    rp.add_argument("--year", type=int)
    rp.add_argument("-o", "--output", metavar="TỆP.xlsx", help="ghi bảng .xlsx")
    add_as_of(rp)
    rp.set_defaults(handler=run_report)
    tp = tsub.add_parser("template", help="mẫu Excel sổ nhiệm vụ")
    tp.add_argument("-o", "--output", required=True, metavar="TỆP.xlsx")
    tp.set_defaults(handler=run_template)


def _actor(ctx, login: str):
    from kpi.usecases.accounts import active_actor
    return active_actor(ctx.conn, login)


def run_import(args, ctx):
    from kpi.usecases import tasks as uc
    path = Path(args.file)
    if not path.is_file():
        raise UserError(f"Không có tệp {path}.")
    data = path.read_bytes()
    actor = _actor(ctx, args.by)
    read, plan = uc.preview_import(ctx.conn, ctx.catalog, data, path.name)
    if plan is None:
        print(f"{path.name}: bị từ chối, không ghi gì ({len(read.problems)} lỗi):")
        for p in read.problems:
            print(f"- {p.message}")
        return 1
    print(f"{path.name}: {plan.source.label} — {len(read.tasks)} nhiệm vụ.")
    if plan.source_id is not None:
        print(f"Đã có sổ của văn bản này: thêm {len(plan.added)}, sửa {len(plan.changed)}, "
              f"bỏ {len(plan.dropped)}, giữ nguyên {plan.unchanged}.")
        for _tid, t, diff in plan.changed:
            print(f"  ~ {t.section}.{t.stt} {t.name[:60]} ({', '.join(diff)})")
        for t in plan.dropped:
            print(f"  - {t.section}.{t.stt} {t.name[:60]}")
        for t in plan.added:
            print(f"  + {t.section}.{t.stt} {t.name[:60]}")
    if args.dry_run:
        print("Chạy thử (--dry-run): không ghi gì.")
        return 0
    if plan.empty:
        print("Không có gì thay đổi.")
        return 0
    uc.import_register(ctx.conn, ctx.catalog, actor, data, path.name, plan=plan)
    print(f"Đã nhập vào sổ nhiệm vụ ({ctx.db_label}).")
    return 0


def _row(catalog, s) -> dict:
    t = s.task
    return {"id": t.id, "name": t.name, "source": t.source.label if t.source else None,
            "section": t.section, "stt": t.stt, "leads": list(t.leads), "supports": list(t.supports),
            "supports_outside": list(t.supports_outside), "leader": t.leader, "output": t.output,
            "time": t.rule.text, "due": t.due.isoformat() if t.due else None, "monthly": t.rule.monthly,
            "tags": list(t.tags), "note": t.note, "state": s.state, "status": s.status,
            "days_late": s.days_late, "days_left": s.days_left,
            "done_on": s.done_on.isoformat() if s.done_on else None, "missing_report": s.missing_report}


def run_list(args, ctx):
    from kpi.domain.tasks import STATE_TEXT, STATUS_TEXT
    from kpi.present.tasks import leads_short
    from kpi.usecases.tasks import register_on
    as_of = as_of_of(args, ctx)
    catalog = ctx.catalog
    reg = register_on(ctx.conn, catalog, as_of)
    states = list(reg.states)
    if args.unit:
        unit = args.unit.strip().upper()
        if unit not in {u.code for u in catalog.units}:
            raise UserError(f"Không có đơn vị mã «{args.unit}» trong danh mục.")
        states = reg.of_unit(unit, args.role)
    if args.state:
        states = [s for s in states if s.state == args.state]
    if args.json:
        print(json.dumps([_row(catalog, s) for s in states], ensure_ascii=False, indent=1))
        return 0
    print(f"Sổ nhiệm vụ, tính đến {as_of:%d/%m/%Y}: {len(states)} nhiệm vụ.")
    for s in states:
        t = s.task
        when = f"hạn {t.due:%d/%m/%Y}" if t.due else t.rule.text
        extra = f", {s.days_late} ngày" if s.state == "overdue" and s.days_late else ""
        print(f"- NV{t.id} [{STATE_TEXT[s.state]}{extra}] {t.name[:90]} — {leads_short(catalog, t)}; {when}; "
              f"{STATUS_TEXT[s.status].lower()}")
    return 0


def _task_id(text: str) -> int:
    raw = text.strip().upper().removeprefix("NV")
    if not raw.isdigit():
        raise UserError(f"Mã nhiệm vụ «{text}» không đúng: một số, ví dụ 12 hoặc NV12.")
    return int(raw)


def _day(text: str | None, what: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what} «{text}» không phải ngày dạng năm-tháng-ngày, ví dụ 2026-07-09.") from None


def run_update(args, ctx):
    from kpi.domain.tasks import STATUS_TEXT
    from kpi.usecases.tasks import update_task
    as_of = as_of_of(args, ctx)
    actor = _actor(ctx, args.by)
    p = update_task(ctx.conn, ctx.catalog, actor, _task_id(args.id), args.status, args.result, as_of,
                    done_on=_day(args.done_on, "--done-on"), period=args.period)
    done = f", hoàn thành ngày {p.done_on:%d/%m/%Y}" if p.done_on else ""
    print(f"Đã ghi tiến độ NV{p.task_id} ({p.period}): {STATUS_TEXT[p.status]}{done}.")
    return 0


def _bounds(args, as_of: dt.date) -> tuple[dt.date, dt.date, str]:
    from kpi.domain.periods import PeriodError, Quarter
    from kpi.domain.tasks import TaskInputError, period_bounds
    try:
        if args.quarter:
            q = Quarter.parse(args.quarter)
            return period_bounds("quarter", q.year, q.q)
        if args.months is not None:
            return period_bounds("months", args.year or as_of.year, args.months)
        if args.start or args.end:
            start, end = _day(args.start, "--from"), _day(args.end, "--to")
            if start is None or end is None:
                raise UserError("Cần cả --from và --to.")
            return start, end, f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
        return period_bounds("year", args.year or as_of.year)
    except (PeriodError, TaskInputError) as e:
        raise UserError(str(e)) from None


def run_report(args, ctx):
    from kpi.domain.tasks import rate_text
    from kpi.usecases.tasks import completion_report, completion_report_xlsx
    as_of = as_of_of(args, ctx)
    start, end, label = _bounds(args, as_of)
    catalog = ctx.catalog
    rep = completion_report(ctx.conn, catalog, start, end, as_of, label)
    print(f"{label} (từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}, tính đến {as_of:%d/%m/%Y}): {rate_text(rep.overall)} "
          f"(đúng hạn {rep.overall.on_time}, muộn {rep.overall.late}).")
    for unit, c in rep.by_unit:
        print(f"- {catalog.unit_name(unit)}: {rate_text(c)}")
    if args.output:
        out = Path(args.output)
        out.write_bytes(completion_report_xlsx(catalog, rep))
        print(f"Đã ghi {out}.")
    return 0


def run_template(args, ctx):
    from kpi.reports.tasks import template_xlsx
    out = Path(args.output)
    out.write_bytes(template_xlsx())
    print(f"Đã ghi mẫu sổ nhiệm vụ: {out}.")
    return 0
