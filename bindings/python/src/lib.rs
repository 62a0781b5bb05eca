//! Native module `mwkit._native`, re-exported by the pure-Python `mwkit`
//! package. A translation layer over `mw-ureq`; the session type arrives with
//! the `[python]` work item.
#![forbid(unsafe_code)]

use pyo3::prelude::*;

/// Native part of mwkit; import `mwkit`, not this module.
#[pymodule]
mod _native {
    use super::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
