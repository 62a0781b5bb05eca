//! The committed header is exactly what cbindgen generates from the code.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::Path;

#[test]
fn the_committed_header_is_what_cbindgen_generates() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .unwrap();
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = crate_dir.join("include/mw.h");
    if std::env::var_os("MW_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/mw.h differs from what cbindgen generates; run \
         `MW_UPDATE_HEADER=1 cargo test -p mw-capi --test header` and commit it"
    );
}
