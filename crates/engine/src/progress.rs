//! Progress and cancellation of long work: the one [`Progress`] trait of the workspace.
//!
//! A long computation (a `calc` method over a large file, a whole catalogue, an import) calls
//! [`Progress::stage`] when a stage begins, [`Progress::position`] as units are done, and asks
//! [`Progress::is_cancelled`] between units of work; when it is cancelled it stops, leaves no
//! output behind and returns [`crate::EngineError::Cancelled`].
//!
//! A command line shows the stages on a bar; a server keeps a [`CancelFlag`] per request and
//! trips it when the client goes away ([`Cancellable`] adds such a flag to any progress).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{EngineError, Result};

/// Reports of long work, and whether to stop it. Every method has a default that does nothing
/// (and never cancels), so an implementation overrides only what it shows.
pub trait Progress: Send + Sync {
    /// A stage begins (`"reading"`, `"computing"`, …), with its total units (bytes, rows,
    /// indicators, groups; whatever the stage counts).
    fn stage(&self, _name: &str, _total: u64) {}
    /// The units of the current stage done so far.
    fn position(&self, _done: u64) {}
    /// Whether the caller wants the work stopped; checked between units of work.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// Progress that reports nothing and never cancels.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// [`EngineError::Cancelled`] when `progress` says the work is cancelled: the check a long
/// loop makes between units of work (`check_cancelled(progress)?`).
///
/// # Errors
/// [`EngineError::Cancelled`] when [`Progress::is_cancelled`] is true.
pub fn check_cancelled(progress: &dyn Progress) -> Result<()> {
    if progress.is_cancelled() {
        Err(EngineError::Cancelled)
    } else {
        Ok(())
    }
}

/// A flag a caller trips to cancel work; clones share the flag, so one is kept by the caller
/// (a request handler, a signal handler) and one goes with the work.
#[derive(Clone, Debug, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag not yet tripped.
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// Asks the work to stop; it stops at its next check.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelFlag::cancel`] was called on this flag or a clone of it.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Progress for CancelFlag {
    fn is_cancelled(&self) -> bool {
        CancelFlag::is_cancelled(self)
    }
}

/// Any progress with a [`CancelFlag`]: reports go to the inner progress, and the work is
/// cancelled when the flag is tripped or the inner progress says so.
pub struct Cancellable<P> {
    inner: P,
    flag: CancelFlag,
}

impl<P: Progress> Cancellable<P> {
    /// `inner` cancelled by `flag`.
    pub fn new(inner: P, flag: CancelFlag) -> Cancellable<P> {
        Cancellable { inner, flag }
    }

    /// The flag that cancels this progress.
    pub fn flag(&self) -> &CancelFlag {
        &self.flag
    }

    /// The inner progress.
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

impl<P: Progress> Progress for Cancellable<P> {
    fn stage(&self, name: &str, total: u64) {
        self.inner.stage(name, total);
    }

    fn position(&self, done: u64) {
        self.inner.position(done);
    }

    fn is_cancelled(&self) -> bool {
        self.flag.is_cancelled() || self.inner.is_cancelled()
    }
}

impl<P: Progress + ?Sized> Progress for &P {
    fn stage(&self, name: &str, total: u64) {
        (**self).stage(name, total);
    }

    fn position(&self, done: u64) {
        (**self).position(done);
    }

    fn is_cancelled(&self) -> bool {
        (**self).is_cancelled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<String>>);

    impl Progress for Recorder {
        fn stage(&self, name: &str, total: u64) {
            self.0.lock().unwrap().push(format!("{name} {total}"));
        }

        fn position(&self, done: u64) {
            self.0.lock().unwrap().push(done.to_string());
        }
    }

    /// A tripped flag cancels the wrapper and its clones; reports pass through to the inner
    /// progress.
    #[test]
    fn a_tripped_flag_cancels_and_reports_pass_through() {
        let flag = CancelFlag::new();
        let progress = Cancellable::new(Recorder::default(), flag.clone());
        progress.stage("reading", 10);
        progress.position(4);
        assert!(!progress.is_cancelled());
        assert!(check_cancelled(&progress).is_ok());
        flag.cancel();
        assert!(progress.is_cancelled() && progress.flag().is_cancelled());
        assert!(matches!(check_cancelled(&progress), Err(EngineError::Cancelled)));
        assert_eq!(*progress.inner().0.lock().unwrap(), ["reading 10", "4"]);
        assert!(!NoProgress.is_cancelled());
    }
}
