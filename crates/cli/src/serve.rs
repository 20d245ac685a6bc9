//! `fairer serve`: the web pages and the JSON API over the database.

use std::path::PathBuf;

use clap::Args;
use store::Store;

use crate::db::DatabaseArg;
use crate::Failure;

/// The arguments of `fairer serve`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
fairer serve --demo                      # the synthetic England and the demo places, prepared once\n  \
fairer serve --database fairer.db --bind 0.0.0.0:8080")]
pub struct ServeArgs {
    /// The address and port to listen on (`0.0.0.0:8080` to be reached from other machines;
    /// port 0 picks a free one and prints it).
    #[arg(long, value_name = "ADDRESS:PORT", default_value = "127.0.0.1:8080")]
    bind: String,
    /// Serve the demo: when the database holds no release yet, prepare it first as `fairer
    /// demo` does (a small SYNTHETIC England generated in DIR once, the starter catalogue
    /// computed, its results and three synthetic places stored). The database is then DIR's
    /// fairer.db unless --database or FAIRER_DATABASE_URL says otherwise.
    #[arg(long)]
    demo: bool,
    /// The demo's data directory (with --demo).
    #[arg(long, value_name = "DIR", default_value = "fairer-demo", requires = "demo")]
    data: PathBuf,
    /// Show no progress bars while preparing the demo.
    #[arg(long)]
    no_progress: bool,
    /// GeoJSON boundaries the indicator maps draw (a file, or a directory of them; repeat for
    /// more). Without it: the files in FAIRER_BOUNDARIES (separated by `:`), else
    /// `data/boundaries`; areas with no boundary are drawn as a tile grid.
    #[arg(long, value_name = "FILE|DIR")]
    boundaries: Vec<PathBuf>,
    /// The Chromium that prints the PDF reports (default: FAIRER_CHROMIUM, else `chromium`,
    /// `chromium-browser` or `google-chrome` on the PATH).
    #[arg(long, value_name = "PATH")]
    chromium: Option<PathBuf>,
    /// Mark the session cookies `Secure` (with the `__Host-` prefix): for a site served over
    /// HTTPS, directly or behind a proxy.
    #[arg(long)]
    secure_cookies: bool,
    #[command(flatten)]
    database: DatabaseArg,
    #[command(flatten)]
    mail: crate::newsletter::MailArgs,
}

/// Opens the database (migrating it; with `--demo`, preparing it when empty), listens on
/// `--bind`, prints `Fairer is serving on http://ADDRESS/` and serves until the process is
/// stopped. Each request reads the store in its own transaction, so stopping the server at
/// any moment loses nothing.
pub fn run(args: ServeArgs) -> Result<(), Failure> {
    // The demo is prepared on a runtime of its own, before the server's.
    let database = if args.demo {
        crate::demo::prepare(&args.data, args.database.database.clone(), !args.no_progress)?
    } else {
        args.database
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async {
        let target = database.target();
        let store = Store::open(&target).await?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", args.bind)))?;
        let address =
            listener.local_addr().map_err(|e| Failure::Usage(format!("cannot read the address listened on: {e}")))?;
        let mailer = args.mail.mailer(&address.to_string())?;
        println!(
            "Fairer is serving on http://{address}/ (the database {}; Ctrl-C stops it)",
            store.location().display()
        );
        let config = web::Config {
            database: target,
            bind: args.bind.clone(),
            boundaries: args.boundaries.clone(),
            chromium: args.chromium.clone(),
            secure_cookies: args.secure_cookies,
        };
        web::serve(listener, web::AppState::with_config(store, config).with_mailer(mailer), std::future::pending())
            .await
            .map_err(|e| Failure::Usage(format!("the server stopped: {e}")))
    })
}
