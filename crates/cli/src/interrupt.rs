//! Ctrl-C (SIGINT) stops long work cleanly: no output file left behind, exit code 130 (as a
//! shell reports a command ended by Ctrl-C).
//!
//! Work that checks the engine's [`CancelFlag`] (`compute`, `demo`) stops at its next check on
//! the first Ctrl-C, its output file removed, and the command exits 130 through its
//! `Cancelled` error; a second Ctrl-C ends the process at once. Work that does not check it
//! (`calc`, which streams a file in seconds) ends at the first: the temporary files of its
//! outputs are removed and the process exits 130.
//!
//! Unsafe code: installing a signal handler (`libc::signal`) is an unsafe call. The handler
//! only adds to an atomic counter, which is async-signal-safe; a thread watching the counter
//! does the rest outside the handler.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use engine::CancelFlag;

/// How a command answers Ctrl-C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnInterrupt {
    /// Trip the flag and let the work stop itself; a second Ctrl-C exits.
    Cancel,
    /// Remove the outputs' temporary files and exit at once.
    Exit,
}

/// The Ctrl-Cs received so far.
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);

#[cfg(unix)]
extern "C" fn on_interrupt(_signal: libc::c_int) {
    INTERRUPTS.fetch_add(1, Ordering::SeqCst);
}

/// Installs the handler; false if it could not be.
#[cfg(unix)]
fn install() -> bool {
    let handler: extern "C" fn(libc::c_int) = on_interrupt;
    // SAFETY: `on_interrupt` only does an atomic add, which is async-signal-safe; glibc's
    // `signal` keeps the handler installed and restarts interrupted system calls.
    let previous = unsafe { libc::signal(libc::SIGINT, handler as libc::sighandler_t) };
    previous != libc::SIG_ERR
}

/// Without Unix signals, Ctrl-C ends the process as it always does.
#[cfg(not(unix))]
fn install() -> bool {
    false
}

/// Handles Ctrl-C from now until the process ends, as `how` says, and gives the flag the first
/// Ctrl-C trips. If the handler cannot be installed, the flag is never tripped and Ctrl-C ends
/// the process as it would without one.
pub fn cancel_on_interrupt(how: OnInterrupt) -> CancelFlag {
    let flag = CancelFlag::new();
    let tripped = flag.clone();
    // The watcher first, so that a handler never runs without it.
    let watch = move || loop {
        std::thread::sleep(Duration::from_millis(20));
        let interrupts = INTERRUPTS.load(Ordering::SeqCst);
        if interrupts == 0 {
            continue;
        }
        if how == OnInterrupt::Cancel && interrupts == 1 {
            tripped.cancel();
            continue;
        }
        engine::output::remove_temporary_files();
        std::process::exit(130);
    };
    if std::thread::Builder::new().name("ctrl-c".into()).spawn(watch).is_ok() {
        install();
    }
    flag
}
