//! Render: one school's mirror as a PDF.
//!
//! The Typst templates in `report-templates/` are read at run time, so the
//! city can change wording and layout without recompiling. Data reaches them
//! only as a JSON file (`/data.json`) and charts as SVG files
//! (`/charts/*.svg`), never spliced into markup. Fonts are embedded.

mod charts;
mod world;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate};
use mirror_benchmark::SchoolMirror;
use serde::{Deserialize, Serialize};
use typst::WorldExt;
use typst::diag::SourceDiagnostic;
use typst::foundations::{Bytes, Datetime, Smart};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use charts::ChartLabels;
use world::{ReportWorld, Shared, file_id};

const MAIN: &str = "/mirror.typ";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{path}: cannot read the report templates: {source}")]
    Template {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the main report template is missing; restore it from the repository")]
    MissingTemplate { path: PathBuf },
    #[error(
        "no strings for language `{language}`: add {path} (copy lang/en.toml and translate it), or correct the school's language in the registry"
    )]
    MissingLanguage { language: String, path: PathBuf },
    #[error("{path}: {message}")]
    Strings { path: PathBuf, message: String },
    #[error("cannot draw the {chart} chart: {message}")]
    Chart {
        chart: &'static str,
        message: String,
    },
    #[error("the report templates do not compile:\n{0}")]
    Typst(String),
    #[error("cannot write the PDF:\n{0}")]
    Pdf(String),
    #[error("cannot encode the report data: {0}")]
    Data(#[from] serde_json::Error),
}

/// What a report needs besides the school's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ReportMeta {
    /// The date printed on the report and in its metadata.
    pub issue_date: NaiveDate,
    pub min_pupils: u32,
    pub min_peers: usize,
}

#[derive(Deserialize)]
struct Strings {
    chart: ChartLabels,
}

/// Fonts, templates and language strings, loaded once and shared by every
/// report of a batch (also across threads).
pub struct Renderer {
    templates_dir: PathBuf,
    shared: Shared,
    labels: HashMap<String, ChartLabels>,
    rendered: AtomicUsize,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("templates_dir", &self.templates_dir)
            .finish_non_exhaustive()
    }
}

/// The JSON the templates read as `/data.json`.
#[derive(Serialize)]
struct ReportData<'a> {
    mirror: &'a SchoolMirror,
    meta: &'a ReportMeta,
    /// "0", "1–4", ..., "30+", in the order of `mirror.bands`.
    band_labels: Vec<String>,
}

impl Renderer {
    pub fn new(templates_dir: &Path) -> Result<Self, RenderError> {
        let shared = Shared::load(templates_dir)?;
        if !shared.has_file(MAIN) {
            return Err(RenderError::MissingTemplate {
                path: templates_dir.join("mirror.typ"),
            });
        }
        let mut labels = HashMap::new();
        let lang_dir = templates_dir.join("lang");
        let entries = std::fs::read_dir(&lang_dir).map_err(|source| RenderError::Template {
            path: lang_dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(code) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .filter(|_| path.extension().is_some_and(|e| e == "toml"))
            else {
                continue;
            };
            let text = shared
                .file_text(&format!("/lang/{code}.toml"))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default();
            let strings: Strings = toml::from_str(text).map_err(|e| RenderError::Strings {
                path: path.clone(),
                message: e.to_string(),
            })?;
            labels.insert(code.to_owned(), strings.chart);
        }
        Ok(Self {
            templates_dir: templates_dir.to_owned(),
            shared,
            labels,
            rendered: AtomicUsize::new(0),
        })
    }

    /// One school's mirror as PDF bytes; the same input gives the same bytes.
    pub fn render(&self, mirror: &SchoolMirror, meta: &ReportMeta) -> Result<Vec<u8>, RenderError> {
        let language = mirror.language.as_str();
        let labels = self
            .labels
            .get(language)
            .ok_or_else(|| RenderError::MissingLanguage {
                language: language.to_owned(),
                path: self
                    .templates_dir
                    .join("lang")
                    .join(format!("{language}.toml")),
            })?;
        let data = ReportData {
            mirror,
            meta,
            band_labels: mirror
                .bands
                .iter()
                .map(|b| charts::band_label(&b.band))
                .collect(),
        };
        let files: HashMap<_, _> = [
            ("/data.json", serde_json::to_vec(&data)?),
            (
                "/charts/trend.svg",
                charts::trend(mirror, labels)?.into_bytes(),
            ),
            (
                "/charts/bands.svg",
                charts::bands(mirror, labels)?.into_bytes(),
            ),
        ]
        .into_iter()
        .map(|(path, bytes)| (file_id(path), Bytes::new(bytes)))
        .collect();
        let d = meta.issue_date;
        let today = Datetime::from_ymd(d.year(), d.month() as u8, d.day() as u8)
            .expect("a calendar date is a valid Typst date");
        let world = ReportWorld {
            shared: &self.shared,
            main: file_id(MAIN),
            files,
            today,
        };
        let document = typst::compile::<PagedDocument>(&world)
            .output
            .map_err(|diags| RenderError::Typst(describe(&world, &diags)))?;
        let options = PdfOptions {
            ident: Smart::Custom(format!("school-mirror/{}/{}", mirror.school, mirror.year)),
            timestamp: Datetime::from_ymd_hms(d.year(), d.month() as u8, d.day() as u8, 0, 0, 0)
                .map(Timestamp::new_utc),
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&document, &options)
            .map_err(|diags| RenderError::Pdf(describe(&world, &diags)))?;
        // Typst's memo cache grows with every report; trim it now and then.
        if self.rendered.fetch_add(1, Ordering::Relaxed) % 16 == 15 {
            typst::comemo::evict(10);
        }
        Ok(pdf)
    }
}

/// Diagnostics as `file:line: message` lines, for the person editing templates.
fn describe(world: &ReportWorld<'_>, diags: &[SourceDiagnostic]) -> String {
    let mut lines = BTreeMap::new();
    for d in diags {
        let place = d
            .span
            .id()
            .map(|id| {
                let path = id.get().vpath().get_with_slash().to_owned();
                let line = typst::World::source(world, id).ok().and_then(|source| {
                    let start = world.range(d.span)?.start;
                    source.lines().byte_to_line(start)
                });
                match line {
                    Some(l) => format!("report-templates{path}:{}", l + 1),
                    None => format!("report-templates{path}"),
                }
            })
            .unwrap_or_else(|| "report-templates".to_owned());
        let mut text = format!("  {place}: {}", d.message);
        for hint in &d.hints {
            text.push_str(&format!(" (hint: {})", hint.v));
        }
        lines.insert(text, ());
    }
    lines.into_keys().collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use mirror_benchmark::{
        Band, BandFigures, Comparison, DisadvantageBand, Figure, PeerGroupDescription, PeerSpread,
        YearFigures,
    };
    use mirror_model::{EducationForm, Level, ReportLanguage, SchoolId, SchoolYear};

    use super::*;

    fn templates() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../report-templates")
    }

    fn spread(median: f64) -> Option<PeerSpread> {
        Some(PeerSpread {
            lower_quartile: median * 0.7,
            median,
            upper_quartile: median * 1.4,
            schools: 8,
        })
    }

    fn compare(school: f64, median: f64) -> Comparison {
        Comparison {
            school: Figure::Value(school),
            peers: spread(median),
        }
    }

    pub(crate) fn mirror(language: &str) -> SchoolMirror {
        let thresholds = vec![5, 10, 15, 30];
        let year = |y, rate: f64| YearFigures {
            year: SchoolYear::starting(y),
            pupils: 412,
            problematic_rate: compare(rate, 0.021),
            pupils_from_threshold: vec![
                compare(0.18, 0.15),
                compare(0.09, 0.07),
                compare(0.05, 0.04),
                Comparison {
                    school: Figure::Suppressed,
                    peers: spread(0.012),
                },
            ],
        };
        let bands = [
            (0, Some(0), 0.62),
            (1, Some(4), 0.20),
            (5, Some(9), 0.09),
            (10, Some(14), 0.04),
            (15, Some(29), 0.035),
        ]
        .into_iter()
        .map(|(from, to, share)| BandFigures {
            band: Band { from, to },
            share: compare(share, share * 0.8),
        })
        .chain(std::iter::once(BandFigures {
            band: Band { from: 30, to: None },
            share: Comparison {
                school: Figure::Suppressed,
                peers: spread(0.01),
            },
        }))
        .collect();
        SchoolMirror {
            school: SchoolId::new("104512").unwrap(),
            name: "Technisch Instituut Voorbeeld".to_owned(),
            level: Level::Secondary,
            language: ReportLanguage::new(language).unwrap(),
            year: SchoolYear::starting(2025),
            thresholds,
            peer_group: Some(PeerGroupDescription {
                level: Level::Secondary,
                schools: 8,
                common_forms: vec![EducationForm::Technical, EducationForm::Vocational],
                disadvantage_band: DisadvantageBand::Higher,
            }),
            history: vec![year(2023, 0.031), year(2024, 0.0345), year(2025, 0.0272)],
            bands,
        }
    }

    fn meta() -> ReportMeta {
        ReportMeta {
            issue_date: NaiveDate::from_ymd_opt(2026, 9, 15).unwrap(),
            min_pupils: 5,
            min_peers: 5,
        }
    }

    fn text_of(pdf: &[u8]) -> String {
        pdf_extract::extract_text_from_mem(pdf)
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn renders_the_same_pdf_twice_with_the_figures_in_each_language() {
        let renderer = Renderer::new(&templates()).unwrap();
        let pdf = renderer.render(&mirror("nl"), &meta()).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert_eq!(pdf, renderer.render(&mirror("nl"), &meta()).unwrap());
        if let Ok(path) = std::env::var("MIRROR_KEEP_TEST_PDF") {
            std::fs::write(path, &pdf).unwrap();
        }
        let nl = text_of(&pdf);
        assert!(nl.contains("Technisch Instituut Voorbeeld"), "{nl}");
        // 0.0272 in Dutch notation; the peer median 0.021.
        assert!(nl.contains("2,7 %"), "{nl}");
        assert!(nl.contains("2,1 %"), "{nl}");
        assert!(nl.contains("15 september 2026"), "{nl}");
        assert!(
            nl.contains("niet getoond: het cijfer gaat over minder dan 5 leerlingen"),
            "{nl}"
        );
        let en = text_of(&renderer.render(&mirror("en"), &meta()).unwrap());
        assert!(en.contains("2.7%"), "{en}");
        assert!(
            en.contains("not shown: the figure is about fewer than 5 pupils"),
            "{en}"
        );
    }

    #[test]
    fn a_language_without_strings_names_the_file_to_add() {
        let renderer = Renderer::new(&templates()).unwrap();
        let e = renderer.render(&mirror("fr"), &meta()).unwrap_err();
        let e = e.to_string();
        assert!(e.contains("lang/fr.toml"), "{e}");
        assert!(e.contains("copy lang/en.toml"), "{e}");
    }

    #[test]
    fn charts_name_an_embedded_font_and_print_labels_without_quotes() {
        let renderer = Renderer::new(&templates()).unwrap();
        let labels = &renderer.labels["nl"];
        let svg = charts::trend(&mirror("nl"), labels).unwrap();
        assert!(svg.contains("Libertinus Serif"));
        assert!(svg.contains("2025-2026"), "years label the axis");
        assert!(!svg.contains("\"2025-2026\""));
        let svg = charts::bands(&mirror("nl"), labels).unwrap();
        assert!(svg.contains("15\u{2013}29"));
        // The suppressed 30+ band is said, not drawn as 0.
        assert!(svg.contains("niet getoond"));
    }
}
