//! Rendering a batch of mirrors: in parallel with one renderer (templates
//! and fonts loaded once), each PDF read back by the leak guard, then
//! staged. Only when the batch may be published are they, with the release
//! history, the metrics snapshot and the manifest, added to the run's
//! [`Publication`]; a run that stops or is killed leaves the earlier
//! reports as they were and never a partial PDF.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mirror_anonymise::disclosure::ReleaseHistory;
use mirror_benchmark::SchoolMirror;
use mirror_model::SchoolRef;
use mirror_render::{RenderError, RenderedReport, Renderer, ReportMeta};

use crate::CliError;
use crate::manifest::Manifest;
use crate::output::{MANIFEST, Publication, QUALITY, Root, SCHOOLS, write_atomically};
use crate::pipeline::Prepared;
use crate::progress::Progress;

/// What became of one school's report.
enum Made {
    /// Staged under this file name, with this SHA-256.
    Staged {
        file: String,
        sha256: String,
    },
    Refused(mirror_anonymise::LeakError),
    Failed(RenderError),
    /// Not attempted: an earlier failure stopped the batch.
    Skipped,
}

/// Runs `make` on every mirror on as many worker threads as rayon has,
/// each taking the next mirror when done, and returns the results in the
/// order of `mirrors`. Plain threads rather than a rayon loop: typst runs
/// rayon tasks inside a compilation, and a rayon worker waiting on those
/// would start another report meanwhile, so that reports in flight, and
/// memory, grew with the batch.
fn in_parallel(
    mirrors: &[&SchoolMirror],
    make: impl Fn(&SchoolMirror) -> Result<Made, CliError> + Sync,
) -> Result<Vec<Made>, CliError> {
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().min(mirrors.len()).max(1);
    let mut results: Vec<(usize, Made)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(RENDER_STACK_BYTES)
                    .spawn_scoped(scope, || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(m) = mirrors.get(i) else {
                                return Ok::<_, CliError>(done);
                            };
                            done.push((i, make(m)?));
                        }
                    })
            })
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            let handle = handle.map_err(|source| CliError::Thread { source })?;
            // A worker's panic is a bug: pass it on as it was.
            let done = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            all.extend(done);
        }
        Ok::<_, CliError>(all)
    })?;
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, made)| made).collect())
}

/// Typst lays out and usvg parses chart SVGs recursively: the 2 MiB a
/// thread gets by default overflowed on a 300-school batch.
pub const RENDER_STACK_BYTES: usize = 32 << 20;

/// The report file of a mirror: `<id>.pdf`, or `<id>-follow-up.pdf` for a
/// follow-up, so that it never replaces the yearly mirror.
pub fn file_name(mirror: &SchoolMirror) -> String {
    if mirror.since_last_mirror.is_some() {
        format!("{}-follow-up.pdf", mirror.school)
    } else {
        format!("{}.pdf", mirror.school)
    }
}

/// Renders, checks and stages `mirrors`, then the release history, the
/// metrics snapshot and the manifest, all published with the rest of the
/// run by `publication`. Without `keep_going` the first failure stops the
/// batch and nothing is staged; with it, failures are reported and
/// recorded in the manifest, and the others staged. The earlier reports of
/// schools held back, refused or failed are removed in the same
/// publication. Returns the manifest as staged, and the time the batch took.
pub fn make_reports(
    prepared: &Prepared,
    released: &mut ReleaseHistory,
    mirrors: &[&SchoolMirror],
    renderer: &Renderer,
    meta: &ReportMeta,
    keep_going: bool,
    publication: &mut Publication,
) -> Result<(Manifest, Duration), CliError> {
    let started = Instant::now();
    let dir = prepared.dir.clone();
    let city = &prepared.anonymised.city;
    let guard = &prepared.anonymised.guard;
    let progress = Progress::new(mirrors.len());
    let stop = AtomicBool::new(false);
    let staging: &Publication = publication;
    let make = |m: &SchoolMirror| -> Result<Made, CliError> {
        if stop.load(Ordering::Relaxed) {
            return Ok(Made::Skipped);
        }
        let made = match renderer.render(m, meta) {
            Err(e) => Made::Failed(e),
            Ok(RenderedReport { pdf, text }) => {
                let own = city
                    .schools()
                    .iter()
                    .position(|s| s.id == m.school)
                    .map(|i| SchoolRef(i as u32));
                match guard.check_report(own, &text) {
                    Err(e) => Made::Refused(e),
                    Ok(()) => {
                        let file = format!("{SCHOOLS}/{}", file_name(m));
                        let path = staging.staging_path(Root::Period, &file);
                        if let Err(e) = write_atomically(&path, &pdf) {
                            // The disk fails every report alike: stop them all.
                            stop.store(true, Ordering::Relaxed);
                            return Err(e);
                        }
                        Made::Staged {
                            file,
                            sha256: Manifest::sha256(&pdf),
                        }
                    }
                }
            }
        };
        match &made {
            // Without --keep-going the error that stops the run says it.
            _ if !keep_going => {}
            // Names the rule and the school, never the value found.
            Made::Refused(e) => progress.say(&format!(
                "error: school {}: report not written: {e}. Look for it in the report templates and in the free text of the sources, then run again.",
                m.school
            )),
            Made::Failed(e) => progress.say(&format!(
                "error: school {}: report not made: {e}",
                m.school
            )),
            _ => {}
        }
        if !keep_going && matches!(made, Made::Refused(_) | Made::Failed(_)) {
            stop.store(true, Ordering::Relaxed);
        }
        progress.step();
        Ok(made)
    };
    let made = in_parallel(mirrors, make);
    progress.finish();
    // On an error the run ends and the publication, dropped, deletes what
    // was staged.
    let made = made?;
    if !keep_going {
        let first = mirrors.iter().zip(&made).find_map(|(m, made)| match made {
            Made::Refused(e) => Some((m, CliError::refused(e))),
            Made::Failed(e) => Some((m, CliError::failed(e))),
            _ => None,
        });
        if let Some((m, (reason, code))) = first {
            return Err(CliError::SchoolFailed {
                school: m.school.clone(),
                reason,
                code,
                others: mirrors.len() > 1,
            });
        }
    }
    let mut manifest = Manifest::new(
        prepared.benchmark.period,
        meta.issue_date,
        prepared.inputs.clone(),
        mirrors,
        &prepared.anonymised.redactions,
        prepared.without_mirror.clone(),
        prepared.warnings,
    );
    let mut written = BTreeSet::new();
    // Schools that get no report this run: an earlier run's would no longer
    // match the manifest (nor the data), so it goes, whichever kind it is.
    let mut removed: BTreeSet<String> =
        prepared.held_back.iter().map(ToString::to_string).collect();
    for (m, made) in mirrors.iter().zip(made) {
        match made {
            Made::Staged { file, sha256 } => {
                publication.staged(Root::Period, &file);
                manifest.written(m, &file, sha256);
                for release in &m.releases {
                    released.record(&m.school, release.clone());
                }
                written.insert(&m.school);
            }
            Made::Refused(e) => {
                manifest.refused(&m.school, &e);
                removed.insert(m.school.to_string());
            }
            Made::Failed(e) => {
                manifest.failed(&m.school, e.to_string());
                removed.insert(m.school.to_string());
            }
            Made::Skipped => {}
        }
    }
    for school in &removed {
        for file in [format!("{school}.pdf"), format!("{school}-follow-up.pdf")] {
            publication.remove(Root::Period, &format!("{SCHOOLS}/{file}"));
        }
    }
    let history = publication.staging_dir(Root::History);
    for file in released.save(&history)? {
        publication.staged(Root::History, &file);
    }
    // The figures as printed, for a later follow-up's "since your last
    // mirror": only of the schools that received them.
    let history_dir = &prepared.config.privacy.history_dir;
    let snapshot =
        mirror_benchmark::snapshot::snapshot_path(Path::new(""), &prepared.benchmark.period);
    let snapshot = snapshot.to_string_lossy();
    let staged = publication.staging_path(Root::History, &snapshot);
    mirror_benchmark::snapshot::write_snapshot_to(
        history_dir,
        &staged,
        &prepared.benchmark,
        &written,
    )?;
    if staged.exists() {
        publication.staged(Root::History, &snapshot);
    }
    manifest.keep_earlier(&dir.manifest(), &dir.root, &removed);
    let json = manifest.to_json().map_err(|e| CliError::Write {
        path: dir.manifest(),
        source: std::io::Error::other(e),
    })?;
    publication.stage(Root::Period, MANIFEST, &json)?;
    // Part of the quality report: no school disappears unnoticed.
    publication.stage(
        Root::Period,
        &format!("{QUALITY}/schools-without-mirror.csv"),
        manifest.without_mirror_csv().as_bytes(),
    )?;
    Ok((manifest, started.elapsed()))
}
