"""One-time download tickets (kpi.web.tickets): minted for one session, taken once, gone at expiry
(a pinned clock), refused to another session without being used up; only their hash is kept."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kpi.web.tickets import TicketRefused, TicketStore

T0 = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)


def test_a_ticket_is_taken_once_by_its_session():
    store = TicketStore()
    ticket = store.mint("session-a", "admin", "pack", {"quarter": "2026-Q4"}, "minh-chung.zip")
    assert ticket not in repr(store._held) and len(ticket) >= 40     # only the hash is kept
    held = store.take(ticket, "session-a")
    assert (held.login, held.kind, dict(held.args), held.file_name) == ("admin", "pack", {"quarter": "2026-Q4"},
                                                                      "minh-chung.zip")
    with pytest.raises(TicketRefused) as again:
        store.take(ticket, "session-a")
    assert again.value.status == 404 and "đã dùng" in str(again.value)
    assert len(store) == 0


def test_another_session_is_refused_and_does_not_use_the_ticket_up():
    store = TicketStore()
    ticket = store.mint("session-a", "admin", "backup")
    for other in ("session-b", None, ""):
        with pytest.raises(TicketRefused) as refused:
            store.take(ticket, other)
        assert refused.value.status == 403
        with pytest.raises(TicketRefused):
            store.check(ticket, other)
    assert store.take(ticket, "session-a").kind == "backup"


def test_an_unknown_or_odd_ticket_is_gone():
    store = TicketStore()
    store.mint("session-a", "admin", "backup")
    for text in ("nope", "x" * 43, "", "x" * 5000):
        with pytest.raises(TicketRefused) as refused:
            store.take(text, "session-a")
        assert refused.value.status == 404


def test_a_ticket_expires():
    store = TicketStore(seconds=60)
    with time_machine.travel(T0, tick=False) as clock:
        ticket = store.mint("session-a", "admin", "backup")
        late = store.mint("session-a", "admin", "backup")
        clock.shift(59)
        assert store.check(ticket, "session-a").kind == "backup"
        assert store.take(ticket, "session-a").kind == "backup"
        clock.shift(1)
        with pytest.raises(TicketRefused) as refused:
            store.take(late, "session-a")
        assert refused.value.status == 404
        assert len(store) == 0


def test_expired_tickets_are_dropped_when_the_next_is_minted():
    store = TicketStore(seconds=60)
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            store.mint("session-a", "admin", "pack")
        clock.shift(61)
        store.mint("session-a", "admin", "pack")
        assert len(store) == 1


def test_only_known_kinds_for_a_signed_in_session():
    store = TicketStore()
    with pytest.raises(ValueError):
        store.mint("session-a", "admin", "accounts")
    with pytest.raises(ValueError):
        store.mint("", "admin", "backup")
