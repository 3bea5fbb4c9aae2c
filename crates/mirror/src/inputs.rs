//! The SHA-256 of every input: the data files, the configuration and the
//! files it names (calendar, codes, questionnaires, templates...). Their
//! combined hash is the "data hash" each report prints, so that any figure
//! can be traced to the exact inputs it was made from.

use std::path::{Path, PathBuf};

use mirror_model::{Config, hex};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::CliError;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputFile {
    /// `data/...` for the data folder, `config/...` for the configuration
    /// and the files beside it, `templates/...` for the report templates.
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inputs {
    /// SHA-256 over the names and hashes of all the files below, the
    /// configuration included.
    pub data_sha256: String,
    pub config: InputFile,
    pub files: Vec<InputFile>,
    /// SHA-256 over the configuration and the files the pupil records are
    /// read and checked from (see `mirror_ingest::PUPIL_SOURCES`): the
    /// registry, those folders, the calendar, the absence codes and the
    /// export layouts; the rosters and places, which redact the problems
    /// found in them; and the data folder's path, which those problems
    /// print. The city store is kept under it.
    #[serde(skip)]
    pub pupil_sources_sha256: String,
}

/// Hashes every input of a run with `config` (loaded from `config_path`).
/// The pseudonym key is not an input of the figures and is left out.
pub fn hash_inputs(config_path: &Path, config: &Config) -> Result<Inputs, CliError> {
    let config_dir = config_path.parent().unwrap_or(Path::new(""));
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    // Names of the inputs the pupil records are read and checked from.
    let mut pupil_sources: Vec<String> = Vec::new();
    let mut folder = |prefix: &str, dir: &Path| -> Result<(), CliError> {
        // Links followed, as ingest reads through them.
        for entry in walkdir::WalkDir::new(dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| CliError::Folder {
                path: e.path().unwrap_or(dir).to_owned(),
                message: e.to_string(),
            })?;
            let path = entry.path();
            // A run's own output and history are not its input, even when
            // the configuration keeps them inside the data folder.
            let written =
                path.starts_with(&config.out_dir) || path.starts_with(&config.privacy.history_dir);
            if !entry.file_type().is_file()
                || written
                || Some(path) == config.pseudonym_key_file.as_deref()
            {
                continue;
            }
            let relative = path.strip_prefix(dir).unwrap_or(path);
            if prefix == "data" && feeds_pupil_records(relative) {
                pupil_sources.push(format!("{prefix}/{}", relative.to_string_lossy()));
            }
            named.push((
                format!("{prefix}/{}", relative.to_string_lossy()),
                path.to_owned(),
            ));
        }
        Ok(())
    };
    folder("data", &config.data_dir)?;
    folder("templates", &config.templates_dir)?;
    folder("config/questionnaires", &config.questionnaires)?;
    for path in [&config.calendar, &config.absence_codes, &config.places]
        .into_iter()
        .chain(config.export_layouts.as_ref())
    {
        let relative = path.strip_prefix(config_dir).unwrap_or(path);
        pupil_sources.push(format!("config/{}", relative.to_string_lossy()));
    }
    for path in [
        &config.calendar,
        &config.absence_codes,
        &config.checklist,
        &config.themes,
        &config.places,
    ]
    .into_iter()
    .chain(config.export_layouts.as_ref())
    .chain(config.support_rules.as_ref())
    {
        let relative = path.strip_prefix(config_dir).unwrap_or(path);
        named.push((
            format!("config/{}", relative.to_string_lossy()),
            path.clone(),
        ));
    }
    let files = named
        .par_iter()
        .map(|(name, path)| hash_file(name, path))
        .collect::<Result<Vec<_>, _>>()?;
    let config_file = hash_file("config", config_path)?;
    let mut all = Sha256::new();
    for f in std::iter::once(&config_file).chain(&files) {
        all.update(format!("{}\t{}\n", f.name, f.sha256));
    }
    // The problems kept with the records name files by this path.
    let mut pupils = Sha256::new();
    pupils.update(format!("data_dir\t{}\n", config.data_dir.display()));
    for f in std::iter::once(&config_file)
        .chain(files.iter().filter(|f| pupil_sources.contains(&f.name)))
    {
        pupils.update(format!("{}\t{}\n", f.name, f.sha256));
    }
    Ok(Inputs {
        data_sha256: hex(&all.finalize()),
        config: config_file,
        files,
        pupil_sources_sha256: hex(&pupils.finalize()),
    })
}

/// Whether a file of the data folder, by its path there, is the registry
/// or in a folder of the pupil sources or the rosters (whose names the
/// problems kept with the records are redacted of).
fn feeds_pupil_records(relative: &Path) -> bool {
    let mut parts = relative.components();
    let first = parts.next().map(|c| c.as_os_str().to_string_lossy());
    match (first, parts.next()) {
        (Some(folder), Some(_)) => {
            folder == "rosters" || mirror_ingest::PUPIL_SOURCES.contains(&folder.as_ref())
        }
        (Some(file), None) => file.starts_with("registry."),
        _ => false,
    }
}

fn hash_file(name: &str, path: &Path) -> Result<InputFile, CliError> {
    let mut file = std::fs::File::open(path).map_err(|source| CliError::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    let mut bytes = 0;
    loop {
        let n = std::io::Read::read(&mut file, &mut buffer).map_err(|source| CliError::Read {
            path: path.to_owned(),
            source,
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok(InputFile {
        name: name.to_owned(),
        sha256: hex(&hasher.finalize()),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run's inputs in a temporary folder: the configuration, the files it
    /// names beside it, a data folder with a subfolder and the pseudonym key,
    /// templates and questionnaires.
    fn inputs_folder() -> (tempfile::TempDir, PathBuf, Config) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |relative: &str, text: &str| {
            let path = root.join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("city/a.csv", "abc");
        write("city/empty.csv", "");
        write("city/registrations/b.csv", "pupil_number\n1\n");
        write("city/pseudonym.key", &"ab".repeat(32));
        write("templates/report.typ", "= Report\n");
        write("questionnaires/q.toml", "id = \"q\"\n");
        for name in [
            "calendar.toml",
            "absence-codes.toml",
            "checklist.toml",
            "themes.toml",
            "places.toml",
        ] {
            write(name, &format!("# {name}\n"));
        }
        write(
            "mirror.toml",
            r#"data_dir = "city"
out_dir = "out"
templates_dir = "templates"
calendar = "calendar.toml"
absence_codes = "absence-codes.toml"
questionnaires = "questionnaires"
themes = "themes.toml"
checklist = "checklist.toml"
places = "places.toml"
[pseudonyms]
key_file = "city/pseudonym.key"
"#,
        );
        let config_path = root.join("mirror.toml");
        let config = Config::load(&config_path).unwrap();
        (dir, config_path, config)
    }

    fn sha256_of(path: &Path) -> String {
        hex(&Sha256::digest(std::fs::read(path).unwrap()))
    }

    /// The city store's key follows the configuration and the files the
    /// pupil records come from, and nothing else.
    #[test]
    fn only_the_pupil_sources_and_the_configuration_change_the_store_key() {
        let (dir, config_path, config) = inputs_folder();
        let root = dir.path();
        for folder in ["rosters", "checklists"] {
            std::fs::create_dir_all(root.join("city").join(folder)).unwrap();
            std::fs::write(root.join("city").join(folder).join("x.csv"), "school_id\n").unwrap();
        }
        // A pupil source linked in from elsewhere is read through the link.
        std::fs::create_dir_all(root.join("exports")).unwrap();
        std::fs::write(root.join("exports/e.csv"), "pupil_number\n").unwrap();
        std::os::unix::fs::symlink(root.join("exports"), root.join("city/enrolments")).unwrap();
        let key = || {
            hash_inputs(&config_path, &config)
                .unwrap()
                .pupil_sources_sha256
        };
        let first = key();
        for (file, counts) in [
            ("city/a.csv", false),
            ("city/checklists/x.csv", false),
            ("exports/e.csv", true),
            ("questionnaires/q.toml", false),
            ("templates/report.typ", false),
            ("themes.toml", false),
            ("city/rosters/x.csv", true),
            ("places.toml", true),
            ("city/registrations/b.csv", true),
            ("calendar.toml", true),
            ("absence-codes.toml", true),
            ("mirror.toml", true),
        ] {
            let before = key();
            let path = root.join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, format!("{text}\n# changed\n")).unwrap();
            assert_eq!(key() != before, counts, "{file}");
        }
        assert_ne!(key(), first);
        std::fs::write(root.join("city/registry.csv"), "school_id\n").unwrap();
        let before = key();
        std::fs::write(root.join("city/registry.csv"), "school_id\n100001\n").unwrap();
        assert_ne!(key(), before);
    }

    #[test]
    fn every_input_is_listed_with_its_own_hash_and_the_key_is_not() {
        let (dir, config_path, config) = inputs_folder();
        let inputs = hash_inputs(&config_path, &config).unwrap();
        let names: Vec<&str> = inputs.files.iter().map(|f| f.name.as_str()).collect();
        // Folders in file-name order, depth first; city/pseudonym.key left
        // out; then the configuration's own files in a fixed order.
        assert_eq!(
            names,
            [
                "data/a.csv",
                "data/empty.csv",
                "data/registrations/b.csv",
                "templates/report.typ",
                "config/questionnaires/q.toml",
                "config/calendar.toml",
                "config/absence-codes.toml",
                "config/checklist.toml",
                "config/themes.toml",
                "config/places.toml",
            ]
        );
        // The standard SHA-256 test vectors: "abc" (FIPS 180-2, appendix B.1)
        // and the empty input.
        assert_eq!(
            inputs.files[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(inputs.files[0].bytes, 3);
        assert_eq!(
            inputs.files[1].sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(inputs.files[1].bytes, 0);
        // "pupil_number\n1\n": 12 + 1 + 1 + 1 bytes.
        assert_eq!(inputs.files[2].bytes, 15);
        let root = dir.path();
        let paths = [
            "city/a.csv",
            "city/empty.csv",
            "city/registrations/b.csv",
            "templates/report.typ",
            "questionnaires/q.toml",
            "calendar.toml",
            "absence-codes.toml",
            "checklist.toml",
            "themes.toml",
            "places.toml",
        ];
        for (file, path) in inputs.files.iter().zip(paths) {
            assert_eq!(file.sha256, sha256_of(&root.join(path)), "{path}");
        }
        assert_eq!(inputs.config.name, "config");
        assert_eq!(inputs.config.sha256, sha256_of(&config_path));
        // The combined hash: one line "name<TAB>sha256" per file, the
        // configuration first.
        let mut lines = format!("config\t{}\n", inputs.config.sha256);
        for f in &inputs.files {
            lines.push_str(&format!("{}\t{}\n", f.name, f.sha256));
        }
        assert_eq!(inputs.data_sha256, hex(&Sha256::digest(lines)));
    }

    #[test]
    fn the_data_hash_changes_with_one_data_byte_and_not_without() {
        let (dir, config_path, config) = inputs_folder();
        let before = hash_inputs(&config_path, &config).unwrap().data_sha256;
        assert_eq!(before.len(), 64);
        // Nothing changed: the same hash.
        assert_eq!(
            hash_inputs(&config_path, &config).unwrap().data_sha256,
            before
        );
        // Another key: not an input, the same hash.
        std::fs::write(dir.path().join("city/pseudonym.key"), "cd".repeat(32)).unwrap();
        assert_eq!(
            hash_inputs(&config_path, &config).unwrap().data_sha256,
            before
        );
        // "abc" becomes "abd": another hash; back to "abc": the first again.
        std::fs::write(dir.path().join("city/a.csv"), "abd").unwrap();
        let changed = hash_inputs(&config_path, &config).unwrap();
        assert_ne!(changed.data_sha256, before);
        assert_ne!(
            changed.files[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        std::fs::write(dir.path().join("city/a.csv"), "abc").unwrap();
        assert_eq!(
            hash_inputs(&config_path, &config).unwrap().data_sha256,
            before
        );
    }
}
