//! What every `calc` method's arguments share: the input, output, confidence and grouping
//! options, and the progress bar.

use std::io::IsTerminal;
use std::time::Duration;

use clap::Args;
use engine::calc::{CommonOptions, Progress};
use indicatif::{ProgressBar, ProgressStyle};

/// Options every method takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Input table: CSV, Parquet (.parquet), or - for CSV on standard input.
    pub input: String,
    /// Where to write the results: .csv, .parquet, or - for CSV on standard output.
    /// Files are written to a temporary name and renamed when complete.
    #[arg(short, long, default_value = "-")]
    pub output: String,
    /// Confidence level(s): 0.95 (default), 0.998, or both as 0.95,0.998. Given as
    /// proportions or percentages (95, 99.8).
    #[arg(long, value_delimiter = ',', default_value = "0.95")]
    pub confidence: Vec<f64>,
    /// Columns whose values form the groups (comma-separated), e.g. area,year.
    #[arg(long, value_delimiter = ',')]
    pub group_by: Vec<String>,
    /// Show a progress bar (default: when standard error is a terminal).
    #[arg(long, overrides_with = "no_progress")]
    pub progress: bool,
    /// Never show a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// The engine's common options from the arguments.
pub fn common_options(c: &Common) -> Result<CommonOptions, String> {
    let confidence = stats::confidence::confidence_levels(&c.confidence).map_err(|e| format!("--confidence: {e}"))?;
    Ok(CommonOptions { confidence, group_by: c.group_by.clone() })
}

/// A progress bar on standard error, or none.
pub struct Bar(pub Option<ProgressBar>);

impl Progress for Bar {
    fn stage(&self, _name: &str, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(total);
        }
    }
    fn position(&self, done: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(done);
        }
    }
}

/// A progress bar when asked for or when standard error is a terminal.
pub fn progress_bar(c: &Common) -> Bar {
    let show = !c.no_progress && (c.progress || std::io::stderr().is_terminal());
    if !show {
        return Bar(None);
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {human_pos} rows read ({per_sec}) {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    Bar(Some(bar))
}
