"""`import`: validate and import monthly workbooks; every problem of every file is printed."""
from __future__ import annotations

import glob
from pathlib import Path

from kpi.cli.context import UserError
from kpi.domain.periods import Month
from kpi.domain.rights import PermissionDenied
from kpi.ingest import FileRefused, annotate_workbook
from kpi.store.connection import DiskFull
from kpi.store.writes import Conflict
from kpi.usecases.importing import import_workbook

PATTERNS = ("*.xlsx", "*.xlsm", "*.xls", "*.csv")


def register(sub):
    p = sub.add_parser("import", help="nhập các tệp Excel số liệu tháng")
    p.add_argument("files", nargs="+", metavar="TỆP",
                   help="tệp .xlsx, thư mục (mọi tệp Excel trong đó) hoặc mẫu như 'thu-muc/*.xlsx'")
    p.add_argument("--commune", metavar="MÃ_XÃ",
                   help="xã của các tệp (danh mục nhiều xã; bỏ trống: theo ô «Xã» của từng tệp)")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi gì")
    p.add_argument("--by", metavar="TÊN_ĐĂNG_NHẬP",
                   help="tài khoản người nhập (bắt buộc khi ghi; áp dụng quyền của tài khoản)")
    p.add_argument("--allow-rollback", action="store_true",
                   help="cho phép gửi lại số liệu giống hệt một phiên bản cũ (quay về phiên bản đó)")
    p.add_argument("--annotate", metavar="THƯ_MỤC",
                   help="ghi bản sao của tệp bị từ chối, ô lỗi tô đỏ kèm chú thích, vào thư mục này")
    p.add_argument("--resume", action="store_true",
                   help="chạy lại một lượt nhập bị gián đoạn: tệp đã nhập rồi (cùng nội dung) được bỏ "
                        "qua, không thành phiên bản mới (mặc định khi nhập nhiều tệp)")
    p.set_defaults(handler=run)


def expand(items: list[str]) -> list[Path]:
    files: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted({f for pat in PATTERNS for f in path.glob(pat)
                            if not f.name.startswith("~$")})
            if not found:
                raise UserError(f"Thư mục {path} không có tệp Excel nào.")
            files += found
        elif path.exists():
            files.append(path)
        elif any(ch in item for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(item))
            if not found:
                raise UserError(f"Không có tệp nào khớp với «{item}».")
            files += found
        else:
            raise UserError(f"Không tìm thấy tệp {path}.")
    return list(dict.fromkeys(files))


def _catalog_of(ctx, data: bytes):
    """The catalogue a file is checked against: the commune given or the only one; in a city without
    `--commune`, the commune its «Xã» cell names. (catalogue, None) or (None, why not)."""
    if ctx.commune is not None or ctx.city.single:
        return ctx.catalog, None
    from kpi.ingest.commune import commune_of_file
    city = ctx.stored_city()
    stated = commune_of_file(data, city)
    if stated.code is None:
        return None, stated.problem
    return city.catalog_for(stated.code), None


def run(args, ctx):
    files = expand(args.files)
    ctx.commune = args.commune
    if args.commune is not None:
        _ = ctx.catalog   # an unknown code stops here, before any file
    conn = None if args.dry_run else ctx.conn
    actor = None if args.dry_run else _actor(conn, args.by)
    counts = {"imported": 0, "same": 0, "rejected": 0}
    resume = args.resume or len(files) > 1
    behind = False
    for path in files:
        data = path.read_bytes()
        catalog, why = _catalog_of(ctx, data)
        if catalog is None:
            counts["rejected"] += 1
            print(f"✖ {path}: bị từ chối — không ghi gì vào cơ sở dữ liệu: {why}")
            continue
        if args.dry_run:
            from kpi.ingest import check_workbook
            from kpi.usecases.importing import ImportResult
            result = ImportResult(path.name, check_workbook(data, path.name, catalog), [], True)
        else:
            try:
                result = _store(conn, catalog, data, path, actor, ctx.uploads_dir, args.allow_rollback, resume)
            except DiskFull:
                return _disk_full(files, path, counts, behind)
            behind = behind or (result is not None and result.journal_behind)
            if result is None:
                counts["rejected"] += 1
                continue
        counts[_report(path, data, result, catalog, args)] += 1
    if behind:
        print(f"! {JOURNAL_BEHIND}")
    verb = "hợp lệ" if args.dry_run else "đã nhập"
    print(f"Tổng kết: {len(files)} tệp — {counts['imported']} {verb}, {counts['same']} không đổi, "
          f"{counts['rejected']} bị từ chối.")
    return 1 if counts["rejected"] else 0


JOURNAL_BEHIND = ("Ổ đĩa đã đầy khi viết lại nhật ký: số liệu đã lưu nhưng nhật ký chậm một lần nhập; "
                  "khi ổ đĩa còn chỗ, chạy `python -m kpi verify --fix`.")


def _disk_full(files: list[Path], path: Path, counts: dict[str, int], behind: bool) -> int:
    """A full disk stops the batch: what was stored, what was not (nothing half-written is left)."""
    rest = files[files.index(path) + 1:]
    stored = counts["imported"] + counts["same"]
    after = f" và {len(rest)} tệp sau nó" if rest else ""
    print(f"✖ Ổ đĩa đã đầy: đã lưu {stored} tệp, chưa lưu tệp {path.name}{after} (không để lại tệp dở "
          "nào). Giải phóng chỗ trên ổ đĩa rồi chạy lại đúng lệnh này: tệp đã lưu được bỏ qua.")
    if behind:
        print(f"! {JOURNAL_BEHIND}")
    return 2


def _report(path: Path, data: bytes, result, catalog, args) -> str:
    """Print what happened to one file; which count it adds to (imported, same, rejected)."""
    outcome = "imported"
    if not result.ok:
        outcome = "rejected"
        n = len(result.check.problems)
        print(f"✖ {path}: bị từ chối, {n} lỗi — không ghi gì vào cơ sở dữ liệu:")
        for p in result.check.problems:
            print(f"  - {p}")
        if args.annotate:
            _annotate(path, data, result.check.problems, Path(args.annotate))
    elif result.dry_run:
        for s in result.check.submissions:
            print(f"✔ {path}: hợp lệ (chạy thử, chưa ghi) — {s.unit} "
                  f"{catalog.unit_name(s.unit)}, {Month.parse(s.period).label}: "
                  f"{len(s.figures)} số liệu.")
    elif result.already_stored:
        outcome = "same"
        print(f"= {path}: tệp này đã được nhập trước đây (cùng nội dung); bỏ qua.")
    else:
        outcome = "same" if result.identical else "imported"
        for o in result.outcomes:
            where = f"{o.unit} {catalog.unit_name(o.unit)}, {Month.parse(o.period).label}"
            if not o.created:
                print(f"= {path}: {where} giống hệt số liệu đã lưu (phiên bản {o.version}); "
                      "không có gì mới.")
            elif o.supersedes:
                print(f"✔ {path}: đã nhập {where}: {o.figure_count} số liệu, phiên bản "
                      f"{o.version} (thay phiên bản trước).")
            else:
                print(f"✔ {path}: đã nhập {where}: {o.figure_count} số liệu, phiên bản "
                      f"{o.version}.")
    for w in result.check.warnings:
        print(f"  ! Lưu ý — {w}")
    return outcome


def _actor(conn, login: str | None):
    if not (login or "").strip():
        raise UserError("Cần --by TÊN_ĐĂNG_NHẬP: tài khoản đang hoạt động của người nhập.")
    from kpi.usecases.accounts import active_actor
    return active_actor(conn, login)


def _store(conn, catalog, data: bytes, path: Path, actor, uploads_dir, allow_rollback: bool, resume: bool):
    """Import one file with the account's rights; a refusal (rights, lock, roll-back) is printed."""
    try:
        return import_workbook(conn, catalog, data, path.name, actor, uploads_dir,
                               allow_rollback=allow_rollback, resume=resume)
    except (PermissionDenied, Conflict) as e:
        hint = " Thêm --allow-rollback nếu đúng là muốn quay lại." if isinstance(e, Conflict) else ""
        print(f"✖ {path}: bị từ chối — {e}{hint} Không ghi gì vào cơ sở dữ liệu.")
        return None


def _annotate(path: Path, data: bytes, problems, out_dir: Path) -> None:
    try:
        marked = annotate_workbook(data, problems)
    except FileRefused as e:  # the same reason the check gave (too big, not a workbook…)
        print(f"  (không tạo được bản đánh dấu lỗi: {e.problem.detail})")
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.loi.xlsx"
    target.write_bytes(marked)
    print(f"  → bản đánh dấu lỗi: {target}")
