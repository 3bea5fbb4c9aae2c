use std::fmt;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::AnonymiseError;

/// The environment variable that holds the key; it takes precedence over the
/// configured key file so a real key never has to be written next to the data.
pub const KEY_ENV: &str = "MIRROR_PSEUDONYM_KEY";

/// A pupil's pseudonym: HMAC-SHA-256 of the pupil number under the city's key.
/// The same key gives the same pseudonym in every run, so years can be joined.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pseudonym([u8; 32]);

impl Pseudonym {
    /// Bytes `8 * k` to `8 * k + 7`, for the city store.
    pub(crate) fn part(&self, k: usize) -> u64 {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&self.0[8 * k..8 * k + 8]);
        u64::from_be_bytes(bytes)
    }

    pub(crate) fn from_parts(parts: [u64; 4]) -> Self {
        let mut bytes = [0; 32];
        for (k, part) in parts.iter().enumerate() {
            bytes[8 * k..8 * k + 8].copy_from_slice(&part.to_be_bytes());
        }
        Self(bytes)
    }
}

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pseudonym({self})")
    }
}

/// The secret key for pseudonyms.
#[derive(Clone)]
pub struct PseudonymKey {
    mac: Hmac<Sha256>,
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    /// From `MIRROR_PSEUDONYM_KEY` if set, else from `key_file`.
    pub fn load(key_file: Option<&Path>, config: &Path) -> Result<Self, AnonymiseError> {
        if let Ok(hex) = std::env::var(KEY_ENV) {
            return Self::from_hex(&hex, KEY_ENV);
        }
        let path = key_file.ok_or_else(|| AnonymiseError::NoKey {
            env: KEY_ENV,
            config: config.display().to_string(),
        })?;
        let text =
            std::fs::read_to_string(path).map_err(|source| AnonymiseError::KeyUnreadable {
                source_name: path.display().to_string(),
                source,
            })?;
        Self::from_hex(&text, &path.display().to_string())
    }

    pub fn from_hex(hex: &str, source_name: &str) -> Result<Self, AnonymiseError> {
        let malformed = || AnonymiseError::KeyMalformed {
            source_name: source_name.to_owned(),
        };
        let hex = hex.trim();
        if hex.len() < 64 || !hex.len().is_multiple_of(2) {
            return Err(malformed());
        }
        let bytes = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("?"), 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| malformed())?;
        let mac = Hmac::<Sha256>::new_from_slice(&bytes).map_err(|_| malformed())?;
        Ok(Self { mac })
    }

    pub fn pseudonym(&self, pupil_number: &str) -> Pseudonym {
        let mut mac = self.mac.clone();
        mac.update(pupil_number.as_bytes());
        Pseudonym(mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_an_independent_hmac_sha256() {
        // Computed independently with Python's standard library:
        // hmac.new(bytes(range(32)), b"12345678", "sha256").hexdigest()
        let key: String = (0u8..32).map(|b| format!("{b:02x}")).collect();
        let key = PseudonymKey::from_hex(&key, "test").unwrap();
        assert_eq!(
            key.pseudonym("12345678").to_string(),
            "b2be66f797c511bd2a34dfb060838661a6882b3f98f54af9cd34a6c66ae8afe4"
        );
    }

    #[test]
    fn same_key_same_pseudonym_other_key_other_pseudonym() {
        let a = PseudonymKey::from_hex(&"ab".repeat(32), "a").unwrap();
        let b = PseudonymKey::from_hex(&"cd".repeat(32), "b").unwrap();
        assert_eq!(a.pseudonym("10000001"), a.pseudonym("10000001"));
        assert_ne!(a.pseudonym("10000001"), b.pseudonym("10000001"));
        assert_ne!(a.pseudonym("10000001"), a.pseudonym("10000002"));
    }

    #[test]
    fn refuses_short_or_non_hex_keys() {
        assert!(PseudonymKey::from_hex("abcd", "k").is_err());
        assert!(PseudonymKey::from_hex(&"zz".repeat(32), "k").is_err());
    }
}
