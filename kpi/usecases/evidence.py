"""Evidence as both the web and the CLI use it: attach files or links, review, the quarter's
board, the inspection pack. Files are kept content-addressed beside the database
(`<db stem>.evidence/<sha256>`), written before the row and never removed while a row names
them; the same bytes attached twice are stored once.

The "indicator" of an item or a review is a criterion's id or an obligation's id (the catalogue's
`[[milestones]]`, whose accepted evidence makes them done): the same checks, the same rights (the
lead unit's coordinator, the office), the same storage; an obligation is not split by unit.

A task of the register takes evidence the same way, under `TASK:<id>` (one slot, no unit; an
obligation's task under the obligation's id: the same evidence). Rights: the office, or the
coordinator of one of the task's lead units (kpi.store.tasks.rights_unit). Its quarter is the quarter
of the day it is sent (`as_of`): the quarter's pack holds what was delivered in it, and a task done
late is never refused for its due day's quarter being closed. In the pack it lies under «NN Nhiệm vụ/
NV<id> - <name>/» after the obligations."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kpi.domain.catalog import Catalog, Indicator, Milestone
from kpi.domain.figures import Actor
from kpi.domain.milestones import is_catalog_task
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, authorize
from kpi.domain.tasks import Task
from kpi.evidence.board import Slot, board, item_state, lacking, obligation_board, rights_unit, slot_unit
from kpi.evidence.checks import EXTENSIONS, EvidenceRefused, check_evidence_file, check_link
from kpi.evidence.names import clean_text, default_description, pack_path, safe_name, stored_file_name
from kpi.present import texts
from kpi.settings import evidence_max_bytes
from kpi.store import StoreError
from kpi.store import tasks as store_tasks
from kpi.store.connection import DiskFull, is_disk_full
from kpi.store.evidence import (
    EvidenceItem,
    Review,
    add_evidence,
    evidence_items,
    evidence_reviews,
    evidence_shas,
    review_evidence,
)
from kpi.store.writes import audit

__all__ = ["EvidenceRefused", "attach_file", "attach_link", "item_bytes", "review", "quarter_board",
           "obligation_slots", "lacking_summary", "task_evidence_id", "task_slots", "task_evidence", "TaskEvidence",
           "kept_evidence_file", "keep_evidence_file", "evidence_texts", "write_pack", "pack_bytes"]


def kept_evidence_file(evidence_dir: str | Path, sha256: str) -> Path:
    return Path(evidence_dir) / sha256


def keep_evidence_file(evidence_dir: str | Path, data: bytes) -> str:
    """Keep `data` as `<evidence_dir>/<sha256>` (atomically; an intact copy is left as it is)."""
    from kpi.usecases.record import file_sha256  # record (and the workbook reader) only when a file is kept
    sha = hashlib.sha256(data).hexdigest()
    path = kept_evidence_file(evidence_dir, sha)
    if path.exists() and path.stat().st_size == len(data) and file_sha256(path) == sha:
        return sha
    tmp = path.with_name(f".{sha}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        if is_disk_full(e):
            raise DiskFull(f"Ổ đĩa đã đầy: chưa lưu được tệp minh chứng. {DiskFull.HINT}") from None
        raise
    return sha


def _forget(conn, evidence_dir: str | Path, sha: str, existed: bool) -> None:
    """Remove a file kept for a refused attach, unless it was there before or a row names it."""
    if not existed and sha not in evidence_shas(conn):
        kept_evidence_file(evidence_dir, sha).unlink(missing_ok=True)


def resolve_slot(catalog: Catalog, indicator_id: str,
                 unit: str | None) -> tuple[Indicator | Milestone, str | None, str]:
    """(criterion or obligation, the unit it is stored under, the unit whose coordinator may act)
    or StoreError."""
    indicator_id = (indicator_id or "").strip().upper()
    unit = unit.strip().upper() if unit and unit.strip() else None
    obligation = next((m for m in catalog.milestones if m.id == indicator_id), None)
    if obligation is not None:
        if unit is not None and unit != obligation.lead:
            raise StoreError(f"Mốc {obligation.id} không chia theo đơn vị: gửi minh chứng cho cả mốc "
                             "(không ghi đơn vị).")
        return obligation, None, rights_unit(obligation, None)
    if not catalog.has_indicator(indicator_id):
        raise StoreError(f"Không có chỉ tiêu mã «{indicator_id}» (hay mốc nào mã đó) trong danh mục.")
    ind = catalog.indicator(indicator_id)
    if unit is not None and unit not in ind.units:
        raise StoreError(f"Chỉ tiêu {ind.id} không do đơn vị «{unit}» báo cáo (các đơn vị: {', '.join(ind.units)}).")
    stored = slot_unit(ind, unit)
    return ind, stored, rights_unit(ind, stored or unit)


TASK_PREFIX = "TASK:"
TASKS_FOLDER = "Nhiệm vụ"


def task_evidence_id(task: Task) -> str:
    """The id a task's evidence is kept under: `TASK:<id>`; an obligation's task: the obligation's id."""
    return task.stt if is_catalog_task(task) else f"{TASK_PREFIX}{task.id}"


def task_subject(task: Task) -> Milestone:
    """A task as the subject of an evidence slot (the shape the board, the index and the pack read):
    its name, the lead unit, the output as what proves it, the group «Nhiệm vụ»."""
    return Milestone(f"{TASK_PREFIX}{task.id}", TASKS_FOLDER, task.name, deadline=task.due, start=task.rule.start,
                     lead=task.leads[0] if task.leads else None, evidence=task.output,
                     source=task.source.label if task.source else "")


def _task_of(conn, catalog: Catalog, indicator_id: str) -> Task:
    number = indicator_id[len(TASK_PREFIX):].strip().upper().removeprefix("NV")
    stored = store_tasks.task_by_id(conn, catalog.commune, int(number)) if number.isdigit() else None
    if stored is None:
        raise StoreError(f"Không có nhiệm vụ mã NV{number} trong sổ nhiệm vụ.")
    return stored.task


def _resolve(conn, catalog: Catalog, actor: Actor, indicator_id: str,
             unit: str | None) -> tuple[Indicator | Milestone, str | None, str | None]:
    """`resolve_slot`, and a task of the register (`TASK:<id>`): its subject, no unit, the unit its
    coordinator is checked against (None for the office: any task)."""
    if (indicator_id or "").strip().upper().startswith(TASK_PREFIX):
        task = _task_of(conn, catalog, indicator_id.strip().upper())
        if is_catalog_task(task):
            return resolve_slot(catalog, task.stt, unit)
        if unit is not None and unit.strip():
            raise StoreError(f"Nhiệm vụ NV{task.id} không chia theo đơn vị: gửi minh chứng cho cả nhiệm vụ "
                             "(không ghi đơn vị).")
        return task_subject(task), None, store_tasks.rights_unit(actor, task)
    return resolve_slot(catalog, indicator_id, unit)


def _quarter(quarter: Quarter | str) -> str:
    return str(Quarter.parse(quarter) if isinstance(quarter, str) else quarter)


def attach_file(conn, catalog: Catalog, evidence_dir: str | Path, actor: Actor, quarter: Quarter | str,
                indicator_id: str, unit: str | None, data: bytes, file_name: str, description: str,
                max_bytes: int | None = None, *, doc_number: str | None = None, doc_date: dt.date | None = None,
                summary: str | None = None) -> tuple[EvidenceItem, bool]:
    """Check `data` by its content, keep it, add its row; (item, created). Refusals:
    `EvidenceRefused` (the file), `PermissionDenied` (rights), `StoreError` (criterion, unit)."""
    q = _quarter(quarter)
    ind, stored, rights_unit = _resolve(conn, catalog, actor, indicator_id, unit)
    checked = check_evidence_file(data, Path(file_name or "").name, max_bytes or evidence_max_bytes())
    # the names kept: cleaned (no control or bidi characters), the content's extension once
    name = stored_file_name(checked.file_name, EXTENSIONS.get(checked.media_type, ""))
    description = clean_text(description or summary or "") or default_description(name)
    sha = hashlib.sha256(data).hexdigest()
    existed = kept_evidence_file(evidence_dir, sha).exists()
    keep_evidence_file(evidence_dir, data)
    try:
        return add_evidence(conn, actor, catalog.commune, q, ind.id, stored, rights_unit,
                            description, sha256=sha, file_name=name, media_type=checked.media_type, size=checked.size,
                            doc_number=doc_number, doc_date=doc_date, summary=summary)
    except (PermissionDenied, StoreError):
        _forget(conn, evidence_dir, sha, existed)
        raise


def attach_link(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, indicator_id: str,
                unit: str | None, link: str, description: str, *, doc_number: str | None = None,
                doc_date: dt.date | None = None, summary: str | None = None) -> tuple[EvidenceItem, bool]:
    ind, stored, rights_unit = _resolve(conn, catalog, actor, indicator_id, unit)
    return add_evidence(conn, actor, catalog.commune, _quarter(quarter), ind.id, stored, rights_unit,
                        description or summary or link, link=check_link(link), doc_number=doc_number,
                        doc_date=doc_date, summary=summary)


def item_bytes(catalog: Catalog, evidence_dir: str | Path, actor: Actor, item: EvidenceItem) -> bytes:
    """A submitted file's bytes, for those who may open it: the office and the administrator (who
    review) and the coordinator of the item's unit (who attach to it); `PermissionDenied` for
    anyone else, `StoreError` when the file is no longer kept."""
    _ind, _stored, unit = resolve_slot(catalog, item.indicator_id, item.unit)
    authorize(actor, "attach_evidence", catalog.commune, unit)
    if not item.sha256:
        raise StoreError("Minh chứng này là một liên kết, không có tệp.")
    path = kept_evidence_file(evidence_dir, item.sha256)
    if not path.exists():
        raise StoreError(f"Không còn tệp «{item.file_name}» trong kho minh chứng.")
    return path.read_bytes()


def review(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, indicator_id: str, unit: str | None,
           state: str, comment: str) -> Review:
    ind, stored, _ = _resolve(conn, catalog, actor, indicator_id, unit)
    return review_evidence(conn, actor, catalog.commune, _quarter(quarter), ind.id, stored, state, comment)


def quarter_board(conn, catalog: Catalog, quarter: Quarter | str) -> list[Slot]:
    q = _quarter(quarter)
    return board(catalog, evidence_items(conn, catalog.commune, q), evidence_reviews(conn, catalog.commune, q))


def obligation_slots(conn, catalog: Catalog, quarter: Quarter | str) -> list[Slot]:
    """The quarter's evidence of each obligation of `[[milestones]]` (one slot each)."""
    q = _quarter(quarter)
    return obligation_board(catalog, evidence_items(conn, catalog.commune, q),
                            evidence_reviews(conn, catalog.commune, q))


def task_slots(conn, catalog: Catalog, quarter: Quarter | str | None = None) -> list[Slot]:
    """The slots of the register's tasks (`TASK:<id>`) with something sent or reviewed, of one quarter
    (all quarters when None: one slot per quarter), by task then quarter; a task no longer in the
    register is left out."""
    q = _quarter(quarter) if quarter is not None else None
    items = [i for i in evidence_items(conn, catalog.commune, q) if i.indicator_id.startswith(TASK_PREFIX)]
    reviews = [r for r in evidence_reviews(conn, catalog.commune, q) if r.indicator_id.startswith(TASK_PREFIX)]
    tasks = {f"{TASK_PREFIX}{s.task.id}": s.task for s in store_tasks.stored_tasks(conn, catalog.commune)}
    slots: dict[tuple[str, str], Slot] = {}
    for row in [*items, *reviews]:
        task = tasks.get(row.indicator_id)
        if task is not None and row.unit is None and (row.indicator_id, row.quarter) not in slots:
            slots[(row.indicator_id, row.quarter)] = Slot(task_subject(task), None)
    for item in items:
        if (item.indicator_id, item.quarter) in slots:
            slots[(item.indicator_id, item.quarter)].items.append(item)
    for review in reviews:
        if (review.indicator_id, review.quarter) in slots:
            slots[(review.indicator_id, review.quarter)].reviews.append(review)
    return [slots[k] for k in sorted(slots, key=lambda k: (int(k[0][len(TASK_PREFIX):]), k[1]))]


@dataclass(frozen=True)
class TaskEvidence:
    """What the «Nhiệm vụ» page shows of a task's evidence: documents sent (every quarter), the state
    of its latest quarter with something sent or reviewed, that quarter."""
    count: int
    state: str
    state_text: str
    quarter: str | None


def task_evidence(conn, catalog: Catalog, tasks: Iterable[Task]) -> dict[int, TaskEvidence]:
    """Task id → its evidence (`task_evidence_id`: an obligation's task shows the obligation's)."""
    keys = {task_evidence_id(t): t.id or 0 for t in tasks}
    items = [i for i in evidence_items(conn, catalog.commune) if i.unit is None and i.indicator_id in keys]
    reviews = [r for r in evidence_reviews(conn, catalog.commune) if r.unit is None and r.indicator_id in keys]
    slots: dict[tuple[str, str], Slot] = {}
    for row in [*items, *reviews]:
        slots.setdefault((row.indicator_id, row.quarter), Slot(Milestone(row.indicator_id, "", ""), None))
    for item in items:
        slots[(item.indicator_id, item.quarter)].items.append(item)
    for review in reviews:
        slots[(review.indicator_id, review.quarter)].reviews.append(review)
    out: dict[int, TaskEvidence] = {}
    for key, tid in keys.items():
        mine = sorted((q, s) for (k, q), s in slots.items() if k == key)
        if not mine:
            continue
        quarter, latest = mine[-1]
        out[tid] = TaskEvidence(sum(len(s.items) for _q, s in mine), latest.state, latest.state_text, quarter)
    return out


def lacking_summary(slots: Iterable[Slot]) -> tuple[int, float]:
    """(criteria without accepted evidence, the points they carry)."""
    rows = lacking(slots)
    return len(rows), sum(s.indicator.points for s in rows if isinstance(s.indicator, Indicator))


def evidence_texts(slots: Iterable[Slot]) -> dict[str, list[str]]:
    """What the self-scoring report's evidence column lists per criterion: each document attached
    for the quarter — its number and date when given, its description and summary, its link —
    with its unit for a unit's part, the date it was sent and its review state
    (`texts.evidence_item`). A criterion with nothing attached is absent (the report says «Chưa có
    minh chứng»)."""
    out: dict[str, list[str]] = {}
    for s in slots:
        for item in s.items:
            line = texts.evidence_item(item.description, item.added_at, item_state(s, item), item.unit,
                                       doc_number=item.doc_number, doc_date=item.doc_date,
                                       summary=item.summary, link=item.link)
            bucket = out.setdefault(s.indicator.id, [])
            if line not in bucket:
                bucket.append(line)
    return out


def milestone_reviews(conn, catalog: Catalog, as_of: dt.date) -> dict[str, dt.datetime]:
    """Criterion or obligation → when its evidence (as a whole, any quarter) was first accepted,
    counting only reviews made on or before `as_of`, and only while still accepted then."""
    latest: dict[tuple[str, str], Review] = {}
    for r in evidence_reviews(conn, catalog.commune):
        if r.unit is None and r.reviewed_at.date() <= as_of:
            latest[(r.quarter, r.indicator_id)] = r
    out: dict[str, dt.datetime] = {}
    for (_, ind), r in latest.items():
        if r.state == "accepted" and (ind not in out or r.reviewed_at < out[ind]):
            out[ind] = r.reviewed_at
    return out


OBLIGATIONS_FOLDER = "Mốc theo dõi (không tính điểm)"


def pack_paths(catalog: Catalog, slots: Iterable[Slot]) -> dict[int, str]:
    """Evidence item id → its path in the pack: `NN <group>/NN <ID> - <criterion>/[<UNIT> - <unit
    name>/]NNN <description>.<ext>`; an obligation's under `NN Mốc theo dõi (không tính điểm)/NN
    <ID> - <name>/` after the groups, a task's under `NN Nhiệm vụ/NV<id> - <name>/` after those (links
    have no path: the index lists them). Every name is made
    by `kpi.evidence.names.pack_path`: within 150 characters, the content's extension once, two
    items with the same path numbered."""
    order = [*_catalog_order(catalog), *catalog.milestones]
    numbers = {ind.id: n for n, ind in enumerate(order, 1)}
    groups = {g: n for n, g in enumerate(catalog.groups, 1)}
    out: dict[int, str] = {}
    taken: set[str] = set()
    for s in slots:
        ind = s.indicator
        if ind.id.startswith(TASK_PREFIX):      # a task of the register: «NN Nhiệm vụ/NV12 - <name>/»
            folders = [f"{len(groups) + 2:02d} {TASKS_FOLDER}",
                       safe_name(f"NV{ind.id[len(TASK_PREFIX):]} - {ind.name}", 70)]
        else:
            group = (f"{groups[ind.group]:02d} {safe_name(ind.group, 60)}" if isinstance(ind, Indicator)
                     else f"{len(groups) + 1:02d} {OBLIGATIONS_FOLDER}")
            folders = [group, f"{numbers.get(ind.id, 0):02d} {safe_name(f'{ind.id} - {ind.name}', 70)}"]
        if s.unit is not None:
            folders.append(safe_name(f"{s.unit} - {catalog.unit_name(s.unit)}", 60))
        for item in s.items:
            if item.sha256 is None:
                continue
            ext = EXTENSIONS.get(item.media_type or "", "")
            out[item.id] = pack_path(folders, f"{item.id:03d} {item.description}", ext, taken)
    return out


def _catalog_order(catalog: Catalog) -> list[Indicator]:
    """Criteria numbered as the self-scoring table numbers them: group by group."""
    return [i for g in catalog.groups for i in catalog.indicators_of_group(g)]


def write_pack(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, evidence_dir: str | Path,
               target: BinaryIO, *, as_of: dt.date) -> dict[str, int]:
    """Write the quarter's evidence pack as a zip into `target`: the index workbook, the
    self-scoring report (its evidence column listing the attached documents) and every kept file
    in its criterion's folder. Only for an actor with the right `export_evidence_pack` (the
    administrator, the office, the leader: the pack holds every unit's documents); a refusal
    (PermissionDenied, nothing written into `target`) and each pack made are audited. A kept file
    missing on disk stops it (nothing half-made is returned as a pack): run `verify`. Returns
    counts (files, links, criteria without accepted evidence)."""
    from kpi.reports.evidence_pack import build_index_xlsx
    from kpi.usecases.period_result import period_result
    from kpi.usecases.reports import report_bytes
    q = Quarter.parse(_quarter(quarter))
    try:
        authorize(actor, "export_evidence_pack", catalog.commune)
    except PermissionDenied as e:
        if actor.who.strip():
            audit(conn, actor, "refused_rights", catalog.commune,
                  {"action": "export_evidence_pack", "quarter": str(q), "reason": str(e)}, period=str(q))
        raise
    slots = quarter_board(conn, catalog, q)
    # the obligations of [[milestones]] with something sent or reviewed, after the criteria; then the tasks'
    slots += [s for s in obligation_slots(conn, catalog, q) if s.items or s.reviews]
    slots += task_slots(conn, catalog, q)
    paths = pack_paths(catalog, slots)
    files = {item.id: item for s in slots for item in s.items if item.sha256 is not None}
    for item in files.values():
        if not kept_evidence_file(evidence_dir, item.sha256 or "").exists():
            raise StoreError(f"Thiếu tệp đã lưu của tài liệu «{item.description}» ({item.file_name}); "
                             "chạy `python -m kpi verify` để kiểm tra.")
    # the pack's Biểu and index tell the same result as every other door (frozen when closed)
    result = period_result(conn, catalog, q, as_of=as_of)
    score = result.commune
    label = safe_name(q.label.replace("/", "-"))
    report = report_bytes(conn, catalog, result, "xlsx")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"Danh mục minh chứng {label}.xlsx", build_index_xlsx(catalog, q, slots, score, paths))
        zf.writestr(f"Biểu tự chấm điểm {label}.xlsx", report)
        for item_id, item in files.items():
            zf.write(kept_evidence_file(evidence_dir, item.sha256 or ""), paths[item_id])
    links = sum(1 for s in slots for i in s.items if i.link)
    counts = {"files": len(files), "links": links, "lacking": len(lacking(slots))}
    audit(conn, actor, "export_evidence_pack", catalog.commune,
          {"quarter": str(q), "as_of": as_of.isoformat(), "files": counts["files"], "links": links}, period=str(q))
    return counts


def pack_bytes(conn, catalog: Catalog, actor: Actor, quarter: Quarter | str, evidence_dir: str | Path, *,
               as_of: dt.date) -> bytes:
    """The pack of `write_pack` as bytes (the same right, the same audit line)."""
    buf = io.BytesIO()
    write_pack(conn, catalog, actor, quarter, evidence_dir, buf, as_of=as_of)
    return buf.getvalue()

