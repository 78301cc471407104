//! A progress bar on stderr for long hashing runs. Silent unless stderr is a terminal and what
//! the library will hash (after ignores) is big enough for the wait to be noticeable.

use std::io::IsTerminal;
use std::sync::OnceLock;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use model_signing::Progress;

/// Below this many bytes hashing is quick and a bar would only flicker.
const MIN_BYTES_FOR_BAR: u64 = 256 * 1024 * 1024;

pub struct HashProgress {
    enabled: bool,
    /// Created when the library says how much it will hash, if that is enough to show.
    bar: OnceLock<ProgressBar>,
}

impl HashProgress {
    /// A bar when stderr is a terminal; silent otherwise.
    pub fn on_terminal() -> Self {
        Self {
            enabled: std::io::stderr().is_terminal(),
            bar: OnceLock::new(),
        }
    }

    pub fn silent() -> Self {
        Self {
            enabled: false,
            bar: OnceLock::new(),
        }
    }

    /// Removes the bar so the result line is not mixed with it.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for HashProgress {
    fn start(&self, total_bytes: u64) {
        if !self.enabled || total_bytes < MIN_BYTES_FOR_BAR {
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "hashing {bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        );
        if let Ok(style) = style {
            bar.set_style(style);
        }
        let _ = self.bar.set(bar);
    }

    /// Counts hashed bytes (the library reports increments).
    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.bar.get() {
            bar.inc(bytes);
        }
    }
}
