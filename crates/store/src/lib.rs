//! The database: migrations and queries (SQLite embedded by default, PostgreSQL by URL). Comes with a later issue.
