"""/tong-quan opened as the first visit after the server starts: hand it to the app's frame (app.py),
which logs in and shows the page. See pages/README.md."""
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[1] / "app.py"), run_name="__main__")
