//! Refreshing the Sigstore trusted root through TUF (feature `tuf`).
//!
//! Verification is offline by default: the public-good and staging trusted
//! roots are embedded. When asked to, [`refresh_trusted_root`] runs a TUF update
//! against the instance's repository (root rotation chain, timestamp, snapshot,
//! targets; then `trusted_root.json` and, when listed,
//! `signing_config.v0.2.json`, checked against their pinned length and hashes)
//! and caches what verified. When the repository is unreachable it uses the
//! cache if its metadata is still valid, else the fallback trust (the embedded
//! root), and says so in [`TufRefresh::warnings`] rather than printing.
//!
//! The TUF protocol itself is `sigstore-tuf`'s (TUF-conformance tested); this
//! module only chooses what to trust when, and builds [`TrustMaterial`].

mod error;
mod fetch;
mod options;

use serde_json::{Map, Value};

pub use error::TufError;
pub use fetch::{SIGNING_CONFIG_TARGET, TRUSTED_ROOT_TARGET};
pub use options::{
    default_cache_dir, TufOptions, DEFAULT_TUF_TIMEOUT, PUBLIC_GOOD_TUF_URL, STAGING_TUF_URL,
};

use crate::error::SigstoreError;
use crate::trust::{TrustMaterial, TrustSource, CLIENT_TRUST_CONFIG_MEDIA_TYPE};

/// Where the trust material of a [`TufRefresh`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustProvenance {
    /// Fetched and verified from the TUF repository just now.
    Updated,
    /// Verified again from the TUF cache (offline, or the repository was
    /// unreachable).
    Cached,
    /// Neither the repository nor the cache could be used: the options'
    /// fallback (normally the embedded root). A warning says why.
    Fallback,
    /// No TUF refresh was asked for: loaded directly from the trust source.
    NotRefreshed,
}

/// The outcome of obtaining trust material.
#[derive(Debug, Clone)]
pub struct TufRefresh {
    /// The trust material to verify (and sign) with.
    pub material: TrustMaterial,
    /// Where it came from.
    pub provenance: TrustProvenance,
    /// Things the user should know (the repository was unreachable, the
    /// fallback was used, the cache could not be written). Never printed here.
    pub warnings: Vec<String>,
}

/// How [`load_trust_material`] treats the public-good and staging sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrustRefresh {
    /// Use the embedded roots; no TUF, no cache, no network.
    #[default]
    Never,
    /// Use the TUF cache if its metadata is still valid, else the embedded
    /// roots; no network.
    CacheOnly,
    /// Refresh from the TUF repository (falling back to the cache, then the
    /// embedded roots, when it is unreachable).
    Online,
}

/// Runs a TUF refresh as `opts` says and returns the trusted root it gives.
///
/// * Online: fetch and verify, cache, return [`TrustProvenance::Updated`]. If
///   the repository is unreachable, fall back as when offline, with a warning
///   naming the network failure. Any verification failure (bad signature,
///   rollback, expired metadata, hash mismatch) is an error: a repository that
///   serves bad metadata is reported, not silently replaced.
/// * Offline: the cache if it verifies at the current time
///   ([`TrustProvenance::Cached`]), else the fallback with a warning.
pub fn refresh_trusted_root(opts: &TufOptions) -> Result<TufRefresh, TufError> {
    refresh_trusted_root_at(opts, jiff::Timestamp::now())
}

/// [`refresh_trusted_root`] with metadata expiry judged at `now`.
pub fn refresh_trusted_root_at(
    opts: &TufOptions,
    now: jiff::Timestamp,
) -> Result<TufRefresh, TufError> {
    if opts.offline {
        return cache_or_fallback(opts, now, None);
    }
    match fetch::online(opts, now) {
        Ok((targets, cache_problem)) => Ok(TufRefresh {
            material: material(targets, &format!("TUF repository {}", opts.repository_url))?,
            provenance: TrustProvenance::Updated,
            warnings: cache_problem.into_iter().collect(),
        }),
        Err(err) if err.is_unreachable() => cache_or_fallback(opts, now, Some(err)),
        Err(err) => Err(err),
    }
}

/// The one call for the CLI: trust material for `source`, refreshed through
/// TUF as `refresh` says. Trust files are explicit and never refreshed.
pub fn load_trust_material(
    source: &TrustSource,
    refresh: TrustRefresh,
) -> Result<TufRefresh, TufError> {
    let options = match refresh {
        TrustRefresh::Never => None,
        TrustRefresh::CacheOnly | TrustRefresh::Online => TufOptions::for_source(source)?,
    };
    match options {
        Some(mut options) => {
            options.offline = refresh == TrustRefresh::CacheOnly;
            refresh_trusted_root(&options)
        }
        None => Ok(TufRefresh {
            material: TrustMaterial::load(source)?,
            provenance: TrustProvenance::NotRefreshed,
            warnings: Vec::new(),
        }),
    }
}

fn cache_or_fallback(
    opts: &TufOptions,
    now: jiff::Timestamp,
    network: Option<TufError>,
) -> Result<TufRefresh, TufError> {
    let cache_err = match fetch::cached(opts, now) {
        Ok(targets) => {
            let origin = format!(
                "TUF cache {} of {}",
                opts.cache_dir.display(),
                opts.repository_url
            );
            return Ok(TufRefresh {
                material: material(targets, &origin)?,
                provenance: TrustProvenance::Cached,
                warnings: network
                    .map(|e| format!("{e}; using the cached trusted root"))
                    .into_iter()
                    .collect(),
            });
        }
        Err(err) => err,
    };
    let why = match &network {
        Some(net) => format!("{net}; no usable TUF cache ({cache_err})"),
        None => format!("offline; no usable TUF cache ({cache_err})"),
    };
    let Some(fallback) = &opts.fallback else {
        return Err(TufError::NoTrustedRoot {
            url: opts.repository_url.clone(),
            detail: why,
        });
    };
    let material = TrustMaterial::load(fallback)?;
    let warning = format!("{why}; using the {}", material.origin());
    Ok(TufRefresh {
        material,
        provenance: TrustProvenance::Fallback,
        warnings: vec![warning],
    })
}

/// The trusted root alone, or with the repository's signing config as one
/// ClientTrustConfig so both go through the same checks as `--trust_config`.
fn material(targets: fetch::Targets, origin: &str) -> Result<TrustMaterial, SigstoreError> {
    let root_origin = format!("{origin} {TRUSTED_ROOT_TARGET}");
    let root_only = TrustMaterial::from_trusted_root_json(&targets.trusted_root, &root_origin)?;
    let Some(signing_config) = targets.signing_config else {
        return Ok(root_only);
    };
    let config_origin = format!("{origin} {SIGNING_CONFIG_TARGET}");
    let root: Value = parse(&targets.trusted_root, &root_origin)?;
    let config: Value = parse(&signing_config, &config_origin)?;
    let mut document = Map::new();
    document.insert(
        "mediaType".to_owned(),
        Value::String(CLIENT_TRUST_CONFIG_MEDIA_TYPE.to_owned()),
    );
    document.insert("trustedRoot".to_owned(), root);
    document.insert("signingConfig".to_owned(), config);
    let json =
        serde_json::to_vec(&Value::Object(document)).map_err(|e| SigstoreError::TrustFormat {
            origin: origin.to_owned(),
            field: ".".to_owned(),
            reason: e.to_string(),
        })?;
    TrustMaterial::from_client_trust_config_json(&json, origin)
}

fn parse(json: &[u8], origin: &str) -> Result<Value, SigstoreError> {
    serde_json::from_slice(json).map_err(|e| SigstoreError::TrustFormat {
        origin: origin.to_owned(),
        field: ".".to_owned(),
        reason: e.to_string(),
    })
}
