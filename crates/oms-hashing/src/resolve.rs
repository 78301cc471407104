//! The reference CLI's treatment of `--ignore-paths` arguments: taken relative to the current
//! directory, passed through `Path.resolve()` (non-strict realpath), then made relative to the
//! resolved model path.

use std::collections::HashMap;
use std::env;
use std::fs;
use std::path::{Component, Path, PathBuf};

/// Turns a CLI ignore argument into a `/`-separated path relative to the model root, as the
/// reference does. `None` when it lies outside the model, is the model root itself, cannot be
/// resolved (a symlink loop, where the reference raises), or is not UTF-8.
pub fn resolve_cli_ignore_path(arg: &Path, model_path: &Path) -> Option<String> {
    let cwd = env::current_dir().ok()?;
    resolve_cli_ignore_path_in(&cwd, arg, model_path)
}

/// [`resolve_cli_ignore_path`] with an explicit current directory.
pub fn resolve_cli_ignore_path_in(cwd: &Path, arg: &Path, model_path: &Path) -> Option<String> {
    let arg = resolve_non_strict(&cwd.join(arg))?;
    let model = resolve_non_strict(&cwd.join(model_path))?;
    let rel = arg.strip_prefix(&model).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(name) => parts.push(name.to_str()?),
            _ => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

/// Python's `os.path.realpath(path, strict=False)` for an absolute path: symlinks are resolved
/// component by component; once a component does not exist, the rest is appended lexically
/// (`..` still removes the previous component). `None` on a symlink loop.
pub fn resolve_non_strict(path: &Path) -> Option<PathBuf> {
    let mut seen = HashMap::new();
    join_realpath(PathBuf::new(), path, &mut seen)
}

/// `seen` maps a symlink to its resolution, or to `None` while it is being resolved (so meeting
/// it again means a loop).
fn join_realpath(
    mut path: PathBuf,
    rest: &Path,
    seen: &mut HashMap<PathBuf, Option<PathBuf>>,
) -> Option<PathBuf> {
    for component in rest.components() {
        match component {
            Component::Prefix(p) => path = PathBuf::from(p.as_os_str()),
            Component::RootDir => path.push(Component::RootDir.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                if !path.pop() && !path.has_root() {
                    path.push("..");
                }
            }
            Component::Normal(name) => {
                let next = path.join(name);
                let is_link = fs::symlink_metadata(&next)
                    .map(|m| m.file_type().is_symlink())
                    .unwrap_or(false);
                if !is_link {
                    path = next;
                    continue;
                }
                match seen.get(&next) {
                    Some(Some(resolved)) => {
                        path = resolved.clone();
                        continue;
                    }
                    Some(None) => return None,
                    None => {}
                }
                let Ok(target) = fs::read_link(&next) else {
                    path = next;
                    continue;
                };
                seen.insert(next.clone(), None);
                path = join_realpath(path, &target, seen)?;
                seen.insert(next, Some(path.clone()));
            }
        }
    }
    Some(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn relative_to_cwd_and_inside_the_model() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("model/sub")).unwrap();
        fs::write(root.join("model/README.md"), "x").unwrap();
        let model = Path::new("model");
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("model/README.md"), model).as_deref(),
            Some("README.md")
        );
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("model/sub/"), model).as_deref(),
            Some("sub")
        );
        // From the parent directory, a bare name points outside the model: dropped.
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("README.md"), model),
            None
        );
        // From inside the model it works.
        assert_eq!(
            resolve_cli_ignore_path_in(&root.join("model"), Path::new("README.md"), Path::new("."))
                .as_deref(),
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
            assert_eq!(
                resolve_cli_ignore_path_in(&root, Path::new(arg), model),
                None,
                "{arg}"
            );
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
            assert_eq!(
                resolve_cli_ignore_path_in(&root, Path::new(arg), model).as_deref(),
                want,
                "{arg}"
            );
        }
    }

    #[test]
    fn symlinks_are_resolved_like_realpath() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("real/sub")).unwrap();
        fs::write(root.join("real/sub/f"), "x").unwrap();
        fs::write(root.join("outside"), "x").unwrap();
        symlink(root.join("real"), root.join("model")).unwrap();
        symlink("sub", root.join("real/alias")).unwrap();
        symlink("../outside", root.join("real/out-link")).unwrap();
        let model = Path::new("model");
        // A symlinked model path is resolved too, so paths through either name match.
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("real/sub/f"), model).as_deref(),
            Some("sub/f")
        );
        // A link inside the model is replaced by its target (the reference cannot ignore links).
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("model/alias/f"), model).as_deref(),
            Some("sub/f")
        );
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("model/out-link"), model),
            None
        );
        // `..` after a symlink applies to the link's target.
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("model/alias/../x"), model).as_deref(),
            Some("x")
        );
    }

    #[test]
    fn symlink_loops_are_none() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        fs::create_dir_all(root.join("model")).unwrap();
        symlink("b", root.join("model/a")).unwrap();
        symlink("a", root.join("model/b")).unwrap();
        assert_eq!(
            resolve_cli_ignore_path_in(&root, Path::new("model/a"), Path::new("model")),
            None
        );
    }
}
