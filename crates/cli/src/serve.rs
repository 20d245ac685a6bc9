//! `fairer serve`: the web pages and the JSON API over the database.

use clap::Args;
use store::Store;

use crate::db::DatabaseArg;
use crate::Failure;

/// The arguments of `fairer serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The address and port to listen on (`0.0.0.0:8080` to be reached from other machines;
    /// port 0 picks a free one and prints it).
    #[arg(long, value_name = "ADDRESS:PORT", default_value = "127.0.0.1:8080")]
    bind: String,
    #[command(flatten)]
    database: DatabaseArg,
}

/// Opens the database (migrating it), listens on `--bind` and serves until the process is
/// stopped. Each request reads the store in its own transaction, so stopping the server at
/// any moment loses nothing.
pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the server's runtime: {e}")))?;
    runtime.block_on(async {
        let target = args.database.target();
        let store = Store::open(&target).await?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .map_err(|e| Failure::Usage(format!("cannot listen on {}: {e}", args.bind)))?;
        let address =
            listener.local_addr().map_err(|e| Failure::Usage(format!("cannot read the address listened on: {e}")))?;
        println!("Fairer is serving {} on http://{address}/ (Ctrl-C stops it)", store.location().display());
        web::serve(listener, web::AppState::new(store), std::future::pending())
            .await
            .map_err(|e| Failure::Usage(format!("the server stopped: {e}")))
    })
}
