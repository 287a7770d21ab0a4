//! registry.pol: fixtures (every type, directive and error case) with snapshot
//! dumps, the real-file corpus (byte round trip, agreement with Samba's
//! decoder), and files we write checked by Samba.
//!
//! The fixtures in `fixtures/pol/` are produced by [`fixtures`] below, a tiny
//! byte-level builder that does not use gpforge's writer (so the reader is
//! tested against independently made bytes). `fixtures_match_their_builder`
//! checks the committed files against it; `GPFORGE_REGEN_FIXTURES=1 cargo test
//! --test it pol::` rewrites them.

use std::path::PathBuf;
use std::process::Command;

use gpforge::pol::{self, Data, Entry, PolFile, RegType};
use serde_json::Value;

use crate::util;

// ---------------------------------------------------------------- builder

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn sz(s: &str) -> Vec<u8> {
    utf16(&format!("{s}\0"))
}

const HEADER: &[u8] = b"PReg\x01\x00\x00\x00";

/// `[key\0;name\0;type;size;data]` written out by hand.
fn raw(key: &str, name: &str, ty: u32, data: &[u8]) -> Vec<u8> {
    let mut v = utf16("[");
    v.extend(sz(key));
    v.extend(utf16(";"));
    v.extend(sz(name));
    v.extend(utf16(";"));
    v.extend(ty.to_le_bytes());
    v.extend(utf16(";"));
    v.extend((data.len() as u32).to_le_bytes());
    v.extend(utf16(";"));
    v.extend(data);
    v.extend(utf16("]"));
    v
}

fn file<T: AsRef<[u8]>>(entries: &[T]) -> Vec<u8> {
    let mut v = HEADER.to_vec();
    for e in entries {
        v.extend(e.as_ref());
    }
    v
}

const K: &str = r"Software\Policies\gpforge\test";
const OFFICE: &str = r"software\policies\microsoft\office\16.0\common";

/// Every fixture: (path under fixtures/pol, bytes, what it exercises).
pub fn fixtures() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let dw = |n: u32| n.to_le_bytes().to_vec();
    let marker = sz(" ");
    let linkedin = raw(OFFICE, "linkedin", 4, &dw(0));
    let second = raw(OFFICE, "qmenable", 4, &dw(1));
    let mut v: Vec<(&'static str, Vec<u8>, &'static str)> = vec![
        (
            "valid/linkedin-disabled.pol",
            file(&[&linkedin]),
            "docs/formats.md 1.6: LinkedIn policy disabled, 144 bytes",
        ),
        (
            "valid/type-0-none-key-only.pol",
            file(&[raw(K, "", 0, &[])]),
            "REG_NONE key-only entry, empty value name, size 0",
        ),
        (
            "valid/type-0-none-with-data.pol",
            file(&[raw(K, "n", 0, &[1, 2])]),
            "REG_NONE with 2 data bytes (kept as bytes)",
        ),
        (
            "valid/type-1-sz.pol",
            file(&[raw(K, "s", 1, &sz("900")), raw(K, "empty", 1, &sz(""))]),
            "REG_SZ: text and empty string (one NUL)",
        ),
        (
            "valid/type-1-sz-size-0.pol",
            file(&[raw(K, "nodata", 1, &[])]),
            "REG_SZ with size 0 (no data at all)",
        ),
        (
            "valid/type-2-expand-sz.pol",
            file(&[raw(K, "p", 2, &sz(r"%ProgramFiles%\x"))]),
            "REG_EXPAND_SZ",
        ),
        (
            "valid/type-3-binary.pol",
            file(&[raw(K, "b", 3, &[0, 1, 0xfe, 0xff])]),
            "REG_BINARY",
        ),
        (
            "valid/type-4-dword.pol",
            file(&[raw(K, "zero", 4, &dw(0)), raw(K, "max", 4, &dw(u32::MAX))]),
            "REG_DWORD 0 and 4294967295",
        ),
        (
            "valid/type-5-dword-big-endian.pol",
            file(&[raw(K, "be", 5, &[0, 0, 1, 2])]),
            "REG_DWORD_BIG_ENDIAN 258",
        ),
        (
            "valid/type-6-link.pol",
            file(&[raw(K, "l", 6, &sz(r"\Registry\Machine\Software\X"))]),
            "REG_LINK as a string",
        ),
        (
            "valid/type-7-multi-sz.pol",
            file(&[raw(K, "m", 7, &utf16("one\0two\0three\0\0"))]),
            "REG_MULTI_SZ with three items",
        ),
        (
            "valid/type-7-multi-sz-empty.pol",
            file(&[raw(K, "m", 7, &utf16("\0"))]),
            "REG_MULTI_SZ empty list as one NUL (PolicyPlus)",
        ),
        (
            "valid/type-7-multi-sz-empty-two-nuls.pol",
            file(&[raw(K, "m", 7, &utf16("\0\0"))]),
            "REG_MULTI_SZ empty list as two NULs (Samba): [\"\"]",
        ),
        (
            "valid/type-8-9-10-resource-types.pol",
            file(&[
                raw(K, "r8", 8, &[8]),
                raw(K, "r9", 9, &[9]),
                raw(K, "r10", 10, &[10]),
            ]),
            "resource types 8, 9, 10 (kept as bytes)",
        ),
        (
            "valid/type-11-qword.pol",
            file(&[raw(K, "q", 11, &(1u64 << 40 | 7).to_le_bytes())]),
            "REG_QWORD",
        ),
        (
            "valid/type-unknown.pol",
            file(&[raw(K, "u", 0x0400_0000, &dw(1))]),
            "unknown type code 0x04000000 (POL009)",
        ),
        (
            "valid/directive-del.pol",
            file(&[raw(K, "**del.Old", 1, &marker)]),
            "**del. as gpedit writes it (REG_SZ \" \\0\")",
        ),
        (
            "valid/directive-delvals.pol",
            file(&[
                raw(K, "**delvals.", 1, &marker),
                raw(K, "1", 1, &sz("a")),
                raw(K, "2", 1, &sz("b")),
            ]),
            "**delvals. followed by list values 1, 2",
        ),
        (
            "valid/directive-deletevalues.pol",
            file(&[raw(K, "**DeleteValues", 1, &sz("a;b"))]),
            "**DeleteValues with a ;-list",
        ),
        (
            "valid/directive-deletekeys.pol",
            file(&[raw(K, "**DeleteKeys", 1, &sz("Sub1;Sub2"))]),
            "**DeleteKeys with a ;-list",
        ),
        (
            "valid/directive-securekey.pol",
            file(&[raw(K, "**SecureKey", 4, &dw(1))]),
            "**SecureKey = 1",
        ),
        (
            "valid/directive-soft.pol",
            file(&[raw(K, "**soft.Setting", 4, &dw(3))]),
            "**soft. set-if-absent",
        ),
        (
            "valid/directive-case-insensitive.pol",
            file(&[
                raw(K, "**DEL.X", 1, &marker),
                raw(K, "**DelVals", 1, &marker),
                raw(K, "**Del.Y", 4, &dw(0x20)),
            ]),
            "directives in other letter cases; **del. as REG_DWORD 0x20 (PolicyPlus)",
        ),
        (
            "valid/directive-unknown.pol",
            file(&[raw(K, "**delete.X", 1, &marker)]),
            "unknown control code (POL008)",
        ),
        (
            "valid/misfit-dword-3-bytes.pol",
            file(&[raw(K, "d", 4, &[1, 2, 3])]),
            "REG_DWORD of 3 bytes kept raw (POL007)",
        ),
        (
            "valid/misfit-qword-4-bytes.pol",
            file(&[raw(K, "q", 11, &dw(1))]),
            "REG_QWORD of 4 bytes kept raw (POL007)",
        ),
        (
            "valid/misfit-sz-without-nul.pol",
            file(&[raw(K, "s", 1, &utf16("abc"))]),
            "REG_SZ without its NUL (POL007)",
        ),
        (
            "valid/misfit-sz-odd-length.pol",
            file(&[raw(K, "s", 1, &[0x41, 0, 0])]),
            "REG_SZ of 3 bytes (POL007)",
        ),
        (
            "valid/misfit-sz-inner-nul.pol",
            file(&[raw(K, "s", 1, &utf16("a\0b\0"))]),
            "REG_SZ holding two strings (POL007)",
        ),
        (
            "valid/misfit-multi-sz-one-nul-short.pol",
            file(&[raw(K, "m", 7, &utf16("a\0"))]),
            "REG_MULTI_SZ without the final NUL (POL007)",
        ),
        (
            "valid/non-ascii.pol",
            file(&[raw(
                r"Software\Policies\Größe\日本",
                "Wert😀",
                1,
                &sz("Ünïcödé 😀"),
            )]),
            "non-ASCII key, name and data incl. a surrogate pair",
        ),
        (
            "valid/duplicate-value.pol",
            file(&[
                raw(OFFICE, "linkedin", 4, &dw(1)),
                raw(OFFICE, "LinkedIn", 4, &dw(0)),
            ]),
            "same value twice, different case (POL011)",
        ),
        (
            "valid/hive-in-key.pol",
            file(&[raw(r"HKLM\Software\Policies\X", "v", 4, &dw(1))]),
            "key with a hive prefix (POL010)",
        ),
        (
            "valid/empty-key.pol",
            file(&[raw("", "v", 4, &dw(1))]),
            "empty key (POL013)",
        ),
        (
            "valid/semicolons-and-brackets-in-names.pol",
            file(&[raw(r"Software\a;b]c[", "x;]", 1, &sz("];["))]),
            "delimiter characters inside strings (parsed by position)",
        ),
    ];
    // Invalid files.
    let mut shifted = file(&[&linkedin]);
    shifted.push(0);
    shifted.extend(&second);
    let mut missing = file(&[&linkedin, &second]);
    missing.remove(HEADER.len() + linkedin.len() - 1);
    let mut no_semicolon = file(&[&linkedin]);
    let key_end = HEADER.len() + 2 + utf16(OFFICE).len() + 2;
    no_semicolon[key_end] = b',';
    let mut short_size = file(&[raw(OFFICE, "linkedin", 1, &sz("abcd"))]);
    let size_at = HEADER.len() + 2 + sz(OFFICE).len() + 2 + sz("linkedin").len() + 2 + 4 + 2;
    short_size[size_at] -= 4;
    let mut past_end = file(&[&linkedin]);
    past_end[size_at] = 0x40;
    let mut bad_utf16 = file(&[raw("Software", "v", 4, &dw(1))]);
    bad_utf16[HEADER.len() + 2..HEADER.len() + 4].copy_from_slice(&0xd800u16.to_le_bytes());
    let mut bad_version = file(&[&linkedin]);
    bad_version[4] = 2;
    let full = file(&[&linkedin]);
    let mut padded = file(&[&linkedin]);
    padded.extend([0u8; 6]);
    let mut reg = vec![0xff, 0xfe];
    reg.extend(utf16("Windows Registry Editor Version 5.00\r\n"));
    v.extend([
        ("invalid/empty.pol", Vec::new(), "0-byte file"),
        (
            "invalid/bad-signature.pol",
            b"PRef\x01\x00\x00\x00".to_vec(),
            "wrong signature",
        ),
        (
            "invalid/reg-file.pol",
            reg,
            "a UTF-16 .reg export saved as registry.pol",
        ),
        (
            "invalid/truncated-header.pol",
            b"PReg\x01\x00".to_vec(),
            "header cut after 6 bytes",
        ),
        ("invalid/bad-version.pol", bad_version, "version 2"),
        (
            "invalid/truncated-in-key.pol",
            full[..40].to_vec(),
            "file ends inside the key",
        ),
        (
            "invalid/truncated-before-close.pol",
            full[..full.len() - 2].to_vec(),
            "file ends before the closing ']'",
        ),
        (
            "invalid/misaligned-by-one-byte.pol",
            shifted,
            "a stray NUL byte before the second entry (found 0x5b00)",
        ),
        (
            "invalid/missing-byte.pol",
            missing,
            "one byte missing at the end of the first entry",
        ),
        (
            "invalid/missing-semicolon.pol",
            no_semicolon,
            "',' where the ';' after the key belongs",
        ),
        (
            "invalid/size-too-small.pol",
            short_size,
            "size 4 bytes smaller than the REG_SZ data",
        ),
        (
            "invalid/size-past-end.pol",
            past_end,
            "size 64 with 4 data bytes left",
        ),
        (
            "invalid/invalid-utf16-key.pol",
            bad_utf16,
            "unpaired surrogate 0xD800 in the key",
        ),
        (
            "invalid/nul-padding-after-last-entry.pol",
            padded,
            "six NUL bytes after the last entry",
        ),
    ]);
    v
}

#[test]
fn fixtures_match_their_builder() {
    let regen = std::env::var("GPFORGE_REGEN_FIXTURES").is_ok_and(|v| v == "1");
    let mut readme = String::from(
        "# registry.pol fixtures\n\nEvery file here is generated by the byte-level builder `fixtures()` in\n\
         `tests/it/pol.rs` (not by gpforge's writer); `fixtures_match_their_builder` checks that the\n\
         files equal its output and `GPFORGE_REGEN_FIXTURES=1 cargo test --test it pol::` rewrites them.\n\
         No file is copied from elsewhere.\n\n| file | bytes | exercises |\n|---|---|---|\n",
    );
    for (rel, bytes, what) in fixtures() {
        let p = util::fixture(&format!("pol/{rel}"));
        readme.push_str(&format!("| `{rel}` | {} | {what} |\n", bytes.len()));
        if regen {
            gpforge::fsutil::write_atomic(&p, &bytes).unwrap();
        } else {
            let on_disk = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert_eq!(
                on_disk, bytes,
                "{rel} differs from its builder (GPFORGE_REGEN_FIXTURES=1 rewrites it)"
            );
        }
    }
    let rp = util::fixture("pol/README.md");
    if regen {
        gpforge::fsutil::write_atomic(&rp, readme.as_bytes()).unwrap();
    } else {
        assert_eq!(
            std::fs::read_to_string(&rp).unwrap(),
            readme,
            "fixtures/pol/README.md is stale"
        );
    }
}

// ---------------------------------------------------------------- fixtures

/// A readable dump for snapshots: LGPO text plus the JSONL and the findings.
fn describe(bytes: &[u8]) -> String {
    let d = pol::diagnose(bytes);
    let mut s = String::new();
    match pol::from_slice(bytes) {
        Ok(f) => {
            assert_eq!(pol::to_vec(&f), bytes, "byte round trip");
            assert!(!d.is_damaged());
            s.push_str(
                &pol::text::to_text(&f, pol::text::Scope::Computer, None)
                    .unwrap_or_else(|e| format!("(no text form: {e})\n")),
            );
            s.push_str("--- jsonl\n");
            s.push_str(&pol::json::to_jsonl(&f));
        }
        Err(e) => {
            assert!(d.is_damaged());
            assert_eq!(d.error.as_ref(), Some(&e));
            s.push_str(&format!("error {}: {e}\n", e.code()));
            s.push_str(&format!("offset {} entry {:?}\n", e.offset(), e.entry()));
            s.push_str(&format!("diagnosis: {}\n", d.summary()));
            let salvaged = d.salvaged_bytes();
            if d.sound_len >= 8 {
                assert_eq!(
                    &salvaged[..],
                    &bytes[..d.sound_len],
                    "salvage is the intact prefix"
                );
            }
            s.push_str(&format!(
                "salvaged {} entries, {} bytes\n",
                d.salvage().len(),
                salvaged.len()
            ));
        }
    }
    s.push_str("--- findings\n");
    for f in d.diagnostics() {
        s.push_str(&format!(
            "{} {} {:?}: {}\n",
            f.code,
            f.severity,
            f.span.map(|x| (x.start, x.end)),
            f.message
        ));
        if let Some(h) = f.help {
            s.push_str(&format!("  help: {h}\n"));
        }
    }
    s
}

#[test]
fn valid_fixtures_round_trip_and_dump() {
    insta::glob!("../../fixtures/pol", "valid/*.pol", |path| {
        let bytes = std::fs::read(path).unwrap();
        insta::assert_snapshot!(describe(&bytes));
    });
}

#[test]
fn invalid_fixtures_report_position_and_salvage() {
    insta::glob!("../../fixtures/pol", "invalid/*.pol", |path| {
        let bytes = std::fs::read(path).unwrap();
        insta::assert_snapshot!(describe(&bytes));
    });
}

#[test]
fn every_fixture_survives_json_and_text_round_trips() {
    for (rel, bytes, _) in fixtures() {
        let Ok(f) = pol::from_slice(&bytes) else {
            continue;
        };
        let back = pol::json::from_str(&pol::json::to_jsonl(&f)).unwrap();
        assert_eq!(pol::to_vec(&back), bytes, "{rel} via jsonl");
        let back = pol::json::from_str(&pol::json::to_json(&f)).unwrap();
        assert_eq!(pol::to_vec(&back), bytes, "{rel} via json");
        if let Ok(t) = pol::text::to_text(&f, pol::text::Scope::User, None) {
            let (back, _) = pol::text::from_text(&t).unwrap();
            assert_eq!(pol::to_vec(&back), bytes, "{rel} via text");
        }
    }
}

#[test]
fn typed_view_of_fixtures() {
    let read = |rel: &str| {
        pol::from_slice(&std::fs::read(util::fixture(&format!("pol/{rel}"))).unwrap()).unwrap()
    };
    let e = &read("valid/type-7-multi-sz.pol").entries[0];
    assert_eq!(
        e.data,
        Data::MultiString(vec!["one".into(), "two".into(), "three".into()])
    );
    assert_eq!(
        read("valid/type-7-multi-sz-empty.pol").entries[0].data,
        Data::MultiString(vec![])
    );
    assert_eq!(
        read("valid/type-5-dword-big-endian.pol").entries[0].data,
        Data::Dword(258)
    );
    assert_eq!(
        read("valid/type-11-qword.pol").entries[0].data,
        Data::Qword(1 << 40 | 7)
    );
    assert_eq!(
        read("valid/type-unknown.pol").entries[0].reg_type,
        RegType::Unknown(0x0400_0000)
    );
    let del = &read("valid/directive-del.pol").entries[0];
    assert_eq!(del, &Entry::delete_marker(K, "Old"));
    assert_eq!(del.directive(), Some(pol::Directive::Delete("Old")));
    let f = read("valid/directive-case-insensitive.pol");
    let d: Vec<_> = f.entries.iter().map(|e| e.directive()).collect();
    assert_eq!(
        d,
        [
            Some(pol::Directive::Delete("X")),
            Some(pol::Directive::DeleteAllValues),
            Some(pol::Directive::Delete("Y"))
        ]
    );
}

#[test]
fn editing_keeps_order_and_other_bytes() {
    let p = util::fixture("pol/valid/directive-delvals.pol");
    let orig = std::fs::read(&p).unwrap();
    let mut f = pol::from_slice(&orig).unwrap();
    f.set(Entry::sz(K, "1", "a"));
    assert_eq!(
        pol::to_vec(&f),
        orig,
        "setting an existing value to the same data changes nothing"
    );
    f.set(Entry::sz(K, "3", "c"));
    f.set(Entry::dword(r"Software\Policies\gpforge", "first", 1));
    f.set(Entry::dword(
        r"Software\Policies\gpforge\test\sub",
        "last",
        1,
    ));
    f.delete_and_mark(K, "2");
    let names: Vec<_> = f.entries.iter().map(|e| e.value_name.as_str()).collect();
    assert_eq!(names, ["first", "**delvals.", "1", "**del.2", "3", "last"]);
    assert_eq!(f.delete(K, "2"), 1);
    assert_eq!(f.len(), 5);
}

// ---------------------------------------------------------------- corpus

fn corpus(test: &str) -> Option<Vec<PathBuf>> {
    let dir = util::shared(test, "corpus/pol")?;
    let files = util::files_with_ext(&dir, &["pol"]);
    assert!(
        files.len() >= 90,
        "expected the 90 corpus files, found {}",
        files.len()
    );
    Some(files)
}

#[test]
fn corpus_round_trip_is_byte_identical() {
    let Some(files) = corpus("corpus_round_trip_is_byte_identical") else {
        return;
    };
    let mut entries = 0;
    for p in &files {
        let b = std::fs::read(p).unwrap();
        let f = pol::from_slice(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert_eq!(pol::to_vec(&f), b, "{}", p.display());
        let d = pol::diagnose(&b);
        assert!(!d.is_damaged(), "{}", p.display());
        assert_eq!(d.entries.len(), f.len());
        assert!(d.findings.is_empty(), "{}: {:?}", p.display(), d.findings);
        // The LGPO text and JSON Lines forms give the same bytes back.
        let text = pol::text::to_text(&f, pol::text::Scope::Computer, None).unwrap();
        assert_eq!(
            pol::to_vec(&pol::text::from_text(&text).unwrap().0),
            b,
            "{} via text",
            p.display()
        );
        let jsonl = pol::json::to_jsonl(&f);
        assert_eq!(
            pol::to_vec(&pol::json::from_str(&jsonl).unwrap()),
            b,
            "{} via jsonl",
            p.display()
        );
        entries += f.len();
    }
    assert!(entries > 1000, "{entries}");
}

/// Runs Samba's decoder (poljson.py) on many files in one Python process;
/// per file the entries, or Samba's error when it cannot read the file.
fn samba_dump(test: &str, files: &[PathBuf]) -> Option<Vec<Result<Vec<Value>, String>>> {
    let script = util::oracle(test, "samba")?;
    let dir = script.parent().unwrap().to_str().unwrap().to_string();
    let code = format!(
        "import sys, io\nsys.path.insert(0, {dir:?})\nimport poljson\n\
         for p in sys.argv[1:]:\n    sys.stdout.write('#FILE\\n')\n    buf = io.StringIO()\n    \
         try:\n        poljson.dump(p, buf)\n        sys.stdout.write(buf.getvalue())\n    \
         except Exception as e:\n        sys.stdout.write('#ERROR %s\\n' % (e,))\n"
    );
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(code)
        .args(files)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "poljson.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut all = Vec::new();
    for chunk in text.split("#FILE\n").skip(1) {
        if let Some(err) = chunk.strip_prefix("#ERROR ") {
            all.push(Err(err.trim().to_string()));
        } else {
            all.push(Ok(chunk
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()));
        }
    }
    assert_eq!(all.len(), files.len());
    Some(all)
}

/// Our entry agrees with Samba's decoding of it: the same JSON object, or
/// - Samba gives hex (REG_MULTI_SZ, REG_LINK): the hex of our bytes;
/// - our data is kept raw for a string type: Samba's string is the text up to
///   the first NUL (Samba drops the rest, we keep it);
/// - REG_NONE with data: Samba gives `null` (it drops the data, we keep it).
fn same_as_samba(ours: &Entry, samba: &Value) -> bool {
    let mine = pol::json::entry_to_value(ours);
    if &mine == samba {
        return true;
    }
    if mine["key"] != samba["key"]
        || mine["value"] != samba["value"]
        || mine["type"] != samba["type"]
    {
        return false;
    }
    let bytes = pol::data_bytes(ours.reg_type, &ours.data);
    match (&samba["data"], &ours.data) {
        (Value::Object(o), _) => o.get("hex") == Some(&Value::String(pol::json::hex(&bytes))),
        (Value::String(s), Data::Bytes(b)) if ours.reg_type.is_string() => {
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|p| u16::from_le_bytes([p[0], p[1]]))
                .take_while(|&u| u != 0)
                .collect();
            *s == String::from_utf16_lossy(&units)
        }
        (Value::Null, Data::Bytes(_)) => ours.reg_type == RegType::None,
        _ => false,
    }
}

fn compare_with_samba(label: &str, ours: &PolFile, samba: &[Value]) {
    assert_eq!(ours.len(), samba.len(), "{label}: entry count");
    for (i, (e, s)) in ours.entries.iter().zip(samba).enumerate() {
        assert!(
            same_as_samba(e, s),
            "{label}: entry {i}: ours {} samba {s}",
            pol::json::entry_to_value(e)
        );
    }
}

#[test]
fn corpus_jsonl_matches_samba() {
    let test = "corpus_jsonl_matches_samba";
    let Some(files) = corpus(test) else { return };
    let Some(samba) = samba_dump(test, &files) else {
        return;
    };
    for (p, s) in files.iter().zip(&samba) {
        let s = s
            .as_ref()
            .unwrap_or_else(|e| panic!("samba cannot read {}: {e}", p.display()));
        let f = pol::from_slice(&std::fs::read(p).unwrap()).unwrap();
        // Through the JSONL text, as `pol dump --format jsonl` prints it.
        let lines: Vec<Value> = pol::json::to_jsonl(&f)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), s.len());
        compare_with_samba(&p.display().to_string(), &f, s);
        // And the other way: Samba's JSON read by gpforge builds the same file.
        let entries: Vec<Entry> = s
            .iter()
            .map(|v| pol::json::entry_from_value(v).unwrap())
            .collect();
        assert_eq!(
            pol::to_vec(&PolFile::from_entries(entries)),
            pol::to_vec(&f),
            "{} from Samba's JSON",
            p.display()
        );
    }
}

#[test]
fn files_written_from_json_decode_identically_in_samba() {
    let test = "files_written_from_json_decode_identically_in_samba";
    let Some(files) = corpus(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut written = Vec::new();
    let mut models = Vec::new();
    // Every corpus file, rebuilt from our JSONL.
    for (i, p) in files.iter().enumerate() {
        let f = pol::from_slice(&std::fs::read(p).unwrap()).unwrap();
        let rebuilt = pol::json::from_str(&pol::json::to_jsonl(&f)).unwrap();
        let out = dir.path().join(format!("corpus-{i}.pol"));
        std::fs::write(&out, pol::to_vec(&rebuilt)).unwrap();
        written.push(out);
        models.push(rebuilt);
    }
    // Every valid fixture, rebuilt from our JSON array.
    for (rel, bytes, _) in fixtures() {
        let Ok(f) = pol::from_slice(&bytes) else {
            continue;
        };
        let rebuilt = pol::json::from_str(&pol::json::to_json(&f)).unwrap();
        let out = dir.path().join(rel.replace('/', "-"));
        std::fs::write(&out, pol::to_vec(&rebuilt)).unwrap();
        written.push(out);
        models.push(rebuilt);
    }
    let Some(samba) = samba_dump(test, &written) else {
        return;
    };
    let mut refused = Vec::new();
    for ((p, m), s) in written.iter().zip(&models).zip(&samba) {
        match s {
            Ok(s) => compare_with_samba(&p.display().to_string(), m, s),
            Err(e) => refused.push(format!("{}: {e}", p.file_name().unwrap().to_string_lossy())),
        }
    }
    // Samba's NDR decoder cannot read a REG_DWORD/REG_QWORD of the wrong size
    // nor a REG_SZ of size 0; gpforge reads and writes them byte for byte.
    refused.sort();
    insta::assert_snapshot!(refused.join("\n"), @r"
    valid-misfit-dword-3-bytes.pol: (11, 'Buffer Size Error')
    valid-misfit-qword-4-bytes.pol: (11, 'Buffer Size Error')
    valid-type-1-sz-size-0.pol: (11, 'Buffer Size Error')
    ");
}

// ---------------------------------------------------------------- CLI

fn run(cwd: &std::path::Path, args: &[&str]) -> String {
    let (code, out, err) = util::gpforge(cwd, args);
    format!(
        "$ gpforge {}\nexit {code}\n{out}{}",
        args.join(" "),
        if err.is_empty() {
            String::new()
        } else {
            format!("--- stderr\n{err}")
        }
    )
}

#[test]
fn cli_dump_formats() {
    let dir = util::fixture("pol");
    let mut s = String::new();
    for format in ["text", "json", "jsonl"] {
        s.push_str(&run(
            &dir,
            &[
                "pol",
                "dump",
                "valid/directive-delvals.pol",
                "--format",
                format,
            ],
        ));
    }
    s.push_str(&run(
        &dir,
        &[
            "pol",
            "dump",
            "valid/type-7-multi-sz.pol",
            "--scope",
            "user",
        ],
    ));
    s.push_str(&run(
        &dir,
        &["pol", "dump", "invalid/misaligned-by-one-byte.pol"],
    ));
    insta::assert_snapshot!(s);
}

#[test]
fn cli_build_round_trips_dump() {
    let tmp = tempfile::tempdir().unwrap();
    for (rel, bytes, _) in fixtures() {
        if !rel.starts_with("valid/") {
            continue;
        }
        let src = util::fixture(&format!("pol/{rel}"));
        let src = src.to_str().unwrap();
        for (format, ext) in [("text", "txt"), ("json", "json"), ("jsonl", "jsonl")] {
            let (code, out, err) =
                util::gpforge(tmp.path(), &["pol", "dump", src, "--format", format]);
            if format == "text" && code != 0 {
                assert!(
                    err.contains("cannot be written as LGPO text"),
                    "{rel}: {err}"
                );
                continue;
            }
            assert_eq!(code, 0, "{rel} {format}: {err}");
            let input = tmp.path().join(format!("in.{ext}"));
            std::fs::write(&input, out).unwrap();
            let (code, _, err) = util::gpforge(
                tmp.path(),
                &[
                    "pol",
                    "build",
                    input.to_str().unwrap(),
                    "--out",
                    "out.pol",
                    "--force",
                ],
            );
            assert_eq!(code, 0, "{rel} {format}: {err}");
            assert_eq!(
                std::fs::read(tmp.path().join("out.pol")).unwrap(),
                bytes,
                "{rel} via {format}"
            );
        }
    }
}

#[test]
fn cli_build_errors() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("bad.txt"),
        "Computer\nSoftware\\X\nv\nDWORD:nope\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("bad.jsonl"),
        "{\"key\":\"K\",\"value\":\"v\",\"type\":4,\"data\":\"x\"}\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("ok.txt"), "User\nSoftware\\X\nv\nDWORD:1\n").unwrap();
    std::fs::write(tmp.path().join("other.pol"), b"PReg\x01\x00\x00\x00").unwrap();
    let mut s = run(tmp.path(), &["pol", "build", "bad.txt", "--out", "x.pol"]);
    s.push_str(&run(
        tmp.path(),
        &["pol", "build", "bad.jsonl", "--out", "x.pol"],
    ));
    s.push_str(&run(
        tmp.path(),
        &["pol", "build", "ok.txt", "--out", "other.pol"],
    ));
    s.push_str(&run(
        tmp.path(),
        &["pol", "build", "ok.txt", "--out", "other.pol", "--force"],
    ));
    assert!(
        !tmp.path().join("x.pol").exists(),
        "nothing is written on error"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn cli_edit_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut s = String::new();
    s.push_str(&run(
        d,
        &[
            "pol", "set", "User.pol", "--policy", "linkedin", "--state", "disabled",
        ],
    ));
    let disabled = std::fs::read(d.join("User.pol")).unwrap();
    assert_eq!(disabled.len(), 144, "docs/formats.md 1.6");
    s.push_str(&run(
        d,
        &[
            "pol", "set", "User.pol", "--policy", "linkedin", "--state", "enabled",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "set",
            "User.pol",
            "--key",
            r"Software\Policies\A",
            "--value",
            "n",
            "--data",
            "7",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "set",
            "User.pol",
            "--key",
            r"Software\Policies\A",
            "--value",
            "s",
            "--type",
            "sz",
            "--data",
            "text",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "set",
            "User.pol",
            "--key",
            r"Software\Policies\A",
            "--value",
            "m",
            "--type",
            "multi_sz",
            "--data",
            "a",
            "--data",
            "b",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "set",
            "User.pol",
            "--key",
            r"Software\Policies\A",
            "--value",
            "q",
            "--type",
            "qword",
            "--data",
            "0x10",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "set",
            "User.pol",
            "--key",
            r"Software\Policies\A",
            "--value",
            "b",
            "--type",
            "binary",
            "--data",
            "00ff",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "set",
            "User.pol",
            "--key",
            r"Software\Policies\A",
            "--value",
            "bad",
            "--data",
            "x",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "delete",
            "User.pol",
            "--key",
            r"software\policies\a",
            "--value",
            "S",
        ],
    ));
    s.push_str(&run(
        d,
        &[
            "pol",
            "delete",
            "User.pol",
            "--key",
            r"Software\Policies\A",
            "--value",
            "n",
            "--mark",
        ],
    ));
    s.push_str(&run(d, &["pol", "dump", "User.pol", "--format", "jsonl"]));
    s.push_str(&run(d, &["pol", "check", "User.pol"]));
    s.push_str(&run(
        d,
        &[
            "pol",
            "set",
            "User.pol",
            "--policy",
            "linkedin",
            "--state",
            "not-configured",
        ],
    ));
    s.push_str(&run(d, &["pol", "dump", "User.pol", "--format", "jsonl"]));
    insta::assert_snapshot!(s);
}

#[test]
fn cli_edit_refuses_damaged_files_and_leaves_them_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = util::fixture("pol/invalid/size-past-end.pol");
    let p = tmp.path().join("bad.pol");
    std::fs::copy(&bad, &p).unwrap();
    let (code, _, err) = util::gpforge(
        tmp.path(),
        &[
            "pol", "set", "bad.pol", "--key", "K", "--value", "v", "--data", "1",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("bad.pol: cannot read"), "{err}");
    assert!(err.contains("POL") || err.contains("size 64"), "{err}");
    assert_eq!(std::fs::read(&p).unwrap(), std::fs::read(&bad).unwrap());
}

#[test]
fn cli_diff_and_check() {
    let dir = util::fixture("pol");
    let mut s = run(
        &dir,
        &[
            "pol",
            "diff",
            "valid/linkedin-disabled.pol",
            "valid/duplicate-value.pol",
        ],
    );
    s.push_str(&run(
        &dir,
        &[
            "pol",
            "diff",
            "valid/linkedin-disabled.pol",
            "valid/linkedin-disabled.pol",
        ],
    ));
    s.push_str(&run(
        &dir,
        &[
            "pol",
            "diff",
            "valid/type-4-dword.pol",
            "valid/type-1-sz.pol",
            "--format",
            "json",
        ],
    ));
    s.push_str(&run(
        &dir,
        &[
            "pol",
            "check",
            "valid/linkedin-disabled.pol",
            "valid/hive-in-key.pol",
        ],
    ));
    s.push_str(&run(
        &dir,
        &[
            "pol",
            "check",
            "valid/linkedin-disabled.pol",
            "invalid/missing-semicolon.pol",
            "invalid/nul-padding-after-last-entry.pol",
        ],
    ));
    s.push_str(&run(
        &dir,
        &[
            "pol",
            "check",
            "invalid/truncated-in-key.pol",
            "--format",
            "json",
        ],
    ));
    insta::assert_snapshot!(s);
}

#[test]
fn cli_salvage_keeps_the_sound_prefix() {
    let tmp = tempfile::tempdir().unwrap();
    let src = util::fixture("pol/invalid/misaligned-by-one-byte.pol");
    let s = run(
        tmp.path(),
        &[
            "pol",
            "salvage",
            src.to_str().unwrap(),
            "--out",
            "fixed.pol",
        ],
    );
    let s = s.replace(src.to_str().unwrap(), "[FIXTURE]");
    let fixed = std::fs::read(tmp.path().join("fixed.pol")).unwrap();
    assert_eq!(
        fixed,
        std::fs::read(util::fixture("pol/valid/linkedin-disabled.pol")).unwrap()
    );
    insta::assert_snapshot!(s);
}

/// The 8-byte header-only file (the unused side of a GPO). Not a committed
/// fixture: its bytes are necessarily those of every header-only file in the
/// shared corpus, and fixtures are never corpus copies.
#[test]
fn header_only_file_round_trips_and_dumps_empty() {
    let file = gpforge::pol::from_slice(HEADER).unwrap();
    assert!(file.entries.is_empty());
    assert_eq!(gpforge::pol::to_vec(&file), HEADER);
    assert_eq!(gpforge::pol::json::to_jsonl(&file), "");
    assert!(gpforge::pol::diagnose(HEADER).error.is_none());
}
