//! `template_python_rust_cmd._native`: the PyO3 bindings of template-core.
//!
//! Python sees `Stats`, `count_bytes`, `count_file` and `__version__` (re-exported by the
//! pure-Python package `template_python_rust_cmd`). The `///` comments on the
//! Python-visible items below become their `__doc__`.

mod buffer;
mod path;

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use template_core::CountError;

// A panic must reach Python as `pyo3_runtime.PanicException`; with `panic = "abort"` it
// would kill the interpreter instead. Refuse to build that way.
#[cfg(not(panic = "unwind"))]
compile_error!(
    "template-py must be built with panic = \"unwind\" (see [profile.release] in Cargo.toml)"
);

/// Line, word and byte counts, as POSIX ``wc -l -w -c`` defines them in the C locale.
///
/// Immutable and hashable; equal when all three counts are equal.
#[pyclass(frozen, eq, hash, name = "Stats", module = "template_python_rust_cmd")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyStats(template_core::Stats);

#[pymethods]
impl PyStats {
    #[new]
    #[pyo3(signature = (lines = 0, words = 0, bytes = 0))]
    fn new(lines: u64, words: u64, bytes: u64) -> Self {
        PyStats(template_core::Stats {
            lines,
            words,
            bytes,
        })
    }

    /// Number of newline (``\n``) bytes.
    #[getter]
    fn lines(&self) -> u64 {
        self.0.lines
    }

    /// Number of maximal runs of bytes that are not C-locale whitespace (``isspace()``).
    #[getter]
    fn words(&self) -> u64 {
        self.0.words
    }

    /// Number of bytes.
    #[getter]
    fn bytes(&self) -> u64 {
        self.0.bytes
    }

    /// The counts as ``{"lines": ..., "words": ..., "bytes": ...}``.
    #[pyo3(name = "to_dict")]
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("lines", self.0.lines)?;
        dict.set_item("words", self.0.words)?;
        dict.set_item("bytes", self.0.bytes)?;
        Ok(dict)
    }

    /// Arguments that rebuild this object, so ``pickle`` and ``copy`` work.
    fn __getnewargs__(&self) -> (u64, u64, u64) {
        (self.0.lines, self.0.words, self.0.bytes)
    }

    fn __repr__(&self) -> String {
        let template_core::Stats {
            lines,
            words,
            bytes,
        } = self.0;
        format!("Stats(lines={lines}, words={words}, bytes={bytes})")
    }
}

/// Counts lines, words and bytes of a bytes-like object.
///
/// ``data`` is anything with a C-contiguous buffer: ``bytes``, ``bytearray``,
/// ``memoryview``, ``array.array``, ... It is read in place, never copied.
/// Raises ``TypeError`` for ``str`` and other non-buffer objects, and ``BufferError``
/// for a non-contiguous buffer (such as ``memoryview(b)[::2]``).
#[pyfunction]
fn count_bytes(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<PyStats> {
    buffer::count(py, data).map(PyStats)
}

/// Counts lines, words and bytes of the file at ``path``.
///
/// ``path`` is what ``open()`` accepts as a file name: ``str``, ``bytes``, or an
/// ``os.PathLike`` returning either. The file is streamed through a fixed-size buffer
/// with the GIL released. Errors are the built-in ``OSError`` subclasses with ``errno``,
/// ``strerror`` and ``filename`` (``os.fspath(path)``) set: ``FileNotFoundError``,
/// ``IsADirectoryError``, ``PermissionError``, ...; ``TypeError`` for another type and
/// ``ValueError`` for a path holding a NUL byte, as ``open()`` raises.
#[pyfunction]
fn count_file(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyStats> {
    let path = path::extract(path)?;
    let native = path.native;
    let result = py.detach(|| template_core::count_path(&native));
    result.map(PyStats).map_err(|e| os_error(e, &path.shown))
}

/// `OSError(errno, strerror, filename)`: Python picks the subclass from the errno
/// (`ENOENT` -> `FileNotFoundError`, `EISDIR` -> `IsADirectoryError`, ...) and the message
/// reads `[Errno 2] No such file or directory: 'PATH'` (`b'PATH'` for a bytes path).
fn os_error(err: CountError, filename: &Bound<'_, PyAny>) -> PyErr {
    let (path, io) = err.into_parts();
    let strerror = template_core::os_error_text(&io);
    match io.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, strerror, filename.clone().unbind())),
        None => PyOSError::new_err(format!("{}: {strerror}", path.display())),
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The one version source: the workspace version in Cargo.toml.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyStats>()?;
    m.add_function(wrap_pyfunction!(count_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(count_file, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests;
