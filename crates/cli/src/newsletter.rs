//! `fairer newsletter`: send an issue (resumably), see how a send stands, record a bounce or a
//! complaint; and the mail settings `fairer serve` and `fairer newsletter send` share
//! (`--smtp`, `--mail-from`, `--public-url`).

use clap::{Args, Subcommand};
use store::Actor;
use web::mail::newsletter::{send_issue, SendError, SendOptions};

use crate::db::{with_store, DatabaseArg};
use crate::Failure;

/// How the site sends mail.
#[derive(Args, Debug, Clone)]
pub struct MailArgs {
    /// The SMTP server mail goes through: smtp://HOST:PORT (plain, a local relay),
    /// smtp://USER:PASSWORD@HOST:587?tls=required or smtps://HOST:465 (built with the web
    /// crate's `smtp-tls` feature). Default: FAIRER_SMTP_URL; without either, messages are
    /// written to the standard error instead of being sent.
    #[arg(long, value_name = "URL")]
    smtp: Option<String>,
    /// The sender of the site's mail.
    #[arg(long, value_name = "ADDRESS", default_value = "Fairer <network@localhost>")]
    mail_from: String,
    /// The site's address as readers reach it: the links in messages start with it. Default:
    /// http:// and the address served on.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

impl MailArgs {
    /// The mailer these settings describe; `bind` is the address served on (the links' default).
    pub fn mailer(&self, bind: &str) -> Result<web::mail::Mailer, Failure> {
        let public_url = self.public_url.clone().unwrap_or_else(|| format!("http://{bind}"));
        let smtp = self.smtp.clone().or_else(|| std::env::var("FAIRER_SMTP_URL").ok().filter(|v| !v.trim().is_empty()));
        let mailer = match smtp {
            Some(url) => web::mail::Mailer::smtp(&url, &self.mail_from, &public_url),
            None => web::mail::Mailer::log(&self.mail_from, &public_url),
        };
        mailer.map_err(|e| Failure::Usage(e.to_string()))
    }
}

/// The arguments of `fairer newsletter`.
#[derive(Args, Debug)]
pub struct NewsletterArgs {
    #[command(subcommand)]
    command: NewsletterCommand,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Subcommand, Debug)]
enum NewsletterCommand {
    /// Send an issue (written on the web at /newsletter/compose) to every active subscriber who
    /// has not had it. Each recipient is recorded before and after their message is handed to
    /// the SMTP server, so a send stopped at any moment (Ctrl-C, a crash) is resumed by running
    /// the same command again, and no one is sent the issue twice.
    Send {
        /// The issue's number.
        issue: i64,
        /// At most this many messages a second (default: as fast as the server takes them).
        #[arg(long, value_name = "PER_SECOND")]
        rate: Option<f64>,
        /// Messages in flight at once (1 to 8).
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        #[command(flatten)]
        mail: MailArgs,
    },
    /// How an issue's send stands: sent, failed (to be sent again), bounced, in doubt (in
    /// flight when a send stopped: perhaps delivered, never sent again) and pending.
    Status {
        /// The issue's number.
        issue: i64,
    },
    /// Record a bounce (the address refused for good) or a complaint (reported as spam) for a
    /// subscriber: they are sent nothing more.
    Bounce {
        /// The subscriber's address.
        email: String,
        /// bounce or complaint.
        #[arg(long, default_value = "bounce")]
        kind: String,
        /// The issue it came from.
        #[arg(long)]
        issue: Option<i64>,
        /// The words of the report (the server's answer).
        #[arg(long, default_value = "")]
        detail: String,
    },
}

/// Runs `fairer newsletter`.
pub fn run(args: NewsletterArgs) -> Result<(), Failure> {
    match args.command {
        NewsletterCommand::Send { issue, rate, concurrency, mail } => with_store(&args.database, async |store| {
            let mailer = mail.mailer("127.0.0.1:8080")?;
            if !mailer.sends() {
                return Err(Failure::Usage(
                    "no SMTP server: give --smtp smtp://HOST:PORT (or FAIRER_SMTP_URL) to send the newsletter".into(),
                ));
            }
            let options = SendOptions { rate, concurrency, ..SendOptions::default() };
            let report = send_issue(&store, &mailer, &Actor::Cli, issue, &options).await.map_err(|e| match e {
                SendError::Store(e) => Failure::from(e),
                SendError::Settings(m) => Failure::Usage(m),
            })?;
            let counts = store.delivery_counts(issue).await?;
            println!(
                "issue {issue}: {} sent now, {} failed (sent again next run), {} bounced; in all {} sent, {} in doubt, {} pending{}",
                report.sent,
                report.failed,
                report.bounced,
                counts.sent,
                counts.in_doubt,
                counts.pending + counts.failed,
                if report.finished { "; the issue is sent and in the archive" } else { "; run again to resume" }
            );
            Ok(())
        }),
        NewsletterCommand::Status { issue } => with_store(&args.database, async |store| {
            let found = store.issue(issue).await?.ok_or_else(|| Failure::Usage(format!("no issue {issue}")))?;
            let counts = store.delivery_counts(issue).await?;
            println!(
                "issue {issue} ({}, {}): {} sent, {} failed, {} bounced, {} in doubt, {} pending",
                found.subject,
                found.status,
                counts.sent,
                counts.failed,
                counts.bounced,
                counts.in_doubt,
                counts.pending
            );
            Ok(())
        }),
        NewsletterCommand::Bounce { email, kind, issue, detail } => with_store(&args.database, async |store| {
            match store.record_mail_event(&Actor::Cli, &email, &kind, issue, &detail).await? {
                Some(s) => println!("{}: {} recorded; sent nothing more", s.email, kind),
                None => println!("{email}: no subscriber has this address; nothing recorded"),
            }
            Ok(())
        }),
    }
}
