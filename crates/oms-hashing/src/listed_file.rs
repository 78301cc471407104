//! Opening a file the walk listed, and checking that what was read is still that file: the
//! one rule every reader of a listed file follows (hashing, and readers that hand the bytes
//! on, like the Python package's `read_verified`).

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;

use crate::error::HashError;
use crate::identity::FileId;
use crate::walk::ModelFile;

/// Opens a listed file for reading without blocking (if a FIFO replaced it, opening must not
/// hang) and, unless it was listed through a link, without following a link at its place.
pub(crate) fn open(file: &ModelFile) -> Result<File, HashError> {
    let nofollow = if file.via_link { 0 } else { libc::O_NOFOLLOW };
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | nofollow)
        .open(&file.path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) && !file.via_link {
                changed(file, "it is now a symbolic link".to_string())
            } else {
                HashError::io(&file.path, e)
            }
        })
}

/// The open file is still the regular file listed, of the listed size. Checked before reading
/// (so a FIFO or device put in its place is never read) and again after.
pub(crate) fn check_same_file(listed: &ModelFile, file: &File) -> Result<(), HashError> {
    let meta = file
        .metadata()
        .map_err(|e| HashError::io(&listed.path, e))?;
    if !meta.is_file() {
        return Err(changed(
            listed,
            "it is no longer a regular file".to_string(),
        ));
    }
    if FileId::of(&meta) != listed.id {
        return Err(changed(listed, "another file replaced it".to_string()));
    }
    if meta.len() != listed.len {
        return Err(changed(
            listed,
            format!("its size went from {} to {} bytes", listed.len, meta.len()),
        ));
    }
    Ok(())
}

/// After reading: the file is unchanged ([`check_same_file`]) and exactly `expected` bytes
/// were read. Otherwise what was read describes something else.
pub(crate) fn check_unchanged(
    listed: &ModelFile,
    file: &File,
    read: u64,
    expected: u64,
) -> Result<(), HashError> {
    check_same_file(listed, file)?;
    if read != expected {
        return Err(changed(
            listed,
            format!("{read} bytes were read, expected {expected}"),
        ));
    }
    Ok(())
}

pub(crate) fn changed(file: &ModelFile, reason: String) -> HashError {
    HashError::Changed {
        path: file.path.clone(),
        reason,
    }
}

/// Reads a listed file whole into `buf`, which must be exactly as long as the file was when
/// listed. The file is opened as hashing opens it (no blocking, no link followed unless it was
/// listed through one) and must be the listed regular file, of the listed size, before and
/// after the read; anything else is [`HashError::Changed`], and nothing is read from a FIFO,
/// socket or device that took its place.
pub fn read_listed(listed: &ModelFile, buf: &mut [u8]) -> Result<(), HashError> {
    let expected = u64::try_from(buf.len()).unwrap_or(u64::MAX);
    if expected != listed.len {
        return Err(HashError::Internal(
            "read_listed: the buffer is not the size of the listed file",
        ));
    }
    let mut file = open(listed)?;
    check_same_file(listed, &file)?;
    let mut read = 0usize;
    while let Some(rest) = buf.get_mut(read..).filter(|rest| !rest.is_empty()) {
        match file.read(rest) {
            Ok(0) => break,
            Ok(n) => read = read.saturating_add(n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(HashError::io(&listed.path, e)),
        }
    }
    check_unchanged(
        listed,
        &file,
        u64::try_from(read).unwrap_or(u64::MAX),
        expected,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{list_files, IgnoreRules};

    fn listed(dir: &std::path::Path) -> ModelFile {
        let mut files = list_files(dir, false, &IgnoreRules::new()).unwrap();
        assert_eq!(files.len(), 1);
        files.remove(0)
    }

    #[test]
    fn a_listed_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("w"), b"weights").unwrap();
        let file = listed(dir.path());
        let mut buf = vec![0; 7];
        read_listed(&file, &mut buf).unwrap();
        assert_eq!(buf, b"weights");
    }

    /// A FIFO put in a listed file's place: opening it for reading must not wait for a writer,
    /// and nothing is read from it (a plain blocking open hung here forever).
    #[test]
    fn a_file_swapped_for_a_fifo_is_refused_without_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w");
        std::fs::write(&path, b"weights").unwrap();
        let file = listed(dir.path());
        std::fs::remove_file(&path).unwrap();
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = vec![0; 7];
            let _ = done.send(read_listed(&file, &mut buf).map_err(|e| e.to_string()));
        });
        let result = finished
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("reading a FIFO in place of a listed file hung");
        assert_eq!(
            result.unwrap_err(),
            format!(
                "Cannot use '{}': it changed while being hashed (it is no longer a regular file)",
                path.display()
            )
        );
    }

    /// A symbolic link put in a listed file's place is not followed; another file, or the same
    /// file grown, is refused before its bytes are handed on.
    #[test]
    fn a_replaced_or_grown_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w");
        std::fs::write(&path, b"weights").unwrap();
        let file = listed(dir.path());
        // The listed file stays alive under another name, so no new file can get its inode.
        std::fs::hard_link(&path, dir.path().join("kept")).unwrap();
        let mut buf = vec![0; 7];
        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("kept", &path).unwrap();
        let err = read_listed(&file, &mut buf).unwrap_err();
        assert!(
            err.to_string().contains("it is now a symbolic link"),
            "{err}"
        );
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"weightz").unwrap();
        let err = read_listed(&file, &mut buf).unwrap_err();
        assert!(
            err.to_string().contains("another file replaced it"),
            "{err}"
        );
        std::fs::remove_file(dir.path().join("kept")).unwrap();
        let file = listed(dir.path());
        std::fs::write(&path, b"weights and a payload").unwrap();
        let err = read_listed(&file, &mut buf).unwrap_err();
        assert!(
            err.to_string().contains("its size went from 7 to 21 bytes"),
            "{err}"
        );
    }
}
