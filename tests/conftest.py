"""Shared fixtures: the shipped catalogue, a fresh database, the demo database."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CONFIG, SYSTEM, TEST_HASHER, TODAY  # noqa: E402

from kpi import store  # noqa: E402
from kpi.domain.catalog import load_catalog  # noqa: E402
from kpi.usecases import accounts  # noqa: E402
from kpi.usecases.demo import create_demo_accounts, load_demo  # noqa: E402


# Password hashes made while testing cost as little as argon2-cffi allows. A hash names its own
# parameters, so every check of a password still runs the app's real code (argon2id, verify) and
# the servers the browser tests start check the demo accounts' passwords at this cost too: a login
# costs ~1 ms instead of 0.1–0.9 s of two shared cores, and building the demo database 18 hashes
# less. The app's own parameters are untouched (PRODUCTION_HASHER; tests/test_password_cost.py
# pins them); subprocess runs of `python -m kpi` hash with them.
@contextmanager
def cheap_password_hashes():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_HASHER", TEST_HASHER)
        yield


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes():
    with cheap_password_hashes():
        yield


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(CONFIG)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "kpi.duckdb"


def _synced(target, catalog) -> None:
    """Migrate the database `target` and store the shipped catalogue in it (what `conn` starts from)."""
    c = store.connect(target)
    store.sync_catalog(c, catalog, SYSTEM, CONFIG.read_text(encoding="utf-8"))
    c.close()


@pytest.fixture(scope="session")
def synced_db_file(tmp_path_factory, catalog):
    """A DuckDB database migrated and holding the shipped catalogue, made once per session."""
    path = tmp_path_factory.mktemp("synced") / "kpi.duckdb"
    _synced(path, catalog)
    return path


@pytest.fixture
def conn(db_target, catalog, request):
    """A connection to `db_target`, migrated and holding the shipped catalogue: a copy of a database
    made so once per session (the DuckDB file copied; on PostgreSQL the fresh database made again
    from a template made so), which costs less than migrating and storing the catalogue each time."""
    if isinstance(db_target, str):                       # a PostgreSQL URL (`pg_url`): no one connected yet
        server = request.getfixturevalue("pg_server")
        if server.synced_template is None:
            server.synced_template = server.new_database()
            _synced(server.url(server.synced_template), catalog)
        server.recreate_database(db_target.rsplit("/", 1)[1], server.synced_template)
    elif not Path(db_target).exists():
        Path(db_target).write_bytes(request.getfixturevalue("synced_db_file").read_bytes())
    else:                                               # a file made before: as the template was made
        _synced(db_target, catalog)
    c = store.connect(db_target)
    yield c
    c.close()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory, catalog):
    """A demo database built once per session; copy it before writing to it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    c = store.connect(path)
    store.sync_catalog(c, catalog, SYSTEM, CONFIG.read_text(encoding="utf-8"))
    load_demo(c, catalog, 18, today=TODAY)
    with cheap_password_hashes():
        create_demo_accounts(c, catalog)  # tests log in with these (tests/common.py, tests/e2e)
    c.close()
    return path


@pytest.fixture
def demo_db(demo_db_file, tmp_path):
    """A fresh copy of the demo database for one test."""
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    return path


@pytest.fixture
def demo_conn(demo_db_file, tmp_path):
    path = tmp_path / "demo.duckdb"
    path.write_bytes(demo_db_file.read_bytes())
    c = store.connect(path)
    yield c
    c.close()


# --- both engines: the embedded DuckDB file and a throwaway PostgreSQL server -------------------
# A test (or module, `pytestmark = pytest.mark.both_engines`) marked `both_engines` runs once per
# engine; its `conn` / `db_target` are then a DuckDB file or a fresh PostgreSQL database.

from pg_server import PgServer, postgres_unavailable  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line("markers", "both_engines: run once on DuckDB and once on PostgreSQL")
    # `pytest -n N`: hand the workers their tests one by one in the order of the collection (longest
    # first, tests/e2e/conftest.py) instead of xdist's default first chunks of ~50 consecutive tests,
    # which gave one worker every test that starts its own server
    if config.getoption("maxschedchunk", None) is None and config.getoption("dist", "no") == "load":
        config.option.maxschedchunk = 1


def pytest_collection_finish(session):
    if "streamlit.testing.v1" in sys.modules:
        _scan_components_once()


def _scan_components_once():
    """Each new AppTest scans every installed distribution's metadata for Streamlit components (~0.1 s
    of CPU per AppTest); what is installed does not change while the tests run: scan once per process."""
    import functools

    from streamlit.components.v2 import manifest_scanner
    if not hasattr(manifest_scanner.scan_component_manifests, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_engines"):
        metafunc.parametrize("engine", ["duckdb", "postgres"], indirect=True)


@pytest.fixture
def engine(request):
    return getattr(request, "param", "duckdb")


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL cluster for this test session (removed at its end); skipped without PostgreSQL,
    failed instead when KPI_REQUIRE_POSTGRES=1 (CI)."""
    why = postgres_unavailable()
    if why:
        import os
        if os.environ.get("KPI_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required (KPI_REQUIRE_POSTGRES=1) but {why}")
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    server = PgServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, migrated PostgreSQL database for one test (copied from a template)."""
    name = pg_server.new_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def db_target(engine, db_path, request):
    """What `store.connect` opens: the DuckDB file `db_path`, or a fresh PostgreSQL database URL."""
    if engine == "postgres":
        return request.getfixturevalue("pg_url")
    return db_path
