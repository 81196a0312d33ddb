"""Where each criterion's evidence stands for a quarter: pure, from the catalogue and the rows.

A slot is a criterion as a whole (unit None) or, for a criterion reported by several units, one
unit's part. Its state:
- "missing" (thiếu): nothing attached;
- "pending" (chờ duyệt): attached, not reviewed yet — or asked for more and something was
  attached after that request;
- "needs_more" (cần bổ sung): the latest review asks for more and nothing came after it;
- "accepted" (đạt): the latest review accepts it (a document added later keeps it accepted).
A criterion "has accepted evidence" when the slot of the criterion as a whole is accepted: the
office reviews the criterion's pack; the unit slots tell each unit what is asked of it.

An obligation of the catalogue's `[[milestones]]` has one slot (its id, no unit): its evidence is
what makes it done (kpi.domain.milestones); it carries no points and is not counted as lacking.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kpi.domain.catalog import Catalog, Indicator, Milestone

# the rights unit of an obligation without a lead unit: no coordinator has it, so only the office
NO_LEAD = "chưa giao đơn vị chủ trì"
MISSING, PENDING, NEEDS_MORE, ACCEPTED = "missing", "pending", "needs_more", "accepted"
STATE_TEXT = {MISSING: "Thiếu", PENDING: "Chờ duyệt", NEEDS_MORE: "Cần bổ sung", ACCEPTED: "Đạt"}


@dataclass
class Slot:
    indicator: Indicator | Milestone     # a criterion, or an obligation of `[[milestones]]`
    unit: str | None
    items: list[Any] = field(default_factory=list)      # store.evidence.EvidenceItem, oldest first
    reviews: list[Any] = field(default_factory=list)    # store.evidence.Review, oldest first

    @property
    def review(self) -> Any | None:
        return self.reviews[-1] if self.reviews else None

    @property
    def state(self) -> str:
        review = self.review
        if review is not None and review.state == ACCEPTED:
            return ACCEPTED
        if not self.items:
            return MISSING
        if review is None:
            return PENDING
        if max(i.added_at for i in self.items) > review.reviewed_at:
            return PENDING
        return NEEDS_MORE

    @property
    def state_text(self) -> str:
        return STATE_TEXT[self.state]


def item_state(slot: Slot, item: Any) -> str:
    """Where one document of a slot stands: the latest review made at or after it was added decides
    (ACCEPTED or NEEDS_MORE); no review since it came: PENDING."""
    since = [r for r in slot.reviews if r.reviewed_at >= item.added_at]
    return since[-1].state if since else PENDING


def rights_unit(subject: Indicator | Milestone, unit: str | None) -> str:
    """The unit whose coordinator may attach to a slot: its unit, else the criterion's (or the
    obligation's) lead unit."""
    if unit is not None:
        return unit
    if isinstance(subject, Milestone):
        return subject.lead or NO_LEAD
    return subject.lead_unit


def slot_unit(ind: Indicator, unit: str | None) -> str | None:
    """The unit a slot is stored under: None for a single-unit criterion (its one unit's part is
    the criterion as a whole)."""
    return None if unit is None or len(ind.units) <= 1 else unit


def board(catalog: Catalog, items: Iterable[Any], reviews: Iterable[Any]) -> list[Slot]:
    """Every slot of the quarter in catalogue order: each criterion, then (for criteria of
    several units) each of its units."""
    slots: dict[tuple[str, str | None], Slot] = {}
    for ind in catalog.indicators:
        slots[(ind.id, None)] = Slot(ind, None)
        if len(ind.units) > 1:
            for u in ind.units:
                slots[(ind.id, u)] = Slot(ind, u)
    for item in items:
        slot = slots.get((item.indicator_id, item.unit))
        if slot is not None:
            slot.items.append(item)
    for review in reviews:
        slot = slots.get((review.indicator_id, review.unit))
        if slot is not None:
            slot.reviews.append(review)
    return list(slots.values())


def obligation_board(catalog: Catalog, items: Iterable[Any], reviews: Iterable[Any]) -> list[Slot]:
    """One slot per obligation of `[[milestones]]` (catalogue order) with its items and reviews."""
    slots = {m.id: Slot(m, None) for m in catalog.milestones}
    for item in items:
        if item.unit is None and item.indicator_id in slots:
            slots[item.indicator_id].items.append(item)
    for review in reviews:
        if review.unit is None and review.indicator_id in slots:
            slots[review.indicator_id].reviews.append(review)
    return list(slots.values())


def lacking(slots: Iterable[Slot]) -> list[Slot]:
    """The criteria (as a whole) whose evidence is not accepted yet (obligations are not counted)."""
    return [s for s in slots if s.unit is None and isinstance(s.indicator, Indicator) and s.state != ACCEPTED]
