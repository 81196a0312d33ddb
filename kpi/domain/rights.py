"""Who may do what: the one place that decides (the store's write functions call it)."""
from __future__ import annotations

from kpi.domain.figures import Actor


class PermissionDenied(Exception):
    """A write refused for rights or locks; the message (Vietnamese) says why."""


def authorize(actor: Actor, action: str, commune: str, unit: str | None = None) -> None:
    """The one place that decides whether `actor` may do `action` (period locks go here too)."""
    if not actor.name or not actor.name.strip():
        raise PermissionDenied("Cần ghi rõ người thực hiện (tên người nhập số liệu).")
