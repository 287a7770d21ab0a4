//! Shared helpers: fixture paths, the shared corpus and oracles, loud skips.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// True when running under CI (`CI=true`), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Reports a skipped test where a person sees it (bypassing libtest's capture),
/// or fails the test under CI.
pub fn skip(test: &str, why: &str) {
    if in_ci() {
        panic!("{test}: required under CI=true but not available: {why}");
    }
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "\n*** SKIPPED {test}: {why} (set GPFORGE_SHARED or provide ../shared; CI=true makes this a failure)"
    );
}

/// The shared folder (`$GPFORGE_SHARED`, else `../shared` beside the checkout).
pub fn shared_root() -> PathBuf {
    match std::env::var_os("GPFORGE_SHARED") {
        Some(p) => PathBuf::from(p),
        None => root().join("..").join("shared"),
    }
}

/// `shared/<rel>` if it exists; otherwise skips (or fails under CI) and returns `None`.
pub fn shared(test: &str, rel: &str) -> Option<PathBuf> {
    let p = shared_root().join(rel);
    if p.exists() {
        Some(p)
    } else {
        skip(test, &format!("{} not found", p.display()));
        None
    }
}

/// Checks that an oracle works: `xmllint` (for xsd-validate) or `samba` (poljson.py).
/// Returns the path of the oracle script, or `None` after a loud skip.
pub fn oracle(test: &str, which: &str) -> Option<PathBuf> {
    let dir = shared(test, "oracles")?;
    let ok = match which {
        "xmllint" => Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "samba" => Command::new("/usr/bin/python3")
            .args(["-c", "import samba.dcerpc.preg"])
            .output()
            .is_ok_and(|o| o.status.success()),
        _ => panic!("unknown oracle {which}"),
    };
    if !ok {
        skip(
            test,
            &format!("oracle {which} is not installed (run ../shared/oracles/install)"),
        );
        return None;
    }
    Some(match which {
        "xmllint" => dir.join("xsd-validate"),
        _ => dir.join("poljson.py"),
    })
}

/// Every file under `dir` (recursively) whose extension matches one of `exts`
/// (case-insensitive), sorted.
pub fn files_with_ext(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    gpforge::fsutil::files_under(dir)
        .into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.iter().any(|w| x.eq_ignore_ascii_case(w)))
        })
        .collect()
}

/// Text of UTF-16LE bytes that start with a BOM (asserts the BOM).
pub fn utf16le_bom_text(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "expected a UTF-16LE BOM");
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// Copies the folder `from` (recursively) into `to`, creating `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// Runs the built `gpforge` binary with `args` in `cwd`; returns (exit code, stdout, stderr).
pub fn gpforge(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gpforge"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run gpforge");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
