//! Our Typst `World`: templates and fonts loaded once and shared by every
//! report, plus a cheap per-report world that serves that report's data.

use std::collections::HashMap;
use std::path::Path;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::RenderError;
use crate::characters::FontCoverage;

/// The id of a file at a fixed virtual path. Ids are interned for the life of
/// the process, so per-report files reuse the same few paths.
pub(crate) fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("our virtual paths are valid");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// What every report shares: the standard library, the fonts (embedded,
/// then those of the templates' folder) and the templates folder, read once.
pub(crate) struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    /// What those fonts can show, for the renderer and `mirror check`.
    pub coverage: FontCoverage,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
}

impl Shared {
    pub fn load(templates_dir: &Path) -> Result<Self, RenderError> {
        let mut sources = HashMap::new();
        let mut files = HashMap::new();
        let mut font_files = Vec::new();
        let mut stack = vec![templates_dir.to_owned()];
        let read_err = |path: &Path, source| RenderError::Template {
            path: path.to_owned(),
            source,
        };
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| read_err(&dir, e))?;
            for entry in entries {
                let path = entry.map_err(|e| read_err(&dir, e))?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(templates_dir)
                    .expect("walked from the templates folder");
                let virtual_path = format!(
                    "/{}",
                    relative
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/")
                );
                let id = file_id(&virtual_path);
                let bytes = std::fs::read(&path).map_err(|e| read_err(&path, e))?;
                if path.extension().is_some_and(|e| e == "typ") {
                    let text = String::from_utf8(bytes.clone()).map_err(|_| {
                        read_err(
                            &path,
                            std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8"),
                        )
                    })?;
                    sources.insert(id, Source::new(id, text));
                }
                let bytes = Bytes::new(bytes);
                if is_font_file(&path) {
                    font_files.push((path, bytes.clone()));
                }
                files.insert(id, bytes);
            }
        }
        // Sorted by path: the order of the font book decides ties in Typst's
        // fallback, and the same templates must give the same PDF.
        font_files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut fonts: Vec<Font> = typst_kit::fonts::embedded().map(|(font, _)| font).collect();
        for (path, bytes) in font_files {
            let before = fonts.len();
            fonts.extend(Font::iter(bytes));
            if fonts.len() == before {
                return Err(read_err(
                    &path,
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "not a font Typst can read (TrueType or OpenType)",
                    ),
                ));
            }
        }
        let book = FontBook::from_fonts(&fonts);
        Ok(Self {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(book),
            coverage: FontCoverage::new(&fonts),
            fonts,
            sources,
            files,
        })
    }

    pub fn has_file(&self, path: &str) -> bool {
        self.files.contains_key(&file_id(path))
    }

    pub fn file_text(&self, path: &str) -> Option<&[u8]> {
        self.files.get(&file_id(path)).map(|b| b.as_slice())
    }
}

/// One report's world: the shared parts plus its data and charts.
pub(crate) struct ReportWorld<'a> {
    pub shared: &'a Shared,
    pub main: FileId,
    pub files: HashMap<FileId, Bytes>,
    /// The issue date, so `datetime.today()` gives the same date on every run.
    pub today: Option<Datetime>,
}

impl World for ReportWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.shared.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        self.shared
            .sources
            .get(&id)
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .or_else(|| self.shared.files.get(&id))
            .cloned()
            .ok_or_else(|| not_found(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

/// A font the templates ship (in `fonts/`, by convention).
fn is_font_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["ttf", "otf", "ttc", "otc"].contains(&e.to_ascii_lowercase().as_str()))
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_with_slash().into())
}
