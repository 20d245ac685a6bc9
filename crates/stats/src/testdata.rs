//! The reference's published test tables, committed in the repository under
//! `testdata/PHEindicatormethods-2.1.0/` (see the README there for their source and which file
//! feeds which test). A missing file fails the test that needs it.

use std::path::PathBuf;

/// The path of the reference's test table `name`.
pub(crate) fn reference_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/PHEindicatormethods-2.1.0").join(name)
}

/// The text of the reference's test table `name`; panics, naming the file, when it cannot be read.
pub(crate) fn reference_text(name: &str) -> String {
    let path = reference_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read the reference table {}: {e}", path.display()))
}
