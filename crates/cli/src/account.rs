//! `fairer account`: the accounts of the web application, from the command line — the first
//! administrator is made here (`fairer account add EMAIL --name N --role admin`), others too;
//! and the list of accounts with their roles. Never prints a password or its hash.

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand, ValueEnum};
use store::{Actor, RoleGrant};

use crate::db::{with_store, DatabaseArg};
use crate::Failure;

/// The arguments of `fairer account`.
#[derive(Args, Debug)]
pub struct AccountArgs {
    #[command(subcommand)]
    command: AccountCommand,
    #[command(flatten)]
    database: DatabaseArg,
}

/// A role given on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Role {
    /// Manages accounts and edits every place.
    Admin,
    /// Edits one place (give it with --place).
    Lead,
}

#[derive(Subcommand, Debug)]
enum AccountCommand {
    /// Make an account. The password is read from the FAIRER_PASSWORD environment variable,
    /// else from one line of standard input (prompted on a terminal); at least 10 characters.
    Add {
        /// The e-mail address the person signs in with.
        email: String,
        /// The person's name (shown in the audit log).
        #[arg(long)]
        name: String,
        /// admin or lead.
        #[arg(long, value_enum)]
        role: Role,
        /// The place a lead edits (its slug).
        #[arg(long, value_name = "SLUG")]
        place: Option<String>,
    },
    /// List the accounts with their roles and whether they are disabled.
    List,
}

/// The new password: FAIRER_PASSWORD, else one line of standard input.
fn read_password(email: &str) -> Result<String, Failure> {
    if let Ok(password) = std::env::var("FAIRER_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for {email} (it will show as you type; or set FAIRER_PASSWORD): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Usage(format!("reading the password from standard input: {e}")))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err(Failure::Usage(
            "the password: none given (set FAIRER_PASSWORD or give it on standard input)".into(),
        ));
    }
    Ok(password)
}

/// Runs `fairer account`.
pub fn run(args: AccountArgs) -> Result<(), Failure> {
    match args.command {
        AccountCommand::Add { email, name, role, place } => {
            match (role, &place) {
                (Role::Lead, None) => {
                    return Err(Failure::Usage("--role lead: give the place with --place SLUG".into()))
                }
                (Role::Admin, Some(_)) => {
                    return Err(Failure::Usage(
                        "--role admin: an administrator has no place (leave out --place)".into(),
                    ))
                }
                _ => {}
            }
            let email = store::normalise_email(&email)?;
            let password = read_password(&email)?;
            web::check_new_password(&password).map_err(Failure::Usage)?;
            let hash = web::hash_password(&password)
                .map_err(|e| Failure::Engine(engine::EngineError::Internal(format!("hashing the password: {e}"))))?;
            with_store(&args.database, async |store| {
                let grant = match (role, place) {
                    (Role::Lead, Some(slug)) => {
                        let place = store
                            .place(&slug)
                            .await?
                            .ok_or_else(|| Failure::Usage(format!("--place {slug}: no place has that slug")))?;
                        RoleGrant::lead(place.id)
                    }
                    _ => RoleGrant::admin(),
                };
                let account = store.create_account(&Actor::Cli, &email, &name, &hash).await?;
                let account = store.set_roles(&Actor::Cli, account.id, &[grant]).await?;
                println!("made the account {} ({}): {}", account.email, account.name, roles_text(&account));
                Ok(())
            })
        }
        AccountCommand::List => with_store(&args.database, async |store| {
            let accounts = store.accounts().await?;
            if accounts.is_empty() {
                println!("no account yet: fairer account add EMAIL --name NAME --role admin");
            }
            let mut out = std::io::stdout().lock();
            for account in accounts {
                let state = if account.disabled { "  (disabled)" } else { "" };
                let _ = writeln!(out, "{}\t{}\t{}{state}", account.email, account.name, roles_text(&account));
            }
            Ok(())
        }),
    }
}

/// An account's roles as text: `admin`, `lead of SLUG`, or `no role`.
fn roles_text(account: &store::Account) -> String {
    if account.roles.is_empty() {
        return "no role".into();
    }
    account
        .roles
        .iter()
        .map(|r| match &r.place_slug {
            Some(slug) => format!("{} of {slug}", r.role),
            None => r.role.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
