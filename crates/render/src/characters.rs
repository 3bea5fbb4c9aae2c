//! Characters no font of the reports can show.
//!
//! Typst falls back to any font of the world's font book that has a glyph
//! for a character, so what a report can print is exactly what those fonts
//! cover: the embedded ones and those in the templates' `fonts/` folder
//! (Noto Emoji for emoji and symbols). A character none of them covers would
//! print as an empty box, which PDF/UA-1 refuses, so one emoji in a school
//! name used to stop a report. The renderer therefore replaces every such
//! character with [`PLACEHOLDER`], and `mirror check` and `mirror run` name
//! the file and row of each beforehand, from the same [`FontCoverage`].

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;
use typst::text::{Coverage, Font, is_default_ignorable};

/// What a report prints instead of a character no font covers: visible, so
/// a reader sees that something is missing, and in the body font.
pub const PLACEHOLDER: char = '\u{25A1}';

/// The characters the reports' fonts can show: the same fonts as the
/// renderer's font book.
#[derive(Debug, Clone)]
pub struct FontCoverage {
    fonts: Vec<Coverage>,
}

impl FontCoverage {
    pub(crate) fn new<'a>(fonts: impl IntoIterator<Item = &'a Font>) -> Self {
        Self {
            fonts: fonts
                .into_iter()
                .map(|f| f.info().coverage.clone())
                .collect(),
        }
    }

    /// Whether a report can print `c`. Spaces, tabs, line ends and default-ignorable
    /// characters (joiners, variation selectors) take no glyph of their own
    /// (other spaces, such as U+1680, need one: the fonts decide);
    /// control characters and the private use areas never print as meant
    /// (a private use code means a different glyph in every font), whatever
    /// a font maps them to.
    pub fn shows(&self, c: char) -> bool {
        if c.is_ascii_graphic() || matches!(c, ' ' | '\t' | '\n' | '\r') || is_default_ignorable(c)
        {
            return true;
        }
        if c.is_control() || is_private_use(c) {
            return false;
        }
        self.fonts.iter().any(|f| f.contains(u32::from(c)))
    }

    /// The characters of `text` no font covers, each once, in order.
    pub fn unshown(&self, text: &str) -> Vec<char> {
        let mut found = Vec::new();
        for c in text.chars().filter(|&c| !self.shows(c)) {
            if !found.contains(&c) {
                found.push(c);
            }
        }
        found
    }

    /// `text` with every character no font covers replaced by [`PLACEHOLDER`].
    pub fn replace_unshown<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if text.chars().all(|c| self.shows(c)) {
            return Cow::Borrowed(text);
        }
        Cow::Owned(
            text.chars()
                .map(|c| if self.shows(c) { c } else { PLACEHOLDER })
                .collect(),
        )
    }

    /// Replaces, in every string of a JSON value, the characters no font
    /// covers; whether anything changed.
    fn replace_in_json(&self, value: &mut Value) -> bool {
        match value {
            Value::String(s) => match self.replace_unshown(s) {
                Cow::Borrowed(_) => false,
                Cow::Owned(replaced) => {
                    *s = replaced;
                    true
                }
            },
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, v| self.replace_in_json(v) | changed),
            Value::Object(map) => map
                .values_mut()
                .fold(false, |changed, v| self.replace_in_json(v) | changed),
            _ => false,
        }
    }

    /// A file the renderer hands to Typst, with the characters no font
    /// covers replaced: the strings of a JSON file, the text of an SVG.
    /// Untouched (same bytes) when there are none, so reports stay
    /// byte-identical.
    pub(crate) fn replace_in_file(&self, path: &str, bytes: Vec<u8>) -> Vec<u8> {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return bytes;
        };
        if path.ends_with(".json") {
            // A control character is escaped (`\u0007`) in JSON text, so
            // only the parsed strings tell.
            if !text.contains("\\u") && text.chars().all(|c| self.shows(c)) {
                return bytes;
            }
            let Ok(mut value) = serde_json::from_str::<Value>(text) else {
                return bytes;
            };
            if !self.replace_in_json(&mut value) {
                return bytes;
            }
            return serde_json::to_vec(&value).expect("a JSON value serialises");
        }
        // SVG markup is ASCII: only text can hold such a character.
        match self.replace_unshown(text) {
            Cow::Borrowed(_) => bytes,
            Cow::Owned(replaced) => replaced.into_bytes(),
        }
    }

    /// The characters no font covers in a text source: a file, or every
    /// file under a folder (sorted by path). Tables (`.csv`, `.tsv`,
    /// `.txt`) are read by row as a spreadsheet numbers them (a quoted cell
    /// may span lines), notes and configuration (`.md`, `.toml`) by line.
    /// A missing path has none. Excel and Parquet files and text that is not
    /// UTF-8 are not scanned: the renderer still replaces what they hold.
    pub fn scan(&self, path: &Path) -> std::io::Result<Vec<Unshown>> {
        if !path.exists() {
            return Ok(Vec::new());
        }
        let mut files = Vec::new();
        collect_files(path, &mut files)?;
        files.sort();
        let mut found = Vec::new();
        for file in files {
            let extension = file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            let numbering = match extension.as_deref() {
                Some("csv" | "tsv" | "txt") => Numbering::Row,
                Some("md" | "toml") => Numbering::Line,
                _ => continue,
            };
            let Ok(text) = String::from_utf8(std::fs::read(&file)?) else {
                continue;
            };
            found.extend(
                self.scan_text(&text, numbering)
                    .into_iter()
                    .map(|(row, chars)| Unshown {
                        file: file.clone(),
                        numbering,
                        row,
                        chars,
                    }),
            );
        }
        Ok(found)
    }

    /// Per row (or line) of `text`, counted from 1, the characters no font
    /// covers; rows without any are left out.
    fn scan_text(&self, text: &str, numbering: Numbering) -> Vec<(usize, Vec<char>)> {
        let mut found: Vec<(usize, Vec<char>)> = Vec::new();
        let mut row = 1;
        let mut cell = Cell::Start;
        for c in text.chars() {
            if numbering == Numbering::Row {
                cell = cell.next(c);
            }
            if c == '\n' && !matches!(cell, Cell::Quoted) {
                row += 1;
            }
            if self.shows(c) {
                continue;
            }
            match found.last_mut() {
                Some((r, chars)) if *r == row => {
                    if !chars.contains(&c) {
                        chars.push(c);
                    }
                }
                _ => found.push((row, vec![c])),
            }
        }
        found
    }
}

/// Where a CSV reader is in a cell, so a line break inside a quoted cell
/// does not start a row. A quote opens a quoted cell only at its start
/// (`5" scherm` is text), and `""` inside one is a quote.
#[derive(Clone, Copy)]
enum Cell {
    Start,
    Plain,
    Quoted,
    /// A quote inside a quoted cell: its end, or the first of `""`.
    QuoteInQuoted,
}

impl Cell {
    fn next(self, c: char) -> Self {
        match (self, c) {
            (Self::Quoted, '"') => Self::QuoteInQuoted,
            (Self::Quoted, _) | (Self::QuoteInQuoted, '"') => Self::Quoted,
            (Self::Start, '"') => Self::Quoted,
            (_, ',' | ';' | '\t' | '\n') => Self::Start,
            _ => Self::Plain,
        }
    }
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        files.push(path.to_owned());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        collect_files(&entry?.path(), files)?;
    }
    Ok(())
}

/// The private use areas: U+E000-F8FF and planes 15 and 16.
fn is_private_use(c: char) -> bool {
    matches!(u32::from(c), 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
}

/// How a source is numbered: tables by spreadsheet row, notes by line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    Row,
    Line,
}

/// Characters no font covers, found in one row of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unshown {
    pub file: PathBuf,
    pub numbering: Numbering,
    /// Counted from 1, the header being row 1.
    pub row: usize,
    /// Each once, in order.
    pub chars: Vec<char>,
}

impl fmt::Display for Unshown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.numbering {
            Numbering::Row => "row",
            Numbering::Line => "line",
        };
        let chars: Vec<String> = self.chars.iter().map(|&c| describe(c)).collect();
        write!(
            f,
            "{}: {unit} {}: no font of the reports has {}: a report prints {PLACEHOLDER} instead. Write it in Latin, Greek or Cyrillic letters or leave it out, or add a font that has it to the templates' fonts/ folder.",
            self.file.display(),
            self.row,
            chars.join(", ")
        )
    }
}

/// A character as a reader can find it: the character itself where it
/// prints in a terminal, always its code point.
fn describe(c: char) -> String {
    if c.is_control() {
        format!("the control character U+{:04X}", u32::from(c))
    } else {
        format!("\"{c}\" (U+{:04X})", u32::from(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Renderer;
    use crate::tests::{keep, meta, mirror, templates, text_of};

    fn coverage() -> FontCoverage {
        Renderer::new(&templates()).unwrap().coverage().clone()
    }

    /// By the fonts' character maps (read with fontTools): Noto Emoji has
    /// U+1F31E, DejaVu Sans Mono and New Computer Modern Math have U+2713,
    /// Libertinus Serif has the placeholder U+25A1; no shipped font has
    /// U+4E2D, and New Computer Modern's glyph at U+E000 is no reason to
    /// print a private use code.
    #[test]
    fn the_fonts_show_emoji_and_symbols_but_not_cjk_private_use_or_controls() {
        let fonts = coverage();
        for shown in [
            '🌞',
            '✓',
            PLACEHOLDER,
            'é',
            '€',
            '\u{200D}',
            '\u{FE0F}',
            '\t',
        ] {
            assert!(fonts.shows(shown), "{shown:?}");
        }
        for unshown in ['中', '\u{E000}', '\u{F0000}', '\u{7}', '\u{0}', '\u{7F}'] {
            assert!(!fonts.shows(unshown), "{unshown:?}");
        }
        assert_eq!(
            fonts.replace_unshown("Zon 🌞 ✓ 中\u{E000}"),
            "Zon 🌞 ✓ \u{25A1}\u{25A1}"
        );
        assert!(matches!(fonts.replace_unshown("plain ✓"), Cow::Borrowed(_)));
        assert_eq!(fonts.unshown("中a中\u{7}"), vec!['中', '\u{7}']);
    }

    /// The case: this name stopped the report under PDF/UA-1.
    #[test]
    fn a_school_name_with_an_emoji_a_check_mark_cjk_and_private_use_renders() {
        let renderer = Renderer::new(&templates()).unwrap();
        let mut m = mirror("nl");
        m.name = "Zonneschool 🌞 ✓ 中 \u{E000} De Klim".to_owned();
        let pdf = renderer.render(&m, &meta()).unwrap().pdf;
        keep("characters.pdf", &pdf);
        let text = text_of(&pdf);
        // The emoji and the check mark print as themselves; the CJK and
        // the private use character each as the placeholder.
        assert!(
            text.contains("Zonneschool 🌞 ✓ \u{25A1} \u{25A1} De Klim"),
            "{text}"
        );
        assert!(!text.contains('中'), "{text}");
        assert_eq!(pdf, renderer.render(&m, &meta()).unwrap().pdf);
    }

    /// Whatever a source holds, the report renders: one name per kind of
    /// awkward text (controls, odd spaces, joiners, scripts no shipped font
    /// has, emoji sequences, noncharacters), each rendered on its own so a
    /// failure names its case.
    #[test]
    fn no_character_stops_a_report() {
        let renderer = Renderer::new(&templates()).unwrap();
        let cases = [
            "\u{0}\u{1}\u{7}\u{1B}\u{7F}\u{85}\u{9F}",
            "tab\there, cr\r, lf\n, vt\u{B}, ff\u{C}",
            "\u{A0}\u{1680}\u{2007}\u{2028}\u{2029}\u{202F}\u{3000}",
            "zero\u{200B}width\u{FEFF}soft\u{AD}joiner\u{200C}\u{2060}",
            "e\u{301} a\u{20E3} \u{301}alone",
            "👨\u{200D}👩\u{200D}👧 🇧🇪 👍🏽 1\u{FE0F}\u{20E3} ❤\u{FE0F} 🫠",
            "مدرسة שלום विद्यालय โรงเรียน 학교 がっこう 学校",
            "𝔸∑⠿┼𝄞𓀀",
            "\u{E000}\u{F8FF}\u{F0000}\u{10FFFD}\u{FFFF}\u{FFFE}\u{FDD0}",
            "\u{202E}reversed\u{202C} \u{2066}isolate\u{2069}",
        ];
        let mut failed = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let mut m = mirror("en");
            m.name = format!("School {case} {i}");
            if let Err(e) = renderer.render(&m, &meta()) {
                failed.push(format!("case {i} {case:?}: {e}"));
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    /// A quoted cell over two lines is one row, as a spreadsheet shows it:
    /// header row 1, the Linde row 2 (its quote, not at a cell's start, is
    /// text), the quoted cell (with quotes doubled inside) starts row 3 and
    /// its second line is still row 3, so the last row is 4.
    #[test]
    fn a_table_is_scanned_by_spreadsheet_row_and_a_note_by_line() {
        let fonts = coverage();
        let table =
            "school_id;name\n1;De Linde 5\" 🌞\n2;\"Het \"\"\nNest\"\" 中\"\n3;Zuid \u{E000}中\r\n";
        assert_eq!(
            fonts.scan_text(table, Numbering::Row),
            vec![(3, vec!['中']), (4, vec!['\u{E000}', '中'])]
        );
        let note = "+++\ntitle = \"Een \"\"quote\"\n+++\n\nText 中 and \u{7}\n";
        assert_eq!(
            fonts.scan_text(note, Numbering::Line),
            vec![(5, vec!['中', '\u{7}'])]
        );
    }

    #[test]
    fn a_scan_names_file_and_row_and_skips_what_it_cannot_read() {
        let dir = std::env::temp_dir().join(format!("mirror-characters-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("support")).unwrap();
        std::fs::write(dir.join("registry.csv"), "school_id,name\n1,Ok\n2,Kyo 中\n").unwrap();
        std::fs::write(dir.join("support/offers.xlsx"), "中 not a table we read").unwrap();
        std::fs::write(dir.join("support/latin1.csv"), b"caf\xe9\n").unwrap();
        let fonts = coverage();
        let found = fonts.scan(&dir).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        let message = found[0].to_string();
        assert!(
            message.starts_with(&format!(
                "{}: row 3: no font of the reports has \"中\" (U+4E2D)",
                dir.join("registry.csv").display()
            )),
            "{message}"
        );
        assert!(fonts.scan(&dir.join("missing")).unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
