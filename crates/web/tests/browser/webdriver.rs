//! A small WebDriver client: Debian's chromedriver driving headless Chromium, over HTTP/1.1 on
//! a std `TcpStream` with JSON bodies (no crate beyond serde_json). It speaks the few endpoints
//! the browser tests need: sessions, navigation, scripts (sync and async, which run despite
//! the pages' `script-src 'none'`), key actions, the browser's console log
//! (`goog:loggingPrefs`) and Chrome DevTools commands (`goog/cdp/execute`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The flags Chromium runs with (as `fairer report` runs it for PDFs).
pub const CHROMIUM_ARGS: [&str; 6] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
];

/// A program on `PATH` (or at an absolute path), if it is there.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let candidate = Path::new(name);
    if candidate.is_absolute() {
        return candidate.is_file().then(|| candidate.to_path_buf());
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|dir| Path::new(dir).join(name)).find(|p| p.is_file())
}

/// A failed WebDriver call: the endpoint and what chromedriver said.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A chromedriver process with one browser session, both ended on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    /// Chromium's profile, removed on drop.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `chromedriver` on a free port and a headless `chromium` session under it, with
    /// its own profile directory and the browser's console log kept.
    ///
    /// # Errors
    /// The driver does not start or answer, or the session cannot be made.
    pub fn start(chromedriver: &Path, chromium: &Path) -> Result<Browser, Error> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| Error(format!("a free port for chromedriver: {e}")))?
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Error(format!("starting {}: {e}", chromedriver.display())))?;
        let profile = tempfile::Builder::new()
            .prefix("fairer-chromium-")
            .tempdir()
            .map_err(|e| Error(format!("a profile directory: {e}")))?;
        let mut browser = Browser { driver, port, session: String::new(), _profile: profile };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match browser.call("GET", "/status", None) {
                Ok(status) if status["ready"] == true => break,
                _ if Instant::now() > deadline => {
                    return Err(Error("chromedriver did not become ready in 20 s".into()))
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| a.to_string()).collect();
        args.push(format!("--user-data-dir={}", browser._profile.path().display()));
        args.push("--window-size=1280,900".into());
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "script": 60_000, "pageLoad": 30_000 },
        }}});
        let created = browser.call("POST", "/session", Some(&capabilities))?;
        browser.session =
            created["sessionId"].as_str().ok_or_else(|| Error(format!("no session id in {created}")))?.to_string();
        Ok(browser)
    }

    /// One WebDriver call: `method path` with a JSON body; the response's `value`.
    ///
    /// # Errors
    /// The driver cannot be reached, or answers with an error (its message).
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Error> {
        let what = || format!("{method} {path}");
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| Error(format!("{}: {e}", what())))?;
        stream.set_read_timeout(Some(Duration::from_secs(120))).ok();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .map_err(|e| Error(format!("{}: {e}", what())))?;
        let (status, text) = read_response(stream).map_err(|e| Error(format!("{}: {e}", what())))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| Error(format!("{}: {e} in {}", what(), truncate(&text))))?;
        let value = value.get("value").cloned().unwrap_or(Value::Null);
        if status >= 400 || value.get("error").is_some_and(|e| !e.is_null()) {
            return Err(Error(format!("{}: {status} {}", what(), truncate(&value.to_string()))));
        }
        Ok(value)
    }

    /// A call on the session (`/session/{id}{path}`).
    fn session_call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Error> {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    /// Loads `url` and waits for it (the page's load event).
    pub fn goto(&self, url: &str) -> Result<(), Error> {
        self.session_call("POST", "/url", Some(&json!({ "url": url }))).map(|_| ())
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page; its return value.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value, Error> {
        self.session_call("POST", "/execute/sync", Some(&json!({ "script": script, "args": args })))
    }

    /// Runs `script` in the page, which calls `arguments[arguments.length - 1](result)` when
    /// done; the result.
    pub fn execute_async(&self, script: &str, args: Value) -> Result<Value, Error> {
        self.session_call("POST", "/execute/async", Some(&json!({ "script": script, "args": args })))
    }

    /// The browser's console entries since the last call (`level`, `message`, `source`).
    pub fn log(&self) -> Result<Vec<Value>, Error> {
        let entries = self.session_call("POST", "/se/log", Some(&json!({ "type": "browser" })))?;
        Ok(entries.as_array().cloned().unwrap_or_default())
    }

    /// A Chrome DevTools Protocol command (`Emulation.setDeviceMetricsOverride`, …).
    pub fn cdp(&self, command: &str, params: Value) -> Result<Value, Error> {
        self.session_call("POST", "/goog/cdp/execute", Some(&json!({ "cmd": command, "params": params })))
    }

    /// The first element `css` selects (its WebDriver reference).
    ///
    /// # Errors
    /// No element matches (chromedriver's "no such element", with the selector).
    pub fn find(&self, css: &str) -> Result<String, Error> {
        let found = self
            .session_call("POST", "/element", Some(&json!({ "using": "css selector", "value": css })))
            .map_err(|e| Error(format!("{css}: {e}")))?;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error(format!("{css}: no element reference in {found}")))
    }

    /// Types `text` into the element `css` selects, as a user would.
    pub fn type_into(&self, css: &str, text: &str) -> Result<(), Error> {
        let element = self.find(css)?;
        self.session_call("POST", &format!("/element/{element}/value"), Some(&json!({ "text": text }))).map(|_| ())
    }

    /// Clicks the element `css` selects (a link, a button, an option), as a user would;
    /// returns once a page it loads has loaded.
    pub fn click(&self, css: &str) -> Result<(), Error> {
        let element = self.find(css)?;
        self.session_call("POST", &format!("/element/{element}/click"), Some(&json!({}))).map(|_| ())
    }

    /// Waits up to 10 s until `condition` (a script expression) is true in the page, as after
    /// a click that submits a form: the click returns when the navigation starts, not when the
    /// next page has loaded.
    ///
    /// # Errors
    /// Still false after 10 s (saying which condition).
    pub fn wait_until(&self, condition: &str) -> Result<(), Error> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let done = self.execute(&format!("return document.readyState === 'complete' && ({condition});"), json!([]));
            if matches!(done, Ok(Value::Bool(true))) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error(format!("still not true after 10 s: {condition}")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The text the page shows (`document.body.innerText`).
    pub fn text(&self) -> Result<String, Error> {
        Ok(self.execute("return document.body.innerText;", json!([]))?.as_str().unwrap_or_default().to_string())
    }

    /// The page's URL.
    pub fn url(&self) -> Result<String, Error> {
        Ok(self.session_call("GET", "/url", None)?.as_str().unwrap_or_default().to_string())
    }

    /// Presses Tab `times` times, in one action sequence.
    pub fn press_tab(&self, times: usize) -> Result<(), Error> {
        let mut actions = Vec::with_capacity(2 * times);
        for _ in 0..times {
            actions.push(json!({ "type": "keyDown", "value": "\u{E004}" }));
            actions.push(json!({ "type": "keyUp", "value": "\u{E004}" }));
        }
        let body = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] });
        self.session_call("POST", "/actions", Some(&body))?;
        self.session_call("DELETE", "/actions", None).map(|_| ())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.session_call("DELETE", "", None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// At most 2,000 characters of `text`, for messages.
fn truncate(text: &str) -> String {
    match text.char_indices().nth(2000) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// Reads an HTTP/1.1 response to the end (the request said `Connection: close`): its status
/// and body (de-chunked when sent in chunks).
fn read_response(stream: TcpStream) -> std::io::Result<(u16, String)> {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut chunked = false;
    let mut length: Option<usize> = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}
