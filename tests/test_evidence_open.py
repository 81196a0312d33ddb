"""Opening a submitted file (kpi.usecases.evidence.item_bytes): the office, the administrator and
the coordinator of the item's unit may; a viewer, a leader and another unit's coordinator may not."""
from __future__ import annotations

import pytest
from common import SYSTEM  # noqa: F401 — the tests' shared setup
from evidence_files import pdf

from kpi.domain.figures import Actor
from kpi.domain.rights import PermissionDenied
from kpi.usecases import evidence as ev

OFFICE = Actor("Văn phòng", "office", "vanphong")
ADMIN = Actor("Quản trị", "admin", "admin")
VHXH = Actor("Đầu mối VHXH", "coordinator", "dv-vhxh", ("VHXH",))
CA = Actor("Đầu mối Công an", "coordinator", "dv-ca", ("CA",))
VIEWER = Actor("Xem", "viewer", "xem")
LEADER = Actor("Lãnh đạo", "leader", "lanhdao")


def test_who_may_open_a_submitted_file(conn, catalog, tmp_path):
    edir = tmp_path / "evidence"
    data = pdf("Bien ban ban giao")
    item, _ = ev.attach_file(conn, catalog, edir, VHXH, "2026-Q3", "HT_MAY_TINH", None, data, "bb.pdf", "BB 12")
    for actor in (OFFICE, ADMIN, VHXH):
        assert ev.item_bytes(catalog, edir, actor, item) == data
    for actor in (CA, VIEWER, LEADER):
        with pytest.raises(PermissionDenied):
            ev.item_bytes(catalog, edir, actor, item)
