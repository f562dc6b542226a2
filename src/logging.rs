//! The process's logger: env_logger filtered by `RUST_LOG`, with the client faults that
//! actix-http reports at ERROR (malformed request heads, slow or vanished clients)
//! demoted to INFO, so that ERROR means something on the server needs an operator.

use log::{Level, Log, Metadata, Record};

/// Where actix-http reports a connection it gave up on, and how.
const DISPATCHER_TARGET: &str = "actix_http::h1::dispatcher";

/// The dispatcher's reasons that are the client's doing: a head that does not parse, an
/// I/O error on the client's socket (reset, broken pipe), a head or a close that took
/// too long. Its other reasons (internal error, a handler that dropped its payload) stay
/// errors.
const CLIENT_FAULTS: [&str; 4] = [
    "stream error: request parse error",
    "stream error: I/O error",
    "stream error: request did not complete within the specified timeout",
    "stream error: connection shutdown timeout",
];

/// Installs the logger; `default_filter` applies when `RUST_LOG` is unset.
pub fn init(default_filter: &str) {
    let logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default_filter))
            .build();
    let max_level = logger.filter();
    if log::set_boxed_logger(Box::new(DemoteClientFaults(logger))).is_ok() {
        log::set_max_level(max_level);
    }
}

/// A logger that passes every record on, lowering client faults to INFO first.
pub struct DemoteClientFaults<L>(pub L);

fn is_client_fault(record: &Record<'_>) -> bool {
    if record.level() != Level::Error || record.target() != DISPATCHER_TARGET {
        return false;
    }
    let message = record.args().to_string();
    CLIENT_FAULTS.iter().any(|fault| message.starts_with(fault))
}

impl<L: Log> Log for DemoteClientFaults<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        // The level a record will end at is known only from its message.
        self.0.enabled(metadata)
            || (metadata.target() == DISPATCHER_TARGET
                && self.0.enabled(
                    &Metadata::builder()
                        .level(Level::Info)
                        .target(DISPATCHER_TARGET)
                        .build(),
                ))
    }

    fn log(&self, record: &Record<'_>) {
        if is_client_fault(record) {
            self.0.log(
                &Record::builder()
                    .args(*record.args())
                    .level(Level::Info)
                    .target(record.target())
                    .module_path(record.module_path())
                    .file(record.file())
                    .line(record.line())
                    .build(),
            );
        } else if self.0.enabled(record.metadata()) {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Keeps what reaches it at INFO and above, as `RUST_LOG=info` would.
    #[derive(Default)]
    struct Kept(Mutex<Vec<(Level, String)>>);

    impl Log for Kept {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.level() <= Level::Info
        }
        fn log(&self, record: &Record<'_>) {
            if self.enabled(record.metadata()) {
                let mut kept = self.0.lock().expect("not poisoned");
                kept.push((record.level(), record.args().to_string()));
            }
        }
        fn flush(&self) {}
    }

    fn emit(logger: &impl Log, level: Level, target: &str, message: &str) {
        logger.log(
            &Record::builder()
                .args(format_args!("{message}"))
                .level(level)
                .target(target)
                .build(),
        );
    }

    #[test]
    fn client_faults_are_demoted_and_server_faults_are_not() {
        let logger = DemoteClientFaults(Kept::default());
        let dispatcher = DISPATCHER_TARGET;
        emit(
            &logger,
            Level::Error,
            dispatcher,
            "stream error: request parse error: invalid Header provided",
        );
        emit(
            &logger,
            Level::Error,
            dispatcher,
            "stream error: I/O error: Connection reset by peer (os error 104)",
        );
        emit(
            &logger,
            Level::Error,
            dispatcher,
            "stream error: request did not complete within the specified timeout",
        );
        emit(
            &logger,
            Level::Error,
            dispatcher,
            "stream error: internal error",
        );
        emit(
            &logger,
            Level::Error,
            "ose_api::app",
            "stream error: request parse error: not actix's",
        );
        emit(
            &logger,
            Level::Debug,
            dispatcher,
            "stream error: I/O error: below the filter",
        );
        let kept = logger.0.0.into_inner().expect("not poisoned");
        let levels: Vec<Level> = kept.iter().map(|(level, _)| *level).collect();
        assert_eq!(
            levels,
            [
                Level::Info,
                Level::Info,
                Level::Info,
                Level::Error,
                Level::Error
            ]
        );
        assert_eq!(kept[3].1, "stream error: internal error");
    }

    #[test]
    fn the_dispatcher_stays_enabled_at_error_when_its_faults_may_be_demoted() {
        let logger = DemoteClientFaults(Kept::default());
        let error = Metadata::builder()
            .level(Level::Error)
            .target(DISPATCHER_TARGET)
            .build();
        let debug = Metadata::builder()
            .level(Level::Debug)
            .target("ose_api")
            .build();
        assert!(logger.enabled(&error));
        assert!(!logger.enabled(&debug));
    }
}
