//! `count_file`'s path argument, accepted as `open()` accepts it.
//!
//! `str`, `bytes`, and any `os.PathLike` whose `__fspath__()` returns either. The object
//! `os.fspath()` returns is kept: it becomes the exception's `filename`, so a bytes path is
//! reported as bytes, exactly like `open(b"missing")`. A bytes path is the file name's raw
//! bytes on Unix and decoded with `os.fsdecode()` elsewhere (Windows file names are
//! Unicode). An embedded NUL byte is a `ValueError`, as for `open()`.

use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A path to open, and the `str`/`bytes` object to name in errors.
pub(crate) struct FsPath<'py> {
    pub(crate) native: PathBuf,
    pub(crate) shown: Bound<'py, PyAny>,
}

/// `os.fspath(path)`, then the native path; errors say what is accepted.
pub(crate) fn extract<'py>(path: &Bound<'py, PyAny>) -> PyResult<FsPath<'py>> {
    let py = path.py();
    let shown = if path.is_instance_of::<PyString>() || path.is_instance_of::<PyBytes>() {
        path.clone()
    } else if path.hasattr(intern!(py, "__fspath__"))? {
        // os.fspath's own TypeError names a `__fspath__` that returns something else.
        py.import(intern!(py, "os"))?
            .call_method1(intern!(py, "fspath"), (path,))?
    } else {
        let name = path.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "count_file() expects a path (str, bytes or os.PathLike), not {name}"
        )));
    };
    let native = native_path(&shown)?;
    if has_nul(&native) {
        return Err(PyValueError::new_err("embedded null byte"));
    }
    Ok(FsPath { native, shown })
}

fn native_path(shown: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    let Ok(bytes) = shown.cast::<PyBytes>() else {
        // A str: PyO3 encodes it with the file system encoding (surrogateescape on Unix).
        return shown.extract();
    };
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(std::ffi::OsStr::from_bytes(bytes.as_bytes()).into())
    }
    #[cfg(not(unix))]
    {
        let py = shown.py();
        py.import(intern!(py, "os"))?
            .call_method1(intern!(py, "fsdecode"), (bytes,))?
            .extract()
    }
}

fn has_nul(path: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().contains(&0)
    }
    #[cfg(not(unix))]
    {
        path.as_os_str().to_string_lossy().contains('\0')
    }
}
