//! `count_bytes` on bytes-like objects, within the abi3-py39 stable ABI.
//!
//! The buffer protocol (`PyObject_GetBuffer`, PyO3's `PyBuffer`) joined the limited API
//! only in Python 3.11, so an abi3 wheel for 3.9 cannot use it (PyO3 compiles
//! `pyo3::buffer` out, and on Windows `python3.dll` of 3.9/3.10 does not export it). What
//! the stable ABI does offer decides the strategy:
//!
//! * `bytes` (and subclasses): read in place through `PyBytes_AsString`, **GIL released**.
//!   A `bytes` object is immutable and we hold a reference, so no thread can change or
//!   free the memory while we count.
//! * `bytearray`: read in place, **GIL held**. Its contents can change under us as soon
//!   as another thread runs Python code, and reading memory that another thread writes is
//!   a data race (undefined behaviour in Rust). With the GIL held and no Python code
//!   called while counting, nobody can write or resize it; counting runs at memory speed,
//!   so the GIL is held only briefly. (Copying it to release the GIL would cost a copy as
//!   large as the input, slower than counting it in place.)
//! * `memoryview` over a whole `bytes`/`bytearray` (C-contiguous, same length): counted
//!   in place as that object, with the rule above.
//! * any other buffer (a sliced `memoryview`, `array.array`, `mmap`, ...): the stable ABI
//!   gives no pointer into it, so it is copied in 256 KiB slices (`tobytes()` of each
//!   slice), and each copy is counted with the GIL released; memory stays bounded.
//! * a non-contiguous view is refused with `BufferError`, `str` and non-buffers with
//!   `TypeError`.

use pyo3::exceptions::{PyBufferError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView, PySlice, PyString};
use template_core::Stats;

/// Counts `data`; see the module docs for when it is copied and when the GIL is released.
pub(crate) fn count(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Stats> {
    if let Some(stats) = count_in_place(py, data) {
        return Ok(stats);
    }
    if data.is_instance_of::<PyString>() {
        return Err(not_bytes_like(data));
    }
    let view = match data.cast::<PyMemoryView>() {
        Ok(view) => view.clone(),
        // `memoryview(x)` accepts exactly the objects that export a buffer.
        Err(_) => PyMemoryView::from(data).map_err(|_| not_bytes_like(data))?,
    };
    if !view.getattr("c_contiguous")?.is_truthy()? {
        return Err(PyBufferError::new_err(
            "count_bytes() needs a C-contiguous buffer; pass bytes(data) to copy a strided view",
        ));
    }
    let base = view.getattr("obj")?;
    let nbytes: usize = view.getattr("nbytes")?.extract()?;
    if stored_len(&base) == Some(nbytes) {
        if let Some(stats) = count_in_place(py, &base) {
            return Ok(stats);
        }
    }
    count_copied(py, &view, nbytes)
}

/// Counts a C-contiguous view by copying it in [`template_core::BUFFER_SIZE`] slices, so
/// the copy costs a fixed amount of memory and stays in cache while it is counted.
fn count_copied(py: Python<'_>, view: &Bound<'_, PyMemoryView>, nbytes: usize) -> PyResult<Stats> {
    let flat = view.call_method1("cast", ("B",))?;
    let mut counter = template_core::Counter::new();
    let mut start = 0;
    while start < nbytes {
        let end = nbytes.min(start + template_core::BUFFER_SIZE);
        let slice = PySlice::new(py, start as isize, end as isize, 1);
        let chunk = flat.get_item(slice)?.call_method0("tobytes")?;
        let bytes = chunk.cast::<PyBytes>()?.as_bytes();
        // A fresh `bytes` copy: immutable, so it is counted without the GIL.
        py.detach(|| counter.update(bytes));
        start = end;
    }
    Ok(counter.finish())
}

/// Counts a `bytes` (GIL released) or `bytearray` (GIL held) in place; `None` otherwise.
fn count_in_place(py: Python<'_>, data: &Bound<'_, PyAny>) -> Option<Stats> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        let slice: &[u8] = bytes.as_bytes();
        // Immutable and kept alive by `data`: safe to read from a thread without the GIL.
        return Some(py.detach(|| template_core::count_bytes(slice)));
    }
    if let Ok(array) = data.cast::<PyByteArray>() {
        // SAFETY: the GIL is held for the whole call and counting calls no Python code,
        // so no Python thread can write to or resize the bytearray while we read it.
        return Some(template_core::count_bytes(unsafe { array.as_bytes() }));
    }
    None
}

/// The length of the storage of a `bytes` or `bytearray` (not its `__len__`, which a
/// subclass could override); `None` for other objects.
fn stored_len(data: &Bound<'_, PyAny>) -> Option<usize> {
    if let Ok(bytes) = data.cast::<PyBytes>() {
        Some(bytes.as_bytes().len())
    } else {
        data.cast::<PyByteArray>().ok().map(|array| array.len())
    }
}

fn not_bytes_like(data: &Bound<'_, PyAny>) -> PyErr {
    let name = data
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned());
    PyTypeError::new_err(format!(
        "count_bytes() expects a bytes-like object, not {name}"
    ))
}
