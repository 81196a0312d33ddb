"""Honest caches: every `st.cache_data` / `st.cache_resource` function of the web layer takes its
inputs as arguments. Its body never reads the session (`st.session_state`, `kpi.web.state`) nor the
helpers that read it (the commune being looked at, the data version, the day), so two sessions,
two communes or two days never share an answer they should not."""
from __future__ import annotations

import ast
from pathlib import Path

from common import ROOT

# helpers of kpi/web/data.py that read the session (the commune picked, the day picked) or depend on it
SESSION_READERS = {"catalog", "data_version", "as_of", "current_figures", "first_submissions", "result",
                   "scores", "upload_history", "city", "milestones_today", "_keys"}
WEB = [*sorted((ROOT / "kpi" / "web").glob("*.py")), *sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]


def _cached_functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
                    yield node


def _session_reads(fn: ast.FunctionDef) -> list[str]:
    found = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Attribute) and node.attr == "session_state":
            found.append(f"st.session_state (line {node.lineno})")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "state":
            found.append(f"state.{node.attr} (line {node.lineno})")
        if isinstance(node, ast.Call):
            f = node.func   # `catalog()` in kpi/web/data.py, `data.catalog()` elsewhere (not `store.…`)
            name = f.id if isinstance(f, ast.Name) else \
                f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "data" \
                else None
            if name in SESSION_READERS:
                found.append(f"{name}() (line {node.lineno})")
    return found


def test_the_web_layer_has_cached_functions():
    assert sum(1 for p in WEB for _ in _cached_functions(p)) >= 10


def test_no_cached_function_reads_the_session():
    problems = [f"{p.relative_to(ROOT)}: {fn.name} reads {', '.join(reads)}"
                for p in WEB for fn in _cached_functions(p) if (reads := _session_reads(fn))]
    assert problems == []


def test_the_rule_catches_a_session_read(tmp_path):
    """The check above can fail: a cached function that picks the commune from the session."""
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\n@st.cache_data\ndef f(db):\n    return catalog().commune\n"
                   "@st.cache_data(max_entries=2)\ndef g():\n    return st.session_state['commune']\n",
                   encoding="utf-8")
    assert [(fn.name, len(_session_reads(fn))) for fn in _cached_functions(bad)] == [("f", 1), ("g", 1)]
