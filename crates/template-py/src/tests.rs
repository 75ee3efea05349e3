//! Tests that embed an interpreter: a panic inside a `#[pyfunction]` must surface as
//! `pyo3_runtime.PanicException`, never abort. The panicking function exists only in
//! this test module, so it stays out of the public API.

use pyo3::prelude::*;
use pyo3::types::PyDict;

#[pyfunction]
fn panics() -> u64 {
    panic!("deliberate panic from a test");
}

#[test]
fn panic_becomes_a_python_exception() {
    Python::initialize();
    Python::attach(|py| {
        let globals = PyDict::new(py);
        globals
            .set_item("panics", wrap_pyfunction!(panics, py).unwrap())
            .unwrap();
        // Catch it in Python: PyO3 resumes the panic if a PanicException is fetched back
        // into Rust, which is what keeps a panic from being silently swallowed.
        let code = c"
try:
    panics()
except BaseException as e:
    caught = (type(e).__name__, str(e))
else:
    caught = None
";
        py.run(code, Some(&globals), None).unwrap();
        let caught: Option<(String, String)> = globals
            .get_item("caught")
            .unwrap()
            .unwrap()
            .extract()
            .unwrap();
        let (name, message) = caught.expect("the panic was not raised as an exception");
        assert_eq!(name, "PanicException");
        assert!(message.contains("deliberate panic"), "{message}");
        // The interpreter is still alive and usable afterwards.
        let two: i64 = py.eval(c"1 + 1", None, None).unwrap().extract().unwrap();
        assert_eq!(two, 2);
    });
}
