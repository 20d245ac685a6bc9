//! `fairer newsletter` (issue 15) with a real process and a real SMTP server: a send killed
//! (SIGKILL) part way and run again delivers every subscriber exactly one copy; `status` counts
//! the ledger; `bounce` stops a subscriber's mail.

use std::process::{Command, Stdio};
use std::time::Duration;

use store::network::IssueDraft;
use store::{Actor, Store};
use web::mail::testing::SmtpServer;

fn fairer(database: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fairer"));
    c.args(args).args(["--database", database]).env_remove("FAIRER_DATABASE_URL").env_remove("FAIRER_SMTP_URL");
    c
}

#[test]
fn a_killed_send_resumes_with_one_copy_each() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("fairer.db").display().to_string();
    let n = 30;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let issue = runtime.block_on(async {
        let store = Store::open(&database).await.unwrap();
        for i in 0..n {
            store.confirm_subscription(&format!("r{i:02}@example.org"), "w", "test", &format!("t{i}")).await.unwrap();
        }
        let draft = IssueDraft { subject: "Killed".into(), body: "Hello.".into(), personalised: false };
        let issue = store.create_issue(&Actor::Cli, &draft).await.unwrap();
        store.close().await;
        issue.id
    });
    let smtp = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
    let id = issue.to_string();
    let args = ["newsletter", "send", &id, "--smtp", &smtp.url(), "--rate", "10", "--concurrency", "2"];

    // Without a server it refuses.
    let out = fairer(&database, &["newsletter", "send", &id]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--smtp"), "{}", String::from_utf8_lossy(&out.stderr));

    let mut child = fairer(&database, &args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    smtp.wait_for(8, Duration::from_secs(60)).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = smtp.count().unwrap();
    assert!(killed_at < n, "the send finished before it was killed");

    let status = fairer(&database, &["newsletter", "status", &id]).output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(status.contains("(Killed, sending)"), "{status}");

    let out = fairer(&database, &args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("the issue is sent"), "{stdout}");
    std::thread::sleep(Duration::from_millis(300));
    let mut copies = std::collections::BTreeMap::<String, usize>::new();
    for m in smtp.messages().unwrap() {
        for r in m.recipients() {
            *copies.entry(r).or_default() += 1;
        }
    }
    assert_eq!(copies.len(), n, "{copies:?}");
    assert!(copies.values().all(|&c| c == 1), "{copies:?}");

    // A bounce recorded by hand.
    let out = fairer(&database, &["newsletter", "bounce", "r00@example.org", "--kind", "complaint"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("complaint recorded"));
    let out = fairer(&database, &["newsletter", "bounce", "nobody@example.org"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("no subscriber"));
}
