//! The SHA-256 of every input: the data files, the configuration and the
//! files it names (calendar, codes, questionnaires, templates...). Their
//! combined hash is the "data hash" each report prints, so that any figure
//! can be traced to the exact inputs it was made from.

use std::path::{Path, PathBuf};

use mirror_model::Config;
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
}

pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes every input of a run with `config` (loaded from `config_path`).
/// The pseudonym key is not an input of the figures and is left out.
pub fn hash_inputs(config_path: &Path, config: &Config) -> Result<Inputs, CliError> {
    let config_dir = config_path.parent().unwrap_or(Path::new(""));
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    let mut folder = |prefix: &str, dir: &Path| -> Result<(), CliError> {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.map_err(|e| CliError::Folder {
                path: e.path().unwrap_or(dir).to_owned(),
                message: e.to_string(),
            })?;
            let path = entry.path();
            if !entry.file_type().is_file() || Some(path) == config.pseudonym_key_file.as_deref() {
                continue;
            }
            let relative = path.strip_prefix(dir).unwrap_or(path);
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
    for path in [
        &config.calendar,
        &config.absence_codes,
        &config.checklist,
        &config.themes,
        &config.places,
    ] {
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
    Ok(Inputs {
        data_sha256: hex(&all.finalize()),
        config: config_file,
        files,
    })
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
