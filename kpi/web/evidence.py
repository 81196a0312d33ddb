"""Evidence on the pages: the overview's one-line block, the attach form (one, for every page),
the «Minh chứng của quý» expander of the Chỉ tiêu and Đơn vị pages, the review form."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

import streamlit as st

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.milestones import Milestone, beside_board
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, may
from kpi.domain.tasks import TaskState
from kpi.evidence.board import Slot, rights_unit
from kpi.evidence.checks import EvidenceRefused
from kpi.present import evidence_tables, texts
from kpi.present.evidence_tables import board_table, shown, slot_label
from kpi.settings import evidence_max_bytes
from kpi.store import StoreError
from kpi.store.evidence import evidence_version
from kpi.usecases import evidence
from kpi.usecases.milestones import milestones_on
from kpi.web import data, downloads, safe, state

UPLOAD_TYPES = ["pdf", "png", "jpg", "jpeg", "docx", "xlsx"]


def lacking_block(catalog: Catalog, quarter: Quarter) -> None:
    """How many criteria still lack accepted evidence and the points they carry; where the
    milestones stand, the overdue and at-risk ones named with their lead units."""
    slots = evidence.quarter_board(data.connection(), catalog, quarter)
    count, points = evidence.lacking_summary(slots)
    with st.container(border=True, key="evidence_block"):
        left, right = st.columns([4, 1], vertical_alignment="center")
        if count:
            left.markdown(f"**Minh chứng {quarter.label}:** {count}/{len(catalog.indicators)} chỉ tiêu chưa có "
                          f"minh chứng được duyệt — mang {texts.points(points)} điểm.")
        else:
            left.markdown(f"**Minh chứng {quarter.label}:** mọi chỉ tiêu đã có minh chứng được duyệt.")
        shown = evidence_tables.projector_follow_up(catalog, quarter.label, count, points, milestones_today(), 3)
        urgent = [f"{when} — {name} ({lead})" for when, lead, name in shown.rows[:shown.urgent]]
        left.markdown(safe.md(shown.heading) + ("" if not urgent else ": " + "; ".join(safe.md(u) for u in urgent)))
        right.page_link("pages/evidence.py", label="Xem minh chứng", icon=":material/folder_open:")


@st.cache_data(show_spinner=False, max_entries=16)
def _milestones(db: str, commune: str, version: str, evidence_key: str, config: str, mtime: float,
                day: str) -> list[Milestone]:
    return milestones_on(data.connection(), data._commune_catalog(config, mtime, commune), dt.date.fromisoformat(day))


def milestones_today(today: dt.date | None = None) -> list[Milestone]:
    """Where the milestones stand on `today` (the run's `as_of` by default), cached until the next
    import, evidence review, catalogue edit or day."""
    conn, cat = data.connection(), data.catalog()
    path = data.config_path()
    return _milestones(data.db_target(), cat.commune, data.data_version(), evidence_version(conn, cat.commune),
                       str(path), path.stat().st_mtime if path.exists() else 0.0, (today or data.as_of()).isoformat())


def overdue_tasks(today: dt.date | None = None) -> list[TaskState]:
    """The register's overdue tasks the milestone lines do not already show: an obligation of the
    catalogue (its own task, or a document's task that is the same obligation) is listed once, as a
    milestone (kpi.domain.milestones.beside_board)."""
    return beside_board(data.task_register().overdue, milestones_today(today))


def projector_follow_up(catalog: Catalog, quarter: Quarter, today: dt.date) -> None:
    """The projector's lines under the headline: the criteria still lacking accepted evidence
    and their points; the milestones overdue or at risk first, with their lead units."""
    conn = data.connection()
    count, points = evidence.lacking_summary(evidence.quarter_board(conn, catalog, quarter))
    shown = evidence_tables.projector_follow_up(catalog, quarter.label, count, points,
                                                milestones_today(today))
    rows = "".join(f'<div class="kpi-ms kpi-ms-{n}"><div class="st"><b>{escape(status)}</b>'
                   f'<span class="ld">{escape(lead)}</span></div><div class="nm">{escape(name)}</div></div>'
                   for n, (status, lead, name) in enumerate(shown.rows, 1))
    st.markdown(f'<div class="kpi-follow"><div class="kpi-ev">{escape(shown.evidence)}</div>'
                f'<div class="kpi-ms-h">{escape(shown.heading)}</div>{rows}</div>', unsafe_allow_html=True)


def _may_act_for(actor: Actor, slot: Slot) -> bool:
    return may(actor, "attach_evidence", rights_unit(slot.indicator, slot.unit))


def attachable(actor: Actor, slots: list[Slot]) -> list[Slot]:
    """The slots `actor` may attach to (the core checks again when they do)."""
    return [s for s in slots if _may_act_for(actor, s)]


def _key(slot: Slot) -> str:
    return f"{slot.indicator.id}|{slot.unit or ''}"


def attach_form(catalog: Catalog, quarter: Quarter, slots: list[Slot], actor: Actor, *, key: str = "attach",
                picker: str = "Chỉ tiêu", label: Callable[[Slot], str] | None = None) -> None:
    """Attach files (or a link) with a description to one criterion (× unit) or obligation; the
    core checks the rights and the files again. The one attach form of every page: `key`
    prefixes its widgets, `picker` names the choice (shown only when there is more than one),
    `label` words each choice."""
    options = attachable(actor, slots)
    if not options:
        return
    word = label or (lambda s: slot_label(catalog, s))
    labels = {_key(s): word(s) for s in options}
    form = "attach_evidence" if key == "attach" else f"{key}_evidence"
    with st.form(form, clear_on_submit=True, enter_to_submit=False):
        st.markdown("**Gửi minh chứng**")
        if len(options) > 1:
            chosen = st.selectbox(picker, list(labels), format_func=labels.__getitem__, key=f"{key}_slot")
        else:
            chosen = _key(options[0])
            st.caption(f"{picker}: {safe.md(labels[chosen])}")
        limit = texts.smart_number(evidence_max_bytes() / (1024 * 1024), 1)
        files = st.file_uploader(f"Tệp minh chứng (PDF, ảnh PNG/JPEG, Word .docx, Excel .xlsx; tối đa {limit} MB "
                                 "mỗi tệp)", type=UPLOAD_TYPES,
                                 accept_multiple_files=True, key=f"{key}_files")
        link = st.text_input("Hoặc liên kết (http/https)", key=f"{key}_link")
        note = st.text_input("Mô tả tài liệu", key=f"{key}_note", placeholder="Biên bản nghiệm thu")
        left, right = st.columns(2)
        number = left.text_input("Số, ký hiệu văn bản (nếu có)", key=f"{key}_doc_number", placeholder="05/BB-UBND")
        day = right.date_input("Ngày văn bản (nếu có)", value=None, key=f"{key}_doc_date", format="DD/MM/YYYY")
        summary = st.text_input("Trích yếu (nếu có)", key=f"{key}_summary",
                                placeholder="Nghiệm thu cài đặt phần mềm phòng chống mã độc")
        sent = st.form_submit_button("Gửi", type="primary", icon=":material/upload_file:")
    if sent:
        _attach(catalog, quarter, actor, chosen, files or [], link, note,
                {"doc_number": number or None, "doc_date": day, "summary": summary or None}, where=form)
        st.rerun()          # the board above shows the new state
    notice(where=form)      # the outcome right under «Gửi», scrolled into view


def quarter_expander(catalog: Catalog, quarter: Quarter, slots: list[Slot], actor: Actor, *, key: str,
                     picker: str, label: Callable[[Slot], str], columns: list[str],
                     required: str | None = None) -> None:
    """«Minh chứng của quý» below a page's own content (Chỉ tiêu, Đơn vị): what is attached to
    `slots` and their review state, and the attach form. Only for an account that may attach to
    one of them, never in projector mode."""
    if state.is_projector() or not attachable(actor, slots):
        return
    shown = st.session_state.get("_evidence_notice") is not None
    notice()
    with st.expander(f"Minh chứng của quý · {quarter.label}", expanded=shown, icon=":material/folder_open:"):
        if required:
            st.caption(f"Cần có: {safe.md(required)}")
        st.table(board_table(catalog, slots)[columns].map(safe.md), hide_index=True)
        attach_form(catalog, quarter, slots, actor, key=key, picker=picker, label=label)
        st.page_link("pages/evidence.py", label="Mở trang «Minh chứng» (mọi chỉ tiêu, duyệt, bộ hồ sơ)",
                     icon=":material/arrow_forward:")


def criterion_evidence(catalog: Catalog, quarter: Quarter, indicator_id: str, actor: Actor) -> None:
    """The Chỉ tiêu page's expander: the criterion as a whole and, for a criterion of several
    units, each unit's part (the unit picker then)."""
    ind = catalog.indicator(indicator_id)
    slots = [s for s in evidence.quarter_board(data.connection(), catalog, quarter) if s.indicator.id == ind.id]

    def label(s: Slot) -> str:
        return catalog.unit_name(s.unit) if s.unit else f"Cả chỉ tiêu (chủ trì: {catalog.unit_name(ind.lead_unit)})"
    quarter_expander(catalog, quarter, slots, actor, key="criterion_attach", picker="Đơn vị", label=label,
                     columns=["Đơn vị", "Trạng thái", "Đã gửi", "Nhận xét"],
                     required=ind.evidence or "chưa quy định")


def unit_evidence(catalog: Catalog, quarter: Quarter, unit: str, actor: Actor) -> None:
    """The Đơn vị page's expander: the unit's criteria (its part of a criterion of several units)
    and the obligations it leads; a picker of them."""
    conn = data.connection()
    slots = shown(evidence.quarter_board(conn, catalog, quarter), None, unit)
    slots += [s for s in evidence.obligation_slots(conn, catalog, quarter) if rights_unit(s.indicator, None) == unit]
    quarter_expander(catalog, quarter, slots, actor, key="unit_attach", picker="Chỉ tiêu",
                     label=lambda s: slot_label(catalog, s),
                     columns=["Mã", "Chỉ tiêu", "Đơn vị", "Trạng thái", "Cần có", "Đã gửi", "Nhận xét"])


def _attach(catalog: Catalog, quarter: Quarter, actor: Actor, key: str, files: list, link: str, note: str,
            doc: dict | None = None, where: str | None = None) -> None:
    doc = doc or {}
    indicator_id, unit = key.split("|")
    conn, edir = data.connection(), data.settings().evidence_dir
    if not files and not link.strip():
        st.session_state["_evidence_notice"] = ("error", "Hãy chọn tệp hoặc nhập một liên kết.", where)
        return
    done, problems = [], []
    for f in files:
        try:
            item, created = evidence.attach_file(conn, catalog, edir, actor, quarter, indicator_id, unit or None,
                                                 f.getvalue(), f.name, note, **doc)
            done.append(f"«{f.name}»" + ("" if created else " (đã có sẵn)"))
        except (EvidenceRefused, PermissionDenied, StoreError) as e:
            problems.append(str(e))
    if link.strip():
        try:
            evidence.attach_link(conn, catalog, actor, quarter, indicator_id, unit or None, link, note, **doc)
            done.append("liên kết")
        except (EvidenceRefused, PermissionDenied, StoreError) as e:
            problems.append(str(e))
    st.session_state["_evidence_notice"] = (
        "error" if problems else "success",
        " ".join(([f"Đã gửi {', '.join(done)}."] if done else []) + problems), where)


def review_form(catalog: Catalog, quarter: Quarter, slots: list[Slot], actor: Actor) -> None:
    """Reviewing: the criterion, the files and links sent for it (each opens), then the result,
    which the reviewer must choose (none is preset), and the comment."""
    if not may(actor, "review_evidence"):
        return
    options = [s for s in slots if s.items or s.reviews]
    if not options:
        st.caption("Chưa có minh chứng nào để duyệt trong quý này.")
        return
    labels = {_key(s): f"{slot_label(catalog, s)} ({s.state_text})" for s in options}
    st.markdown("**Duyệt minh chứng**")
    key = st.selectbox("Chỉ tiêu", list(labels), format_func=labels.__getitem__, key="review_slot")
    sent_items(catalog, actor, next(s for s in options if _key(s) == key))
    with st.form("review_evidence", clear_on_submit=True, enter_to_submit=False):
        state = st.radio("Kết quả", ["accepted", "needs_more"], horizontal=True, key="review_state", index=None,
                         format_func={"accepted": "Đạt", "needs_more": "Cần bổ sung"}.__getitem__)
        comment = st.text_input("Nhận xét (bắt buộc khi cần bổ sung)", key="review_comment")
        sent = st.form_submit_button("Ghi kết quả duyệt", icon=":material/fact_check:")
    if sent:
        indicator_id, unit = key.split("|")
        if state is None:
            st.session_state["_evidence_notice"] = ("error", "Hãy chọn kết quả: «Đạt» hoặc «Cần bổ sung».",
                                                    "review_evidence")
        else:
            try:
                evidence.review(data.connection(), catalog, actor, quarter, indicator_id, unit or None, state,
                                comment)
                st.session_state["_evidence_notice"] = ("success", f"Đã ghi kết quả duyệt {indicator_id}.",
                                                        "review_evidence")
            except (PermissionDenied, StoreError) as e:
                st.session_state["_evidence_notice"] = ("error", str(e), "review_evidence")
        st.rerun()
    notice(where="review_evidence")


def sent_items(catalog: Catalog, actor: Actor, slot: Slot) -> None:
    """What was sent for `slot`: each file a download (the core checks who may open it), each
    link a link."""
    if not slot.items:
        st.caption("Chưa có tệp hay liên kết nào.")
        return
    edir = data.settings().evidence_dir
    for item in slot.items:
        if item.link:     # the address opens from a button: it is never written into Markdown
            cols = st.columns([4, 1], vertical_alignment="center")
            cols[0].markdown(f"- {safe.md(item.description)} — {safe.md(item.added_by)}, {texts.date(item.added_at)}")
            cols[1].link_button("Mở liên kết", item.link, icon=":material/open_in_new:")
            continue
        try:
            content = evidence.item_bytes(catalog, edir, actor, item)
        except (PermissionDenied, StoreError) as e:
            st.caption(f"{safe.md(item.file_name or '')}: {safe.md(e)}")
            continue
        st.download_button(f"{safe.md(item.file_name or '')} — {safe.md(item.added_by)}, {texts.date(item.added_at)}",
                           content,
                           file_name=item.file_name, mime=item.media_type or "application/octet-stream",
                           icon=":material/download:", key=f"evidence_item_{item.id}", type="tertiary")


def notice(where: str | None = None) -> None:
    """The outcome of the last attach or review (shown once, escaped: it names the user's files),
    where it was asked for: `where` is the form it came from (shown under that form and scrolled
    into view), None the top of the page (outcomes of no form)."""
    shown = st.session_state.get("_evidence_notice")
    if not shown or (shown[2] if len(shown) > 2 else None) != where:
        return
    st.session_state.pop("_evidence_notice")
    kind, text = shown[0], shown[1]
    box = f"{where or 'top'}-notice"
    with st.container(key=box):
        (st.error if kind == "error" else st.success)(safe.md(text))
    if where:
        st.html(f"""<script>(() => {{ let n = 0; const go = () => {{
            const e = window.parent.document.querySelector('.st-key-{box}');
            if (e) e.scrollIntoView({{block: 'center'}}); else if (n++ < 40) setTimeout(go, 50); }}; go(); }})();
            </script>""", unsafe_allow_javascript=True)


def pack_download(catalog: Catalog, quarter: Quarter, actor: Actor) -> None:
    """The quarter's whole pack, for the accounts with the right (the core checks again and audits
    when the browser follows the one-time link; nothing is made before, see `kpi.web.downloads`)."""
    if not may(actor, "export_evidence_pack", commune=catalog.commune):
        return
    downloads.sensitive_download(
        f"Tải bộ hồ sơ minh chứng {quarter.label} (.zip)", "pack",
        {"commune": catalog.commune, "quarter": str(quarter), "as_of": data.as_of().isoformat()},
        file_name=f"minh-chung-{catalog.commune}-{quarter}.zip", icon=":material/folder_zip:", key="pack_download")
