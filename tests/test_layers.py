"""Pages and app.py are Streamlit scripts, not a package, so import-linter (`make lint`) cannot
hold them: this test does. They reach the database only through kpi.usecases (or kpi.web.data
for cached reads), never through kpi.store; each import that breaks it is named by file and line."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])
BANNED = "kpi.store"


def banned_imports(source: str, file_name: str) -> list[str]:
    """`file:line: import` for every import of kpi.store (or a module under it) in `source`."""
    found = []
    for node in ast.walk(ast.parse(source, file_name)):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from kpi import store` names the package too
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        if any(n == BANNED or n.startswith(BANNED + ".") for n in names):
            found.append(f"{file_name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scripts_are_found():
    assert ROOT / "app.py" in SCRIPTS and len(SCRIPTS) > 5


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pages_and_app_do_not_import_the_store(path):
    rel = path.relative_to(ROOT).as_posix()
    assert banned_imports(path.read_text(encoding="utf-8"), rel) == [], (
        "pages/ và app.py không dùng kpi.store; hãy đi qua kpi.usecases (hoặc kpi.web.data)")


@pytest.mark.parametrize("source", [
    "from kpi.store import StoreError",
    "from kpi.store.writes import Conflict",
    "import kpi.store.reads as r",
    "from kpi import store",
    "def f():\n    from kpi.store.accounts import audit_rows\n",
])
def test_every_form_of_the_import_is_caught(source):
    [hit] = banned_imports(source, "pages/x.py")
    assert hit.startswith("pages/x.py:")


@pytest.mark.parametrize("source", ["from kpi.usecases.errors import StoreError", "import kpi.storehouse",
                                    "from kpi.web import data"])
def test_other_imports_pass(source):
    assert banned_imports(source, "pages/x.py") == []
