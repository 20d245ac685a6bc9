//! Arguments of `fairer calc` for summary_measures.

use engine::calc::CalcMethod;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct SummaryMeasuresArgs {
    #[command(flatten)]
    pub common: crate::calc::Common,
}

/// The engine method these arguments ask for.
pub fn method(_args: &SummaryMeasuresArgs, _common: engine::calc::CommonOptions) -> Result<CalcMethod, String> {
    Err("not available yet".into())
}
