//! Walking an OpenSSF Model Signing (OMS) model the way the Python reference does, and hashing
//! it into manifest resources (files or shards; SHA-256, BLAKE2b-512 or BLAKE3) in parallel.
//!
//! Where this deliberately differs from the reference (digests never do):
//! * [`IgnoreRules`] refuses `.`, absolute and `..` paths (the reference accepts `.`, which then
//!   ignores everything).
//! * A directory that cannot be listed is an error; the reference's glob skips it silently.
//! * [`hash_named`] reports a listed file that is absent instead of aborting.
//! * [`model_relative_path`] follows links only down to the model root (never through a link
//!   inside the model), and fails after 40 links (ELOOP) where the reference recurses.
//! * An ignored symlink is refused unless symlinks are allowed (like 1.1.1, unlike HEAD).
//! * File names a verifier refuses (`\`, see [`oms_format::path`]) are refused when listing.
//! * A file that changed between listing and hashing is an error, not a digest.
//! * BLAKE3 reads files instead of mapping them, so a file truncated while hashed gives a
//!   digest that will not verify rather than a SIGBUS.
//!
//! ```no_run
//! use oms_hashing::{hash_model, HashOptions, IgnoreRules};
//! let resources = hash_model(
//!     "model".as_ref(),
//!     false,
//!     &IgnoreRules::git_defaults(),
//!     &HashOptions::default(),
//!     &|_bytes| {},
//! )?;
//! # Ok::<(), oms_hashing::HashError>(())
//! ```

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

mod blake3_tree;
mod error;
mod hash;
mod hasher;
mod identity;
mod ignore;
mod listed_file;
mod named;
mod options;
mod prefetch;
mod resolve;
mod walk;

use std::path::Path;

use oms_format::manifest::Resource;

pub use error::HashError;
pub use hash::{hash_files, hash_files_observed, resource_names, total_len, HashObserver};
pub use hasher::digest_bytes;
pub use identity::FileId;
pub use ignore::{IgnoreRuleError, IgnoreRules, GIT_DEFAULT_PATHS};
pub use listed_file::read_listed;
pub use named::{hash_named, hash_named_with, list_named};
pub use options::HashOptions;
pub use resolve::{model_relative_path, resolve_non_strict, MAX_SYMLINKS};
pub use walk::{list_files, list_model, LinkedDirectory, ModelFile, ModelListing};

/// Lists the model's files ([`list_files`]) and hashes them ([`hash_files`]), both on one pool
/// of `opts.workers` threads.
pub fn hash_model(
    model_path: &Path,
    allow_symlinks: bool,
    ignore: &IgnoreRules,
    opts: &HashOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Resource>, HashError> {
    let pool = hash::build_pool(opts.worker_count())?;
    let files = pool.install(|| list_files(model_path, allow_symlinks, ignore))?;
    hash::hash_files_in(Some(&pool), &files, opts, progress)
}
