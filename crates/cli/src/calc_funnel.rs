//! Arguments of `fairer calc` for funnel.

use engine::calc::CalcMethod;

/// Arguments.
#[derive(clap::Args, Debug)]
pub struct FunnelArgs {
    #[command(flatten)]
    pub common: crate::calc::Common,
}

/// The engine method these arguments ask for.
pub fn method(_args: &FunnelArgs, _common: engine::calc::CommonOptions) -> Result<CalcMethod, String> {
    Err("not available yet".into())
}
