"""A fork server for the browser tests' app servers: `python -m tests.e2e.zygote` (cwd: the project).

Starting `python -m kpi.web.serve` costs a few CPU-seconds before it serves anything: importing
Streamlit, then pandas, plotly, DuckDB and the app's modules on its first script run. This process
imports all of that once, starts no thread, and then forks one child per server asked for; the child
sets its environment, folder and log, and calls `kpi.web.serve.main` with the same arguments, exactly
as `python -m kpi.web.serve` does.

A child is still a freshly started server for everything the tests look at: nothing here creates a
Streamlit runtime, a session, a script run, a page registry or a cache entry (those exist only once
`main` starts the server in the child), so the very first visit of a child is the first visit of a
fresh server (the deep-link tests in test_meeting_browser.py depend on that). Only Python modules
that any server has imported after its first run are already imported.

Protocol, one JSON line each way: the test sends {"argv", "cwd", "env", "log"}, the zygote answers
{"pid"}. Children are reaped by the zygote (SIGCHLD ignored), so the asker stops one with SIGTERM
and sees it gone with `os.kill(pid, 0)`. The zygote ends when its stdin closes."""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

# no thread may run when forking: BLAS/OpenMP pools are threads made at import (one each, then), and
# pyarrow's jemalloc starts a background purging thread unless told not to (it purges inline then)
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("JE_ARROW_MALLOC_CONF", "background_thread:false")

# what every server imports by the end of its first page: Streamlit's server and runtime, the data
# libraries, the app's own layers (never app.py or pages/: those are the scripts a run executes)
PRELOAD = ("streamlit", "streamlit.web.cli", "streamlit.web.bootstrap", "streamlit.web.server.server",
           "streamlit.runtime.scriptrunner", "streamlit.elements.arrow", "streamlit.elements.plotly_chart",
           "numpy", "pandas", "pyarrow", "duckdb", "plotly.graph_objects", "plotly.io",
           "kpi.web.serve", "kpi.web.auth", "kpi.web.backups", "kpi.web.data", "kpi.web.safe",
           "kpi.web.state", "kpi.web.widgets", "kpi.web.evidence", "kpi.present.tables",
           "kpi.present.texts", "kpi.present.charts", "kpi.present.whatif_charts",
           "kpi.present.city_views", "kpi.present.evidence_tables", "kpi.present.goal_texts",
           "kpi.usecases.city", "kpi.usecases.closing", "kpi.usecases.backup", "kpi.usecases.accounts",
           "kpi.usecases.evidence", "kpi.reports.template", "kpi.usecases.importing",
           "kpi.usecases.preview", "kpi.store")


def _preload() -> None:
    import importlib
    import logging
    # an `st.cache_data` made outside a server checks its options against a stand-in storage and
    # says so; at call time, in the child, it uses the server's storage as always
    quiet = logging.getLogger("streamlit.runtime.caching.cache_data_api")
    importlib.import_module("streamlit")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    for name in PRELOAD:
        importlib.import_module(name)
    quiet.setLevel(level)
    threads = [Path(f"/proc/self/task/{t}/comm").read_text().strip() for t in os.listdir("/proc/self/task")]
    if len(threads) != 1:
        raise RuntimeError(f"the zygote must not run threads before forking: {threads}")


def _child(request: dict) -> None:
    """In the forked child: become `python -m kpi.web.serve ARGV` with the asked env, cwd and log."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    code = 1
    try:
        from kpi.web import serve
        code = serve.main(request["argv"]) or 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # children are reaped as they end
    os.write(1, b'{"ready": true}\n')
    for line in sys.stdin.buffer:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)
        os.write(1, (json.dumps({"pid": pid}) + "\n").encode())


if __name__ == "__main__":
    main()
