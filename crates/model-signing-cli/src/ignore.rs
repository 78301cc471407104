//! The CLI's ignore list: `--ignore-paths` values (and, when signing, the signature file)
//! made relative to the model root. Like the reference, they are taken relative to the
//! current directory and dropped when outside the model; unlike it, links are followed only
//! down to the model root, never through a link inside the model, and a chain of more than 40
//! links is an error (see `oms_hashing::model_relative_path`).

use std::path::{Path, PathBuf};

use model_signing::model_relative_path;
use model_signing::Error;

/// Model-relative ignore paths for `--ignore-paths` values, plus `signature` when given
/// (sign records its own signature file; verify leaves it out by identity instead, and
/// `digest` has none). Paths outside the model are dropped, duplicates removed, first
/// occurrence order kept.
pub fn cli_ignore_paths(
    model: &Path,
    ignore_paths: &[PathBuf],
    signature: Option<&Path>,
) -> Result<Vec<String>, Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Io {
        path: PathBuf::from("."),
        source,
    })?;
    let mut resolved: Vec<String> = Vec::new();
    for path in ignore_paths.iter().map(PathBuf::as_path).chain(signature) {
        match model_relative_path(&cwd, path, model)? {
            Some(relative) if !resolved.contains(&relative) => resolved.push(relative),
            Some(_) => {}
            None => tracing::debug!("not ignoring {}: it is outside the model", path.display()),
        }
    }
    Ok(resolved)
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
            cli_ignore_paths(&model, &ignores, Some(&signature)).unwrap(),
            ["sub", "not-there", "model.sig"]
        );
        let outside_signature = root.join("model.sig");
        assert_eq!(
            cli_ignore_paths(&model, &[], Some(&outside_signature)).unwrap(),
            Vec::<String>::new()
        );
    }
}
