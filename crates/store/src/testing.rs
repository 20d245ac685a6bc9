//! Throwaway databases for tests (feature `testing`): every store test runs on both backends.
//!
//! - [`sqlite`]: a fresh SQLite file in a temporary directory.
//! - [`postgres`]: a fresh database on a PostgreSQL server started once per test binary from
//!   Debian's binaries (`/usr/lib/postgresql/*/bin/initdb` and `pg_ctl`) in a temporary
//!   directory, listening only on a unix socket there. Run as root (as in CI), the server runs
//!   as the `postgres` user (or `nobody`) through `runuser`. A watchdog process stops the server
//!   and removes its directory when the test binary exits, however it exits.
//!
//! When PostgreSQL is not installed the tests fail, saying so: run `.ci/run`, which installs it.
//! [`on_both_backends!`](crate::on_both_backends) turns `async fn name(store: &Store)` test
//! bodies into a test for each backend.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use sqlx::{Connection, Executor};

use crate::Store;

/// A store on a throwaway database, with what keeps it alive.
pub struct TestDatabase {
    /// The open store.
    pub store: Store,
    /// The SQLite file's directory, removed when dropped.
    _dir: Option<tempfile::TempDir>,
}

/// A store on a new SQLite file in a temporary directory.
///
/// # Panics
/// When the directory or the database cannot be made (a test helper).
pub async fn sqlite() -> TestDatabase {
    let dir = tempfile::Builder::new().prefix("fairer-store-").tempdir().expect("a temporary directory");
    let path = dir.path().join("fairer.db");
    let store = Store::open(&path.display().to_string()).await.expect("a new SQLite store");
    TestDatabase { store, _dir: Some(dir) }
}

/// A store on a new database of the test binary's PostgreSQL server.
///
/// # Panics
/// When PostgreSQL is not installed (the message says to run `.ci/run`), or the server or the
/// database cannot be made.
pub async fn postgres() -> TestDatabase {
    let url = postgres_database().await;
    let store = Store::open(&url).await.expect("a new PostgreSQL store");
    TestDatabase { store, _dir: None }
}

/// The URL of a new, empty database on the test binary's PostgreSQL server.
///
/// # Panics
/// As [`postgres`].
pub async fn postgres_database() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let server = server();
    let name = format!("fairer_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut admin =
        sqlx::PgConnection::connect(&server.url("postgres")).await.expect("a connection to the test server");
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("a new test database");
    admin.close().await.ok();
    server.url(&name)
}

/// The test binary's PostgreSQL server.
struct Server {
    socket_dir: PathBuf,
}

impl Server {
    fn url(&self, database: &str) -> String {
        format!("postgres://fairer@localhost/{database}?host={}&port=5432", self.socket_dir.display())
    }
}

/// The server, started on first use.
fn server() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    match SERVER.get_or_init(start_server) {
        Ok(server) => server,
        Err(message) => panic!("{message}"),
    }
}

/// The directory of the newest installed PostgreSQL's binaries.
fn postgres_bin() -> Result<PathBuf, String> {
    let missing = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): the store's tests run on \
                   PostgreSQL as well as SQLite; run .ci/run, which installs Debian's postgresql package, or \
                   `apt-get install postgresql`";
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| missing.to_string())?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).ok_or_else(|| missing.to_string())
}

/// Runs `program` with `args`, as `user` when given (through `runuser`).
fn run_as(user: Option<&str>, program: &Path, args: &[&str]) -> Result<(), String> {
    let mut command = match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    };
    let output = command
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {} failed ({}): {}{}",
            program.display(),
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// A user PostgreSQL may run as when we are root: `postgres` (Debian's package makes it), else
/// `nobody`; with its uid and gid.
fn unprivileged_user() -> Result<(&'static str, u32, u32), String> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| format!("cannot read /etc/passwd: {e}"))?;
    for name in ["postgres", "nobody"] {
        for line in passwd.lines() {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() > 3 && fields[0] == name {
                if let (Ok(uid), Ok(gid)) = (fields[2].parse(), fields[3].parse()) {
                    return Ok((name, uid, gid));
                }
            }
        }
    }
    Err("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as".into())
}

/// Makes a cluster in a temporary directory and starts it on a unix socket there.
fn start_server() -> Result<Server, String> {
    let bin = postgres_bin()?;
    let dir = tempfile::Builder::new()
        .prefix("fairer-pg-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary directory: {e}"))?
        .keep();
    let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
    let user = if root {
        let (name, uid, gid) = unprivileged_user()?;
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("cannot give {} to {name}: {e}", dir.display()))?;
        Some(name)
    } else {
        None
    };
    let data = dir.join("data");
    let log = dir.join("server.log");
    let (data_s, log_s, dir_s) = (data.display().to_string(), log.display().to_string(), dir.display().to_string());
    run_as(
        user,
        &bin.join("initdb"),
        &["-D", &data_s, "-U", "fairer", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
    )?;
    let options = format!(
        "-k {dir_s} -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    );
    let started =
        run_as(user, &bin.join("pg_ctl"), &["-D", &data_s, "-l", &log_s, "-o", &options, "-w", "-t", "60", "start"]);
    // The watchdog: stops the server and removes its directory once this process is gone.
    let stop = match user {
        Some(user) => format!("runuser -u {user} -- {}/pg_ctl -D {data_s} -m immediate stop", bin.display()),
        None => format!("{}/pg_ctl -D {data_s} -m immediate stop", bin.display()),
    };
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} >/dev/null 2>&1; rm -rf {dir_s}",
        pid = std::process::id()
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the watchdog of the test server: {e}"))?;
    if let Err(message) = started {
        let server_log = std::fs::read_to_string(&log).unwrap_or_default();
        return Err(format!("{message}\nserver log:\n{server_log}"));
    }
    Ok(Server { socket_dir: dir })
}

/// The number of rows in `table`.
///
/// # Panics
/// When the query fails (a test helper).
pub async fn count_rows(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(store.pool()).await.expect("a count")
}

/// An SQLite pragma's value as text (`journal_mode` → `wal`).
///
/// # Panics
/// When the query fails (a test helper).
pub async fn pragma(store: &Store, name: &str) -> String {
    let row = sqlx::query(&format!("PRAGMA {name}")).fetch_one(store.pool()).await.expect("a pragma");
    use sqlx::Row;
    row.try_get::<String, _>(0).or_else(|_| row.try_get::<i64, _>(0).map(|v| v.to_string())).expect("a pragma's value")
}

/// Turns test bodies `async fn NAME(store: &Store)` into two tests each, `NAME::sqlite` and
/// `NAME::postgres`, each on a fresh database of its backend. The calling crate needs tokio's
/// `macros` and `rt` features.
///
/// ```ignore
/// async fn places_round_trip(store: &Store) { … }
/// store::on_both_backends!(places_round_trip);
/// ```
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let db = $crate::testing::sqlite().await;
                    super::$name(&db.store).await;
                }
                #[tokio::test]
                async fn postgres() {
                    let db = $crate::testing::postgres().await;
                    super::$name(&db.store).await;
                }
            }
        )*
    };
}

/// Every table of the database (but sqlx's migrations) with every row, each column's value as
/// text (`NULL` for null): for tests that search the whole database (the network's erasure
/// leaves no personal data anywhere; an export holds every row that touches a person).
///
/// # Panics
/// When a query fails (a test helper).
pub async fn dump(
    store: &Store,
) -> std::collections::BTreeMap<String, Vec<std::collections::BTreeMap<String, String>>> {
    use sqlx::{Column, Row};
    let sql = match store.backend() {
        crate::Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        crate::Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE'"
        }
    };
    let tables: Vec<String> = sqlx::query_scalar(sql).fetch_all(store.pool()).await.expect("the tables");
    let mut out = std::collections::BTreeMap::new();
    for table in tables.into_iter().filter(|t| t != "_sqlx_migrations") {
        let rows =
            sqlx::query(&format!("SELECT * FROM {table}")).fetch_all(store.pool()).await.expect("a table's rows");
        let rows = rows
            .iter()
            .map(|row| {
                row.columns()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let text = if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                            v
                        } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                            v.map(|v| v.to_string())
                        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                            v.map(|v| v.to_string())
                        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
                            v.map(|v| v.to_string())
                        } else {
                            Some("<unreadable>".to_string())
                        };
                        (c.name().to_string(), text.unwrap_or_else(|| "NULL".to_string()))
                    })
                    .collect()
            })
            .collect();
        out.insert(table, rows);
    }
    out
}
