//! The CLI's ignore list: `--ignore-paths` values and the signature file, resolved the
//! reference's way (relative to the current directory, symlinks resolved, kept only when
//! inside the model).

use std::path::{Path, PathBuf};

use model_signing::resolve_ignore_path;

/// Model-relative ignore paths for `--ignore-paths` values, plus `signature` when given
/// (sign and verify always leave their own signature file out; `digest` does not). Paths
/// outside the model are dropped, duplicates removed, first occurrence order kept.
pub fn cli_ignore_paths(
    model: &Path,
    ignore_paths: &[PathBuf],
    signature: Option<&Path>,
) -> Vec<String> {
    let mut resolved: Vec<String> = Vec::new();
    for path in ignore_paths.iter().map(PathBuf::as_path).chain(signature) {
        match resolve_ignore_path(path, model) {
            Some(relative) if !resolved.contains(&relative) => resolved.push(relative),
            Some(_) => {}
            None => tracing::debug!("not ignoring {}: it is outside the model", path.display()),
        }
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_paths_inside_the_model_and_the_signature() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let model = root.join("m");
        std::fs::create_dir_all(model.join("sub")).unwrap();
        let ignores = [
            model.join("sub"),
            root.join("outside.txt"),
            model.join("sub/"),
            model.join("not-there"),
        ];
        let signature = model.join("model.sig");
        assert_eq!(
            cli_ignore_paths(&model, &ignores, Some(&signature)),
            ["sub", "not-there", "model.sig"]
        );
        let outside_signature = root.join("model.sig");
        assert_eq!(
            cli_ignore_paths(&model, &[], Some(&outside_signature)),
            Vec::<String>::new()
        );
    }
}
