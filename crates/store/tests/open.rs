//! Opening and migrating a store, on SQLite and PostgreSQL.

use store::{Backend, Store};

async fn migrations_apply_once(store: &Store) {
    // `open` applied every migration; a second run finds nothing to do.
    assert_eq!(store.migrate().await.unwrap(), Vec::<i64>::new());
    let tables = ["release", "area", "indicator", "breakdown", "value", "audit"];
    for table in tables {
        assert_eq!(store::testing::count_rows(store, table).await, 0, "{table}");
    }
}

store::on_both_backends!(migrations_apply_once);

#[tokio::test]
async fn sqlite_file_is_created_with_its_directory_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/fairer.db");
    let store = Store::open(&path.display().to_string()).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(path.exists());
    store.close().await;
    // WAL mode is kept in the file: a reopened store finds it, and nothing left to migrate.
    let again = Store::open(&format!("sqlite://{}", path.display())).await.unwrap();
    assert_eq!(again.migrate().await.unwrap(), Vec::<i64>::new());
    assert_eq!(store::testing::pragma(&again, "journal_mode").await, "wal");
    assert_eq!(store::testing::pragma(&again, "foreign_keys").await, "1");
}

#[tokio::test]
async fn postgres_backend_from_url() {
    let db = store::testing::postgres().await;
    assert_eq!(db.store.backend(), Backend::Postgres);
}

#[tokio::test]
async fn unreachable_database_is_named() {
    let error = Store::open("postgres://someone:secret@127.0.0.1:1/nothing?connect_timeout=2").await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("postgres://someone:***@127.0.0.1:1/nothing"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}
