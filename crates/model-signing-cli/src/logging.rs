//! `--log-level` wired to a stderr `tracing` subscriber that prints bare messages, like the
//! reference's `logging.basicConfig(format="%(message)s")`.

use tracing::level_filters::LevelFilter;

use crate::args::LogLevel;

pub fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::Debug => LevelFilter::DEBUG,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Warning => LevelFilter::WARN,
        // tracing has no level above ERROR.
        LogLevel::Error | LogLevel::Critical => LevelFilter::ERROR,
    }
}

pub fn init(level: LogLevel) {
    // A second init (tests) is harmless, so its error is ignored.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level_filter(level))
        .without_time()
        .with_target(false)
        .with_level(false)
        .with_ansi(false)
        .try_init();
}
