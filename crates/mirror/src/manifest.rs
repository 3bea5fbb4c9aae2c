//! `manifest.json`: what a run read, what it wrote and what it withheld:
//! the SHA-256 of every input and of every report, the tool and method
//! versions, and every suppression and redaction counted per rule and per
//! school, never the values. No time of day is in it, so the same inputs
//! give the same manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use mirror_anonymise::disclosure::Suppression;
use mirror_anonymise::{LeakError, RedactionCounts, Rule};
use mirror_benchmark::{Period, SchoolMirror};
use mirror_model::{SchoolId, hex};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::inputs::Inputs;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Written {
    school: String,
    /// Relative to the period's folder.
    file: String,
    sha256: String,
    /// As printed on the report's methodology page.
    data_sha256: String,
    peer_set: Option<String>,
}

/// A school whose report could not be made, and why.
#[derive(Debug, Serialize)]
struct Failed {
    school: String,
    reason: String,
}

#[derive(Debug, Serialize)]
struct Refused {
    school: String,
    /// What the leak guard found, by rule, and how often; never the value.
    found: BTreeMap<Rule, usize>,
}

/// Counts per rule, in total and per school (or local network).
#[derive(Debug, Serialize)]
struct Tally<R: Ord> {
    total: BTreeMap<R, u32>,
    by_school: BTreeMap<String, BTreeMap<R, u32>>,
}

impl<R: Ord + Copy> Tally<R> {
    fn new<'a>(by_school: impl IntoIterator<Item = (String, &'a BTreeMap<R, u32>)>) -> Self
    where
        R: 'a,
    {
        let mut total = BTreeMap::new();
        let mut out = BTreeMap::new();
        for (school, counts) in by_school {
            for (rule, n) in counts {
                *total.entry(*rule).or_insert(0) += n;
            }
            if !counts.is_empty() {
                out.insert(school, counts.clone());
            }
        }
        Self {
            total,
            by_school: out,
        }
    }

    fn sum(&self) -> u32 {
        self.total.values().sum()
    }
}

/// Why a registry school got no mirror this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum NoMirrorReason {
    /// Its data has errors (or its registry row was refused): see quality/.
    HeldBack,
    /// Nothing to report: no pupil-level data in the period.
    NoData,
    /// Not among the schools of `--schools` (or `--school`).
    NotSelected,
    RefusedByLeakGuard,
    FailedToRender,
}

impl NoMirrorReason {
    /// For the run's summary and the quality report.
    pub fn describe(self) -> &'static str {
        match self {
            Self::HeldBack => "held back for data errors (see data-quality.txt)",
            Self::NoData => "no pupil-level data for the period",
            Self::NotSelected => "not in the selection",
            Self::RefusedByLeakGuard => "refused by the leak guard",
            Self::FailedToRender => "failed to render",
        }
    }
}

/// A registry school without a mirror this run, and why: every school of
/// the registry gets a mirror or is listed, so none disappears unnoticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct NoMirror {
    pub school: String,
    pub reason: NoMirrorReason,
}

/// How the run went, as its summary line says.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Counts {
    pub written: usize,
    pub refused_by_leak_guard: usize,
    pub failed: usize,
    /// Schools whose data has errors: no report until fixed.
    pub held_back: usize,
    pub suppressions: u32,
    pub redactions: u32,
    /// Data-quality warnings (see quality/).
    pub warnings: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct Manifest {
    tool_version: &'static str,
    method_version: &'static str,
    period: Period,
    issue_date: NaiveDate,
    inputs: Inputs,
    counts: Counts,
    /// Every report in the folder: this run's, and those an earlier run of
    /// the same period wrote for schools this run did not make.
    reports: Vec<Written>,
    refused_by_leak_guard: Vec<Refused>,
    failed: Vec<Failed>,
    held_back: Vec<String>,
    /// Every registry school without a report from this run, with the
    /// reason, by school number.
    without_mirror: Vec<NoMirror>,
    /// Counts of pupils withheld from the reports written or refused.
    suppressions: Tally<Suppression>,
    /// Free text replaced by placeholders, by the school (or network) whose
    /// text it was.
    redactions: Tally<Rule>,
}

impl Manifest {
    /// `mirrors`: those this run makes; `without_mirror`: the registry's
    /// other schools, with the reason (the held back among them are the
    /// schools whose data has errors); `warnings`: the data-quality warnings.
    pub fn new(
        period: Period,
        issue_date: NaiveDate,
        inputs: Inputs,
        mirrors: &[&SchoolMirror],
        redactions: &BTreeMap<String, RedactionCounts>,
        without_mirror: Vec<NoMirror>,
        warnings: usize,
    ) -> Self {
        let held_back: Vec<String> = without_mirror
            .iter()
            .filter(|n| n.reason == NoMirrorReason::HeldBack)
            .map(|n| n.school.clone())
            .collect();
        let suppressions = Tally::new(
            mirrors
                .iter()
                .map(|m| (m.school.to_string(), &m.suppressed)),
        );
        let redactions = Tally::new(redactions.iter().map(|(k, v)| (k.clone(), v)));
        Self {
            tool_version: env!("CARGO_PKG_VERSION"),
            method_version: mirror_benchmark::METHOD_VERSION,
            period,
            issue_date,
            inputs,
            counts: Counts {
                held_back: held_back.len(),
                suppressions: suppressions.sum(),
                redactions: redactions.sum(),
                warnings,
                ..Counts::default()
            },
            reports: Vec::new(),
            refused_by_leak_guard: Vec::new(),
            failed: Vec::new(),
            held_back,
            without_mirror,
            suppressions,
            redactions,
        }
    }

    /// The SHA-256 of a report's bytes.
    pub fn sha256(pdf: &[u8]) -> String {
        hex(&Sha256::digest(pdf))
    }

    pub fn written(&mut self, mirror: &SchoolMirror, file: &str, sha256: String) {
        self.counts.written += 1;
        self.reports.push(Written {
            school: mirror.school.to_string(),
            file: file.to_owned(),
            sha256,
            data_sha256: self.inputs.data_sha256.clone(),
            peer_set: mirror.peer_group.as_ref().map(|g| g.set_id.clone()),
        });
    }

    pub fn failed(&mut self, school: &SchoolId, reason: String) {
        self.counts.failed += 1;
        self.failed.push(Failed {
            school: school.to_string(),
            reason,
        });
        self.no_mirror(school, NoMirrorReason::FailedToRender);
    }

    fn no_mirror(&mut self, school: &SchoolId, reason: NoMirrorReason) {
        self.without_mirror.push(NoMirror {
            school: school.to_string(),
            reason,
        });
        self.without_mirror.sort_by(|a, b| a.school.cmp(&b.school));
    }

    /// The registry's schools without a report from this run, by number.
    pub fn without_mirror(&self) -> &[NoMirror] {
        &self.without_mirror
    }

    /// `quality/schools-without-mirror.csv`: the same list for a spreadsheet.
    pub fn without_mirror_csv(&self) -> String {
        let mut out = String::from("school_id,reason\n");
        for n in &self.without_mirror {
            out.push_str(&format!("{},\"{}\"\n", n.school, n.reason.describe()));
        }
        out
    }

    /// Keeps the entries of an earlier manifest of this folder for reports
    /// this run did not replace and that are still there unchanged, but not
    /// those of the schools in `removed`, whose earlier reports this run
    /// removes (held back, refused or failed).
    pub fn keep_earlier(&mut self, earlier: &Path, folder: &Path, removed: &BTreeSet<String>) {
        let Ok(text) = std::fs::read(earlier) else {
            return;
        };
        #[derive(Deserialize)]
        struct Earlier {
            reports: Vec<Written>,
        }
        let Ok(earlier) = serde_json::from_slice::<Earlier>(&text) else {
            return;
        };
        // Only the reports this run neither replaced nor removed are read
        // and hashed, on every core: a school's report on request keeps
        // every other school's, which took a twentieth of the request.
        let replaced: BTreeSet<&str> = self.reports.iter().map(|r| r.file.as_str()).collect();
        let kept: Vec<Written> = earlier
            .reports
            .into_par_iter()
            .filter(|w| !removed.contains(&w.school) && !replaced.contains(w.file.as_str()))
            .filter(|w| {
                std::fs::read(folder.join(&w.file))
                    .is_ok_and(|bytes| Self::sha256(&bytes) == w.sha256)
            })
            .collect();
        self.reports.extend(kept);
        // Stable, so that of one file listed twice the first stays.
        self.reports.sort_by(|a, b| a.file.cmp(&b.file));
        self.reports
            .dedup_by(|later, first| later.file == first.file);
    }

    pub fn refused(&mut self, school: &SchoolId, error: &LeakError) {
        let found = error.0.iter().map(|l| (l.rule, l.count)).collect();
        self.counts.refused_by_leak_guard += 1;
        self.refused_by_leak_guard.push(Refused {
            school: school.to_string(),
            found,
        });
        self.no_mirror(school, NoMirrorReason::RefusedByLeakGuard);
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        Ok(json)
    }
}

#[cfg(test)]
mod tests {
    use mirror_model::SchoolYear;

    use super::*;
    use crate::inputs::InputFile;

    /// SHA-256 of "abc" (FIPS 180-2, appendix B.1) and of no bytes.
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn manifest(data_sha256: &str) -> Manifest {
        let inputs = Inputs {
            data_sha256: data_sha256.to_owned(),
            config: InputFile {
                name: "config".to_owned(),
                sha256: EMPTY.to_owned(),
                bytes: 0,
            },
            files: Vec::new(),
            pupil_sources_sha256: String::new(),
        };
        Manifest::new(
            Period::whole(SchoolYear::starting(2024)),
            NaiveDate::from_ymd_opt(2025, 9, 15).unwrap(),
            inputs,
            &[],
            &BTreeMap::new(),
            Vec::new(),
            0,
        )
    }

    fn report(school: &str, sha256: &str, data_sha256: &str) -> Written {
        Written {
            school: school.to_owned(),
            file: format!("schools/{school}.pdf"),
            sha256: sha256.to_owned(),
            data_sha256: data_sha256.to_owned(),
            peer_set: None,
        }
    }

    fn reports(m: &Manifest) -> Vec<(&str, &str)> {
        m.reports
            .iter()
            .map(|w| (w.file.as_str(), w.data_sha256.as_str()))
            .collect()
    }

    #[test]
    fn the_hash_of_a_report_is_its_sha256() {
        assert_eq!(Manifest::sha256(b"abc"), ABC);
        assert_eq!(Manifest::sha256(b""), EMPTY);
    }

    /// An earlier run of the period wrote four reports, "abc" each but
    /// 100002's, which was empty. Since then 100002's was changed, 100003's
    /// removed, and this run wrote 100004's again (the same bytes). Only
    /// 100001's earlier entry is still true and not replaced.
    #[test]
    fn earlier_entries_stay_for_unchanged_reports_this_run_did_not_replace() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        let mut earlier = manifest("earlier");
        earlier.reports = vec![
            report("100001", ABC, "earlier"),
            report("100002", EMPTY, "earlier"),
            report("100003", ABC, "earlier"),
            report("100004", ABC, "earlier"),
        ];
        let earlier_path = folder.join("manifest.json");
        std::fs::write(&earlier_path, earlier.to_json().unwrap()).unwrap();
        std::fs::create_dir(folder.join("schools")).unwrap();
        std::fs::write(folder.join("schools/100001.pdf"), "abc").unwrap();
        std::fs::write(folder.join("schools/100002.pdf"), "no longer empty").unwrap();
        std::fs::write(folder.join("schools/100004.pdf"), "abc").unwrap();

        let mut now = manifest("now");
        now.reports = vec![report("100004", ABC, "now")];
        now.keep_earlier(&earlier_path, folder, &BTreeSet::new());
        assert_eq!(
            reports(&now),
            [
                ("schools/100001.pdf", "earlier"),
                ("schools/100004.pdf", "now")
            ]
        );
        // Kept whole, as the earlier manifest said it.
        assert_eq!(now.reports[0].school, "100001");
        assert_eq!(now.reports[0].sha256, ABC);
        // A run that writes nothing and holds 100001 back: its report is
        // removed, and so is its entry; 100004's earlier entry stays.
        let mut now = manifest("now");
        now.keep_earlier(
            &earlier_path,
            folder,
            &BTreeSet::from(["100001".to_owned()]),
        );
        assert_eq!(reports(&now), [("schools/100004.pdf", "earlier")]);
    }

    #[test]
    fn without_a_readable_earlier_manifest_only_this_runs_reports_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path();
        std::fs::create_dir(folder.join("schools")).unwrap();
        std::fs::write(folder.join("schools/100001.pdf"), "abc").unwrap();
        let mut now = manifest("now");
        now.reports = vec![report("100002", ABC, "now")];
        // None there.
        now.keep_earlier(&folder.join("manifest.json"), folder, &BTreeSet::new());
        assert_eq!(reports(&now), [("schools/100002.pdf", "now")]);
        // Not a manifest.
        std::fs::write(folder.join("manifest.json"), "{ not json").unwrap();
        now.keep_earlier(&folder.join("manifest.json"), folder, &BTreeSet::new());
        assert_eq!(reports(&now), [("schools/100002.pdf", "now")]);
    }
}
