//! The signature file on disk. Reads are bounded by [`MAX_BUNDLE_BYTES`], so a hostile path
//! (a huge file) is refused after at most that many bytes, and only a regular file is read: the
//! open does not block, so a FIFO, socket or device is refused at once instead of hanging the
//! verifier. Writes go to a temporary file in the destination's folder that is then renamed over
//! the destination: a reader never sees half a signature, and a symbolic link at the destination
//! is never written through.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oms_format::limits::MAX_BUNDLE_BYTES;

use oms_hashing::FileId;

use crate::Error;

/// A signature file that was read and is still held open: while it is, its inode cannot be
/// reused by a file created in its place, so "the file at this path is the one read" can be
/// checked by identity for as long as the verification runs ([`OpenedSignature::location`]).
#[derive(Debug)]
pub struct OpenedSignature {
    /// The bundle's bytes.
    pub bytes: Vec<u8>,
    location: SignatureLocation,
}

impl OpenedSignature {
    /// Where the signature was read from, for [`crate::VerifyOptions::signature`]; it keeps
    /// the file open.
    pub fn location(&self) -> SignatureLocation {
        self.location.clone()
    }
}

/// The signature file as it was opened: its path, its identity, and the open file itself
/// (shared), so the identity stays the signature's for as long as this exists.
#[derive(Debug, Clone)]
pub struct SignatureLocation {
    path: PathBuf,
    id: FileId,
    links: u64,
    _held_open: Arc<File>,
}

impl SignatureLocation {
    /// The path the signature was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Device and inode of the file read.
    pub fn id(&self) -> FileId {
        self.id
    }

    /// The signature file's hard link count when it was opened: more than one means its bytes
    /// have another name (worth reporting; such a name inside the model is listed as added).
    pub fn links(&self) -> u64 {
        self.links
    }

    /// Whether `path` still names the file that was read (links followed, as when it was
    /// opened).
    pub fn is_still_at_its_path(&self) -> bool {
        std::fs::metadata(&self.path).is_ok_and(|meta| FileId::of(&meta) == self.id)
    }
}

impl PartialEq for SignatureLocation {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.id == other.id
    }
}

impl Eq for SignatureLocation {}

/// Reads a signature file, refusing anything but a regular file of at most
/// [`MAX_BUNDLE_BYTES`].
pub fn read_signature(path: &Path) -> Result<Vec<u8>, Error> {
    open_signature(path).map(|opened| opened.bytes)
}

/// Reads a signature file like [`read_signature`] and keeps it open, with its identity, so a
/// verifier can leave exactly that file at exactly that path out of the model, and notice if
/// another file takes its place (see [`crate::VerifyOptions::signature`]).
pub fn open_signature(path: &Path) -> Result<OpenedSignature, Error> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let too_large = || Error::SignatureTooLarge {
        path: path.to_path_buf(),
        limit: MAX_BUNDLE_BYTES,
    };
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(Error::SignatureNotAFile {
            path: path.to_path_buf(),
            found: describe_file_type(&meta.file_type()),
        });
    }
    clear_nonblocking(&file).map_err(io)?;
    if meta.len() > MAX_BUNDLE_BYTES as u64 {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    // Bounded even now: a regular file can grow while it is read.
    (&file)
        .take(MAX_BUNDLE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(too_large());
    }
    Ok(OpenedSignature {
        bytes,
        location: SignatureLocation {
            path: path.to_path_buf(),
            id: FileId::of(&meta),
            links: std::os::unix::fs::MetadataExt::nlink(&meta),
            _held_open: Arc::new(file),
        },
    })
}

fn clear_nonblocking(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor this function's caller owns and keeps open; F_GETFL and
    // F_SETFL read and set flags only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// What a path that is not a regular file is, in words.
pub(crate) fn describe_file_type(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
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
    fn a_device_is_refused_without_reading_it() {
        let err = read_signature(Path::new("/dev/zero")).unwrap_err();
        assert!(
            matches!(&err, Error::SignatureNotAFile { found, .. } if *found == "a character device"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "/dev/zero is a character device: expected a regular file holding a signature"
        );
    }

    /// A FIFO with no writer: a blocking open would wait forever.
    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.sig");
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let (done, finished) = std::sync::mpsc::channel();
        let reader = path.clone();
        std::thread::spawn(move || {
            let _ = done.send(read_signature(&reader).map(|_| ()));
        });
        // Generous: the test fails only if the read never returns (it returns in microseconds).
        let result = finished
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("reading a FIFO as the signature hung");
        assert!(
            matches!(&result, Err(Error::SignatureNotAFile { found, .. }) if *found == "a FIFO (named pipe)"),
            "{result:?}"
        );
    }

    #[test]
    fn the_opened_signature_knows_whether_it_was_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.sig");
        std::fs::write(&path, b"{}").unwrap();
        let opened = open_signature(&path).unwrap();
        let location = opened.location();
        assert!(location.is_still_at_its_path());
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"{}").unwrap();
        assert!(!location.is_still_at_its_path());
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
