"""What a page costs: the overview and the log run without importing the report builders or the
workbook reader (they load when a report is asked for or a file is checked), in a fresh interpreter."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("kpi.reports", "openpyxl", "fpdf", "kpi.ingest", "python_calamine")

SCRIPT = """
import json, os, sys, time
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=120)
at.session_state["auth"] = {{"login": "admin", "last_seen": time.time()}}
at.run()
before = sorted(m for m in sys.modules if m.startswith({heavy!r}))
ok = not at.exception and not at.error and at.metric[0].label.startswith("Tổng điểm")
at.switch_page("pages/audit.py").run()
audit = sorted(m for m in sys.modules if m.startswith({heavy!r}))
audit_ok = not at.exception and not at.error and at.title[0].value == "Nhật ký"
at.switch_page("pages/upload.py").run()
print(json.dumps({{"ok": ok, "overview": before, "audit": audit, "audit_ok": audit_ok,
                  "upload_ok": not at.exception}}))
"""


def test_the_overview_imports_no_report_module(demo_db, monkeypatch):
    from tests.common import ensure_demo_account
    ensure_demo_account(demo_db, "admin")
    env = {"KPI_DB": str(demo_db), "KPI_CONFIG": str(ROOT / "config" / "indicators.toml")}
    code = SCRIPT.format(root=str(ROOT), app=str(ROOT / "app.py"), heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**__import__("os").environ, **env}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ok"]                       # the overview really ran, on the demo data
    assert result["overview"] == []           # nothing of the reports nor of the workbook reader
    # the log's .xlsx is built (openpyxl imported) when its download button is clicked, not per view
    assert result["audit_ok"] and result["audit"] == []
    assert result["upload_ok"]
