//! How the binaries (`mpgram`, `mpgram-home`, `mpgram-home-window`) log: to stderr, for a
//! person at a terminal or for journald under systemd.

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

/// What is logged when `RUST_LOG` is not set: our own crates say what they do (info), the
/// dependencies only speak up when something is wrong. grammers logs routine protocol events
/// ("got bad salt; salts have been reset") at info, which means nothing to a person.
pub const DEFAULT_FILTER: &str =
    "warn,mpgram=info,fakegram=info,mpgram_home=info,mpgram_home_window=info";

/// Installs the stderr logger. `RUST_LOG` replaces [`DEFAULT_FILTER`] when it is set and valid.
/// Colour codes only go to a terminal: piped into a file or the journal they would be noise.
/// Under systemd (`JOURNAL_STREAM` set) the timestamp is left out, as journald adds its own.
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}
