//! Gives the shared library (the cdylib) its SONAME, `libmw.so.<major>`, on
//! ELF targets, so that every build of it, debug or release, can be installed
//! as `libmw.so.X.Y.Z` with the `libmw.so.X` and `libmw.so` links, and programs
//! linked against it ask for `libmw.so.X` at run time (`bindings/c/stage`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_else(|_| "0".into());
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libmw.so.{major}");
    }
}
