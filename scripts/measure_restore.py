"""One `python -m kpi restore ARCHIVE --db NEW` in this process: its exit code, time and peak memory.

    .venv/bin/python scripts/measure_restore.py ARCHIVE NEW.duckdb
prints `exit=… seconds=… peak_rss_mb=…` on its last line (the command's own messages before it).
Run it in a fresh process: the peak RSS printed is that of the whole restore, imports included.
"""
from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kpi.cli.main import main  # noqa: E402


def measure(archive: str, db: str) -> None:
    start, cpu0 = time.perf_counter(), time.process_time()
    code = main(["restore", archive, "--db", db])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stderr.flush()
    print(f"exit={code} seconds={seconds:.2f} cpu_seconds={cpu:.2f} peak_rss_mb={peak / 1024:.0f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    measure(sys.argv[1], sys.argv[2])
