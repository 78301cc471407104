//! Pulling a model artifact into a new folder: raw layers become files at their validated
//! paths, archive layers (`.tar`, `.tar+gzip`) are unpacked entry by entry. Only regular files
//! and folders are created, never over an existing file, never outside the folder.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::digest::Sha256Digest;
use crate::registry::{FetchedModel, Registry};
use crate::{Error, LayerFormat};

/// The most entries read from one archive layer.
const MAX_ARCHIVE_ENTRIES: usize = oms_format::limits::MAX_RESOURCES;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Pulls every layer of `model` into `dir`, which must not exist yet. On any failure (a layer
/// that does not match its digest, an archive entry refused) the folder is removed: bytes that
/// failed their check are never left behind to be used.
pub async fn pull_folder(
    registry: &Registry,
    model: &FetchedModel,
    dir: &Path,
) -> Result<(), Error> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    std::fs::create_dir(dir).map_err(io(dir))?;
    let pulled = pull_layers(registry, model, dir).await;
    if pulled.is_err() {
        let _ = std::fs::remove_dir_all(dir);
    }
    pulled
}

async fn pull_layers(registry: &Registry, model: &FetchedModel, dir: &Path) -> Result<(), Error> {
    for layer in &model.artifact.layers {
        match (layer.format, layer.path.as_deref()) {
            (LayerFormat::Raw, Some(path)) => {
                let target = dir.join(path);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(io(parent))?;
                }
                let file = create_new(&target)?;
                let file = tokio::fs::File::from_std(file);
                let mut file = registry
                    .pull_blob_into(&model.reference, &layer.digest, layer.size, file)
                    .await?;
                tokio::io::AsyncWriteExt::flush(&mut file)
                    .await
                    .map_err(io(&target))?;
            }
            (LayerFormat::Tar | LayerFormat::TarGzip, _) => {
                let spool = tempfile::tempfile().map_err(io(dir))?;
                let spool = tokio::fs::File::from_std(spool);
                let spool = registry
                    .pull_blob_into(&model.reference, &layer.digest, layer.size, spool)
                    .await?;
                let mut spool = spool.into_std().await;
                std::io::Seek::rewind(&mut spool).map_err(io(dir))?;
                if layer.format == LayerFormat::TarGzip {
                    unpack(flate2::read::GzDecoder::new(spool), dir, &layer.digest)?;
                } else {
                    unpack(spool, dir, &layer.digest)?;
                }
            }
            (format, _) => {
                return Err(Error::UnsupportedLayer {
                    index: layer.index,
                    media_type: format!("{} ({format:?} layers are not read)", layer.media_type),
                })
            }
        }
    }
    Ok(())
}

fn create_new(path: &Path) -> Result<std::fs::File, Error> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))
}

/// Unpacks a tar stream into `dir`: regular files and folders only, each path checked like a
/// raw layer's, no file written twice.
pub fn unpack(reader: impl Read, dir: &Path, digest: &Sha256Digest) -> Result<(), Error> {
    let refuse = |entry: &str, reason: String| Error::Archive {
        digest: digest.to_string(),
        entry: entry.to_string(),
        reason,
    };
    let mut archive = tar::Archive::new(reader);
    let entries = archive
        .entries()
        .map_err(|e| refuse("", format!("not a tar archive: {e}")))?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_ARCHIVE_ENTRIES {
            return Err(refuse(
                "",
                format!("more than {MAX_ARCHIVE_ENTRIES} entries"),
            ));
        }
        let mut entry = entry.map_err(|e| refuse("", format!("unreadable entry: {e}")))?;
        let raw_path = entry
            .path()
            .map_err(|e| refuse("", format!("unreadable path: {e}")))?
            .to_string_lossy()
            .into_owned();
        let name = raw_path.trim_start_matches("./").trim_end_matches('/');
        let kind = entry.header().entry_type();
        if name.is_empty() && kind.is_dir() {
            continue;
        }
        oms_format::manifest::validate_resource_path(name).map_err(|_| {
            refuse(
                &raw_path,
                "expected a relative path inside the model (no leading `/`, no `.` or `..`)"
                    .to_string(),
            )
        })?;
        let target: PathBuf = dir.join(name);
        if kind.is_dir() {
            std::fs::create_dir_all(&target).map_err(io(&target))?;
        } else if kind.is_file() {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            let mut file = create_new(&target)?;
            std::io::copy(&mut entry, &mut file).map_err(io(&target))?;
        } else {
            return Err(refuse(
                &raw_path,
                format!("a {kind:?} entry: expected regular files and folders only"),
            ));
        }
    }
    Ok(())
}
