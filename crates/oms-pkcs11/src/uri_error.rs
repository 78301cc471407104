//! Errors from parsing a PKCS#11 URI and from resolving what it points to (PIN, module).

use std::path::PathBuf;

/// Which URI component an attribute was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriComponent {
    Path,
    Query,
}

impl std::fmt::Display for UriComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UriComponent::Path => "path",
            UriComponent::Query => "query",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UriError {
    #[error("malformed PKCS#11 URI: expected it to start with 'pkcs11:', found {found}")]
    NotPkcs11 { found: String },

    #[error("malformed PKCS#11 URI: {component} attribute '{text}' is not of the form name=value")]
    MalformedAttribute {
        component: UriComponent,
        text: String,
    },

    #[error(
        "malformed PKCS#11 URI: '{name}' is not a {component} attribute \
         (vendor-specific attributes must start with 'x-')"
    )]
    UnknownAttribute {
        component: UriComponent,
        name: String,
    },

    #[error("malformed PKCS#11 URI: {component} attribute '{name}' appears more than once")]
    DuplicateAttribute {
        component: UriComponent,
        name: String,
    },

    #[error(
        "malformed PKCS#11 URI: attribute '{attribute}' has an invalid percent-encoding at \
         character {position}: expected '%' followed by two hex digits"
    )]
    InvalidPercentEncoding { attribute: String, position: usize },

    #[error(
        "malformed PKCS#11 URI: attribute '{attribute}' is not valid UTF-8 after percent-decoding"
    )]
    InvalidUtf8 { attribute: String },

    #[error("malformed PKCS#11 URI: attribute '{attribute}' must be {expected}, found '{found}'")]
    InvalidValue {
        attribute: &'static str,
        expected: &'static str,
        found: String,
    },

    #[error("malformed PKCS#11 URI: it must not contain both 'pin-source' and 'pin-value'")]
    PinSourceAndValue,

    #[error(
        "PKCS#11 URI attribute 'pin-source': only a file path or a 'file:' URI is supported, \
         found '{source_uri}'"
    )]
    PinSourceUnsupported { source_uri: String },

    #[error("PKCS#11 URI attribute 'pin-source': the path '{path}' is not absolute")]
    PinSourceNotAbsolute { path: String },

    #[error("PKCS#11 URI attribute 'pin-source': cannot read the PIN from {path}: {source}")]
    PinSourceRead {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("PKCS#11 URI attribute 'pin-source': the file {path} is not valid UTF-8")]
    PinSourceNotUtf8 { path: PathBuf },

    #[error(
        "PKCS#11 URI attribute 'module-path': {path} does not exist or cannot be read: {source}"
    )]
    ModulePathNotFound {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "PKCS#11 URI attribute 'module-path': {path} is neither a regular file nor a directory"
    )]
    ModulePathInvalidType { path: PathBuf },

    #[error("PKCS#11 URI names no module: it needs 'module-path' or 'module-name'")]
    ModuleNotSpecified,

    #[error(
        "PKCS#11 URI attribute 'module-name': no module '{name}' (lib{name}.so or {name}.so) \
         in {}",
        display_dirs(searched)
    )]
    ModuleNameNotFound {
        name: String,
        searched: Vec<PathBuf>,
    },
}

fn display_dirs(dirs: &[PathBuf]) -> String {
    if dirs.is_empty() {
        return "no directories".to_owned();
    }
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
