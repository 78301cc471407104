//! `model_signing digest MODEL`: the root digest a `files`/`sha256` signature would carry.

use model_signing::{digest_model, Error, HashingConfig};

use crate::args::DigestArgs;
use crate::ignore::cli_ignore_paths;
use crate::output::{self, Status};
use crate::progress::HashProgress;

pub fn run(args: &DigestArgs) -> Status {
    let progress = HashProgress::on_terminal();
    let result = execute(args, &progress);
    progress.finish();
    match result {
        Ok(line) => output::success(&line),
        Err(err) => output::failure(output::DIGEST_FAILED, &err),
    }
}

/// The `sha256:<hex>` line. Unlike sign and verify, no signature file is left out.
pub fn execute(args: &DigestArgs, progress: &HashProgress) -> Result<String, Error> {
    let model = &args.model;
    let config = HashingConfig {
        allow_symlinks: model.allow_symlinks,
        ignore_paths: cli_ignore_paths(&model.model_path, &model.ignore_paths, None)?,
        ignore_git_paths: model.ignore_git_paths(),
        ..HashingConfig::default()
    };
    let manifest = digest_model(&model.model_path, &config, progress)?;
    Ok(output::root_digest_line(&manifest.root_digest()))
}
