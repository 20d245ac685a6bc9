//! (being written) `fairer calc` for arriaga.

use super::{Progress, RunSummary};
use crate::error::{EngineError, Result};
use crate::input::InputTable;
use crate::output::TableWriter;

/// Options of this method.
#[derive(Clone, Debug, Default)]
pub struct ArriagaOptions {}

/// Runs the method.
///
/// # Errors
/// Not written yet.
pub fn run(_o: &ArriagaOptions, _table: InputTable, _writer: &mut TableWriter, _progress: &dyn Progress) -> Result<RunSummary> {
    Err(EngineError::Usage("not available yet".into()))
}
