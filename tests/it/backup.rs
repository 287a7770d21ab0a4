//! `gpforge backup`: GPMC backups written and read.

use std::path::{Path, PathBuf};

use gpforge::backup::{read, write};

use crate::util;

const COPYRIGHT: &str = "<!-- Copyright (c) Microsoft Corporation.  All rights reserved. -->";

/// Every `{GUID}` backup folder under the corpus (folders holding Backup.xml).
fn corpus_backups(test: &str) -> Vec<PathBuf> {
    let Some(dir) = util::shared(test, "corpus/backups") else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = util::files_with_ext(&dir, &["xml"])
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "Backup.xml"))
        .map(|p| p.parent().unwrap().to_path_buf())
        .collect();
    v.sort();
    assert!(
        v.len() >= 70,
        "expected the corpus backups, found {}",
        v.len()
    );
    v
}

/// Line ends as the original file has them (git checkouts of some sources turned CRLF into LF).
fn like(original: &[u8], ours: Vec<u8>) -> Vec<u8> {
    if original.windows(2).any(|w| w == b"\r\n") {
        ours
    } else {
        String::from_utf8(ours)
            .unwrap()
            .replace("\r\n", "\n")
            .into_bytes()
    }
}

fn assert_same(ours: &str, expected: &str, p: &Path) {
    if ours != expected {
        let at = ours
            .bytes()
            .zip(expected.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        let lo = at.saturating_sub(80);
        panic!(
            "{}: differs at byte {at}\n ours: {:?}\n file: {:?}",
            rel(p),
            &ours[lo..(at + 80).min(ours.len())],
            &expected[lo..(at + 80).min(expected.len())]
        );
    }
}

fn rel(p: &Path) -> String {
    p.to_string_lossy()
        .split("corpus/backups/")
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn corpus_backup_xml_files_round_trip_byte_for_byte() {
    for dir in corpus_backups("corpus_backup_xml_files_round_trip_byte_for_byte") {
        let p = dir.join("Backup.xml");
        let bytes = std::fs::read(&p).unwrap();
        let scheme = read::read_backup_xml(&p, &bytes).unwrap();
        let expected = String::from_utf8(bytes.clone())
            .unwrap()
            .replacen(COPYRIGHT, "", 1);
        let ours = String::from_utf8(like(&bytes, write::backup_xml(&scheme))).unwrap();
        assert_same(&ours, &expected, &p);

        let p = dir.join("bkupInfo.xml");
        let bytes = std::fs::read(&p).unwrap();
        let inst = read::read_bkupinfo(&p, &bytes).unwrap();
        assert_eq!(
            like(&bytes, write::bkupinfo_xml(&inst)),
            bytes,
            "{}",
            rel(&p)
        );
    }
}

#[test]
fn corpus_manifests_round_trip_byte_for_byte() {
    let Some(dir) = util::shared(
        "corpus_manifests_round_trip_byte_for_byte",
        "corpus/backups",
    ) else {
        return;
    };
    let files: Vec<PathBuf> = util::files_with_ext(&dir, &["xml"])
        .into_iter()
        .filter(|p| p.ends_with("manifest.xml"))
        .collect();
    assert!(files.len() >= 50, "{}", files.len());
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        let entries = read::read_manifest(&p, &bytes).unwrap();
        assert!(!entries.is_empty(), "{}", rel(&p));
        assert_eq!(write::manifest_xml(&entries), bytes, "{}", rel(&p));
    }
}
