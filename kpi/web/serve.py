"""Start the web app: `python -m kpi.web.serve [streamlit options]` (what `make run` and the
browser tests do).

Streamlit treats a folder named `pages/` beside the main script as a legacy multipage app on the
first run of a fresh server: a deep link such as /nhap-so-lieu then shows its English "Page not
found" box and a sidebar of file names before app.py's own `st.navigation` takes over. The app
routes every page with `st.navigation`, so that legacy mode is switched off before the server
starts; `pages/` stays where the product's layout puts it.

The server runs `kpi/web/launcher.py`, an `st.App` of app.py with one route of the app's own (the
session cookie, see `kpi.web.session_route`); Streamlit's options pass through as before."""
from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

LAUNCHER = Path(__file__).resolve().parent / "launcher.py"


def main(argv: list[str]) -> int:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(LAUNCHER), *argv]
    return cli.main(prog_name="streamlit")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
