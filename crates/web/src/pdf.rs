//! HTML to PDF with headless Chromium (docs/web.md §3.6).
//!
//! The page is written to `report.html` in a new temporary directory and printed by
//! `chromium --headless --no-sandbox --disable-gpu --disable-background-networking
//! --disable-component-update --no-first-run --disable-sync --user-data-dir=TMP/profile
//! --no-pdf-header-footer --print-to-pdf=TMP/report.pdf file://TMP/report.html`, run with
//! `std::process::Command` on a blocking thread (never on the async workers), one at a time in
//! the process (a Chromium takes hundreds of MB and most of a core), and killed with its
//! children after [`TIMEOUT`]. The page must make no request (CSS and SVG inlined): Chromium is
//! told not to fetch anything else, and the temporary directory (profile included) is removed
//! afterwards, whatever happens.
//!
//! Which Chromium: the configured path, else the `FAIRER_CHROMIUM` environment variable, else
//! the first of `chromium`, `chromium-browser`, `google-chrome` on `PATH`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tokio::sync::Semaphore;

/// How long a Chromium may take to print one page before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The names tried on `PATH`, in order, when no path is configured.
pub const CANDIDATES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// One Chromium at a time in this process.
static ONE_AT_A_TIME: Semaphore = Semaphore::const_new(1);

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No Chromium was found: the message says what was looked for and what to install.
    #[error(
        "no Chromium to print the PDF with: {0}. Install Chromium (Debian: apt-get install chromium), or set \
         FAIRER_CHROMIUM to the path of chromium or google-chrome; the report as HTML needs no Chromium"
    )]
    NoChromium(String),
    /// Chromium ran but gave no PDF (its exit status and the end of what it printed), or did
    /// not finish within [`TIMEOUT`].
    #[error("Chromium failed to print the PDF: {0}")]
    Failed(String),
    /// The temporary directory or its files could not be written or read.
    #[error("printing the PDF: {0}")]
    Io(#[from] std::io::Error),
}

impl PdfError {
    /// The HTTP status: 503 when no Chromium is installed (the server cannot print at all), 500
    /// otherwise.
    pub fn status(&self) -> StatusCode {
        match self {
            PdfError::NoChromium(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The error page (the same template as every other error's).
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    reason: &'static str,
    message: String,
}

impl IntoResponse for PdfError {
    fn into_response(self) -> Response {
        let status = self.status();
        eprintln!("fairer serve: {self}");
        // Missing Chromium is the operator's to fix and says nothing secret; other failures
        // stay in the log.
        let message = match &self {
            PdfError::NoChromium(_) => self.to_string(),
            _ => "The PDF could not be printed; the error has been logged. The printable page is at the same \
                  address without .pdf."
                .to_string(),
        };
        let page = ErrorPage { status: status.as_u16(), reason: status.canonical_reason().unwrap_or("Error"), message };
        let body = page.render().unwrap_or_else(|_| page.message.clone());
        (status, Html(body)).into_response()
    }
}

/// The Chromium to run: `configured` when given, else `FAIRER_CHROMIUM`, else the first of
/// [`CANDIDATES`] on `PATH`.
///
/// # Errors
/// [`PdfError::NoChromium`] when the configured or environment path is not an executable
/// file, or no candidate is on `PATH`.
pub fn find_chromium(configured: Option<&Path>) -> Result<PathBuf, PdfError> {
    let given = configured.map(|p| (p.to_path_buf(), "the configured path")).or_else(|| {
        std::env::var_os("FAIRER_CHROMIUM").filter(|v| !v.is_empty()).map(|v| (PathBuf::from(v), "FAIRER_CHROMIUM"))
    });
    if let Some((path, from)) = given {
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(PdfError::NoChromium(format!("{from} {} is not an executable file", path.display())))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in CANDIDATES {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Ok(candidate);
            }
        }
    }
    Err(PdfError::NoChromium(format!("none of {} is on PATH", CANDIDATES.join(", "))))
}

/// Whether `path` is a file with an execute bit.
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Prints `html` to PDF with `chromium`, one at a time in the process, on a blocking thread.
///
/// # Errors
/// As [`render_blocking`]; also a blocking task that panicked or was cancelled.
pub async fn render(html: String, chromium: PathBuf) -> Result<Vec<u8>, PdfError> {
    let _permit = ONE_AT_A_TIME.acquire().await.map_err(|e| PdfError::Failed(e.to_string()))?;
    tokio::task::spawn_blocking(move || render_blocking(&html, &chromium, TIMEOUT))
        .await
        .map_err(|e| PdfError::Failed(format!("the printing task stopped: {e}")))?
}

/// Prints `html` to PDF with `chromium`, waiting at most `timeout` (then the Chromium and its
/// children are killed). Blocks: call it from [`render`] or outside async code.
///
/// # Errors
/// The temporary files cannot be written, Chromium cannot be started, exits without a PDF, or
/// does not finish in time.
pub fn render_blocking(html: &str, chromium: &Path, timeout: Duration) -> Result<Vec<u8>, PdfError> {
    let dir = tempfile::Builder::new().prefix("fairer-pdf-").tempdir()?;
    let page = dir.path().join("report.html");
    let pdf = dir.path().join("report.pdf");
    let log = dir.path().join("chromium.log");
    std::fs::write(&page, html)?;
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", dir.path().join("profile").display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::fs::File::create(&log)?))
        .stderr(Stdio::from(std::fs::File::create(dir.path().join("chromium.err"))?))
        // Its own process group, so that a timeout kills its children too.
        .env("HOME", dir.path());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child =
        command.spawn().map_err(|e| PdfError::Failed(format!("cannot start {}: {e}", chromium.display())))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() >= timeout {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            return Err(PdfError::Failed(format!(
                "{} did not finish within {} s",
                chromium.display(),
                timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Whatever the main process left running (a zygote, a renderer) goes too.
    kill_group(child.id());
    match std::fs::read(&pdf) {
        Ok(bytes) if bytes.starts_with(b"%PDF") => Ok(bytes),
        _ => {
            let mut said = String::new();
            if let Ok(mut f) = std::fs::File::open(dir.path().join("chromium.err")) {
                let _ = f.read_to_string(&mut said);
            }
            let tail: String =
                said.lines().rev().take(5).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join(" | ");
            Err(PdfError::Failed(format!("{} exited with {status} and no PDF: {tail}", chromium.display())))
        }
    }
}

/// Sends SIGKILL to the process group `pid` leads (through `kill`, as this crate has no libc).
fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_path_that_is_not_executable_is_named() {
        let error = find_chromium(Some(Path::new("/no/such/chromium"))).unwrap_err();
        assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
        let text = error.to_string();
        assert!(text.contains("the configured path /no/such/chromium is not an executable file"), "{text}");
        assert!(text.contains("apt-get install chromium"), "{text}");
    }

    /// An executable shell script standing in for a Chromium that misbehaves (a real one
    /// cannot be made to hang or fail on demand).
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_chromium_that_hangs_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("child.pid");
        let hang = script(dir.path(), "hang", &format!("sleep 60 &\necho $! > {}\nwait", pid_file.display()));
        let started = Instant::now();
        let error = render_blocking("<p>x</p>", &hang, Duration::from_secs(1)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "killed at the timeout");
        assert!(error.to_string().contains("did not finish within 1 s"), "{error}");
        // The child it started went with it.
        let child = std::fs::read_to_string(&pid_file).unwrap().trim().to_string();
        // Gone, or a zombie waiting for its new parent to reap it.
        let alive = || {
            std::fs::read_to_string(format!("/proc/{child}/stat"))
                .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
        };
        let waited = Instant::now();
        while alive() && waited.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!alive(), "the child {child} outlived the timeout");
    }

    #[test]
    fn a_chromium_that_prints_no_pdf_is_an_error_with_what_it_said() {
        let dir = tempfile::tempdir().unwrap();
        let fail = script(dir.path(), "fail", "echo 'cannot open display' >&2\nexit 3");
        let error = render_blocking("<p>x</p>", &fail, Duration::from_secs(10)).unwrap_err();
        let text = error.to_string();
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(text.contains("exited with exit status: 3 and no PDF: cannot open display"), "{text}");
    }
}
