//! Helpers every end-to-end test binary shares. Each binary uses a subset,
//! so the unused rest is allowed rather than reported per binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository's top level (templates, config, fixtures).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A PDF's text with runs of white space as one space and typst's
/// ligatures and non-breaking spaces written out, so tests can look for words.
pub fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    text.replace('\u{FB01}', "fi")
        .replace('\u{FB02}', "fl")
        .replace('\u{00A0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
