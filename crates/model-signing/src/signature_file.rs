//! The signature file on disk. Reads are bounded by [`MAX_BUNDLE_BYTES`], so a hostile path
//! (a huge file, `/dev/zero`) is refused after at most that many bytes. Writes go to a temporary
//! file in the destination's folder that is then renamed over the destination: a reader never
//! sees half a signature, and a symbolic link at the destination is never written through.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use oms_format::limits::MAX_BUNDLE_BYTES;

use oms_hashing::FileId;

use crate::Error;

/// Reads a signature file, refusing one larger than [`MAX_BUNDLE_BYTES`].
pub fn read_signature(path: &Path) -> Result<Vec<u8>, Error> {
    read_signature_file(path).map(|(bytes, _)| bytes)
}

/// Reads a signature file like [`read_signature`] and also returns the identity of the file
/// actually opened, so that a verifier can leave exactly that file out of the model (never a
/// re-resolved path).
pub fn read_signature_file(path: &Path) -> Result<(Vec<u8>, FileId), Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || Error::SignatureTooLarge {
        path: path.to_path_buf(),
        limit: MAX_BUNDLE_BYTES,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let id = FileId::of_open(&file).map_err(io)?;
    // A regular file's size is known up front; devices and pipes are read up to the limit.
    let meta = file.metadata().map_err(io)?;
    if meta.is_file() && meta.len() > MAX_BUNDLE_BYTES as u64 {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_BUNDLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(too_large());
    }
    Ok((bytes, id))
}

/// Writes a signature file atomically. A destination that is a symbolic link is refused: the
/// signature is neither written through the link nor silently put in its place.
pub fn write_signature(path: &Path, bundle: &[u8]) -> Result<(), Error> {
    let write_error = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if bundle.len() > MAX_BUNDLE_BYTES {
        return Err(Error::BundleTooLarge {
            size: bundle.len(),
            limit: MAX_BUNDLE_BYTES,
        });
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::SignatureIsSymlink {
                path: path.to_path_buf(),
            })
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(write_error(e)),
    }
    let folder = folder_of(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".model-signing-").suffix(".sig.tmp");
    // A temporary file is created 0600; the signature is meant to be read by others (a verifier
    // running as another user, e.g. the operator's non-root init container after `kubectl cp`,
    // which keeps the mode): give it what a plain create gives, 0666 less the umask, as the
    // reference's `open(path, "w")` does.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temporary = builder.tempfile_in(&folder).map_err(write_error)?;
    temporary.write_all(bundle).map_err(write_error)?;
    temporary.as_file().sync_all().map_err(write_error)?;
    // rename(2) replaces whatever is at `path` (even a link planted since the check above)
    // without following it.
    temporary.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_dev_zero_stops_at_the_limit() {
        let err = read_signature(Path::new("/dev/zero")).unwrap_err();
        assert!(
            matches!(&err, Error::SignatureTooLarge { limit, .. } if *limit == MAX_BUNDLE_BYTES),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "/dev/zero is larger than {MAX_BUNDLE_BYTES} bytes, the most a signature file \
                 may hold"
            )
        );
    }

    #[test]
    fn a_sparse_file_over_the_limit_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.sig");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_BUNDLE_BYTES as u64 + 1).unwrap();
        assert!(matches!(
            read_signature(&path).unwrap_err(),
            Error::SignatureTooLarge { .. }
        ));
    }

    #[test]
    fn a_signature_at_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ok.sig");
        std::fs::write(&path, b"{}").unwrap();
        assert_eq!(read_signature(&path).unwrap(), b"{}");
    }

    #[test]
    fn a_symlink_at_the_destination_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, b"precious").unwrap();
        let link = dir.path().join("model.sig");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_signature(&link, b"{\"bundle\":1}").unwrap_err();
        assert!(
            matches!(&err, Error::SignatureIsSymlink { path } if path == &link),
            "{err:?}"
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(leftovers(dir.path()), ["model.sig", "victim"]);
    }

    /// The signature gets the permissions of any file the user creates (0666 less the umask), not a
    /// temporary file's 0600: a verifier running as another user must be able to read it.
    #[cfg(unix)]
    #[test]
    fn a_written_signature_has_the_permissions_of_a_plainly_created_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let path = dir.path().join("model.sig");
        write_signature(&path, b"{}").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(format!("{:o}", mode(&path)), format!("{:o}", mode(&plain)));
    }

    #[test]
    fn an_existing_signature_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.sig");
        std::fs::write(&path, b"old signature, longer than the new one").unwrap();
        write_signature(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(leftovers(dir.path()), ["model.sig"]);
    }

    /// Replacement is a rename, not a rewrite in place: whoever has the old signature open (a
    /// verifier mid-read) keeps reading the old one whole, never a truncated or mixed file.
    #[test]
    fn a_reader_of_the_old_signature_keeps_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.sig");
        std::fs::write(&path, b"old signature").unwrap();
        let mut reader = std::fs::File::open(&path).unwrap();
        write_signature(&path, b"new").unwrap();
        let mut seen = Vec::new();
        reader.read_to_end(&mut seen).unwrap();
        assert_eq!(seen, b"old signature");
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn a_bundle_over_the_limit_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.sig");
        let err = write_signature(&path, &vec![b' '; MAX_BUNDLE_BYTES + 1]).unwrap_err();
        assert!(matches!(err, Error::BundleTooLarge { .. }), "{err:?}");
        assert!(!path.exists());
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}
