//! The output folder of one period, and how a run publishes into it.
//!
//! ```text
//! <out_dir>/<period>/schools/<id>.pdf     one per school (<id>-follow-up.pdf on request)
//! <out_dir>/<period>/advisor/             the advisor's list and peer sets: city staff only
//! <out_dir>/<period>/quality/             the data-quality report
//! <out_dir>/<period>/inspiration-guide.pdf
//! <out_dir>/<period>/manifest.json        inputs, tool and method versions, report hashes
//! ```
//!
//! A run holds two locks ([`Lock`]): the history folder's, shared by every
//! period and taken first, before any data is read, and the period folder's.
//! Everything a run publishes (reports, advisor's list, quality report,
//! guide, manifest, release history, metrics snapshot) is first written to
//! a `.staging` folder beside where it goes ([`Publication`]). Publishing
//! then writes a journal naming every removal and move (the commit: before
//! it nothing has changed, after it the new set is decided), renames each
//! staged file into place and removes the journal. A run that is killed
//! after the commit leaves the journal, and the next run finishes it before
//! it reads anything; one killed before leaves only staged files, which the
//! next run deletes. So the folder, its manifest and the history are the
//! earlier run's or the new run's, never a mix of both once a run has
//! started.

use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use mirror_benchmark::Period;
use serde::{Deserialize, Serialize};

use crate::CliError;

/// The suffix of a file being written; never a finished output.
const PARTIAL: &str = ".partial";

/// The lock file of a folder a run writes to.
const LOCK: &str = ".lock";

/// The folder, beside where they go, of the files a run has not published yet.
const STAGING: &str = ".staging";

/// The journal of a publication under way, in the history folder: every
/// run of the city reads that folder, so every run finds it.
const JOURNAL: &str = ".publishing";

#[derive(Debug, Clone)]
pub struct PeriodDir {
    pub root: PathBuf,
}

impl PeriodDir {
    /// `<out_dir>/<school year>`, or `<out_dir>/<school year>-to-<date>` for a
    /// year to date, so that it never overwrites the whole year's.
    pub fn new(out_dir: &Path, period: &Period) -> Self {
        let name = if period.year_to_date {
            format!("{}-to-{}", period.year, period.to)
        } else {
            period.year.to_string()
        };
        Self {
            root: out_dir.join(name),
        }
    }

    pub fn schools(&self) -> PathBuf {
        self.root.join(SCHOOLS)
    }

    pub fn advisor(&self) -> PathBuf {
        self.root.join(ADVISOR)
    }

    pub fn quality(&self) -> PathBuf {
        self.root.join(QUALITY)
    }

    pub fn manifest(&self) -> PathBuf {
        self.root.join(MANIFEST)
    }
}

/// The parts of a period's folder, relative to it.
pub const SCHOOLS: &str = "schools";
pub const ADVISOR: &str = "advisor";
pub const QUALITY: &str = "quality";
pub const MANIFEST: &str = "manifest.json";
/// Every shared good practice, for schools and local partners.
pub const GUIDE: &str = "inspiration-guide.pdf";

pub fn create_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
        path: dir.to_owned(),
        source,
    })
}

/// Writes to a temporary file beside `path`, then renames it: an interrupted
/// run never leaves a truncated file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    write_then_rename(path, bytes, false)
}

/// As [`write_atomically`]; with `sync`, the bytes reach the disk before
/// the rename, so that the file is whole after a power cut too.
fn write_then_rename(path: &Path, bytes: &[u8], sync: bool) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(PARTIAL);
    let tmp = PathBuf::from(tmp);
    let err = |source| CliError::Write {
        path: path.to_owned(),
        source,
    };
    let written = std::fs::write(&tmp, bytes).and_then(|()| {
        if sync {
            std::fs::File::open(&tmp)?.sync_all()
        } else {
            Ok(())
        }
    });
    if let Err(e) = written {
        // A full disk leaves no `.partial` behind.
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    std::fs::rename(&tmp, path).map_err(err)
}

/// Removes a folder and all it holds, if it is there.
fn clear_dir(dir: &Path) -> Result<(), CliError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(CliError::Write {
            path: dir.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// A lock on a folder, held until dropped: an advisory lock (`flock`) on
/// its `.lock` file, which says which process holds it. The system
/// releases the lock when the process ends however it ends, so a lock file
/// whose lock is free but which still names a process was left by a run
/// that was killed: it is taken over, with a message.
#[derive(Debug)]
pub struct Lock {
    file: std::fs::File,
}

impl Lock {
    /// Takes the lock of `dir` (creating the folder), or fails at once,
    /// naming the lock file and the process holding it.
    pub fn take(dir: &Path) -> Result<Self, CliError> {
        create_dir(dir)?;
        let path = dir.join(LOCK);
        let err = |source| CliError::Write {
            path: path.clone(),
            source,
        };
        // Never removed, only emptied: a run that opened the file just
        // before it was removed would lock a file nobody else sees.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(CliError::Locked {
                    holder: holder(&path),
                    path: path.clone(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(err(e)),
        }
        let mut left = String::new();
        // Unreadable is as good as empty: the lock is ours either way.
        let _ = file.read_to_string(&mut left);
        if !left.trim().is_empty() {
            eprintln!(
                "note: {}: taking over the lock of {}, which ended without releasing it (killed or crashed); what it left unpublished is undone or finished now",
                path.display(),
                left.trim()
            );
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map_or_else(|_| "unknown".to_owned(), |h| h.trim().to_owned());
        let me = format!(
            "process {} on host {host}, started {}\n",
            std::process::id(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
        );
        file.set_len(0)
            .and_then(|()| file.write_all_at(me.as_bytes(), 0))
            .map_err(err)?;
        Ok(Self { file })
    }
}

impl Drop for Lock {
    /// Empties the file: a lock file naming nobody was released cleanly.
    /// The lock itself goes when the file is closed.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// Who holds the lock at `path`, as its file says. The holder writes it
/// just after taking the lock: a moment's wait covers a reader between the two.
fn holder(path: &Path) -> String {
    for _ in 0..40 {
        if let Ok(text) = std::fs::read_to_string(path)
            && !text.trim().is_empty()
        {
            return text.trim().to_owned();
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    "a process that did not say which".to_owned()
}

/// Where a published file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// The period's folder.
    Period,
    /// The history folder (`privacy.history_dir`): the release history and
    /// the metrics snapshots.
    History,
}

/// A staged file and where it goes.
#[derive(Debug, Serialize, Deserialize)]
struct Move {
    staged: PathBuf,
    to: PathBuf,
}

/// What a publication changes, in the order it is done: removals, then moves.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    remove: Vec<PathBuf>,
    moves: Vec<Move>,
}

impl Journal {
    /// Carries the journal out, calling `done` after each step. Idempotent:
    /// a staged file no longer there was moved by the run that was stopped.
    fn carry_out(&self, mut done: impl FnMut()) -> Result<(), (PathBuf, std::io::Error)> {
        for path in &self.remove {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err((path.clone(), e));
                }
                _ => done(),
            }
        }
        for m in &self.moves {
            if m.staged.exists() {
                std::fs::rename(&m.staged, &m.to).map_err(|e| (m.to.clone(), e))?;
            }
            done();
        }
        Ok(())
    }
}

/// How far a publication got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Staging,
    /// The journal is written; only the next run may clear the staging folders.
    Committed,
    Done,
}

/// One run's output, staged, then published whole (see the module's text).
#[derive(Debug)]
pub struct Publication {
    period: PathBuf,
    history: PathBuf,
    journal: Journal,
    stage: Stage,
    // Dropped after the staging folders are cleared in `drop`.
    _locks: [Lock; 2],
}

impl Publication {
    /// Takes the history folder's lock and finishes the publication a
    /// stopped run committed, so that the history read next is whole.
    pub fn lock_history(history: &Path) -> Result<Lock, CliError> {
        let lock = Lock::take(history)?;
        finish_stopped(&history.join(JOURNAL))?;
        Ok(lock)
    }

    /// Takes the period folder's lock and starts empty staging folders
    /// (deleting what a run stopped before its commit left).
    pub fn begin(history_lock: Lock, history: &Path, period: &PeriodDir) -> Result<Self, CliError> {
        let absolute = |p: &Path| {
            std::path::absolute(p).map_err(|source| CliError::Write {
                path: p.to_owned(),
                source,
            })
        };
        let period_lock = Lock::take(&period.root)?;
        let publication = Self {
            period: absolute(&period.root)?,
            history: absolute(history)?,
            journal: Journal::default(),
            stage: Stage::Staging,
            _locks: [history_lock, period_lock],
        };
        for root in [Root::Period, Root::History] {
            let staging = publication.staging_dir(root);
            clear_dir(&staging)?;
            create_dir(&staging)?;
        }
        Ok(publication)
    }

    fn root(&self, root: Root) -> &Path {
        match root {
            Root::Period => &self.period,
            Root::History => &self.history,
        }
    }

    /// The staging folder of `root`: on the same file system as the files
    /// replaced, so that each is published by a rename.
    pub fn staging_dir(&self, root: Root) -> PathBuf {
        self.root(root).join(STAGING)
    }

    /// Where `file` (relative to `root`, such as `schools/100001.pdf`) is
    /// staged: flat in the staging folder, `/` read as `.`.
    pub fn staging_path(&self, root: Root, file: &str) -> PathBuf {
        self.staging_dir(root).join(file.replace('/', "."))
    }

    /// Writes `file` to the staging folder and publishes it with the rest.
    pub fn stage(&mut self, root: Root, file: &str, bytes: &[u8]) -> Result<(), CliError> {
        write_atomically(&self.staging_path(root, file), bytes)?;
        self.staged(root, file);
        Ok(())
    }

    /// Publishes `file`, already written to [`Self::staging_path`].
    pub fn staged(&mut self, root: Root, file: &str) {
        let m = Move {
            staged: self.staging_path(root, file),
            to: self.root(root).join(file),
        };
        self.journal.moves.push(m);
    }

    /// Removes `file` when the rest is published, if it is there.
    pub fn remove(&mut self, root: Root, file: &str) {
        let path = self.root(root).join(file);
        if path.exists() {
            self.journal.remove.push(path);
        }
    }

    /// Publishes what was staged: checks that every folder takes its files,
    /// commits by writing the journal, carries it out and removes it. A
    /// failure before the commit changes nothing; one after it is
    /// [`CliError::Unfinished`], finished by the next run.
    pub fn publish(mut self) -> Result<(), CliError> {
        let folders: BTreeSet<&Path> = self
            .journal
            .moves
            .iter()
            .filter_map(|m| m.to.parent())
            .collect();
        for folder in folders {
            create_dir(folder)?;
            may_write(folder)?;
        }
        let abort_at = test_abort_at();
        let mut step = 0;
        let mut checkpoint = || {
            if abort_at == Some(step) {
                std::process::abort();
            }
            step += 1;
        };
        checkpoint();
        let journal = self.history.join(JOURNAL);
        let json = serde_json::to_vec_pretty(&self.journal).map_err(|e| CliError::Write {
            path: journal.clone(),
            source: std::io::Error::other(e),
        })?;
        write_then_rename(&journal, &json, true)?;
        self.stage = Stage::Committed;
        checkpoint();
        let unfinished = |(path, source)| CliError::Unfinished {
            path,
            journal: journal.clone(),
            source,
        };
        self.journal
            .carry_out(&mut checkpoint)
            .map_err(unfinished)?;
        std::fs::remove_file(&journal).map_err(|e| unfinished((journal.clone(), e)))?;
        self.stage = Stage::Done;
        checkpoint();
        Ok(())
    }
}

impl Drop for Publication {
    /// Deletes the staging folders, unless committed and not carried out:
    /// the next run needs them then.
    fn drop(&mut self) {
        if self.stage != Stage::Committed {
            for root in [Root::Period, Root::History] {
                let _ = clear_dir(&self.staging_dir(root));
            }
        }
    }
}

/// Carries out the journal at `path` that a stopped run left, if any.
fn finish_stopped(path: &Path) -> Result<(), CliError> {
    let bytes = match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(CliError::Read {
                path: path.to_owned(),
                source,
            });
        }
        Ok(bytes) => bytes,
    };
    let journal: Journal = serde_json::from_slice(&bytes).map_err(|e| CliError::Read {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?;
    eprintln!(
        "note: {}: a run was stopped while it published; finishing what it began",
        path.display()
    );
    let unfinished = |(failed, source)| CliError::Unfinished {
        path: failed,
        journal: path.to_owned(),
        source,
    };
    journal.carry_out(|| {}).map_err(unfinished)?;
    std::fs::remove_file(path).map_err(|e| unfinished((path.to_owned(), e)))
}

/// Whether files can be created in `folder`, found out by creating one:
/// permissions alone do not say (a read-only mount, another owner, root).
fn may_write(folder: &Path) -> Result<(), CliError> {
    let probe = folder.join(".probe");
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|source| CliError::Write {
            path: folder.to_owned(),
            source,
        })
}

/// A test hook of the publishing code only: `MIRROR_TEST_ABORT_AT=<n>`
/// ends the process at once, as `kill -9` would, at step `n` of publishing:
/// 0 everything staged, 1 the journal written, then after each removal and
/// each move, and last after the journal is removed
/// (`tests/publishing.rs` stops a run at each in turn).
fn test_abort_at() -> Option<usize> {
    std::env::var("MIRROR_TEST_ABORT_AT").ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pdf");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.pdf")]);
    }

    #[test]
    fn a_held_lock_is_refused_naming_its_holder_and_a_released_one_is_not_stale() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::take(dir.path()).unwrap();
        // Another open file of the same process conflicts like another process.
        match Lock::take(dir.path()) {
            Err(CliError::Locked { path, holder }) => {
                assert_eq!(path, dir.path().join(".lock"));
                assert!(
                    holder.starts_with(&format!("process {} on host ", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("{other:?}"),
        }
        drop(first);
        assert_eq!(
            std::fs::read_to_string(dir.path().join(".lock")).unwrap(),
            ""
        );
        assert!(Lock::take(dir.path()).is_ok());
    }

    /// Staged, published: in place, with no staging folder, journal or
    /// `.partial` left; staged and dropped unpublished: nothing changed.
    #[test]
    fn a_publication_is_all_or_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let period = PeriodDir {
            root: tmp.path().join("out/2024-2025"),
        };
        let history = tmp.path().join("history");
        let begin = || {
            let lock = Publication::lock_history(&history).unwrap();
            Publication::begin(lock, &history, &period).unwrap()
        };
        let mut p = begin();
        p.stage(Root::Period, "schools/1.pdf", b"one").unwrap();
        p.stage(Root::History, "1.json", b"[]").unwrap();
        drop(p);
        assert!(!period.schools().exists());
        assert!(!history.join("1.json").exists());
        assert!(!period.root.join(STAGING).exists());

        let mut p = begin();
        p.stage(Root::Period, "schools/1.pdf", b"one").unwrap();
        p.stage(Root::History, "1.json", b"[]").unwrap();
        p.publish().unwrap();
        assert_eq!(
            std::fs::read(period.schools().join("1.pdf")).unwrap(),
            b"one"
        );
        assert_eq!(std::fs::read(history.join("1.json")).unwrap(), b"[]");
        let mut left: Vec<String> = std::fs::read_dir(&period.root)
            .unwrap()
            .chain(std::fs::read_dir(&history).unwrap())
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".lock", ".lock", "1.json", "schools"]);

        // The next run removes what is gone and leaves the rest.
        let mut p = begin();
        p.remove(Root::Period, "schools/1.pdf");
        p.remove(Root::Period, "schools/2.pdf");
        assert_eq!(p.journal.remove, [period.schools().join("1.pdf")]);
        p.publish().unwrap();
        assert!(!period.schools().join("1.pdf").exists());
        assert!(history.join("1.json").exists());
    }

    /// A journal whose first move was carried out before the run was
    /// killed: the next run moves the rest and deletes the journal.
    #[test]
    fn a_journal_left_by_a_killed_run_is_finished() {
        let tmp = tempfile::tempdir().unwrap();
        let staged = tmp.path().join("staged");
        let to = tmp.path().join("to");
        std::fs::create_dir_all(&staged).unwrap();
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(to.join("a"), "new a").unwrap();
        std::fs::write(staged.join("b"), "new b").unwrap();
        std::fs::write(to.join("b"), "old b").unwrap();
        std::fs::write(to.join("c"), "old c").unwrap();
        let journal = Journal {
            remove: vec![to.join("c")],
            moves: ["a", "b"]
                .map(|f| Move {
                    staged: staged.join(f),
                    to: to.join(f),
                })
                .into(),
        };
        let path = tmp.path().join(JOURNAL);
        std::fs::write(&path, serde_json::to_vec(&journal).unwrap()).unwrap();
        finish_stopped(&path).unwrap();
        assert_eq!(std::fs::read_to_string(to.join("a")).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(to.join("b")).unwrap(), "new b");
        assert!(!to.join("c").exists());
        assert!(!path.exists());
        // None left: nothing to do.
        finish_stopped(&path).unwrap();
    }

    #[test]
    fn a_year_to_date_has_its_own_folder() {
        let year: mirror_model::SchoolYear = "2025-2026".parse().unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        let out = Path::new("out");
        assert_eq!(
            PeriodDir::new(out, &Period::whole(year)).root,
            Path::new("out/2025-2026")
        );
        assert_eq!(
            PeriodDir::new(out, &Period::up_to(day)).root,
            Path::new("out/2025-2026-to-2026-03-15")
        );
    }
}
