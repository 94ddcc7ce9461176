//! Ctrl-C (SIGINT) and SIGTERM as a request to stop: long-running commands such as
//! `scopekit capture` poll [`requested`] and end cleanly (final flush, `--send-on-exit`,
//! summary). A second signal ends the process at once (exit code 130).
//!
//! Written against libc directly (already in the dependency tree through serialport): the
//! handler only stores into an atomic or calls `_exit`, both async-signal-safe.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Whether a stop was requested since [`install`].
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

#[cfg(unix)]
extern "C" fn on_signal(_: libc::c_int) {
    if REQUESTED.swap(true, Ordering::Relaxed) {
        // SAFETY: `_exit` is async-signal-safe.
        #[allow(unsafe_code)]
        unsafe {
            libc::_exit(130)
        };
    }
}

/// Catch SIGINT and SIGTERM from now on.
#[cfg(unix)]
pub fn install() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only touches an atomic and calls `_exit`.
        #[allow(unsafe_code)]
        unsafe {
            libc::signal(signal, handler)
        };
    }
}

/// Signals are not caught on this platform: the default action ends the process.
#[cfg(not(unix))]
pub fn install() {}
