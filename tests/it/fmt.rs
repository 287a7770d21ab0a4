//! `gpforge fmt`: exit codes of `--check`, atomic in-place rewrite, `--out`,
//! `--keep-encoding`, and that unknown attributes and elements survive.

use std::path::{Path, PathBuf};

use crate::util::{copy_dir, files_with_ext, fixture, gpforge, utf16le_bom_text};

/// Copies `fixtures/fmt/<case>` into a fresh temp folder; returns (guard, copy).
fn copy_case(case: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join(case);
    copy_dir(&fixture(&format!("fmt/{case}")), &dst);
    (tmp, dst)
}

/// Every file under `dir` with its bytes, relative paths sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    gpforge::fsutil::files_under(dir)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Replaces the temp root in CLI output so snapshots are stable.
fn redact(text: &str, root: &Path) -> String {
    text.replace(&root.display().to_string(), "[ROOT]")
        .replace('\\', "/")
}

fn to_utf16le_bom(utf8: &[u8]) -> Vec<u8> {
    let text =
        std::str::from_utf8(utf8)
            .unwrap()
            .replacen("encoding=\"utf-8\"", "encoding=\"utf-16\"", 1);
    let mut out = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

#[test]
fn check_lists_non_canonical_files_and_changes_nothing() {
    let (tmp, dir) = copy_case("quirks");
    let before = tree(&dir);
    let (code, out, err) = gpforge(tmp.path(), &["fmt", "--check", "quirks"]);
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!(out, @r"
    would reformat quirks/contoso.admx
    would reformat quirks/en-US/contoso.adml
    2 of 2 files would be reformatted
    ");
    assert_eq!(tree(&dir), before, "--check must not write");
}

#[test]
fn in_place_rewrite_is_canonical_and_stable() {
    let (tmp, dir) = copy_case("quirks");
    let (code, out, err) = gpforge(tmp.path(), &["fmt", "quirks"]);
    assert_eq!(code, 0, "{out}{err}");
    insta::assert_snapshot!(out, @r"
    reformatted quirks/contoso.admx
    reformatted quirks/en-US/contoso.adml
    2 of 2 files reformatted
    ");
    // Only the two templates are there: no temp file was left behind.
    let after = tree(&dir);
    let names: Vec<&str> = after.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["contoso.admx", "en-US/contoso.adml"]);

    // The output is canonical: --check passes and a second run changes nothing.
    let (code, out, _) = gpforge(tmp.path(), &["fmt", "--check", "quirks"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "0 of 2 files would be reformatted\n");
    let (code, _, _) = gpforge(tmp.path(), &["fmt", "quirks"]);
    assert_eq!(code, 0);
    assert_eq!(tree(&dir), after);

    // Area attributes, comments, the unknown element, stray text and the
    // misplaced elements are all carried; elements are in schema order.
    let admx = String::from_utf8(after[0].1.clone()).unwrap();
    insta::assert_snapshot!("fmt_quirks_admx", admx);
    let adml = String::from_utf8(after[1].1.clone()).unwrap();
    insta::assert_snapshot!("fmt_quirks_adml", adml);
}

#[test]
fn out_writes_elsewhere_keeping_relative_paths() {
    let (tmp, dir) = copy_case("quirks");
    let before = tree(&dir);
    let (code, out, err) = gpforge(tmp.path(), &["fmt", "--out", "formatted", "quirks"]);
    assert_eq!(code, 0, "{out}{err}");
    insta::assert_snapshot!(out, @r"
    wrote formatted/contoso.admx
    wrote formatted/en-US/contoso.adml
    2 of 2 files reformatted
    ");
    assert_eq!(tree(&dir), before, "the sources stay as they were");
    let written = tree(&tmp.path().join("formatted"));
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["contoso.admx", "en-US/contoso.adml"]);
    // A single file given directly lands under its own name.
    let (code, _, err) = gpforge(
        tmp.path(),
        &["fmt", "--out", "single", "quirks/en-US/contoso.adml"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read(tmp.path().join("single/contoso.adml")).unwrap(),
        written[1].1
    );
}

#[test]
fn keep_encoding_writes_utf16le_with_bom() {
    let tmp = tempfile::tempdir().unwrap();
    let src = std::fs::read(fixture("fmt/quirks/contoso.admx")).unwrap();
    let utf16 = tmp.path().join("office.admx");
    std::fs::write(&utf16, to_utf16le_bom(&src)).unwrap();
    let plain = tmp.path().join("plain.admx");
    std::fs::write(&plain, to_utf16le_bom(&src)).unwrap();

    let (code, _, err) = gpforge(tmp.path(), &["fmt", "--keep-encoding", "office.admx"]);
    assert_eq!(code, 0, "{err}");
    let kept = utf16le_bom_text(&std::fs::read(&utf16).unwrap());
    assert!(
        kept.starts_with("<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n"),
        "{kept}"
    );

    let (code, _, err) = gpforge(tmp.path(), &["fmt", "plain.admx"]);
    assert_eq!(code, 0, "{err}");
    let converted =
        String::from_utf8(std::fs::read(&plain).unwrap()).expect("UTF-8 without --keep-encoding");
    assert!(converted.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"));
    // Same content apart from the declared encoding.
    assert_eq!(kept.replacen("utf-16", "utf-8", 1), converted);

    // A UTF-16 file kept as UTF-16 is canonical for --check --keep-encoding only.
    let (code, _, _) = gpforge(
        tmp.path(),
        &["fmt", "--check", "--keep-encoding", "office.admx"],
    );
    assert_eq!(code, 0);
    let (code, _, _) = gpforge(tmp.path(), &["fmt", "--check", "office.admx"]);
    assert_eq!(code, 1);
}

#[test]
fn broken_file_fails_with_position_and_stays_untouched() {
    let (tmp, dir) = copy_case("broken");
    let before = tree(&dir);
    let (code, out, err) = gpforge(tmp.path(), &["fmt", "broken"]);
    assert_eq!(code, 2, "{out}{err}");
    let err = redact(&err, tmp.path());
    assert!(err.contains("broken/unclosed.admx:"), "{err}");
    insta::assert_snapshot!(err);
    assert_eq!(tree(&dir), before);
}

#[test]
fn paths_that_are_not_templates_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "x").unwrap();
    let (code, _, err) = gpforge(tmp.path(), &["fmt", "notes.txt"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("notes.txt: expected an .admx or .adml file"),
        "{err}"
    );
    let (code, _, err) = gpforge(tmp.path(), &["fmt", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("no .admx or .adml file found"), "{err}");
    let (code, _, err) = gpforge(tmp.path(), &["fmt", "missing"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn check_and_out_conflict() {
    let (code, _, err) = gpforge(&fixture("fmt"), &["fmt", "--check", "--out", "x", "quirks"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    // Fixtures are untouched by this refusal.
    assert!(!files_with_ext(&fixture("fmt"), &["admx", "adml"]).is_empty());
}
