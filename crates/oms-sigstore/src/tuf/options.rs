//! Where a TUF refresh goes and what it starts from: repository URL, bootstrap
//! TUF root, cache directory, offline switch, timeout and the fallback trust.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sigstore_trust_root::SigstoreInstance;

use super::error::TufError;
use crate::trust::TrustSource;

/// The public-good Sigstore TUF repository.
pub const PUBLIC_GOOD_TUF_URL: &str = "https://tuf-repo-cdn.sigstore.dev";

/// The staging Sigstore TUF repository (`--use_staging`).
pub const STAGING_TUF_URL: &str = "https://tuf-repo-cdn.sigstage.dev";

/// Default bound on each HTTP request of a refresh: a stalled mirror must not
/// hang verification (TUF's slow-retrieval attack).
pub const DEFAULT_TUF_TIMEOUT: Duration = Duration::from_secs(30);

/// How to refresh the trusted root through TUF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TufOptions {
    /// Base URL of the TUF repository (metadata at `<url>/`, targets at
    /// `<url>/targets/`).
    pub repository_url: String,
    /// The TUF `root.json` trusted to bootstrap the root rotation chain.
    pub bootstrap_root: Vec<u8>,
    /// Where verified metadata and targets are cached. Everything read back
    /// from it is verified again from `bootstrap_root`.
    pub cache_dir: PathBuf,
    /// Never touch the network: use the cache if its metadata is still valid,
    /// else the fallback.
    pub offline: bool,
    /// Bound on each HTTP request.
    pub timeout: Duration,
    /// Trust to use (with a warning) when neither the repository nor the cache
    /// can give a trusted root; `None` makes that an error.
    pub fallback: Option<TrustSource>,
}

impl TufOptions {
    /// The public-good repository, bootstrapped from the TUF root embedded in
    /// `sigstore-trust-root`, cached under the user cache directory, falling
    /// back to the embedded public-good trusted root.
    pub fn public_good() -> Result<Self, TufError> {
        let cache_dir = default_cache_dir(PUBLIC_GOOD_TUF_URL)?;
        Ok(Self::for_instance(SigstoreInstance::PublicGood, cache_dir))
    }

    /// Like [`TufOptions::public_good`] for the staging instance.
    pub fn staging() -> Result<Self, TufError> {
        let cache_dir = default_cache_dir(STAGING_TUF_URL)?;
        Ok(Self::for_instance(SigstoreInstance::Staging, cache_dir))
    }

    /// The TUF options matching a trust source: public-good and staging have a
    /// TUF repository; trust files are explicit and are never refreshed (`None`).
    pub fn for_source(source: &TrustSource) -> Result<Option<Self>, TufError> {
        match source {
            TrustSource::PublicGood => Self::public_good().map(Some),
            TrustSource::Staging => Self::staging().map(Some),
            TrustSource::TrustedRootFile(_) | TrustSource::ClientTrustConfigFile(_) => Ok(None),
        }
    }

    /// A custom repository (a private Sigstore instance, or a test repository):
    /// online, default timeout, no fallback.
    pub fn custom(
        repository_url: impl Into<String>,
        bootstrap_root: Vec<u8>,
        cache_dir: PathBuf,
    ) -> Self {
        Self {
            repository_url: repository_url.into(),
            bootstrap_root,
            cache_dir,
            offline: false,
            timeout: DEFAULT_TUF_TIMEOUT,
            fallback: None,
        }
    }

    fn for_instance(instance: SigstoreInstance, cache_dir: PathBuf) -> Self {
        let (url, fallback) = match instance {
            SigstoreInstance::Staging => (STAGING_TUF_URL, TrustSource::Staging),
            _ => (PUBLIC_GOOD_TUF_URL, TrustSource::PublicGood),
        };
        Self {
            fallback: Some(fallback),
            ..Self::custom(url, instance.tuf_root().to_vec(), cache_dir)
        }
    }
}

/// `$XDG_CACHE_HOME/model-signing-rs/tuf/<repository>` (or `~/.cache/…`), one
/// directory per repository so two repositories never share metadata.
pub fn default_cache_dir(repository_url: &str) -> Result<PathBuf, TufError> {
    cache_dir_from(
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME"),
        repository_url,
    )
    .ok_or(TufError::NoCacheDir)
}

/// Pure part of [`default_cache_dir`]. The XDG spec says a relative
/// `XDG_CACHE_HOME` is invalid and must be ignored.
fn cache_dir_from(
    xdg_cache_home: Option<OsString>,
    home: Option<OsString>,
    repository_url: &str,
) -> Option<PathBuf> {
    let xdg = xdg_cache_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = match xdg {
        Some(dir) => dir,
        None => Path::new(&home.filter(|h| !h.is_empty())?).join(".cache"),
    };
    Some(
        base.join("model-signing-rs")
            .join("tuf")
            .join(repository_dir_name(repository_url)),
    )
}

/// The repository URL without its scheme, with every byte outside
/// `[A-Za-z0-9._-]` percent-encoded, so it is one safe path component
/// (`tuf-repo-cdn.sigstore.dev`, `127.0.0.1%3A8080`).
fn repository_dir_name(repository_url: &str) -> String {
    let without_scheme = repository_url
        .split_once("://")
        .map_or(repository_url, |(_, rest)| rest);
    let trimmed = without_scheme.trim_end_matches('/');
    let mut out = String::with_capacity(trimmed.len());
    for byte in trimmed.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    // `.` and `..` would not be a directory of their own.
    if out.is_empty() || out.bytes().all(|b| b == b'.') {
        out = format!("repository-{}", out.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_names() {
        assert_eq!(
            repository_dir_name("https://tuf-repo-cdn.sigstore.dev"),
            "tuf-repo-cdn.sigstore.dev"
        );
        assert_eq!(
            repository_dir_name("https://tuf-repo-cdn.sigstore.dev/"),
            "tuf-repo-cdn.sigstore.dev"
        );
        assert_eq!(
            repository_dir_name("http://127.0.0.1:8080/repo/"),
            "127.0.0.1%3A8080%2Frepo"
        );
        assert_eq!(repository_dir_name("https://.."), "repository-2");
    }

    #[test]
    fn xdg_cache_home_wins_when_absolute() {
        let dir = cache_dir_from(
            Some("/xdg".into()),
            Some("/home/u".into()),
            PUBLIC_GOOD_TUF_URL,
        );
        assert_eq!(
            dir,
            Some(PathBuf::from(
                "/xdg/model-signing-rs/tuf/tuf-repo-cdn.sigstore.dev"
            ))
        );
    }

    #[test]
    fn home_cache_when_xdg_is_absent_or_relative() {
        for xdg in [None, Some("relative".into())] {
            let dir = cache_dir_from(xdg, Some("/home/u".into()), STAGING_TUF_URL);
            assert_eq!(
                dir,
                Some(PathBuf::from(
                    "/home/u/.cache/model-signing-rs/tuf/tuf-repo-cdn.sigstage.dev"
                ))
            );
        }
    }

    #[test]
    fn no_cache_dir_without_home() {
        assert_eq!(cache_dir_from(None, None, PUBLIC_GOOD_TUF_URL), None);
        assert_eq!(
            cache_dir_from(None, Some("".into()), PUBLIC_GOOD_TUF_URL),
            None
        );
    }

    #[test]
    fn instance_options() {
        for (instance, url, fallback) in [
            (
                SigstoreInstance::PublicGood,
                PUBLIC_GOOD_TUF_URL,
                TrustSource::PublicGood,
            ),
            (
                SigstoreInstance::Staging,
                STAGING_TUF_URL,
                TrustSource::Staging,
            ),
        ] {
            let options = TufOptions::for_instance(instance, PathBuf::from("/c"));
            assert_eq!(
                options,
                TufOptions {
                    repository_url: url.to_owned(),
                    bootstrap_root: instance.tuf_root().to_vec(),
                    cache_dir: PathBuf::from("/c"),
                    offline: false,
                    timeout: DEFAULT_TUF_TIMEOUT,
                    fallback: Some(fallback),
                }
            );
            // The URLs we name are the ones sigstore-trust-root pairs with its roots.
            assert_eq!(instance.tuf_url(), url);
        }
    }

    #[test]
    fn embedded_bootstrap_roots_are_self_signed() {
        for instance in [SigstoreInstance::PublicGood, SigstoreInstance::Staging] {
            sigstore_tuf::TrustedMetadataSet::from_root(instance.tuf_root()).unwrap();
        }
    }
}
