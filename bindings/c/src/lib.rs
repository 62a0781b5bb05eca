//! C ABI for mwkit (`libmw`), a translation layer over `mw-ureq`.
//!
//! The client handle and its operations arrive with the `[c-api]` work item;
//! this first version exports only the library's version.

use std::ffi::{CStr, c_char};

/// The library's version as a NUL-terminated UTF-8 string with static
/// lifetime; the caller must not free it.
#[unsafe(no_mangle)]
pub extern "C" fn mw_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("version holds a NUL byte"),
        };
    VERSION.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: mw_version returns a pointer to a static NUL-terminated string.
        let v = unsafe { CStr::from_ptr(mw_version()) };
        assert_eq!(v.to_str().ok(), Some(env!("CARGO_PKG_VERSION")));
    }
}
