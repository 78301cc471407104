//! Drives `sigstore-tuf`'s updater: online against the repository, writing
//! verified files through to the cache, or offline from the cache alone. Both
//! verify everything again from the bootstrap root (root rotation chain,
//! timestamp, snapshot, targets, then the targets' length and hashes).

use std::future::Future;
use std::path::Path;

use sigstore_tuf::reqwest;
use sigstore_tuf::{FileStore, HttpRepository, StoreRepository, Updater};

use super::error::{error_chain, TufError};
use super::options::TufOptions;

/// The Sigstore trusted root target.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";

/// The Sigstore signing config target (optional in a repository).
pub const SIGNING_CONFIG_TARGET: &str = "signing_config.v0.2.json";

const USER_AGENT: &str = concat!("model-signing-rs/", env!("CARGO_PKG_VERSION"));

/// Verified target bytes.
pub(crate) struct Targets {
    pub trusted_root: Vec<u8>,
    pub signing_config: Option<Vec<u8>>,
}

/// Refreshes from the repository. A cache directory that cannot be created
/// only costs the caching: the second value says why nothing was cached.
pub(crate) fn online(
    opts: &TufOptions,
    now: jiff::Timestamp,
) -> Result<(Targets, Option<String>), TufError> {
    let url = opts.repository_url.as_str();
    let cache_problem = std::fs::create_dir_all(&opts.cache_dir).err().map(|e| {
        format!(
            "cannot create the TUF cache {}: {e}; the refreshed trusted root is not cached",
            opts.cache_dir.display()
        )
    });
    let targets = on_runtime(async {
        // Built inside the runtime: reqwest's connector wants one around.
        let client = reqwest::Client::builder()
            .connect_timeout(opts.timeout)
            .timeout(opts.timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| TufError::Runtime {
                detail: format!("cannot build the HTTP client: {}", error_chain(&e)),
            })?;
        let repo = HttpRepository::new(url)
            .map_err(|e| TufError::InvalidUrl {
                url: url.to_owned(),
                detail: error_chain(&e),
            })?
            .with_http_client(client);
        let mut updater = bootstrap(repo, opts)?;
        if cache_problem.is_none() {
            updater = updater.with_store(FileStore::new(&opts.cache_dir));
        }
        fetch_targets(&mut updater, now)
            .await
            .map_err(|e| TufError::from_tuf(url, e))
    })??;
    Ok((targets, cache_problem))
}

/// Verifies the cache as if it were the repository; never touches the network.
pub(crate) fn cached(opts: &TufOptions, now: jiff::Timestamp) -> Result<Targets, TufError> {
    let url = opts.repository_url.as_str();
    // Checked first so an empty cache is reported plainly and not created.
    if !opts.cache_dir.join("timestamp.json").is_file() {
        return Err(TufError::Cache {
            url: url.to_owned(),
            detail: format!("no cached metadata in {}", opts.cache_dir.display()),
        });
    }
    on_runtime(async {
        let store = FileStore::new(&opts.cache_dir);
        let mut updater = bootstrap(StoreRepository::new(store.clone()), opts)?.with_store(store);
        fetch_targets(&mut updater, now)
            .await
            .map_err(|e| from_cache(url, &opts.cache_dir, e))
    })?
}

fn bootstrap(
    repo: impl sigstore_tuf::Repository + 'static,
    opts: &TufOptions,
) -> Result<Updater, TufError> {
    Updater::new(repo, &opts.bootstrap_root).map_err(|e| TufError::BootstrapRoot {
        url: opts.repository_url.clone(),
        detail: error_chain(&e),
    })
}

async fn fetch_targets(
    updater: &mut Updater,
    now: jiff::Timestamp,
) -> Result<Targets, sigstore_tuf::Error> {
    updater.refresh(now).await?;
    let trusted_root = updater.get_target(TRUSTED_ROOT_TARGET, now).await?;
    let signing_config = match updater.get_target_info(SIGNING_CONFIG_TARGET, now).await? {
        None => None,
        Some(info) => Some(
            match updater.find_cached_target(&info, SIGNING_CONFIG_TARGET) {
                Some(bytes) => bytes,
                None => {
                    updater
                        .download_target(&info, SIGNING_CONFIG_TARGET)
                        .await?
                }
            },
        ),
    };
    Ok(Targets {
        trusted_root,
        signing_config,
    })
}

/// In offline mode a "transport" failure is a file missing from the cache.
fn from_cache(url: &str, dir: &Path, err: sigstore_tuf::Error) -> TufError {
    match err {
        sigstore_tuf::Error::Transport { .. } => TufError::Cache {
            url: url.to_owned(),
            detail: format!("{}: {}", dir.display(), error_chain(&err)),
        },
        other => TufError::from_tuf(url, other),
    }
}

/// Runs `future` to completion on a private current-thread runtime, on a
/// thread of its own so that a caller already inside an async runtime does not
/// make tokio panic.
fn on_runtime<T: Send>(future: impl Future<Output = T> + Send) -> Result<T, TufError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| TufError::Runtime {
                        detail: format!("cannot start the async runtime: {e}"),
                    })?;
                Ok(runtime.block_on(future))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(TufError::Runtime {
                    detail: "the TUF refresh thread panicked".to_owned(),
                })
            })
    })
}
