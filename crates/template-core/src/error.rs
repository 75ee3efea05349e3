//! The error of [`crate::count_path`]: the path and the OS error.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Counting a file failed: which file, and the I/O error.
///
/// Displays as `PATH: <os error text>`, e.g. `notes.txt: No such file or directory`.
#[derive(Debug)]
pub struct CountError {
    path: PathBuf,
    source: io::Error,
}

impl CountError {
    /// Wraps `source`, the error met while opening or reading `path`.
    pub fn new(path: impl Into<PathBuf>, source: io::Error) -> Self {
        CountError {
            path: path.into(),
            source,
        }
    }

    /// The path that could not be counted.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying I/O error (its `raw_os_error()` is the errno, where there is one).
    pub fn io_error(&self) -> &io::Error {
        &self.source
    }

    /// Splits the error into its path and I/O error.
    pub fn into_parts(self) -> (PathBuf, io::Error) {
        (self.path, self.source)
    }
}

impl fmt::Display for CountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.path.display(),
            os_error_text(&self.source)
        )
    }
}

impl std::error::Error for CountError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The text of an I/O error the way the C library words it (`strerror`): for an OS error,
/// Rust's ` (os error N)` suffix is dropped, e.g. `No such file or directory`.
pub fn os_error_text(err: &io::Error) -> String {
    let text = err.to_string();
    match err.raw_os_error() {
        Some(code) => {
            let suffix = format!(" (os error {code})");
            text.strip_suffix(&suffix)
                .map(str::to_owned)
                .unwrap_or(text)
        }
        None => text,
    }
}
