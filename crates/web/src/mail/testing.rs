//! A real SMTP server for tests: Debian's aiosmtpd (`python3-aiosmtpd`) started on a free
//! loopback port, storing every message it receives in a Maildir in a temporary directory, and
//! a reader of those messages (headers unfolded and decoded, the text and HTML parts decoded
//! from quoted-printable or base64, the links of the text). The server is stopped and its
//! directory removed when the [`SmtpServer`] is dropped.
//!
//! ```no_run
//! # async fn f() -> std::io::Result<()> {
//! let server = web::mail::testing::SmtpServer::start()?;
//! let mailer = web::mail::Mailer::smtp(&server.url(), "network@fairer.example", "http://127.0.0.1")
//!     .expect("mailer");
//! // … send …
//! let messages = server.wait_for(1, std::time::Duration::from_secs(10))?;
//! assert_eq!(messages[0].header("Subject"), Some("Welcome"));
//! # Ok(()) }
//! ```
//!
//! The Python is `/usr/bin/python3` (Debian's, which has the package), or `FAIRER_AIOSMTPD_PYTHON`.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// An aiosmtpd server on `127.0.0.1`, writing what it receives to a Maildir; stopped on drop.
pub struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpServer").field("port", &self.port).field("dir", &self.dir.path()).finish()
    }
}

/// The Python that runs aiosmtpd.
fn python() -> PathBuf {
    std::env::var_os("FAIRER_AIOSMTPD_PYTHON").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/python3"))
}

/// A port free on the loopback now (bound, read and released).
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl SmtpServer {
    /// Starts aiosmtpd on a free loopback port and waits (up to 20 s) until it accepts
    /// connections. Fails with a message naming the package when aiosmtpd is missing.
    pub fn start() -> io::Result<SmtpServer> {
        let dir = tempfile::Builder::new().prefix("fairer-smtp-").tempdir()?;
        let maildir = dir.path().join("Maildir");
        let mut last_error = None;
        // A port freed for us may be taken by another process before aiosmtpd binds it: try a
        // few.
        for _ in 0..5 {
            let port = free_port()?;
            let mut child = Command::new(python())
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(&maildir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!(
                            "cannot run {} -m aiosmtpd (install Debian's python3-aiosmtpd): {e}",
                            python().display()
                        ),
                    )
                })?;
            let address = SocketAddr::from(([127, 0, 0, 1], port));
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(status) = child.try_wait()? {
                    let mut stderr = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = io::Read::read_to_string(&mut e, &mut stderr);
                    }
                    last_error = Some(io::Error::other(format!(
                        "aiosmtpd on port {port} stopped ({status}): {} (install Debian's python3-aiosmtpd)",
                        stderr.trim()
                    )));
                    break;
                }
                if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                    // Its log is not read: let it go nowhere rather than fill a pipe.
                    drop(child.stderr.take());
                    return Ok(SmtpServer { child, port, dir });
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("aiosmtpd did not listen on port {port} within 20 seconds"),
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("aiosmtpd did not start")))
    }

    /// The server's SMTP URL (`smtp://127.0.0.1:PORT`), for [`super::Mailer::smtp`].
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The Maildir the messages are written to.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("Maildir")
    }

    /// The files of the messages received so far, oldest first (by the Maildir's file names,
    /// which start with the time of delivery).
    fn files(&self) -> io::Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let dir = self.maildir().join(sub);
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                files.push(entry?.path());
            }
        }
        files.sort_by_key(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            // `SECONDS.M…P…Q…` : by seconds then the rest.
            let seconds: u64 = name.split('.').next().and_then(|s| s.parse().ok()).unwrap_or(0);
            (seconds, name)
        });
        Ok(files)
    }

    /// How many messages the server has stored.
    pub fn count(&self) -> io::Result<usize> {
        Ok(self.files()?.len())
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> io::Result<Vec<Received>> {
        self.files()?.iter().map(|f| Ok(Received::parse(&std::fs::read(f)?))).collect()
    }

    /// Waits until at least `n` messages have arrived (or `timeout` passes: an error saying how
    /// many did) and returns them all.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> io::Result<Vec<Received>> {
        let deadline = Instant::now() + timeout;
        loop {
            let count = self.count()?;
            if count >= n {
                return self.messages();
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{count} of {n} messages arrived within {timeout:?}"),
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Forgets every message received so far (deletes the Maildir's files).
    pub fn clear(&self) -> io::Result<()> {
        for f in self.files()? {
            std::fs::remove_file(f)?;
        }
        Ok(())
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message as the server stored it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The whole message as stored (aiosmtpd adds `X-Peer`, `X-MailFrom` and `X-RcptTo`).
    pub raw: String,
    /// The top-level headers, unfolded, encoded words (RFC 2047) decoded, in order.
    pub headers: Vec<(String, String)>,
    /// The decoded `text/plain` part, if any.
    pub text: Option<String>,
    /// The decoded `text/html` part, if any.
    pub html: Option<String>,
}

impl Received {
    /// Reads a stored message.
    pub fn parse(bytes: &[u8]) -> Received {
        let raw = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
        let part = Part::parse(&raw);
        let mut text = None;
        let mut html = None;
        part.collect_bodies(&mut text, &mut html);
        Received { headers: part.headers.clone(), raw, text, html }
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The envelope's recipients (aiosmtpd's `X-RcptTo`).
    pub fn recipients(&self) -> Vec<String> {
        self.header("X-RcptTo").map(|v| v.split(',').map(|s| s.trim().to_string()).collect()).unwrap_or_default()
    }

    /// The `http://` and `https://` links of the text part, in order.
    pub fn links(&self) -> Vec<String> {
        links(self.text.as_deref().unwrap_or(""))
    }

    /// The links of the `List-Unsubscribe` header (`<…>` entries).
    pub fn list_unsubscribe(&self) -> Vec<String> {
        self.header("List-Unsubscribe")
            .map(|v| {
                v.split(',')
                    .filter_map(|s| s.trim().strip_prefix('<').and_then(|s| s.strip_suffix('>')))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The `http://…` and `https://…` links in `text` (ending at white space or `<>()"'`, trailing
/// `.,;:` dropped).
pub fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("http") {
        let candidate = &rest[at..];
        if candidate.starts_with("http://") || candidate.starts_with("https://") {
            let end = candidate.find(|c: char| c.is_whitespace() || "<>()\"'".contains(c)).unwrap_or(candidate.len());
            out.push(candidate[..end].trim_end_matches(['.', ',', ';', ':']).to_string());
            rest = &candidate[end..];
        } else {
            rest = &candidate[4..];
        }
    }
    out
}

/// A MIME part: its headers and its body (still encoded), or its sub-parts.
struct Part {
    headers: Vec<(String, String)>,
    body: String,
    parts: Vec<Part>,
}

impl Part {
    /// Reads a part from its text (lines ending `\n`).
    fn parse(text: &str) -> Part {
        let (head, body) = match text.find("\n\n") {
            Some(i) => (&text[..i], &text[i + 2..]),
            None => (text, ""),
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        for header in &mut headers {
            header.1 = decode_words(&header.1);
        }
        let mut part = Part { headers, body: body.to_string(), parts: Vec::new() };
        let content_type = part.header("Content-Type").unwrap_or("text/plain").to_string();
        if content_type.to_ascii_lowercase().starts_with("multipart/") {
            if let Some(boundary) = parameter(&content_type, "boundary") {
                let delimiter = format!("--{boundary}");
                let mut sections = body.split(&delimiter);
                sections.next(); // the preamble
                for section in sections {
                    if section.starts_with("--") {
                        break;
                    }
                    part.parts.push(Part::parse(section.strip_prefix('\n').unwrap_or(section)));
                }
            }
        }
        part
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body decoded from its transfer encoding.
    fn decoded(&self) -> String {
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or("7bit").to_ascii_lowercase();
        let body = self.body.trim_end_matches('\n');
        match encoding.as_str() {
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD.decode(compact).unwrap_or_default();
                String::from_utf8_lossy(&bytes).into_owned()
            }
            "quoted-printable" => quoted_printable(body),
            _ => body.to_string(),
        }
    }

    fn collect_bodies(&self, text: &mut Option<String>, html: &mut Option<String>) {
        if !self.parts.is_empty() {
            for p in &self.parts {
                p.collect_bodies(text, html);
            }
            return;
        }
        let content_type = self.header("Content-Type").unwrap_or("text/plain").to_ascii_lowercase();
        if content_type.starts_with("text/plain") && text.is_none() {
            *text = Some(self.decoded());
        } else if content_type.starts_with("text/html") && html.is_none() {
            *html = Some(self.decoded());
        }
    }
}

/// The value of `name=` in a header's parameters (quotes removed).
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Decodes quoted-printable text (soft line breaks `=\n` removed, `=XX` bytes read as UTF-8).
fn quoted_printable(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            if bytes.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if let Some(hex) = text.get(i + 1..i + 3) {
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value; white
/// space between two encoded words is dropped.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let before = &rest[..start];
        let after = &rest[start + 2..];
        let word = (|| {
            let (_charset, after) = after.split_once('?')?;
            let (encoding, after) = after.split_once('?')?;
            let end = after.find("?=")?;
            let data = &after[..end];
            let decoded = match encoding.to_ascii_lowercase().as_str() {
                "b" => {
                    String::from_utf8_lossy(&base64::engine::general_purpose::STANDARD.decode(data).ok()?).into_owned()
                }
                "q" => quoted_printable(&data.replace('_', " ")),
                _ => return None,
            };
            Some((decoded, &after[end + 2..]))
        })();
        match word {
            Some((decoded, remainder)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&decoded);
                rest = remainder;
                last_was_word = true;
            }
            None => {
                out.push_str(&rest[..start + 2]);
                rest = &rest[start + 2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_multipart_message() {
        let raw = "Subject: =?utf-8?b?Q2Fmw6k=?= =?utf-8?q?_au_lait?=\r\nList-Unsubscribe: <https://x.example/u?t=1>,\r\n <mailto:u@x.example>\r\nContent-Type: multipart/alternative;\r\n boundary=\"B\"\r\n\r\npreamble\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nSee https://x.example/a?b=3Dc. Soft=\r\n break =C3=A9\r\n--B\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--B--\r\n";
        let m = Received::parse(raw.as_bytes());
        assert_eq!(m.header("subject"), Some("Café au lait"));
        assert_eq!(m.list_unsubscribe(), vec!["https://x.example/u?t=1", "mailto:u@x.example"]);
        assert_eq!(m.text.as_deref(), Some("See https://x.example/a?b=c. Soft break é"));
        assert_eq!(m.html.as_deref(), Some("<p>hi</p>"));
        assert_eq!(m.links(), vec!["https://x.example/a?b=c"]);
    }
}
