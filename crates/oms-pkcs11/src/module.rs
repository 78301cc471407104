//! Which PKCS#11 module (shared library) a URI names.

use std::path::{Path, PathBuf};

use crate::uri::Pkcs11Uri;
use crate::uri_error::UriError;

/// Where `module-name` is looked up after the caller's directories: Debian/Ubuntu
/// multiarch and SoftHSM locations, then the reference's Fedora/Arch defaults.
pub const DEFAULT_MODULE_DIRS: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/pkcs11",
    "/usr/lib/softhsm",
    "/usr/lib/pkcs11",
    "/usr/lib64/pkcs11",
];

impl Pkcs11Uri {
    /// Resolves the module to load.
    ///
    /// `module-path` wins when it is a regular file. When it is a directory, `module-name`
    /// is looked up there only (as the reference does). Otherwise `module-name` is looked up
    /// as `lib<name>.so` or `<name>.so` in `search_dirs`, then in [`DEFAULT_MODULE_DIRS`].
    pub fn module_path(&self, search_dirs: &[PathBuf]) -> Result<PathBuf, UriError> {
        let dirs: Vec<PathBuf> = match self.module_path_attribute() {
            Some(module_path) => {
                let path = PathBuf::from(module_path);
                let meta =
                    std::fs::metadata(&path).map_err(|source| UriError::ModulePathNotFound {
                        path: path.clone(),
                        source,
                    })?;
                if meta.is_file() {
                    return Ok(path);
                }
                if !meta.is_dir() {
                    return Err(UriError::ModulePathInvalidType { path });
                }
                vec![path]
            }
            None => search_dirs
                .iter()
                .cloned()
                .chain(DEFAULT_MODULE_DIRS.iter().map(PathBuf::from))
                .collect(),
        };
        let name = self.module_name().ok_or(UriError::ModuleNotSpecified)?;
        find_module(name, &dirs).ok_or_else(|| UriError::ModuleNameNotFound {
            name: name.to_owned(),
            searched: dirs,
        })
    }
}

fn find_module(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let candidates = [format!("lib{name}.so"), format!("{name}.so")];
    dirs.iter()
        .flat_map(|dir| candidates.iter().map(move |file| dir.join(file)))
        .find(|path| is_file(path))
}

fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}
