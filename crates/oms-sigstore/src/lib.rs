//! Sigstore keyless support for OpenSSF Model Signing: trust material, identity
//! policy, bundle inspection and verification (docs/FORMAT.md §5.3, §6.3). Thin adapter
//! over the pinned `sigstore-*` 0.15.1 crates so their API churn stays here.
//!
//! Layout: `trust` (what to believe), `certificate` (leaf claims), `policy` (who
//! may sign), `verify` / `inspect` (bundles), `error`; `sign` (feature `sign`,
//! on by default) is keyless signing.

mod certificate;
mod error;
mod inspect;
mod policy;
#[cfg(feature = "sign")]
pub mod sign;
mod subject;
mod timestamps;
mod trust;
#[cfg(feature = "tuf")]
pub mod tuf;
mod verify;

pub use certificate::CertificateClaims;
pub use error::SigstoreError;
pub use inspect::{inspect_bundle, BundleInfo, TlogEntryInfo};
pub use policy::{IdentityPolicy, PolicyMatch, StringMatcher};
#[cfg(feature = "sign")]
pub use sign::{sign_statement, sign_statement_with, SignOptions, SigningError};
pub use trust::{TrustMaterial, TrustSource, CLIENT_TRUST_CONFIG_MEDIA_TYPE};
#[cfg(feature = "tuf")]
pub use tuf::{
    load_trust_material, refresh_trusted_root, TrustRefresh, TufError, TufOptions, TufRefresh,
};
pub use verify::{verify_bundle, TimeSource, VerifiedBundle, VerifiedTime};
