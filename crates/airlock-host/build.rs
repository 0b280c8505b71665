//! Builds the wasm32-wasip1 guest (`crates/airlock-guest`) and embeds it.
//!
//! The guest is its own cargo workspace with its own toolchain settings (QuickJS is C, built by
//! Debian's clang against wasi-libc; see its `.cargo/config.toml`), so it is built by a nested
//! cargo into a target directory shared by every profile. `AIRLOCK_GUEST_WASM=path` skips the
//! build and embeds a prebuilt guest instead.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let guest_dir = manifest_dir.join("../airlock-guest");
    println!("cargo:rerun-if-env-changed=AIRLOCK_GUEST_WASM");

    let wasm = match env::var_os("AIRLOCK_GUEST_WASM") {
        Some(path) => PathBuf::from(path),
        None => build_guest(&guest_dir),
    };
    let bytes = std::fs::read(&wasm)
        .unwrap_or_else(|e| panic!("cannot read the guest module {}: {e}", wasm.display()));
    let hash = blake3::hash(&bytes);
    println!("cargo:rustc-env=AIRLOCK_GUEST_WASM_PATH={}", wasm.display());
    println!("cargo:rustc-env=AIRLOCK_GUEST_HASH={}", hash.to_hex());
}

fn build_guest(guest_dir: &Path) -> PathBuf {
    // The guest, and the shell it is built with (a path dependency the guest's own cargo
    // rebuilds, but only when this script runs again).
    for watched in [
        "src",
        "libs/dist",
        "quickjs",
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        "../airlock-shell/src",
        "../airlock-shell/Cargo.toml",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            guest_dir.join(watched).display()
        );
    }
    let target_dir = shared_target_dir().join("airlock-guest");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(guest_dir)
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip1",
            "--target-dir",
        ])
        .arg(&target_dir);
    // The outer build's settings (clippy's wrapper, host rustflags, profile and feature
    // variables) must not leak into the guest build.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_")
            && key != "CARGO_HOME"
            && key != "CARGO_NET_OFFLINE"
            && key != "CARGO_MAKEFLAGS"
            || matches!(
                &*key,
                "RUSTFLAGS"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "RUSTDOCFLAGS"
                    | "TARGET"
                    | "HOST"
                    | "OUT_DIR"
                    | "OPT_LEVEL"
                    | "PROFILE"
                    | "DEBUG"
                    | "RUSTC"
                    | "RUSTDOC"
                    | "RUSTC_LINKER"
            )
        {
            cmd.env_remove(&*key);
        }
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot start cargo for the guest: {e}"));
    if !status.success() {
        panic!(
            "building the airlock guest (crates/airlock-guest, wasm32-wasip1) failed.\n\
             hint: it needs Debian's clang, lld, llvm-14 and wasi-libc and the rustup target \
             wasm32-wasip1; `scripts/setup.sh` installs them"
        );
    }
    target_dir.join("wasm32-wasip1/release/airlock_guest.wasm")
}

/// The workspace target directory (cargo marks its root with `CACHEDIR.TAG`), so every profile
/// and every build of this crate share one guest build.
fn shared_target_dir() -> PathBuf {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
        .unwrap_or(out_dir)
}
