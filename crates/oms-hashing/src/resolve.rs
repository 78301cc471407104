//! Turning a path given on a command line (`--ignore-paths`, `--signature`) into a path
//! relative to the model root, the reference's way (relative to the current directory, links
//! resolved like a non-strict `realpath`) with two exceptions that close holes:
//!
//! * links are followed only until the path reaches the model root; below it, components are
//!   taken literally, never through a link inside the model (an attacker who turns an ignored
//!   file into a link to a new folder must not get that folder ignored);
//! * resolution is iterative, stops after 40 links like the kernel (ELOOP), and any `lstat`
//!   error other than "not found" is an error, never read as "not a link".
//!
//! The current directory is a parameter: reading it is the caller's (the CLI's) job.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs;
use std::io::{self, ErrorKind};
use std::path::{Component, Path, PathBuf};

use crate::error::HashError;

/// The kernel's limit on links followed while resolving one path (`MAXSYMLINKS`).
pub const MAX_SYMLINKS: usize = 40;

/// Makes `arg` (relative to `cwd` unless absolute) relative to the model root `model`
/// (relative to `cwd` too). `Ok(None)` when it lies outside the model, is the model root
/// itself, or is not UTF-8.
pub fn model_relative_path(
    cwd: &Path,
    arg: &Path,
    model: &Path,
) -> Result<Option<String>, HashError> {
    let model = resolve(&cwd.join(model), None)?.path;
    let resolved = resolve(&cwd.join(arg), Some(&model))?;
    let Some(inside) = resolved.inside else {
        return Ok(None);
    };
    let mut parts = Vec::with_capacity(inside.len());
    for name in &inside {
        match name.to_str() {
            Some(name) => parts.push(name),
            None => return Ok(None),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(parts.join("/")))
}

/// Python's `os.path.realpath(path, strict=False)` for an absolute path, iteratively: links
/// are resolved component by component; once a component does not exist, the rest is taken
/// lexically (`..` still removes the previous component). Errors after [`MAX_SYMLINKS`] links
/// and on any `lstat` or `readlink` failure other than "not found".
pub fn resolve_non_strict(path: &Path) -> Result<PathBuf, HashError> {
    Ok(resolve(path, None)?.path)
}

struct Resolved {
    path: PathBuf,
    /// Once the path reached `stop_at`: the components below it, taken literally.
    inside: Option<Vec<OsString>>,
}

fn resolve(path: &Path, stop_at: Option<&Path>) -> Result<Resolved, HashError> {
    let mut pending: VecDeque<Component<'_>> = path.components().collect();
    // Link targets are owned; their components are queued as owned strings.
    let mut queued: VecDeque<Step> = VecDeque::new();
    let mut out = Resolved {
        path: PathBuf::new(),
        inside: None,
    };
    let mut links = 0usize;
    let mut missing = false;
    loop {
        let step = match queued.pop_front() {
            Some(step) => step,
            None => match pending.pop_front() {
                Some(c) => Step::from(c),
                None => break,
            },
        };
        match step {
            Step::Skip => continue,
            Step::Root => {
                out.path = PathBuf::from("/");
                out.inside = None;
            }
            Step::Parent => match &mut out.inside {
                Some(inside) => {
                    if inside.pop().is_none() {
                        out.inside = None;
                        out.path.pop();
                    }
                }
                None => {
                    out.path.pop();
                }
            },
            Step::Name(name) => {
                if let Some(inside) = &mut out.inside {
                    inside.push(name);
                    continue;
                }
                let next = out.path.join(&name);
                if !missing {
                    match fs::symlink_metadata(&next) {
                        Ok(meta) if meta.file_type().is_symlink() => {
                            links += 1;
                            if links > MAX_SYMLINKS {
                                return Err(HashError::io(
                                    next,
                                    io::Error::from_raw_os_error(libc::ELOOP),
                                ));
                            }
                            let target =
                                fs::read_link(&next).map_err(|e| HashError::io(&next, e))?;
                            let mut expanded: VecDeque<Step> =
                                target.components().map(Step::from).collect();
                            expanded.extend(queued.drain(..));
                            queued = expanded;
                            continue;
                        }
                        Ok(_) => {}
                        Err(e)
                            if matches!(
                                e.kind(),
                                ErrorKind::NotFound | ErrorKind::NotADirectory
                            ) =>
                        {
                            missing = true;
                        }
                        Err(e) => return Err(HashError::io(next, e)),
                    }
                }
                out.path = next;
            }
        }
        if out.inside.is_none() && stop_at.is_some_and(|stop| out.path == stop) {
            out.inside = Some(Vec::new());
        }
    }
    if out.inside.is_none() {
        // A path that went missing below the model root is still inside it.
        if let Some(rest) = stop_at.and_then(|stop| out.path.strip_prefix(stop).ok()) {
            out.inside = Some(rest.iter().map(OsString::from).collect());
        }
    }
    Ok(out)
}

/// One component to resolve.
enum Step {
    Skip,
    Root,
    Parent,
    Name(OsString),
}

impl From<Component<'_>> for Step {
    fn from(c: Component<'_>) -> Self {
        match c {
            Component::Prefix(_) | Component::RootDir => Step::Root,
            Component::ParentDir => Step::Parent,
            Component::CurDir => Step::Skip,
            Component::Normal(name) => Step::Name(name.to_os_string()),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn rel(cwd: &Path, arg: &Path, model: &Path) -> Option<String> {
        model_relative_path(cwd, arg, model).unwrap()
    }

    #[test]
    fn relative_to_cwd_and_inside_the_model() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("model/sub")).unwrap();
        fs::write(root.join("model/README.md"), "x").unwrap();
        let model = Path::new("model");
        assert_eq!(
            rel(&root, Path::new("model/README.md"), model).as_deref(),
            Some("README.md")
        );
        assert_eq!(
            rel(&root, Path::new("model/sub/"), model).as_deref(),
            Some("sub")
        );
        // From the parent directory, a bare name points outside the model: dropped.
        assert_eq!(rel(&root, Path::new("README.md"), model), None);
        // From inside the model it works.
        assert_eq!(
            rel(&root.join("model"), Path::new("README.md"), Path::new(".")).as_deref(),
            Some("README.md")
        );
    }

    #[test]
    fn model_root_and_outside_are_none() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("model")).unwrap();
        fs::create_dir_all(root.join("model2")).unwrap();
        let model = Path::new("model");
        for arg in [
            "model",
            "model/",
            "model/.",
            ".",
            "model2/x",
            "/etc/passwd",
            "model/..",
        ] {
            assert_eq!(rel(&root, Path::new(arg), model), None, "{arg}");
        }
    }

    #[test]
    fn non_existent_paths_resolve_lexically() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("model/sub")).unwrap();
        let model = Path::new("model");
        let cases = [
            ("model/nonexistent", Some("nonexistent")),
            ("model/sub/none/deeper", Some("sub/none/deeper")),
            ("model/none/../sub/x", Some("sub/x")),
            ("model/none/../../model/y", Some("y")),
        ];
        for (arg, want) in cases {
            assert_eq!(rel(&root, Path::new(arg), model).as_deref(), want, "{arg}");
        }
    }

    #[test]
    fn links_are_followed_down_to_the_model_root_only() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("real/sub")).unwrap();
        fs::write(root.join("real/sub/f"), "x").unwrap();
        fs::write(root.join("outside"), "x").unwrap();
        symlink(root.join("real"), root.join("model")).unwrap();
        symlink("sub", root.join("real/alias")).unwrap();
        symlink("../outside", root.join("real/out-link")).unwrap();
        symlink("real/sub", root.join("into-sub")).unwrap();
        let model = Path::new("model");
        // A symlinked model path is resolved too, so paths through either name match.
        assert_eq!(
            rel(&root, Path::new("real/sub/f"), model).as_deref(),
            Some("sub/f")
        );
        // A link outside the model that leads into it is followed.
        assert_eq!(
            rel(&root, Path::new("into-sub/f"), model).as_deref(),
            Some("sub/f")
        );
        // A link inside the model is taken literally, never replaced by its target.
        assert_eq!(
            rel(&root, Path::new("model/alias/f"), model).as_deref(),
            Some("alias/f")
        );
        assert_eq!(
            rel(&root, Path::new("model/out-link"), model).as_deref(),
            Some("out-link")
        );
        assert_eq!(
            rel(&root, Path::new("model/alias/../x"), model).as_deref(),
            Some("x")
        );
    }

    #[test]
    fn symlink_loops_and_long_chains_are_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("model")).unwrap();
        symlink("b", root.join("a")).unwrap();
        symlink("a", root.join("b")).unwrap();
        let err = model_relative_path(&root, Path::new("a"), Path::new("model")).unwrap_err();
        assert!(
            err.to_string()
                .contains("Too many levels of symbolic links"),
            "{err}"
        );
        for i in 0..2000 {
            symlink(format!("c{}", i + 1), root.join(format!("c{i}"))).unwrap();
        }
        assert!(model_relative_path(&root, Path::new("c0"), Path::new("model")).is_err());
        // 40 links are fine, like the kernel.
        for i in 0..40 {
            symlink(format!("d{}", i + 1), root.join(format!("d{i}"))).unwrap();
        }
        fs::create_dir(root.join("d40")).unwrap();
        assert_eq!(
            model_relative_path(&root, Path::new("d0/x"), Path::new("d40"))
                .unwrap()
                .as_deref(),
            Some("x")
        );
    }
}
