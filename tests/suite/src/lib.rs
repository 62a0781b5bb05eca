//! The live test suite lives in `tests/`; this library is empty.
