//! A progress bar on stderr for long hashing runs. Silent unless stderr is a terminal and the
//! model is big enough for the wait to be noticeable.

use std::io::IsTerminal;
use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Below this many bytes hashing is quick and a bar would only flicker.
const MIN_BYTES_FOR_BAR: u64 = 256 * 1024 * 1024;

pub struct HashProgress {
    bar: Option<ProgressBar>,
}

impl HashProgress {
    /// A bar sized to the model's regular files, when stderr is a terminal.
    pub fn for_model(model: &Path) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self::silent();
        }
        // The model path itself may be a symlink to the directory; its entries are not followed.
        let root = std::fs::canonicalize(model).unwrap_or_else(|_| model.to_path_buf());
        let total = total_file_bytes(&root);
        if total < MIN_BYTES_FOR_BAR {
            return Self::silent();
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "hashing {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        );
        if let Ok(style) = style {
            bar.set_style(style);
        }
        Self { bar: Some(bar) }
    }

    pub fn silent() -> Self {
        Self { bar: None }
    }

    /// Counts hashed bytes (the library reports increments).
    pub fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    /// Removes the bar so the result line is not mixed with it.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Sum of the sizes of the regular files under `path` (or of `path` itself), not following
/// directory symlinks; unreadable entries count as 0. Only sizes the bar, so no errors.
fn total_file_bytes(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    if meta.file_type().is_symlink() {
        return std::fs::metadata(path)
            .map(|m| if m.is_file() { m.len() } else { 0 })
            .unwrap_or(0);
    }
    if !meta.is_dir() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| total_file_bytes(&entry.path()))
        .sum()
}
