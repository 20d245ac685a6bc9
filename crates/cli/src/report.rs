//! `fairer report`: a place's printable report, as one HTML page or as a PDF printed by headless
//! Chromium, from the same page the web serves at `/places/{slug}/report`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use engine::output::AtomicFile;
use engine::EngineError;
use web::pdf::PdfError;
use web::WebError;

use crate::db::{with_store, DatabaseArg};
use crate::Failure;

/// The arguments of `fairer report`: a place's monitoring report (a summary, its indicators by
/// Marmot principle, the gradients by deprivation decile, progress against each target with
/// its chart, data and assessment, every recommendation's status) from the newest release.
#[derive(Args, Debug)]
#[command(after_help = "The report shows a summary, the place's indicators by Marmot principle, the gradients by \
deprivation decile, progress against each target (its chart, data and assessment) and every recommendation's \
status, from the newest data release in the database.\n\n\
The format follows the output's extension: .html is one page with its styles inlined (open it in a browser, or \
print it: it is laid out for A4); .pdf is that page printed by headless Chromium, found by --chromium, else the \
FAIRER_CHROMIUM environment variable, else chromium, chromium-browser or google-chrome on PATH (Debian: apt-get \
install chromium). The file is written under a temporary name and renamed when complete, so an existing report \
is never left half-written.\n\n\
Examples:\n  \
fairer demo                                            # a database with three synthetic places\n  \
fairer place list                                      # their slugs\n  \
fairer report --place halham --output halham.pdf\n  \
fairer report --place halham --output halham.html --database postgres://user@host/fairer\n  \
FAIRER_CHROMIUM=/opt/chrome/chrome fairer report --place halham --output halham.pdf")]
pub struct ReportArgs {
    /// The place, by its slug (as `fairer place list` shows it).
    #[arg(long, value_name = "SLUG")]
    place: String,
    /// The report to write: FILE.pdf (printed by headless Chromium) or FILE.html (one page,
    /// nothing to install).
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The Chromium (or Chrome) to print the PDF with. Default: FAIRER_CHROMIUM, else chromium,
    /// chromium-browser or google-chrome on PATH.
    #[arg(long, value_name = "PATH")]
    chromium: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArg,
}

/// The format of the report, from the output's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Html,
    Pdf,
}

/// The format `output` asks for.
fn format_of(output: &Path) -> Result<Format, Failure> {
    match output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("pdf") => Ok(Format::Pdf),
        Some("html" | "htm") => Ok(Format::Html),
        _ => Err(Failure::Usage(format!("--output {}: expected a file ending in .pdf or .html", output.display()))),
    }
}

/// The web's error as the command's.
fn failure(e: WebError) -> Failure {
    match e {
        WebError::Store(e) => Failure::Store(Box::new(e)),
        WebError::NotFound(what) => {
            Failure::Usage(format!("{what} not found: `fairer place list` shows the places in the database"))
        }
        other => Failure::Engine(EngineError::Internal(other.to_string())),
    }
}

/// The PDF printer's error as the command's.
fn pdf_failure(e: PdfError) -> Failure {
    match e {
        PdfError::NoChromium(_) => Failure::Usage(e.to_string()),
        other => Failure::Engine(EngineError::Internal(other.to_string())),
    }
}

/// Runs `fairer report`.
pub fn run(args: ReportArgs) -> Result<(), Failure> {
    let format = format_of(&args.output)?;
    // Before any work: a PDF needs a Chromium.
    let chromium = match format {
        Format::Pdf => Some(web::pdf::find_chromium(args.chromium.as_deref()).map_err(pdf_failure)?),
        Format::Html => None,
    };
    let bytes = with_store(&args.database, async |store| {
        let html = web::report::html(&store, &args.place).await.map_err(failure)?;
        match chromium {
            Some(chromium) => web::pdf::render(html, chromium).await.map_err(pdf_failure),
            None => Ok(html.into_bytes()),
        }
    })?;
    let mut file = AtomicFile::create(&args.output)?;
    file.write_all(&bytes).map_err(|e| EngineError::io(&args.output, e))?;
    file.commit()?;
    println!("Wrote the report of {} to {} ({} KB)", args.place, args.output.display(), bytes.len().div_ceil(1024));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(format_of(Path::new("a/report.PDF")).unwrap(), Format::Pdf);
        assert_eq!(format_of(Path::new("report.html")).unwrap(), Format::Html);
        let error = format_of(Path::new("report.docx")).unwrap_err().to_string();
        assert!(error.contains("--output report.docx: expected a file ending in .pdf or .html"), "{error}");
    }
}
