"""Evidence on the pages: the overview's one-line block, the attach and review forms."""
from __future__ import annotations

import streamlit as st

from kpi.domain.catalog import Catalog
from kpi.domain.figures import Actor
from kpi.domain.periods import Quarter
from kpi.domain.rights import PermissionDenied, may
from kpi.evidence.board import Slot
from kpi.evidence.checks import EvidenceRefused
from kpi.present import texts
from kpi.present.evidence_tables import slot_label
from kpi.settings import evidence_max_bytes
from kpi.store import StoreError
from kpi.usecases import evidence
from kpi.web import data, safe

UPLOAD_TYPES = ["pdf", "png", "jpg", "jpeg", "docx", "xlsx"]


def lacking_block(catalog: Catalog, quarter: Quarter) -> None:
    """How many criteria still lack accepted evidence and the points they carry."""
    slots = evidence.quarter_board(data.connection(), catalog, quarter)
    count, points = evidence.lacking_summary(slots)
    with st.container(border=True, key="evidence_block"):
        left, right = st.columns([4, 1], vertical_alignment="center")
        if count:
            left.markdown(f"**Minh chứng {quarter.label}:** {count}/{len(catalog.indicators)} chỉ tiêu chưa có "
                          f"minh chứng được duyệt — mang {texts.points(points)} điểm.")
        else:
            left.markdown(f"**Minh chứng {quarter.label}:** mọi chỉ tiêu đã có minh chứng được duyệt.")
        right.page_link("pages/evidence.py", label="Xem minh chứng", icon=":material/folder_open:")


def _may_act_for(actor: Actor, slot: Slot) -> bool:
    unit = slot.unit or slot.indicator.lead_unit
    return may(actor, "attach_evidence", unit)


def attach_form(catalog: Catalog, quarter: Quarter, slots: list[Slot], actor: Actor) -> None:
    """Attach files (or a link) with a description to one criterion (× unit); the core checks
    the rights and the files again."""
    options = [s for s in slots if _may_act_for(actor, s)]
    if not options:
        return
    keys = [f"{s.indicator.id}|{s.unit or ''}" for s in options]
    labels = {k: slot_label(catalog, s) for k, s in zip(keys, options)}
    with st.form("attach_evidence", clear_on_submit=True):
        st.markdown("**Gửi minh chứng**")
        key = st.selectbox("Chỉ tiêu", keys, format_func=labels.__getitem__, key="attach_slot")
        limit = texts.smart_number(evidence_max_bytes() / (1024 * 1024), 1)
        files = st.file_uploader(f"Tệp minh chứng (PDF, ảnh PNG/JPEG, Word .docx, Excel .xlsx; tối đa {limit} MB "
                                 "mỗi tệp)", type=UPLOAD_TYPES,
                                 accept_multiple_files=True, key="attach_files")
        link = st.text_input("Hoặc liên kết (http/https)", key="attach_link")
        note = st.text_input("Mô tả: số, ngày văn bản, trích yếu", key="attach_note",
                             placeholder="Biên bản nghiệm thu số 05/BB-UBND ngày 01/07/2026")
        sent = st.form_submit_button("Gửi", type="primary", icon=":material/upload_file:")
    if sent:
        _attach(catalog, quarter, actor, key, files or [], link, note)
        st.rerun()          # the board above shows the new state


def _attach(catalog: Catalog, quarter: Quarter, actor: Actor, key: str, files: list, link: str, note: str) -> None:
    indicator_id, unit = key.split("|")
    conn, edir = data.connection(), data.settings().evidence_dir
    if not files and not link.strip():
        st.session_state["_evidence_notice"] = ("error", "Hãy chọn tệp hoặc nhập một liên kết.")
        return
    done, problems = [], []
    for f in files:
        try:
            item, created = evidence.attach_file(conn, catalog, edir, actor, quarter, indicator_id, unit or None,
                                                 f.getvalue(), f.name, note)
            done.append(f"«{f.name}»" + ("" if created else " (đã có sẵn)"))
        except (EvidenceRefused, PermissionDenied, StoreError) as e:
            problems.append(str(e))
    if link.strip():
        try:
            evidence.attach_link(conn, catalog, actor, quarter, indicator_id, unit or None, link, note)
            done.append("liên kết")
        except (EvidenceRefused, PermissionDenied, StoreError) as e:
            problems.append(str(e))
    st.session_state["_evidence_notice"] = (
        "error" if problems else "success",
        " ".join(([f"Đã gửi {', '.join(done)}."] if done else []) + problems))


def review_form(catalog: Catalog, quarter: Quarter, slots: list[Slot], actor: Actor) -> None:
    if not may(actor, "review_evidence"):
        return
    options = [s for s in slots if s.items or s.reviews]
    if not options:
        st.caption("Chưa có minh chứng nào để duyệt trong quý này.")
        return
    keys = [f"{s.indicator.id}|{s.unit or ''}" for s in options]
    labels = {k: f"{slot_label(catalog, s)} ({s.state_text})" for k, s in zip(keys, options)}
    with st.form("review_evidence", clear_on_submit=True):
        st.markdown("**Duyệt minh chứng**")
        key = st.selectbox("Chỉ tiêu", keys, format_func=labels.__getitem__, key="review_slot")
        state = st.radio("Kết quả", ["accepted", "needs_more"], horizontal=True, key="review_state",
                         format_func={"accepted": "Đạt", "needs_more": "Cần bổ sung"}.__getitem__)
        comment = st.text_input("Nhận xét (bắt buộc khi cần bổ sung)", key="review_comment")
        sent = st.form_submit_button("Ghi kết quả duyệt", icon=":material/fact_check:")
    if sent:
        indicator_id, unit = key.split("|")
        try:
            evidence.review(data.connection(), catalog, actor, quarter, indicator_id, unit or None, state, comment)
            st.session_state["_evidence_notice"] = ("success", f"Đã ghi kết quả duyệt {indicator_id}.")
        except (PermissionDenied, StoreError) as e:
            st.session_state["_evidence_notice"] = ("error", str(e))
        st.rerun()


def notice() -> None:
    """The outcome of the last attach or review (shown once, escaped: it names the user's files)."""
    shown = st.session_state.pop("_evidence_notice", None)
    if shown:
        kind, text = shown
        (st.error if kind == "error" else st.success)(safe.md(text))


def pack_download(catalog: Catalog, quarter: Quarter) -> None:
    conn, edir = data.connection(), data.settings().evidence_dir
    st.download_button(
        f"Tải bộ hồ sơ minh chứng {quarter.label} (.zip)",
        lambda: evidence.pack_bytes(conn, catalog, quarter, edir),
        file_name=f"minh-chung-{catalog.commune}-{quarter}.zip", mime="application/zip",
        icon=":material/folder_zip:", key="pack_download")
