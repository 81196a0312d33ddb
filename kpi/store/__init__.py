"""Storage on an embedded DuckDB file or a PostgreSQL server (`postgres`: the adapter that gives a
server DuckDB's interface, so the code below is one path): versioned schema (`schema`), opening,
transactions and locks between writers (`connection`), the few write functions (`writes`, one
transaction each, rights checked first), reads (`reads`). The only package that speaks SQL."""
from kpi.store.connection import StoreError, connect, migrate, schema_version, transaction
from kpi.store.reads import (
                             audit_log,
                             content_counts,
                             current_figures,
                             data_version,
                             figures_of_upload,
                             first_submissions,
                             kept_uploads,
                             non_demo_uploads,
                             quarter_aggregate,
                             reported_periods,
                             sha_in_use,
                             upload_history,
)
from kpi.store.schema import SCHEMA_VERSION
from kpi.store.writes import (
                             RecordOutcome,
                             forget_raw_file,
                             keep_raw_file,
                             record_submission,
                             record_submissions,
                             sync_catalog,
)

__all__ = ["StoreError", "connect", "migrate", "schema_version", "transaction", "SCHEMA_VERSION", "audit_log", "content_counts",
           "current_figures", "data_version", "figures_of_upload", "first_submissions",
           "reported_periods", "upload_history", "kept_uploads", "non_demo_uploads", "quarter_aggregate", "sha_in_use", "RecordOutcome", "forget_raw_file", "keep_raw_file",
           "record_submission", "record_submissions", "sync_catalog"]
