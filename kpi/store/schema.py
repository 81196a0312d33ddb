"""The database schema as numbered migrations, applied in order, each in one transaction."""
from __future__ import annotations

import threading

WRITE_LOCK = threading.RLock()  # writes of one process are serialised: versions stay ordered

MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE SEQUENCE IF NOT EXISTS upload_id_seq START 1",
        "CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1",
        """CREATE TABLE communes (
             code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL)""",
        """CREATE TABLE units (
             commune VARCHAR NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL,
             PRIMARY KEY (commune, code))""",
        """CREATE TABLE uploads (
             id BIGINT PRIMARY KEY,
             commune VARCHAR NOT NULL, unit VARCHAR NOT NULL, period VARCHAR NOT NULL,
             file_name VARCHAR, sha256 VARCHAR, content_sha256 VARCHAR NOT NULL, size BIGINT,
             submitted_by VARCHAR NOT NULL, submitted_at TIMESTAMP NOT NULL,
             status VARCHAR NOT NULL,          -- 'accepted' (current) | 'superseded'
             version INTEGER NOT NULL, supersedes BIGINT,
             source VARCHAR NOT NULL,          -- 'excel' | 'demo' | ...
             stored_path VARCHAR)""",
        """CREATE TABLE measurements (
             upload_id BIGINT NOT NULL, commune VARCHAR NOT NULL, unit VARCHAR NOT NULL,
             period VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL,
             numerator DOUBLE, denominator DOUBLE, value DOUBLE, note VARCHAR)""",
        """CREATE TABLE audit_log (
             id BIGINT PRIMARY KEY, happened_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
             action VARCHAR NOT NULL, commune VARCHAR, detail VARCHAR)""",
        "CREATE INDEX uploads_unit_period ON uploads (commune, unit, period)",
        "CREATE INDEX measurements_upload ON measurements (upload_id)",
    ],
    2: [
        # accounts, their units, catalogue versions, quarter closures with the frozen result
        """CREATE TABLE accounts (
             login VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR NOT NULL,
             password_hash VARCHAR NOT NULL, active BOOLEAN NOT NULL DEFAULT TRUE,
             demo BOOLEAN NOT NULL DEFAULT FALSE,
             created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE account_units (
             login VARCHAR NOT NULL, unit VARCHAR NOT NULL, PRIMARY KEY (login, unit))""",
        "CREATE SEQUENCE IF NOT EXISTS catalog_version_seq START 1",
        """CREATE TABLE catalog_versions (
             id BIGINT PRIMARY KEY, commune VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
             text VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL, recorded_by VARCHAR NOT NULL)""",
        "CREATE SEQUENCE IF NOT EXISTS closure_id_seq START 1",
        """CREATE TABLE quarter_closures (
             id BIGINT PRIMARY KEY, commune VARCHAR NOT NULL, quarter VARCHAR NOT NULL,
             closed_at TIMESTAMP NOT NULL, closed_by VARCHAR NOT NULL,
             catalog_version BIGINT NOT NULL,       -- catalog_versions.id used for the score
             figures VARCHAR NOT NULL,               -- JSON: every figure that scored it
             score VARCHAR NOT NULL,                 -- JSON: the commune's score as closed
             reopened_at TIMESTAMP, reopened_by VARCHAR, reopen_reason VARCHAR)""",
        "ALTER TABLE audit_log ADD COLUMN unit VARCHAR",
        "ALTER TABLE audit_log ADD COLUMN period VARCHAR",
        "ALTER TABLE audit_log ADD COLUMN file_sha256 VARCHAR",
    ],
    3: [
        # evidence (tài liệu kiểm chứng) per criterion and quarter, optionally per unit; a file is
        # kept content-addressed beside the database (`<db stem>.evidence/<sha256>`), a link as text.
        # Rows are only ever added: a later file never erases an earlier one.
        "CREATE SEQUENCE IF NOT EXISTS evidence_id_seq START 1",
        """CREATE TABLE evidence_items (
             id BIGINT PRIMARY KEY, commune VARCHAR NOT NULL, quarter VARCHAR NOT NULL,
             indicator_id VARCHAR NOT NULL, unit VARCHAR,          -- NULL: the criterion as a whole
             sha256 VARCHAR, link VARCHAR,                         -- exactly one of the two
             file_name VARCHAR, media_type VARCHAR, size BIGINT, description VARCHAR NOT NULL,
             added_by VARCHAR NOT NULL, added_at TIMESTAMP NOT NULL)""",
        # reviews keep their history: the latest row of a (quarter, criterion, unit) is its state
        "CREATE SEQUENCE IF NOT EXISTS evidence_review_id_seq START 1",
        """CREATE TABLE evidence_reviews (
             id BIGINT PRIMARY KEY, commune VARCHAR NOT NULL, quarter VARCHAR NOT NULL,
             indicator_id VARCHAR NOT NULL, unit VARCHAR,
             state VARCHAR NOT NULL,                               -- 'accepted' | 'needs_more'
             comment VARCHAR NOT NULL, reviewed_by VARCHAR NOT NULL, reviewed_at TIMESTAMP NOT NULL)""",
        "CREATE INDEX evidence_items_quarter ON evidence_items (commune, quarter)",
        "CREATE INDEX evidence_reviews_quarter ON evidence_reviews (commune, quarter)",
    ],
    4: [
        # an account's commune: its office and coordinators see and write only that commune;
        # NULL = every commune (city roles, and every account of a one-commune database)
        "ALTER TABLE accounts ADD COLUMN commune VARCHAR",
    ],
    5: [
        # quarter scores kept per data version by `python -m kpi score` (removed by 6: a read command
        # no longer writes; a database at 5 still gets the table before 6 drops it)
        """CREATE TABLE kept_scores (
             commune VARCHAR NOT NULL, quarter VARCHAR NOT NULL,
             unit VARCHAR NOT NULL,                  -- '' for the commune as a whole
             as_of VARCHAR NOT NULL,                 -- the day scored (YYYY-MM-DD)
             recompute BOOLEAN NOT NULL,             -- a closed quarter recomputed, not the frozen result
             data_version VARCHAR NOT NULL, closures_version VARCHAR NOT NULL,
             catalog_sha256 VARCHAR NOT NULL,        -- the catalogue and the code that scored and wrote it
             score VARCHAR NOT NULL,                 -- JSON: QuarterScore.to_dict() + closed, catalog_version
             printed VARCHAR NOT NULL,               -- the score table as the command line prints it
             kept_at TIMESTAMP NOT NULL,
             PRIMARY KEY (commune, quarter, unit, as_of, recompute))""",
    ],
    6: [
        # `score` computes its answer every time and writes nothing: the kept answers go
        "DROP TABLE IF EXISTS kept_scores",
    ],
    7: [
        # the task register (sổ theo dõi nhiệm vụ): the documents tasks come from, the tasks (one
        # row each, kept when a re-import drops them: active = FALSE), their progress records (only
        # added, the latest counts). Unit lists are «;»-joined unit codes; `*_text` keeps the cell.
        "CREATE SEQUENCE IF NOT EXISTS task_source_id_seq START 1",
        """CREATE TABLE task_sources (
             id BIGINT PRIMARY KEY, commune VARCHAR NOT NULL, source_key VARCHAR NOT NULL,
             kind VARCHAR NOT NULL, number VARCHAR NOT NULL, issued DATE, title VARCHAR NOT NULL,
             file_name VARCHAR, file_sha256 VARCHAR,
             imported_at TIMESTAMP NOT NULL, imported_by VARCHAR NOT NULL)""",
        "CREATE SEQUENCE IF NOT EXISTS task_id_seq START 1",
        """CREATE TABLE tasks (
             id BIGINT PRIMARY KEY, commune VARCHAR NOT NULL, source_id BIGINT NOT NULL,
             section VARCHAR NOT NULL, section_title VARCHAR NOT NULL, stt VARCHAR NOT NULL,
             name VARCHAR NOT NULL, leader VARCHAR NOT NULL,
             leads VARCHAR NOT NULL, leads_text VARCHAR NOT NULL,
             supports VARCHAR NOT NULL, supports_outside VARCHAR NOT NULL, supports_text VARCHAR NOT NULL,
             output VARCHAR NOT NULL, time_text VARCHAR NOT NULL, rule_kind VARCHAR NOT NULL,
             start_on DATE, due_on DATE, monthly BOOLEAN NOT NULL,
             tags VARCHAR NOT NULL, note VARCHAR NOT NULL, active BOOLEAN NOT NULL,
             created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL,
             updated_at TIMESTAMP NOT NULL, updated_by VARCHAR NOT NULL)""",
        "CREATE INDEX tasks_commune ON tasks (commune, source_id)",
        "CREATE SEQUENCE IF NOT EXISTS task_update_id_seq START 1",
        """CREATE TABLE task_updates (
             id BIGINT PRIMARY KEY, commune VARCHAR NOT NULL, task_id BIGINT NOT NULL,
             period VARCHAR NOT NULL,               -- the month reported on, YYYY-MM
             status VARCHAR NOT NULL,               -- 'not_started' | 'in_progress' | 'completed'
             result VARCHAR NOT NULL, done_on DATE,
             recorded_by VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL)""",
        "CREATE INDEX task_updates_task ON task_updates (commune, task_id)",
    ],
    8: [
        # wrong sign-in tries, per login (`scope` 'login', `key` the keyed hash of the name typed, never
        # the name) and per client address (`scope` 'client'): the limits hold across sessions and
        # app processes (kpi.domain.signin)
        """CREATE TABLE login_throttle (
             scope VARCHAR NOT NULL, key VARCHAR NOT NULL,
             failures INTEGER NOT NULL, last_failure_at TIMESTAMP NOT NULL, locked_until TIMESTAMP,
             PRIMARY KEY (scope, key))""",
        # secrets of this database (the key that hashes names typed at sign-in for the audit log)
        """CREATE TABLE app_secrets (
             name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
        # failed sign-ins recorded before: the name typed, when it is no account, may be a password
        # typed into the name field; it is kept no longer
        """UPDATE audit_log SET actor = 'tên không tồn tại', detail = '{"login": "tên không tồn tại"}'
             WHERE action = 'login_failed' AND actor <> '(trống)'
               AND actor NOT IN (SELECT login FROM accounts)""",
    ],
    10: [
        # evidence items name the document they are: its number, date and summary (số, ngày, trích yếu)
        "ALTER TABLE evidence_items ADD COLUMN doc_number VARCHAR",
        "ALTER TABLE evidence_items ADD COLUMN doc_date DATE",
        "ALTER TABLE evidence_items ADD COLUMN summary VARCHAR",
        # the office's explanation (giải trình) of a criterion's result in a quarter: one current text
        # per criterion (each change in the audit log with the text it replaced); frozen with the quarter
        """CREATE TABLE explanations (
             commune VARCHAR NOT NULL, quarter VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL,
             text VARCHAR NOT NULL, written_by VARCHAR NOT NULL, written_at TIMESTAMP NOT NULL,
             PRIMARY KEY (commune, quarter, indicator_id))""",
        # the city's appraisal (thẩm định) of a quarter's Biểu, as returned: one row per criterion row
        # of the file; a re-import replaces the quarter's rows (the audit log keeps what was replaced)
        """CREATE TABLE appraisals (
             commune VARCHAR NOT NULL, quarter VARCHAR NOT NULL, indicator_id VARCHAR NOT NULL,
             points DOUBLE,                        -- NULL: the row was left without a score
             comment VARCHAR NOT NULL,
             file_name VARCHAR, file_sha256 VARCHAR NOT NULL,
             imported_by VARCHAR NOT NULL, imported_at TIMESTAMP NOT NULL,
             PRIMARY KEY (commune, quarter, indicator_id))""",
    ],
    11: [
        # signed-in browsers (kpi.usecases.sessions): the cookie holds a random token, this table only
        # its SHA-256; a reload finds the session here, idle expiry reads `last_seen`, logout sets
        # `ended_at` (every tab of the session is out on its next run)
        """CREATE TABLE web_sessions (
             token_hash VARCHAR PRIMARY KEY, login VARCHAR NOT NULL,
             created_at TIMESTAMP NOT NULL, last_seen TIMESTAMP NOT NULL, ended_at TIMESTAMP)""",
    ],
}
# the newest migration; numbers may leave a gap while other migrations are being written elsewhere:
# `connection.migrate` applies every number the database has not applied, in order
SCHEMA_VERSION = max(MIGRATIONS)
