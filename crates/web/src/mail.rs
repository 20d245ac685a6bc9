//! Mail: messages built with lettre and sent through an SMTP server (`fairer serve --smtp URL`),
//! or, with no server configured, written to the standard error (a development server's
//! console: nothing leaves the machine).
//!
//! The SMTP URL is lettre's connection URL: `smtp://HOST:PORT` (plain SMTP, what a loopback or
//! local relay speaks), `smtp://USER:PASSWORD@HOST:587?tls=required` (STARTTLS) and
//! `smtps://HOST:465` (TLS from the start); the TLS forms need the `smtp-tls` feature. A
//! path names the client in `EHLO` (`smtp://relay.example:25/fairer.example`). Connections are
//! pooled (plain SMTP: [`PlainPool`], with `TCP_NODELAY`; TLS: lettre's pool), so a
//! newsletter's thousands of messages reuse a few connections.
//!
//! Every message is a UTF-8 text part, with an HTML alternative when given (`Outgoing::html`),
//! and the extra headers its sender asks for (a newsletter's `List-Unsubscribe` and
//! `List-Unsubscribe-Post`, RFC 2369 and RFC 8058). Errors say whether the server refused the
//! recipient for good ([`MailError::is_permanent`]: a bounce at the time of sending) or only
//! for now.
//!
//! [`testing`] (feature `testing`) starts a real SMTP server (Debian's aiosmtpd) on a loopback
//! port and reads back what it received.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
#[cfg(feature = "smtp-tls")]
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL could not be read (`--smtp`).
    #[error("the SMTP server URL {url:?} cannot be used: {reason}")]
    BadUrl {
        /// The URL as given (its password, if any, replaced by `***`).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An address (the sender's or a recipient's) is not a valid e-mail address.
    #[error("{field} {address:?} is not an e-mail address: {reason}")]
    BadAddress {
        /// Which address: "the sender", "the recipient", "the reply-to address".
        field: &'static str,
        /// The address as given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The message could not be built (a header that cannot be encoded).
    #[error("the message to {to} cannot be built: {reason}")]
    Build {
        /// The recipient.
        to: String,
        /// What went wrong.
        reason: String,
    },
    /// The SMTP server refused the message or could not be reached.
    #[error("the message to {to} was not sent: {reason}")]
    Send {
        /// The recipient.
        to: String,
        /// The server's answer or the connection's error.
        reason: String,
        /// Whether the server refused it for good (a 5xx answer: the address does not exist,
        /// the mailbox is closed), as opposed to for now (4xx, a connection error, a timeout).
        permanent: bool,
    },
}

impl MailError {
    /// Whether the server refused the message for good (a 5xx answer): sending it again will
    /// fail again, and the address should be recorded as bounced.
    pub fn is_permanent(&self) -> bool {
        matches!(self, MailError::Send { permanent: true, .. })
    }
}

/// A message to send: one recipient, a subject, a text body and optionally an HTML one, and any
/// extra headers.
#[derive(Clone, Debug, Default)]
pub struct Outgoing {
    /// The recipient's address.
    pub to: String,
    /// The recipient's name (shown in `To:`), if known.
    pub to_name: Option<String>,
    /// The subject line.
    pub subject: String,
    /// The plain-text body (every message has one).
    pub text: String,
    /// The HTML body, sent as an alternative to the text.
    pub html: Option<String>,
    /// Extra headers, name and value (`List-Unsubscribe`, …): names are ASCII without `:` or
    /// spaces; values are encoded (RFC 2047) and folded by lettre.
    pub headers: Vec<(&'static str, String)>,
}

/// Where messages go.
#[derive(Clone, Debug)]
enum Transport {
    /// An SMTP server over TLS (lettre's pool).
    #[cfg_attr(not(feature = "smtp-tls"), allow(dead_code))]
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// A plain SMTP server ([`PlainPool`]).
    Plain(Arc<PlainPool>),
    /// The standard error (no server configured).
    Log,
}

/// Sends the site's mail: the sender's address, the site's public address (the links in
/// messages start with it) and the transport. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Mailer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    from: Mailbox,
    public_url: String,
    transport: Transport,
}

/// The pool's most connections at once (a newsletter sends on at most this many).
pub const MAX_CONNECTIONS: u32 = 8;

/// How long one SMTP exchange may take before it fails (transiently).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// `url` with any password replaced by `***` (for messages).
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A plain SMTP server (`smtp://[USER:PASSWORD@]HOST[:PORT][/HELO]`), as read from its URL.
#[derive(Clone, Debug)]
struct PlainTarget {
    host: String,
    port: u16,
    credentials: Option<Credentials>,
    helo: Option<String>,
}

/// Reads a plain `smtp://` URL (see the module's documentation).
fn plain_target(url: &str) -> Result<PlainTarget, String> {
    let rest = url.strip_prefix("smtp://").ok_or_else(|| {
        let scheme = url.split("://").next().unwrap_or(url);
        if cfg!(feature = "smtp-tls") {
            format!("expected smtp:// or smtps://, found {scheme}://")
        } else {
            format!("expected smtp:// (this build has no TLS: build with the smtp-tls feature for smtps://), found {scheme}")
        }
    })?;
    if rest.contains('?') {
        return Err("options (?tls=…) need the smtp-tls feature".into());
    }
    let (authority, helo) = match rest.split_once('/') {
        Some((a, h)) => (a, Some(h.trim_matches('/')).filter(|h| !h.is_empty())),
        None => (rest, None),
    };
    let (credentials, host_port) = match authority.rsplit_once('@') {
        Some((c, h)) => (Some(c), h),
        None => (None, authority),
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || host_port.starts_with('[') => {
            (h, p.parse::<u16>().map_err(|_| format!("the port {p:?} is not a number from 1 to 65535"))?)
        }
        _ => (host_port, 25),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err("no host".into());
    }
    let credentials = match credentials {
        Some(credentials) => {
            let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
            Some(Credentials::new(percent_decode(user)?, percent_decode(password)?))
        }
        None => None,
    };
    Ok(PlainTarget { host: host.to_string(), port, credentials, helo: helo.map(str::to_string) })
}

/// lettre's pooled transport for the TLS forms of the URL (`smtps://`, `?tls=`).
#[cfg(feature = "smtp-tls")]
fn tls_transport_builder(url: &str) -> Result<AsyncSmtpTransportBuilder, String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| e.to_string())
}

/// The pool of plain SMTP connections: at most [`MAX_CONNECTIONS`] at once, reused while they
/// answer `NOOP` and have been idle less than [`IDLE_TIMEOUT`], each exchange within
/// [`SMTP_TIMEOUT`].
///
/// Its sockets have `TCP_NODELAY`: lettre writes a message's content and then its final
/// `.` line in two writes before it reads the answer, and with Nagle's algorithm the second
/// write waits for the server to acknowledge the first, which a server (waiting for the rest)
/// delays by up to 40 ms (Linux's delayed acknowledgement): a pause a message on every
/// connection that caps a send at a few dozen messages a second per connection. lettre's own
/// pool cannot set the option; this one makes its connections itself and hands them to
/// lettre's SMTP client.
struct PlainPool {
    target: PlainTarget,
    hello: ClientId,
    idle: std::sync::Mutex<Vec<(AsyncSmtpConnection, std::time::Instant)>>,
    permits: tokio::sync::Semaphore,
}

/// How long an idle pooled connection is kept.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

impl std::fmt::Debug for PlainPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainPool").field("host", &self.target.host).field("port", &self.target.port).finish()
    }
}

impl PlainPool {
    fn new(target: PlainTarget) -> PlainPool {
        let hello = match &target.helo {
            Some(name) => ClientId::Domain(name.clone()),
            None => ClientId::default(),
        };
        PlainPool {
            target,
            hello,
            idle: std::sync::Mutex::new(Vec::new()),
            permits: tokio::sync::Semaphore::new(MAX_CONNECTIONS as usize),
        }
    }

    /// A new connection: TCP with `TCP_NODELAY`, `EHLO`, and `AUTH` when the URL has
    /// credentials. Errors as text, with whether they are for good.
    async fn connect(&self) -> Result<AsyncSmtpConnection, (String, bool)> {
        let (host, port) = (self.target.host.as_str(), self.target.port);
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| (format!("connecting to {host}:{port}: {e}"), false))?;
        stream.set_nodelay(true).map_err(|e| (format!("connecting to {host}:{port}: {e}"), false))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(|e| (e.to_string(), false))?;
        if let Some(credentials) = &self.target.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await.map_err(|e| (e.to_string(), false))?;
        }
        Ok(conn)
    }

    /// Sends `message` on a pooled connection (or a new one); a connection that failed is
    /// dropped. Errors as text, with whether the server refused for good (5xx).
    async fn send(&self, message: &Message) -> Result<(), (String, bool)> {
        let _permit = self.permits.acquire().await.map_err(|_| ("the mailer is closed".to_string(), false))?;
        let bytes = message.formatted();
        let work = async {
            let mut conn = loop {
                let reused = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
                match reused {
                    Some((mut conn, since)) => {
                        if since.elapsed() < IDLE_TIMEOUT && conn.test_connected().await {
                            break conn;
                        }
                        conn.abort().await;
                    }
                    None => break self.connect().await?,
                }
            };
            match conn.send(message.envelope(), &bytes).await {
                Ok(_) => {
                    self.idle.lock().unwrap_or_else(|p| p.into_inner()).push((conn, std::time::Instant::now()));
                    Ok(())
                }
                Err(e) => Err((e.to_string(), e.is_permanent())),
            }
        };
        match tokio::time::timeout(SMTP_TIMEOUT, work).await {
            Ok(result) => result,
            Err(_) => Err((format!("no answer from the server within {} s", SMTP_TIMEOUT.as_secs()), false)),
        }
    }
}

/// `text` with `%XX` escapes decoded (UTF-8).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or("a % escape is cut short")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("%{hex} is not an escape"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "an escape is not UTF-8".to_string())
}

/// Reads `address` (`name@example.org` or `Name <name@example.org>`) as a mailbox.
fn mailbox(field: &'static str, address: &str, name: Option<&str>) -> Result<Mailbox, MailError> {
    let bad = |reason: String| MailError::BadAddress { field, address: address.to_string(), reason };
    let parsed: Mailbox = address.trim().parse().map_err(|e| bad(format!("{e}")))?;
    Ok(match name {
        Some(n) if !n.trim().is_empty() => Mailbox::new(Some(n.trim().to_string()), parsed.email),
        _ => parsed,
    })
}

impl Mailer {
    /// A mailer sending through the SMTP server at `url` (see the module's documentation), from
    /// `from` (`Fairer <network@fairer.example>`), with links starting `public_url`
    /// (`https://fairer.example`, no trailing slash needed). No connection is made until the
    /// first message.
    ///
    /// # Errors
    /// A bad URL or sender, or no tokio runtime to run in (the pool's upkeep is a task of it).
    pub fn smtp(url: &str, from: &str, public_url: &str) -> Result<Mailer, MailError> {
        let from = mailbox("the sender", from, None)?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(MailError::BadUrl {
                url: redact(url),
                reason: "a mailer is made within the server's runtime (tokio)".into(),
            });
        }
        let bad = |reason: String| MailError::BadUrl { url: redact(url), reason };
        #[cfg(feature = "smtp-tls")]
        if url.starts_with("smtps://") || url.contains("tls=") {
            let transport = tls_transport_builder(url)
                .map_err(bad)?
                .timeout(Some(SMTP_TIMEOUT))
                .pool_config(PoolConfig::new().max_size(MAX_CONNECTIONS).idle_timeout(IDLE_TIMEOUT))
                .build();
            return Ok(Mailer::with_transport(from, public_url, Transport::Smtp(transport)));
        }
        let target = plain_target(url).map_err(bad)?;
        Ok(Mailer::with_transport(from, public_url, Transport::Plain(Arc::new(PlainPool::new(target)))))
    }

    /// A mailer that writes each message to the standard error instead of sending it (a server
    /// started without `--smtp`).
    pub fn log(from: &str, public_url: &str) -> Result<Mailer, MailError> {
        let from = mailbox("the sender", from, None)?;
        Ok(Mailer::with_transport(from, public_url, Transport::Log))
    }

    fn with_transport(from: Mailbox, public_url: &str, transport: Transport) -> Mailer {
        Mailer { inner: Arc::new(Inner { from, public_url: public_url.trim_end_matches('/').to_string(), transport }) }
    }

    /// The site's public address, without a trailing slash: links in messages are
    /// `public_url() + path`.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }

    /// The absolute URL of `path` (`/join/confirm?token=…`) on the site.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.inner.public_url, path)
    }

    /// The sender's address (`network@fairer.example`).
    pub fn from_address(&self) -> String {
        self.inner.from.email.to_string()
    }

    /// Whether messages really leave (an SMTP server is configured).
    pub fn sends(&self) -> bool {
        matches!(self.inner.transport, Transport::Smtp(_) | Transport::Plain(_))
    }

    /// The message `out` as lettre builds it (headers encoded, bodies in quoted-printable or
    /// base64 as their content needs).
    pub fn build(&self, out: &Outgoing) -> Result<Message, MailError> {
        let to = mailbox("the recipient", &out.to, out.to_name.as_deref())?;
        let build_error = |reason: String| MailError::Build { to: out.to.clone(), reason };
        let mut builder = Message::builder()
            .from(self.inner.from.clone())
            .to(to)
            .subject(out.subject.clone())
            .message_id(Some(format!("<{}@{}>", message_token(), self.domain())))
            .date_now();
        for (name, value) in &out.headers {
            if value.contains(['\r', '\n']) {
                return Err(build_error(format!("the {name} header has a line break")));
            }
            let name = HeaderName::new_from_ascii(name.to_string())
                .map_err(|_| build_error(format!("{name:?} is not a header name")))?;
            builder = builder.raw_header(HeaderValue::new(name, value.clone()));
        }
        let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(out.text.clone());
        let message = match &out.html {
            Some(html) => builder.multipart(
                MultiPart::alternative()
                    .singlepart(text)
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone())),
            ),
            None => builder.singlepart(text),
        };
        message.map_err(|e| build_error(e.to_string()))
    }

    /// The domain of the sender's address (message ids end with it).
    fn domain(&self) -> String {
        self.inner.from.email.domain().to_string()
    }

    /// Builds and sends `out`: through the SMTP server (waiting for its answer), or to the
    /// standard error.
    pub async fn send(&self, out: &Outgoing) -> Result<(), MailError> {
        let message = self.build(out)?;
        self.send_message(&out.to, message).await
    }

    /// Sends a built message to `to` (the envelope's recipient, for errors).
    pub async fn send_message(&self, to: &str, message: Message) -> Result<(), MailError> {
        match &self.inner.transport {
            Transport::Smtp(transport) => match transport.send(message).await {
                Ok(_) => Ok(()),
                Err(e) => {
                    Err(MailError::Send { to: to.to_string(), reason: e.to_string(), permanent: e.is_permanent() })
                }
            },
            Transport::Plain(pool) => pool.send(&message).await.map_err(|(reason, permanent)| MailError::Send {
                to: to.to_string(),
                reason,
                permanent,
            }),
            Transport::Log => {
                let text = String::from_utf8_lossy(&message.formatted()).into_owned();
                eprintln!("fairer: no SMTP server (--smtp): this message was not sent:\n{text}\n");
                Ok(())
            }
        }
    }
}

impl Default for Mailer {
    /// The mailer of a server started without `--smtp`: messages from
    /// `Fairer <network@localhost>` written to the standard error, links to
    /// `http://127.0.0.1:8080`.
    fn default() -> Self {
        let address: lettre::Address = "network@localhost".parse().expect("a constant address");
        Mailer::with_transport(Mailbox::new(Some("Fairer".into()), address), "http://127.0.0.1:8080", Transport::Log)
    }
}

impl crate::AppState {
    /// The same state sending its mail with `mailer` (`fairer serve --smtp URL`).
    pub fn with_mailer(mut self, mailer: Mailer) -> crate::AppState {
        self.mail = mailer;
        self
    }

    /// The site's mailer.
    pub fn mailer(&self) -> &Mailer {
        &self.mail
    }
}

/// 16 random bytes in hexadecimal (a message id's local part); the time when the system's
/// random numbers fail (ids need only be unique, not secret).
fn message_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        bytes[..16].copy_from_slice(&now.as_nanos().to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub mod newsletter;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(redact("smtp://user:secret@host:25"), "smtp://user:***@host:25");
        assert_eq!(redact("smtp://host:25"), "smtp://host:25");
        assert_eq!(redact("smtp://user@host:25"), "smtp://user@host:25");
    }

    #[tokio::test]
    async fn bad_settings_are_named() {
        let e = Mailer::smtp("smtp://user:pw@/", "a@example.org", "http://x").unwrap_err();
        assert!(e.to_string().contains("***"), "{e}");
        assert!(!e.to_string().contains("pw@"), "{e}");
        let e = Mailer::smtp("smtp://h:99999", "a@example.org", "http://x").unwrap_err();
        assert!(e.to_string().contains("99999"), "{e}");
        assert!(Mailer::smtp("smtp://u%40x:p%3Aw@127.0.0.1:2525/fairer.example", "a@example.org", "http://x").is_ok());
        assert_eq!(percent_decode("a%40b%3a").unwrap(), "a@b:");
        let e = Mailer::smtp("smtp://127.0.0.1:25", "not an address", "http://x").unwrap_err();
        assert!(e.to_string().starts_with("the sender \"not an address\""), "{e}");
        let e = Mailer::smtp("gopher://127.0.0.1:25", "a@example.org", "http://x").unwrap_err();
        assert!(e.to_string().contains("gopher"), "{e}");
    }

    #[test]
    fn messages_carry_their_headers_and_refuse_injection() {
        let mailer = Mailer::log("Fairer <network@fairer.example>", "https://fairer.example/").unwrap();
        assert_eq!(mailer.link("/a"), "https://fairer.example/a");
        let mut out = Outgoing {
            to: "ann@example.org".into(),
            to_name: Some("Ann Example".into()),
            subject: "Hello".into(),
            text: "Text".into(),
            html: Some("<p>Text</p>".into()),
            headers: vec![("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into())],
        };
        let text = String::from_utf8(mailer.build(&out).unwrap().formatted()).unwrap();
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), "{text}");
        assert!(text.contains("To: \"Ann Example\" <ann@example.org>\r\n"), "{text}");
        assert!(text.contains("multipart/alternative"), "{text}");
        out.headers.push(("X-Evil", "a\r\nBcc: b@example.org".into()));
        assert!(matches!(mailer.build(&out), Err(MailError::Build { .. })));
        out.headers.clear();
        out.to = "ann@example.org\r\nBcc: b@example.org".into();
        assert!(matches!(mailer.build(&out), Err(MailError::BadAddress { .. })));
    }
}
