//! The PIN named by a URI: `pin-value`, or `pin-source` read from a file.

use std::path::{Path, PathBuf};

use crate::uri::Pkcs11Uri;
use crate::uri_error::UriError;

impl Pkcs11Uri {
    /// The user PIN, if the URI gives one.
    ///
    /// `pin-source` may be an absolute path or a `file:` URI (`file:/p`, `file:///p`,
    /// `file://localhost/p`). One trailing line ending is dropped from the file, since
    /// PIN files are usually written with `echo`.
    pub fn pin(&self) -> Result<Option<String>, UriError> {
        if let Some(pin) = self.pin_value() {
            return Ok(Some(pin.to_owned()));
        }
        let Some(source) = self.pin_source() else {
            return Ok(None);
        };
        let path = pin_source_path(source)?;
        let raw = std::fs::read(&path).map_err(|source| UriError::PinSourceRead {
            path: path.clone(),
            source,
        })?;
        let text = String::from_utf8(raw).map_err(|_| UriError::PinSourceNotUtf8 { path })?;
        Ok(Some(strip_one_line_ending(&text).to_owned()))
    }
}

fn pin_source_path(source: &str) -> Result<PathBuf, UriError> {
    let unsupported = || UriError::PinSourceUnsupported {
        source_uri: source.to_owned(),
    };
    let path = match source.get(..5) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file:") => {
            let rest = source.get(5..).unwrap_or_default();
            match rest.strip_prefix("//") {
                Some(authority_and_path) => {
                    let (authority, path) = match authority_and_path.find('/') {
                        Some(at) => authority_and_path.split_at(at),
                        None => (authority_and_path, ""),
                    };
                    if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
                        return Err(unsupported());
                    }
                    path
                }
                None => rest,
            }
        }
        _ if has_scheme(source) => return Err(unsupported()),
        _ => source,
    };
    if !Path::new(path).is_absolute() {
        return Err(UriError::PinSourceNotAbsolute {
            path: path.to_owned(),
        });
    }
    Ok(PathBuf::from(path))
}

fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => s.starts_with('|'),
    }
}

fn strip_one_line_ending(s: &str) -> &str {
    s.strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .unwrap_or(s)
}
