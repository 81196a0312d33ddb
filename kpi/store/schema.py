"""The database schema as numbered migrations, applied in order, each in one transaction."""
from __future__ import annotations

import threading

SCHEMA_VERSION = 1
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
}
