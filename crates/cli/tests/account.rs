//! `fairer account` as a user runs it: a real process over an SQLite file; the account it
//! makes signs in on the web (its hash is argon2id), and nothing it prints holds a hash.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn fairer(database: &str, args: &[&str], password: Option<&str>, stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fairer"));
    command.args(args).args(["--database", database]).env_remove("FAIRER_DATABASE_URL").env_remove("FAIRER_PASSWORD");
    if let Some(password) = password {
        command.env("FAIRER_PASSWORD", password);
    }
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("run fairer");
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

#[test]
fn accounts_are_added_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("fairer.db");
    let db = database.to_str().unwrap();
    let empty = fairer(db, &["account", "list"], None, None);
    assert!(empty.status.success(), "{}", text(&empty));
    assert!(text(&empty).contains("no account yet"));

    let admin = fairer(
        db,
        &["account", "add", "Ada@Example.org", "--name", "Ada Admin", "--role", "admin"],
        Some("a long password"),
        None,
    );
    assert!(admin.status.success(), "{}", text(&admin));
    assert_eq!(String::from_utf8_lossy(&admin.stdout), "made the account ada@example.org (Ada Admin): admin\n");

    // From standard input; a lead needs an existing place.
    let no_place = fairer(
        db,
        &["account", "add", "lee@example.org", "--name", "Lee", "--role", "lead", "--place", "alpha"],
        None,
        Some("lead password 1\n"),
    );
    assert_eq!(no_place.status.code(), Some(64), "{}", text(&no_place));
    assert!(text(&no_place).contains("--place alpha: no place has that slug"), "{}", text(&no_place));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let store = store::Store::open(db).await.unwrap();
        let fields = store::PlaceFields {
            slug: "alpha".into(),
            name: "Alpha".into(),
            kind: "town".into(),
            area_code: "E06999001".into(),
            covers: vec![],
            benchmark_code: "E92000001".into(),
            stage: "implementing".into(),
            commissioned_on: None,
            report_published_on: None,
            implementing_from: None,
            evaluated_on: None,
            synthetic: true,
            description: None,
        };
        store.create_place(&store::Actor::Cli, &fields).await.unwrap();
        store.close().await;
    });
    let lead = fairer(
        db,
        &["account", "add", "lee@example.org", "--name", "Lee", "--role", "lead", "--place", "alpha"],
        None,
        Some("lead password 1\n"),
    );
    assert!(lead.status.success(), "{}", text(&lead));

    // Mistakes are refused with the reason.
    let short = fairer(db, &["account", "add", "x@example.org", "--name", "X", "--role", "admin"], Some("short"), None);
    assert_eq!(short.status.code(), Some(64));
    assert!(text(&short).contains("at least 10 characters"), "{}", text(&short));
    let lead_without_place =
        fairer(db, &["account", "add", "y@example.org", "--name", "Y", "--role", "lead"], Some("long enough pw"), None);
    assert!(text(&lead_without_place).contains("--place SLUG"));
    let twice = fairer(
        db,
        &["account", "add", "ADA@example.org", "--name", "Ada", "--role", "admin"],
        Some("a long password"),
        None,
    );
    assert_eq!(twice.status.code(), Some(64), "{}", text(&twice));
    assert!(text(&twice).contains("already exists"), "{}", text(&twice));

    let list = fairer(db, &["account", "list"], None, None);
    let listed = String::from_utf8_lossy(&list.stdout).to_string();
    assert_eq!(listed, "ada@example.org\tAda Admin\tadmin\nlee@example.org\tLee\tlead of alpha\n");
    for output in [&admin, &lead, &list] {
        assert!(!text(output).contains("$argon2") && !text(output).contains("password 1"));
    }

    // The hash stored is argon2id and the password verifies against it.
    runtime.block_on(async {
        let store = store::Store::open(db).await.unwrap();
        let (account, hash) = store.account_for_sign_in("lee@example.org").await.unwrap().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(web::verify_password("lead password 1", &hash));
        assert!(!web::verify_password("lead password 2", &hash));
        assert_eq!(account.roles[0].place_slug.as_deref(), Some("alpha"));
        let audit = store.audit_log(Some("account"), None, 10).await.unwrap();
        assert!(audit.iter().all(|e| e.actor == "cli"));
        store.close().await;
    });
}
