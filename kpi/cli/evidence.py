"""`evidence add|list|review|export`: the evidence (tài liệu kiểm chứng) of a quarter's criteria, of
the catalogue's obligations and of the register's tasks (`--task NV12`: kept under `TASK:12`, in the
quarter of the day it is sent unless `--quarter` says otherwise)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from kpi.cli.context import UserError, add_as_of, as_of_of, not_written
from kpi.domain.periods import Quarter

STATES = ("accepted", "needs_more")


def register(sub):
    p = sub.add_parser("evidence", help="tài liệu kiểm chứng: gửi, liệt kê, duyệt, xuất bộ hồ sơ")
    inner = p.add_subparsers(dest="evidence_command", metavar="VIỆC")
    inner.required = True
    add = inner.add_parser("add", help="gửi tệp (PDF, PNG/JPEG, .docx, .xlsx) hoặc liên kết cho một chỉ tiêu")
    _slot_args(add)
    add.add_argument("files", nargs="*", metavar="TỆP", help="các tệp minh chứng")
    add.add_argument("--link", help="một liên kết (http/https) thay cho tệp")
    add.add_argument("--note", help="mô tả tài liệu (mặc định: trích yếu, hoặc tên tệp)")
    add.add_argument("--doc-number", dest="doc_number", metavar="SỐ", help="số, ký hiệu văn bản (ví dụ 05/BB-UBND)")
    add.add_argument("--doc-date", dest="doc_date", metavar="NGÀY", help="ngày văn bản (2026-07-01 hoặc 01/07/2026)")
    add.add_argument("--summary", help="trích yếu văn bản")
    add.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản gửi")
    add.set_defaults(handler=run_add)
    ls = inner.add_parser("list", help="tình trạng minh chứng của một quý")
    ls.add_argument("--quarter", required=True, help="quý, dạng 2026-Q3")
    ls.add_argument("--json", action="store_true", help="in dạng JSON")
    ls.set_defaults(handler=run_list)
    rv = inner.add_parser("review", help="duyệt minh chứng của một chỉ tiêu (văn phòng, quản trị)")
    _slot_args(rv)
    rv.add_argument("--state", required=True, choices=STATES, help="accepted (đạt) hoặc needs_more (cần bổ sung)")
    rv.add_argument("--comment", default="", help="nhận xét (bắt buộc khi cần bổ sung)")
    rv.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản duyệt")
    rv.set_defaults(handler=run_review)
    ex = inner.add_parser("export", help="xuất bộ hồ sơ minh chứng của quý (.zip; quản trị, văn phòng, lãnh đạo)")
    ex.add_argument("--quarter", required=True, help="quý, dạng 2026-Q3")
    ex.add_argument("-o", "--output", required=True, metavar="TỆP_ZIP", help="tệp .zip sẽ tạo")
    ex.add_argument("--by", required=True, metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản xuất (ghi vào nhật ký)")
    add_as_of(ex, "điểm trong Biểu")
    ex.set_defaults(handler=run_export)


def _slot_args(p):
    p.add_argument("--quarter", help="quý, dạng 2026-Q3 (với --task: mặc định quý của hôm nay)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--indicator", metavar="MÃ", help="mã chỉ tiêu (ví dụ ATTT_MA_DOC) hoặc mã mốc của danh mục (ví dụ M_ATTT_CAP_DO)")
    which.add_argument("--task", metavar="MÃ_NV", help="mã nhiệm vụ của sổ nhiệm vụ (ví dụ NV12 hoặc 12)")
    p.add_argument("--unit", metavar="MÃ_ĐƠN_VỊ", help="đơn vị (chỉ tiêu do nhiều đơn vị báo cáo); bỏ trống: cả chỉ tiêu")


def _slot(args) -> tuple[Quarter, str]:
    """(quarter, the id the evidence is kept under) of --quarter and --indicator or --task; a task's
    quarter defaults to today's (read once, here)."""
    if args.task is not None:
        number = str(args.task).strip().upper().removeprefix("NV")
        if not number.isdigit():
            raise UserError(f"--task «{args.task}» không phải mã nhiệm vụ (ví dụ NV12 hoặc 12).")
        return (Quarter.parse(args.quarter) if args.quarter else Quarter.of(dt.date.today())), f"TASK:{number}"
    if not args.quarter:
        raise UserError("Cần --quarter (dạng 2026-Q3) cho minh chứng của một chỉ tiêu hay một mốc.")
    return Quarter.parse(args.quarter), args.indicator


def _read_files(names: list[str]) -> list[tuple[str, bytes]]:
    from kpi.evidence.checks import EvidenceRefused, check_evidence_file
    from kpi.settings import evidence_max_bytes
    out, problems = [], []
    for name in names:
        path = Path(name)
        if not path.is_file():
            problems.append(f"Không có tệp «{name}».")
            continue
        data = path.read_bytes()
        try:
            check_evidence_file(data, path.name, evidence_max_bytes())
        except EvidenceRefused as e:
            problems.append(str(e))
            continue
        out.append((path.name, data))
    if problems:      # nothing is attached while any file is refused
        raise UserError("không gửi tệp nào:\n" + "\n".join(f"  - {p}" for p in problems))
    return out


def _doc_date(text: str | None) -> dt.date | None:
    """--doc-date: 2026-07-01 or 01/07/2026."""
    if text is None or not text.strip():
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise UserError(f"--doc-date «{text}» không phải ngày (dạng 2026-07-01 hoặc 01/07/2026).")


def run_add(args, ctx):
    from kpi.evidence.checks import EvidenceRefused
    from kpi.usecases import evidence
    from kpi.usecases.accounts import active_actor
    quarter, indicator = _slot(args)
    if bool(args.files) == bool(args.link):
        raise UserError("Hãy nêu các tệp minh chứng, hoặc một --link (không cả hai).")
    doc = {"doc_number": args.doc_number, "doc_date": _doc_date(args.doc_date), "summary": args.summary}
    files = _read_files(args.files)
    actor = active_actor(ctx.conn, args.by)
    try:
        if args.link:
            results = [evidence.attach_link(ctx.conn, ctx.catalog, actor, quarter, indicator, args.unit,
                                            args.link, args.note or "", **doc)]
        else:
            results = [evidence.attach_file(ctx.conn, ctx.catalog, ctx.settings.evidence_dir, actor, quarter,
                                            indicator, args.unit, data, name, args.note or "", **doc)
                       for name, data in files]
    except EvidenceRefused as e:
        raise UserError(str(e)) from None
    for item, created in results:
        what = item.file_name or item.link
        if created:
            print(f"Đã gửi «{what}» cho {item.indicator_id}{' (' + item.unit + ')' if item.unit else ''} "
                  f"{quarter.label} — mã {item.id}.")
        else:
            print(f"«{what}» đã có sẵn (mã {item.id}, gửi lúc {item.added_at:%d/%m/%Y %H:%M}); không gửi lại.")
    return 0


def _item_json(item) -> dict:
    return {"id": item.id, "file_name": item.file_name, "link": item.link, "description": item.description,
            "media_type": item.media_type, "size": item.size, "sha256": item.sha256, "added_by": item.added_by,
            "added_at": item.added_at.isoformat(timespec="seconds"), "doc_number": item.doc_number,
            "doc_date": item.doc_date.isoformat() if item.doc_date else None, "summary": item.summary}


def run_list(args, ctx):
    ctx.reads_only = True   # a read command: the store is never written, catalogue included
    from kpi.usecases import evidence
    quarter = Quarter.parse(args.quarter)
    slots = evidence.quarter_board(ctx.conn, ctx.catalog, quarter)
    count, points = evidence.lacking_summary(slots)
    # the obligations of `[[milestones]]` (no points, not counted as lacking) once something is attached
    slots += [s for s in evidence.obligation_slots(ctx.conn, ctx.catalog, quarter) if s.items or s.reviews]
    slots += evidence.task_slots(ctx.conn, ctx.catalog, quarter)          # the register's tasks (TASK:<id>)
    if args.json:
        rows = [{"indicator": s.indicator.id, "unit": s.unit, "state": s.state, "required": s.indicator.evidence,
                 "items": [_item_json(i) for i in s.items],
                 "review": None if s.review is None else {
                     "state": s.review.state, "comment": s.review.comment, "by": s.review.reviewed_by,
                     "at": s.review.reviewed_at.isoformat(timespec="seconds")}}
                for s in slots if s.unit is None or s.items or s.reviews]
        print(json.dumps({"quarter": str(quarter), "lacking": count, "lacking_points": points, "slots": rows},
                         ensure_ascii=False, indent=1))
        return 0
    from kpi.present import texts
    print(f"Minh chứng {quarter.label}: {count} chỉ tiêu chưa có minh chứng được duyệt "
          f"({texts.points(points)} điểm).")
    for s in slots:
        if s.unit is not None and not s.items and not s.reviews:
            continue
        where = f" ({s.unit})" if s.unit else ""
        print(f"- {s.indicator.id}{where}: {s.state_text}" + (f" — {s.review.comment}" if s.review and
                                                                s.review.comment else ""))
        for i in s.items:
            print(f"    • {i.description} [{i.file_name or i.link}] — {i.added_by}, {texts.datetime(i.added_at)}")
    return 0


def run_review(args, ctx):
    from kpi.usecases import evidence
    from kpi.usecases.accounts import active_actor
    quarter, indicator = _slot(args)
    actor = active_actor(ctx.conn, args.by)
    r = evidence.review(ctx.conn, ctx.catalog, actor, quarter, indicator, args.unit, args.state, args.comment)
    from kpi.evidence.board import STATE_TEXT
    print(f"Đã ghi: {r.indicator_id}{' (' + r.unit + ')' if r.unit else ''} {quarter.label} — "
          f"{STATE_TEXT[r.state]} ({actor.who}).")
    return 0


def run_export(args, ctx):
    ctx.reads_only = True   # reads the record (catalogue not synced); writes only the audit line
    from kpi.usecases import evidence
    from kpi.usecases.accounts import active_actor
    quarter = Quarter.parse(args.quarter)
    out = Path(args.output)
    if out.suffix.lower() != ".zip":
        raise UserError(f"Tệp «{out.name}» phải có đuôi .zip.")
    if not out.parent.exists():
        raise UserError(f"Thư mục «{out.parent}» không tồn tại.")
    actor = active_actor(ctx.conn, args.by)
    tmp = out.with_name(out.name + ".tmp")      # a failed or refused run leaves no pack, not even half of one
    try:
        with open(tmp, "wb") as f:
            counts = evidence.write_pack(ctx.conn, ctx.catalog, actor, quarter, ctx.settings.evidence_dir, f,
                                         as_of=as_of_of(args, ctx))
        tmp.replace(out)
    except OSError as e:
        raise not_written(out, e) from None
    finally:
        tmp.unlink(missing_ok=True)
    print(f"Đã xuất bộ hồ sơ minh chứng {quarter.label} vào {out}: {counts['files']} tệp, {counts['links']} liên "
          f"kết; {counts['lacking']} chỉ tiêu chưa có minh chứng được duyệt.")
    return 0
