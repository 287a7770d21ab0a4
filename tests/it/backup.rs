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

// ---------------------------------------------------------------------------
// Inspecting the corpus

use std::collections::BTreeMap;

use gpforge::backup::create::{self, CreateOptions};
use gpforge::backup::inspect::{self, Inspection};
use gpforge::backup::time::Timestamp;
use gpforge::backup::{Side, layout};
use gpforge::pol::{self, Data, Entry, PolFile, RegType};

/// Every backup root of the corpus: the folders holding `{GUID}` backup folders.
fn corpus_roots(test: &str) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = corpus_backups(test)
        .iter()
        .map(|d| d.parent().unwrap().to_path_buf())
        .collect();
    if let Some(dir) = util::shared(test, "corpus/backups") {
        roots.extend(
            util::files_with_ext(&dir, &["xml"])
                .into_iter()
                .filter(|p| p.ends_with("manifest.xml"))
                .map(|p| p.parent().unwrap().to_path_buf()),
        );
    }
    roots.sort();
    roots.dedup();
    roots
}

/// Samba's JSON of one entry, from ours: REG_MULTI_SZ as hex (the one documented difference).
fn samba_shape(e: &Entry) -> serde_json::Value {
    let mut v = pol::json::entry_to_value(e);
    if e.reg_type == RegType::MultiSz {
        if let Data::MultiString(_) = e.data {
            v["data"] =
                serde_json::json!({ "hex": pol::json::hex(&pol::data_bytes(e.reg_type, &e.data)) });
        }
    }
    v
}

/// Decodes many registry.pol files with Samba in one process: path -> entries as JSON.
fn samba_decode(script: &Path, files: &[PathBuf]) -> BTreeMap<PathBuf, Vec<serde_json::Value>> {
    let code = "import sys, io\nsys.path.insert(0, sys.argv[1])\nimport poljson\nfor p in sys.argv[2:]:\n    print('#FILE ' + p)\n    poljson.dump(p)\n";
    let out = std::process::Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(code)
        .arg(script.parent().unwrap())
        .args(files)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut map: BTreeMap<PathBuf, Vec<serde_json::Value>> = BTreeMap::new();
    let mut cur = None;
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        if let Some(p) = line.strip_prefix("#FILE ") {
            cur = Some(PathBuf::from(p));
            map.entry(PathBuf::from(p)).or_default();
        } else if !line.trim().is_empty() {
            map.get_mut(cur.as_ref().unwrap())
                .unwrap()
                .push(serde_json::from_str(line).unwrap());
        }
    }
    map
}

fn inspect_corpus(test: &str) -> Vec<Inspection> {
    corpus_roots(test)
        .iter()
        .map(|r| inspect::inspect(r).unwrap_or_else(|e| panic!("{}: {e}", rel(r))))
        .collect()
}

#[test]
fn every_corpus_backup_inspects_and_reads_what_samba_reads() {
    let test = "every_corpus_backup_inspects_and_reads_what_samba_reads";
    let inspections = inspect_corpus(test);
    let Some(script) = util::oracle(test, "samba") else {
        return;
    };
    let mut ours: BTreeMap<PathBuf, Vec<serde_json::Value>> = BTreeMap::new();
    let mut backups = 0;
    for ins in &inspections {
        for b in &ins.backups {
            backups += 1;
            assert!(b.scheme.is_some() && b.info.is_some(), "{}", rel(&b.folder));
            for s in &b.sides {
                if let Some(loc) = &s.registry_pol {
                    let f = s
                        .settings
                        .as_ref()
                        .unwrap_or_else(|| panic!("{}: {loc} unreadable", rel(&b.folder)));
                    ours.insert(
                        layout::resolve_location(&b.folder, loc),
                        f.entries.iter().map(samba_shape).collect(),
                    );
                }
            }
        }
    }
    assert_eq!(backups, 78);
    let files: Vec<PathBuf> = ours.keys().cloned().collect();
    assert!(files.len() >= 85, "{}", files.len());
    let theirs = samba_decode(&script, &files);
    let mut entries = 0;
    for (p, v) in &ours {
        assert_eq!(Some(v), theirs.get(p), "{}", rel(p));
        entries += v.len();
    }
    let mut e = std::io::stderr().lock();
    let _ = std::io::Write::write_fmt(
        &mut e,
        format_args!(
            "corpus: {backups} backups, {} registry.pol files, {entries} entries equal to Samba's decoding\n",
            files.len()
        ),
    );
}

#[test]
fn corpus_findings_are_stable() {
    let inspections = inspect_corpus("corpus_findings_are_stable");
    if inspections.is_empty() {
        return;
    }
    // Per code: how many findings, and one example message (paths relative to the corpus).
    let mut by_code: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for ins in &inspections {
        for d in &ins.findings {
            let file = d.file.as_deref().map(rel).unwrap_or_default();
            let e = by_code
                .entry(format!("{} {}", d.code, d.severity))
                .or_insert((0, format!("{file}: {}", d.message)));
            e.0 += 1;
        }
    }
    insta::assert_yaml_snapshot!(by_code);
}

// ---------------------------------------------------------------------------
// Creating

const BACKUP_ID: &str = "{7D4B0A8E-2C61-4F0B-9E3A-5B1C2D3E4F50}";
const GPO_ID: &str = "{31B2F340-016D-11D2-945F-00C04FB984F9}";

fn linkedin_options(state: gpforge::policy::PolicyState, sid: Option<&str>) -> CreateOptions {
    let store = create::builtin_store();
    let id = match store.find_policy("office16:L_AllowLinkedInFeatures") {
        gpforge::store::Lookup::Found(id) => id,
        other => panic!("{other:?}"),
    };
    let mut opts = CreateOptions {
        name: "Office - LinkedIn off".into(),
        domain: "contoso.com".into(),
        backup_id: layout::parse_guid(BACKUP_ID),
        gpo_id: layout::parse_guid(GPO_ID),
        domain_sid: sid.map(String::from),
        time: Timestamp::parse("2026-03-01T09:30:00"),
        ..CreateOptions::default()
    };
    for (side, file, line) in create::policy_setting(&store, id, state, "en-US").unwrap() {
        opts.settings.push((side, file));
        opts.report.push((side, line));
    }
    opts
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
    std::fs::read(layout::resolve_location(dir, rel)).unwrap()
}

fn hexdump(b: &[u8]) -> String {
    b.chunks(16)
        .enumerate()
        .map(|(i, c)| {
            let hex: Vec<String> = c.iter().map(|x| format!("{x:02x}")).collect();
            format!("{:08x}: {}", i * 16, hex.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn visible_crlf(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap().replace('\r', "\\r")
}

#[test]
fn created_linkedin_backup_snapshots() {
    let tmp = tempfile::tempdir().unwrap();
    let (nb, dir) = create::create(
        tmp.path(),
        &linkedin_options(gpforge::policy::PolicyState::Disabled, None),
        false,
    )
    .unwrap();
    assert_eq!(dir, tmp.path().join(BACKUP_ID));
    assert_eq!(nb.backup.id, BACKUP_ID);
    insta::assert_snapshot!(
        "created_backup_xml",
        visible_crlf(&read(&dir, "Backup.xml"))
    );
    insta::assert_snapshot!(
        "created_bkupinfo_xml",
        visible_crlf(&read(&dir, "bkupInfo.xml"))
    );
    insta::assert_snapshot!(
        "created_manifest_xml",
        visible_crlf(&read(tmp.path(), "manifest.xml"))
    );
    insta::assert_snapshot!(
        "created_gpreport_xml",
        util::utf16le_bom_text(&read(&dir, "gpreport.xml")).replace('\r', "\\r")
    );
    insta::assert_snapshot!(
        "created_user_registry_pol",
        hexdump(&read(&dir, "DomainSysvol/GPO/User/registry.pol"))
    );
    // The registry.pol is exactly the 144 bytes of formats.md §1.6.
    let pol_bytes = read(&dir, "DomainSysvol/GPO/User/registry.pol");
    assert_eq!(pol_bytes.len(), 144);
    assert_eq!(&pol_bytes[0x7e..0x82], &[0x04, 0, 0, 0], "REG_DWORD");
    assert_eq!(&pol_bytes[0x8a..0x8e], &[0, 0, 0, 0], "data 0");
    let mut files: Vec<String> = walk(tmp.path())
        .iter()
        .map(|p| {
            p.strip_prefix(tmp.path())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    files.sort();
    insta::assert_snapshot!("created_file_list", files.join("\n"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn created_backup_inspects_back_to_the_same_settings() {
    use gpforge::policy::PolicyState;
    for (state, value) in [(PolicyState::Disabled, 0), (PolicyState::Enabled, 1)] {
        let tmp = tempfile::tempdir().unwrap();
        let (nb, dir) = create::create(tmp.path(), &linkedin_options(state, None), false).unwrap();
        let expected = PolFile {
            entries: vec![Entry::dword(
                r"software\policies\microsoft\office\16.0\common",
                "linkedin",
                value,
            )],
        };
        assert_eq!(nb.backup.pol(Side::User), Some(&expected));
        for path in [tmp.path(), dir.as_path()] {
            let ins = inspect::inspect(path).unwrap();
            assert!(ins.findings.is_empty(), "{:?}", ins.findings);
            assert_eq!(ins.backups.len(), 1);
            let b = &ins.backups[0];
            assert_eq!(b.info.as_ref().unwrap(), &nb.backup.inst());
            assert_eq!(b.scheme.as_ref().unwrap(), &nb.backup.scheme());
            let user = b.sides.iter().find(|s| s.side == Side::User).unwrap();
            assert_eq!(user.settings.as_ref(), Some(&expected));
            assert_eq!(user.version, 0x0001_0001);
            let machine = b.sides.iter().find(|s| s.side == Side::Machine).unwrap();
            assert!(machine.registry_pol.is_none() && machine.extensions.is_empty());
        }
        // Mapped back through the built-in template: the same policy and state.
        let mut ins = inspect::inspect(&dir).unwrap();
        ins.map_policies(&create::builtin_store(), "en-US");
        let m = ins.backups[0].sides[1].mapping.as_ref().unwrap();
        assert_eq!((m.total, m.mapped), (1, 1));
        assert_eq!(m.policies[0].policy, "office16:L_AllowLinkedInFeatures");
        let strings = gpforge::policy::resources("en-US").unwrap();
        let text = |id: &str| strings.string(id).unwrap().text.clone();
        assert_eq!(m.policies[0].display_name, text("L_AllowLinkedInFeatures"));
        assert_eq!(
            m.policies[0].category,
            format!(
                "{}/{}",
                text("L_MicrosoftOfficeSystem"),
                text("L_miscellaneous437")
            )
        );
        let want = if value == 1 {
            gpforge::policy::PolicyState::Enabled
        } else {
            gpforge::policy::PolicyState::Disabled
        };
        assert_eq!(m.policies[0].state, want);
    }
}

// ---------------------------------------------------------------------------
// Mapping settings back to policies

use gpforge::store::Store;

/// Loads template folders (`*.admx` plus `<culture>/*.adml`) with the ADMX reader.
fn load_templates(dirs: &[PathBuf]) -> Store {
    let mut b = Store::builder();
    for d in dirs {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("admx"))
            {
                let parsed = gpforge::admx::parse_admx(&std::fs::read(&p).unwrap()).unwrap();
                b = b.admx_doc(p.clone(), parsed.doc, parsed.text);
            } else if p.is_dir() {
                let culture = p.file_name().unwrap().to_string_lossy().to_string();
                let mut files: Vec<PathBuf> = std::fs::read_dir(&p)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .collect();
                files.sort();
                for f in files.into_iter().filter(|f| {
                    f.extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("adml"))
                }) {
                    let parsed = gpforge::admx::parse_adml(&std::fs::read(&f).unwrap()).unwrap();
                    b = b.adml_doc(f.clone(), &culture, parsed.doc, parsed.text);
                }
            }
        }
    }
    b.build()
}

/// (policy display name, state) pairs a GPMC gpreport.xml lists for one side.
fn gpreport_policies(folder: &Path, side: Side) -> Vec<(String, String)> {
    let Ok(bytes) = std::fs::read(folder.join("gpreport.xml")) else {
        return Vec::new();
    };
    let text = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => String::from_utf8_lossy(rest).into_owned(),
        None => util::utf16le_bom_text(&bytes),
    };
    let tag = if side == Side::User {
        "<User>"
    } else {
        "<Computer>"
    };
    let end = if side == Side::User {
        "</User>"
    } else {
        "</Computer>"
    };
    let Some(start) = text.find(tag) else {
        return Vec::new();
    };
    let body = &text[start..start + text[start..].find(end).unwrap_or(text.len() - start)];
    // .NET numbers the extension prefixes (q1, q2, ...) per report: drop the number.
    let mut norm = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("<q").or_else(|| rest.find("</q")) {
        let (head, tail) = rest.split_at(i);
        norm.push_str(head);
        let slash = tail.starts_with("</");
        let after = if slash { &tail[3..] } else { &tail[2..] };
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(':') {
            norm.push_str(if slash { "</q1" } else { "<q1" });
            rest = &after[digits..];
        } else {
            norm.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    norm.push_str(rest);
    let body = norm.as_str();
    let mut out = Vec::new();
    for chunk in body.split("<q1:Policy>").skip(1) {
        let get = |t: &str| {
            let open = format!("<q1:{t}>");
            chunk.find(&open).map(|i| {
                let rest = &chunk[i + open.len()..];
                rest[..rest.find("</").unwrap_or(0)]
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
            })
        };
        if let (Some(n), Some(s)) = (get("Name"), get("State")) {
            out.push((n, s));
        }
    }
    out
}

#[test]
fn corpus_settings_map_back_to_policies() {
    let test = "corpus_settings_map_back_to_policies";
    let (Some(win), Some(office)) = (
        util::shared(test, "corpus/admx/nsacyber-shb-windows/PolicyDefinitions"),
        util::shared(
            test,
            "corpus/admx/nsacyber-shb-office2016/PolicyDefinitions",
        ),
    ) else {
        return;
    };
    let store = load_templates(&[win, office]);
    assert!(store.load_errors().is_empty(), "{:?}", store.load_errors());
    let mut per_backup: BTreeMap<String, String> = BTreeMap::new();
    let (mut total, mut mapped, mut agree, mut listed) = (0, 0, 0, 0);
    for root in corpus_roots(test) {
        let mut ins = inspect::inspect(&root).unwrap();
        ins.map_policies(&store, "en-US");
        for b in &ins.backups {
            let mut parts = Vec::new();
            for s in &b.sides {
                let Some(m) = &s.mapping else { continue };
                if m.total == 0 {
                    continue;
                }
                total += m.total;
                mapped += m.mapped;
                // Cross-check with GPMC's own report of the same backup.
                let report = gpreport_policies(&b.folder, s.side);
                let ours: Vec<(String, String)> = m
                    .policies
                    .iter()
                    .map(|p| (p.display_name.clone(), format!("{:?}", p.state)))
                    .collect();
                let same = ours.iter().filter(|p| report.contains(p)).count();
                agree += same;
                listed += ours.len();
                parts.push(format!(
                    "{}: {}/{} entries, {} policies ({} as in gpreport.xml)",
                    s.side,
                    m.mapped,
                    m.total,
                    m.policies.len(),
                    same
                ));
            }
            per_backup.insert(rel(&b.folder), parts.join("; "));
        }
    }
    let summary = format!(
        "{mapped} of {total} registry.pol entries mapped to a policy; {agree} of {listed} mapped policies appear with the same name and state in the backup's gpreport.xml"
    );
    let mut e = std::io::stderr().lock();
    let _ = std::io::Write::write_fmt(&mut e, format_args!("mapping: {summary}\n"));
    assert!(mapped * 2 > total, "{summary}");
    assert!(agree * 10 >= listed * 9, "{summary}");
    per_backup.insert("(all)".into(), summary);
    insta::assert_yaml_snapshot!(per_backup);
}

// ---------------------------------------------------------------------------
// Same structure as GPMC's files

/// Decodes a backup file: UTF-16LE with BOM, or UTF-8 (BOM stripped).
fn decode_any(b: &[u8]) -> String {
    if b.starts_with(&[0xFF, 0xFE]) {
        util::utf16le_bom_text(b)
    } else {
        String::from_utf8(b.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(b).to_vec()).unwrap()
    }
}

/// Every element as `depth name [attribute names]`, in document order, with
/// the namespace declarations of each element (names and URIs).
fn skeleton(bytes: &[u8]) -> Vec<String> {
    use quick_xml::events::Event;
    let text = decode_any(bytes);
    let mut r = quick_xml::Reader::from_str(&text);
    let mut depth = 0usize;
    let mut out = Vec::new();
    loop {
        match r.read_event().unwrap() {
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (s, empty) = match &ev {
                    Event::Start(s) => (s, false),
                    Event::Empty(s) => (s, true),
                    _ => unreachable!(),
                };
                let attrs: Vec<String> = s
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        let k = String::from_utf8_lossy(a.key.as_ref()).to_string();
                        if k.starts_with("xmlns")
                            || k.starts_with("bkp:version")
                            || k.starts_with("bkp:type")
                            || k == "xsi:type"
                        {
                            format!("{k}={}", a.unescape_value().unwrap())
                        } else {
                            k
                        }
                    })
                    .collect();
                out.push(format!(
                    "{depth} {} [{}]",
                    String::from_utf8_lossy(s.name().as_ref()),
                    attrs.join(" ")
                ));
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Asserts that `ours` appears, in order, within `theirs`.
fn assert_subsequence(ours: &[String], theirs: &[String], what: &str) {
    let mut it = theirs.iter();
    for (i, o) in ours.iter().enumerate() {
        assert!(
            it.any(|t| t == o),
            "{what}: element {i} `{o}` of ours is not found in GPMC's file in this order\nours: {ours:#?}"
        );
    }
}

fn corpus_file(test: &str, rel: &str) -> Option<Vec<u8>> {
    util::shared(test, &format!("corpus/backups/{rel}")).map(|p| std::fs::read(p).unwrap())
}

#[test]
fn created_files_have_the_structure_of_gpmc_files() {
    let test = "created_files_have_the_structure_of_gpmc_files";
    // A user-only Administrative Templates GPO as GPMC backed it up (CRLF kept in this source).
    let sample = "nsacyber-shb/Windows/User/{B30BE6B3-794A-43CC-B6A4-52C447CEE0A7}";
    let Some(their_backup) = corpus_file(test, &format!("{sample}/Backup.xml")) else {
        return;
    };
    let their_info = corpus_file(test, &format!("{sample}/bkupInfo.xml")).unwrap();
    let their_report = corpus_file(test, &format!("{sample}/gpreport.xml")).unwrap();
    let their_manifest = corpus_file(
        test,
        "troennes-private-secure-windows/BasicSecUser/manifest.xml",
    )
    .unwrap();
    // A newer GPMC report (with q1:Blocked).
    let newer_report =
        corpus_file(test, "troennes-private-secure-windows/BasicSecUser/{065B86DC-5229-4FC1-A8C2-BF989FDAEEB4}/gpreport.xml").unwrap();

    for sid in [Some("S-1-5-21-1111111111-2222222222-3333333333"), None] {
        let tmp = tempfile::tempdir().unwrap();
        let (_, dir) = create::create(
            tmp.path(),
            &linkedin_options(gpforge::policy::PolicyState::Disabled, sid),
            false,
        )
        .unwrap();
        let ours_backup = read(&dir, "Backup.xml");
        let ours_info = read(&dir, "bkupInfo.xml");
        let ours_report = read(&dir, "gpreport.xml");
        let ours_manifest = read(tmp.path(), "manifest.xml");

        // Encodings and first bytes.
        assert!(
            ours_backup.starts_with(
                b"<?xml version=\"1.0\" encoding=\"utf-8\"?><GroupPolicyBackupScheme "
            )
        );
        assert!(their_backup.starts_with(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        assert!(ours_info.starts_with(b"<BackupInst ") && their_info.starts_with(b"<BackupInst "));
        assert!(
            ours_info.ends_with(b"</BackupInst>\r\n") && their_info.ends_with(b"</BackupInst>\r\n")
        );
        assert!(ours_manifest.starts_with(b"<Backups ") && ours_manifest.ends_with(b"</Backups>"));
        assert!(their_manifest.ends_with(b"</Backups>"));
        for r in [&ours_report, &their_report, &newer_report] {
            assert!(r.starts_with(&[0xFF, 0xFE]), "UTF-16LE BOM");
            assert!(
                decode_any(r).starts_with("<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<GPO ")
            );
        }
        // CRLF line ends and the same line layout around the core settings and the Registry extension.
        let (o, t) = (
            String::from_utf8(ours_backup.clone()).unwrap(),
            String::from_utf8(their_backup.clone()).unwrap(),
        );
        assert!(!o.replace("\r\n", "").contains('\n') && !t.replace("\r\n", "").contains('\n'));
        let lines = |s: &str| {
            s.split("\r\n")
                .map(|l| l.split('<').next().unwrap().len())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            lines(&o)[..17],
            lines(&t)[..17],
            "indentation of the first 17 lines"
        );

        // Elements, order, attributes and namespaces.
        // (Without a domain SID, <SecurityGroups/> is empty: still a subsequence.)
        assert_subsequence(
            &skeleton(&ours_backup),
            &skeleton(&their_backup),
            "Backup.xml",
        );
        assert_eq!(skeleton(&ours_info), skeleton(&their_info), "bkupInfo.xml");
        let mut sm = skeleton(&their_manifest);
        sm.dedup();
        assert_eq!(skeleton(&ours_manifest), sm, "manifest.xml");
        let sr = skeleton(&ours_report);
        let newer = skeleton(&newer_report);
        assert_subsequence(&sr, &newer, "gpreport.xml");
        // Without a domain SID there is no owner (and fewer trustees).
        assert_eq!(sr.iter().any(|e| e.contains(" Owner ")), sid.is_some());
        // The policy lines carry the same children as GPMC's.
        let policy = |s: &[String]| -> Vec<String> {
            let i = s.iter().position(|e| e.contains("q1:Policy")).unwrap();
            s[i..i + 6].to_vec()
        };
        assert_eq!(policy(&sr), policy(&newer));
    }
}

// ---------------------------------------------------------------------------
// Findings: a created backup, damaged in one way per test

use gpforge::backup::{FsKind, FsObject, read as bread, write as bwrite};

/// A fresh valid backup root; returns (root, backup folder).
fn fresh() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (_, dir) = create::create(
        tmp.path(),
        &linkedin_options(gpforge::policy::PolicyState::Disabled, None),
        false,
    )
    .unwrap();
    (tmp, dir)
}

fn findings(root: &Path) -> Vec<String> {
    let ins = inspect::inspect(root).unwrap();
    let mut v: Vec<String> = ins
        .findings
        .iter()
        .map(|d| format!("{} {}: {}", d.code, d.severity, d.message))
        .collect();
    v.sort();
    v
}

fn edit_scheme(dir: &Path, f: impl FnOnce(&mut gpforge::backup::BackupScheme)) {
    let p = dir.join("Backup.xml");
    let mut s = bread::read_backup_xml(&p, &std::fs::read(&p).unwrap()).unwrap();
    f(&mut s);
    std::fs::write(&p, bwrite::backup_xml(&s)).unwrap();
}

#[test]
fn findings_created_backup_is_clean() {
    let (tmp, _) = fresh();
    assert_eq!(findings(tmp.path()), Vec::<String>::new());
}

#[test]
fn findings_gpo001_missing_backup_xml() {
    let (tmp, dir) = fresh();
    std::fs::remove_file(dir.join("Backup.xml")).unwrap();
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo002_truncated_backup_xml() {
    let (tmp, dir) = fresh();
    let b = std::fs::read(dir.join("Backup.xml")).unwrap();
    std::fs::write(dir.join("Backup.xml"), &b[..b.len() / 2]).unwrap();
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo003_gpo012_gpo013_renamed_folder() {
    let (tmp, dir) = fresh();
    std::fs::rename(
        &dir,
        tmp.path().join("{00000000-0000-0000-0000-0000000000AA}"),
    )
    .unwrap();
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo004_mixed_bkupinfo() {
    let (tmp, dir) = fresh();
    let p = dir.join("bkupInfo.xml");
    let mut i = bread::read_bkupinfo(&p, &std::fs::read(&p).unwrap()).unwrap();
    i.gpo_guid = "{00000000-0000-0000-0000-0000000000BB}".into();
    std::fs::write(&p, bwrite::bkupinfo_xml(&i)).unwrap();
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo005_gpo008_registry_pol_deleted() {
    let (tmp, dir) = fresh();
    std::fs::remove_file(dir.join("DomainSysvol/GPO/User/registry.pol")).unwrap();
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo006_listed_folder_absent() {
    let (tmp, dir) = fresh();
    edit_scheme(&dir, |s| {
        s.extensions.push(gpforge::backup::Extension {
            id: layout::EXT_UNKNOWN.into(),
            desc_name: "Unknown Extension".into(),
            objects: vec![FsObject {
                kind: FsKind::Dir,
                path: "%GPO_USER_FSPATH%\\Applications".into(),
                source_expanded_path: String::new(),
                re_evaluate_function: None,
                location: Some("DomainSysvol\\GPO\\User\\Applications".into()),
            }],
        })
    });
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo007_gpo009_gpo015_machine_pol_added_by_hand() {
    let (tmp, dir) = fresh();
    let f = PolFile {
        entries: vec![Entry::dword(
            r"Software\Policies\Microsoft\Windows\Explorer",
            "NoAutoplayfornonVolume",
            1,
        )],
    };
    std::fs::create_dir_all(dir.join("DomainSysvol/GPO/Machine")).unwrap();
    std::fs::write(
        dir.join("DomainSysvol/GPO/Machine/registry.pol"),
        pol::to_vec(&f),
    )
    .unwrap();
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo010_truncated_registry_pol() {
    let (tmp, dir) = fresh();
    let p = dir.join("DomainSysvol/GPO/User/registry.pol");
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, &b[..100]).unwrap();
    let ins = inspect::inspect(tmp.path()).unwrap();
    let d = ins
        .findings
        .iter()
        .find(|d| d.code == "GPO010")
        .expect("GPO010");
    assert!(d.span.is_some() && d.help.is_some(), "{d:?}");
    assert!(ins.backups[0].sides[1].damage.is_some());
    // The wording after the first colon is the codec's (pol::diagnose).
    let f = findings(tmp.path());
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with(
            "GPO010 error: expected a readable registry.pol, found damaged from byte 8"
        ),
        "{f:?}"
    );
    assert!(f[0].contains("POL003"), "{f:?}");
}

#[test]
fn findings_gpo011_version_halves() {
    let (tmp, dir) = fresh();
    edit_scheme(&dir, |s| s.user.version = 0x0002_0001);
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn findings_gpo014_cpassword_in_preferences() {
    let (tmp, dir) = fresh();
    let prefs = dir.join("DomainSysvol/GPO/Machine/Preferences");
    for (sub, name) in [("Groups", "Groups.xml"), ("Drives", "Drives.xml")] {
        std::fs::create_dir_all(prefs.join(sub)).unwrap();
        std::fs::copy(
            util::fixture(&format!("backup/cpassword/{name}")),
            prefs.join(sub).join(name),
        )
        .unwrap();
    }
    // List them, as GPMC would, so only the password is reported.
    edit_scheme(&dir, |s| {
        let objects = ["Groups\\Groups.xml", "Drives\\Drives.xml"]
            .iter()
            .map(|f| FsObject {
                kind: FsKind::File,
                path: format!("%GPO_MACH_FSPATH%\\Preferences\\{f}"),
                source_expanded_path: String::new(),
                re_evaluate_function: None,
                location: Some(format!("DomainSysvol\\GPO\\Machine\\Preferences\\{f}")),
            })
            .collect();
        s.extensions.push(gpforge::backup::Extension {
            id: "{17D89FEC-5C44-4972-B12D-241CAEF74509}".into(),
            desc_name: "Local Users and Groups".into(),
            objects,
        })
    });
    insta::assert_yaml_snapshot!(findings(tmp.path()));
}

#[test]
fn every_gpo_rule_has_a_findings_test() {
    let src = std::fs::read_to_string(util::root().join("tests/it/backup.rs")).unwrap();
    for r in gpforge::backup::RULES {
        let needle = format!("_{}", r.code.to_ascii_lowercase());
        assert!(
            src.contains(&needle),
            "no findings test named after {}",
            r.code
        );
    }
}

// ---------------------------------------------------------------------------
// Writing into a root

#[test]
fn create_keeps_existing_manifest_entries() {
    let test = "create_keeps_existing_manifest_entries";
    let Some(their) = corpus_file(test, "troennes-private-secure-windows/manifest.xml") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("manifest.xml"), &their).unwrap();
    let before = bread::read_manifest(Path::new("manifest.xml"), &their).unwrap();
    let (nb, _) = create::create(
        tmp.path(),
        &linkedin_options(gpforge::policy::PolicyState::Disabled, None),
        false,
    )
    .unwrap();
    let after_bytes = std::fs::read(tmp.path().join("manifest.xml")).unwrap();
    let after = bread::read_manifest(Path::new("manifest.xml"), &after_bytes).unwrap();
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(&after[..before.len()], &before[..]);
    assert_eq!(after.last().unwrap(), &nb.backup.inst());
    // The old entries are byte-for-byte what they were.
    assert!(after_bytes.starts_with(&their[..their.len() - "</Backups>".len()]));
    // A second backup with its own id is added too; the same id again is refused.
    let mut other = linkedin_options(gpforge::policy::PolicyState::Enabled, None);
    other.backup_id = layout::parse_guid("{7D4B0A8E-2C61-4F0B-9E3A-5B1C2D3E4F51}");
    create::create(tmp.path(), &other, false).unwrap();
    let again = create::create(
        tmp.path(),
        &linkedin_options(gpforge::policy::PolicyState::Disabled, None),
        false,
    );
    assert!(
        matches!(again, Err(gpforge::backup::Error::Exists { .. })),
        "{again:?}"
    );
    let n = bread::read_manifest(
        Path::new("m"),
        &std::fs::read(tmp.path().join("manifest.xml")).unwrap(),
    )
    .unwrap()
    .len();
    assert_eq!(n, before.len() + 2);
    // With overwrite the entry is replaced, not duplicated.
    create::create(
        tmp.path(),
        &linkedin_options(gpforge::policy::PolicyState::Disabled, None),
        true,
    )
    .unwrap();
    let n2 = bread::read_manifest(
        Path::new("m"),
        &std::fs::read(tmp.path().join("manifest.xml")).unwrap(),
    )
    .unwrap()
    .len();
    assert_eq!(n2, n);
}

#[test]
fn create_refuses_a_damaged_manifest_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("manifest.xml"), b"<Backups><BackupInst>").unwrap();
    let err = create::create(
        tmp.path(),
        &linkedin_options(gpforge::policy::PolicyState::Disabled, None),
        false,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("manifest.xml:1:") && msg.contains("expected"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(tmp.path().join("manifest.xml")).unwrap(),
        b"<Backups><BackupInst>"
    );
    assert!(!tmp.path().join(BACKUP_ID).exists());
}

#[test]
fn new_ids_and_time_by_default() {
    let mut o = linkedin_options(gpforge::policy::PolicyState::Disabled, None);
    o.backup_id = None;
    o.gpo_id = None;
    o.time = None;
    let a = create::build(&o).unwrap();
    let b = create::build(&o).unwrap();
    assert_ne!(a.backup.id, b.backup.id);
    assert_ne!(a.backup.gpo.id, b.backup.gpo.id);
    assert!(layout::is_backup_folder_name(&a.backup.id));
    assert!(Timestamp::parse(&a.backup.backup_time).is_some());
}

#[test]
fn several_policies_go_into_one_backup() {
    let mut o = linkedin_options(gpforge::policy::PolicyState::Disabled, None);
    // A second (machine) setting from another source: the code takes a list of settings.
    let extra = PolFile {
        entries: vec![Entry::dword(
            r"Software\Policies\Microsoft\Windows\Explorer",
            "NoAutoplayfornonVolume",
            1,
        )],
    };
    o.settings.push((Side::Machine, extra.clone()));
    let tmp = tempfile::tempdir().unwrap();
    let (nb, dir) = create::create(tmp.path(), &o, false).unwrap();
    assert_eq!(nb.backup.pol(Side::Machine), Some(&extra));
    assert!(nb.backup.machine.lists_cse(layout::CSE_REGISTRY));
    assert_eq!(findings(tmp.path()), Vec::<String>::new());
    let ins = inspect::inspect(&dir).unwrap();
    assert_eq!(ins.backups[0].sides[0].settings.as_ref(), Some(&extra));
}

// ---------------------------------------------------------------------------
// Command line

#[test]
fn cli_create_then_inspect() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("root");
    let out_s = out.to_str().unwrap();
    let (code, stdout, stderr) = util::gpforge(
        tmp.path(),
        &[
            "backup",
            "create",
            "--state",
            "disabled",
            "--name",
            "Office - LinkedIn off",
            "--domain",
            "contoso.com",
            "--out",
            out_s,
            "--backup-id",
            BACKUP_ID,
            "--gpo-id",
            GPO_ID,
            "--time",
            "2026-03-01T09:30:00",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("Import-GPO -Path <root> -BackupId {BACKUP_ID}")),
        "{stdout}"
    );
    // Same bytes as the library writes with the same pinned values.
    let nb = create::build(&linkedin_options(
        gpforge::policy::PolicyState::Disabled,
        None,
    ))
    .unwrap();
    for (rel, bytes) in create::files(&nb) {
        assert_eq!(read(&out.join(BACKUP_ID), &rel), bytes, "{rel}");
    }
    let (code, text, stderr) = util::gpforge(tmp.path(), &["backup", "inspect", out_s]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("cli_inspect_created", text);
    let (code, json, _) = util::gpforge(
        tmp.path(),
        &["backup", "inspect", out_s, "--format", "json"],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let user = &v["backups"][0]["sides"][1];
    assert_eq!(user["side"], "User");
    assert_eq!(
        user["settings"],
        serde_json::json!([{"key": r"software\policies\microsoft\office\16.0\common", "value": "linkedin", "type": 4, "data": 0}])
    );
}

#[test]
fn cli_inspect_exit_codes() {
    let test = "cli_inspect_exit_codes";
    let Some(root) = util::shared(test, "corpus/backups/troennes-private-secure-windows") else {
        return;
    };
    // A root whose manifest lists backups stored elsewhere: warnings, exit 1.
    let (code, out, _) = util::gpforge(
        &util::root(),
        &["backup", "inspect", root.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("GPO012 warning"), "{out}");
    // Not a backup: the tool fails (2) and says why.
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = util::gpforge(
        &util::root(),
        &["backup", "inspect", tmp.path().to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(err.contains("expected a backup folder"), "{err}");
    // A bad id on create: the tool fails (2) naming the flag.
    let (code, _, err) = util::gpforge(
        &util::root(),
        &[
            "backup",
            "create",
            "--state",
            "disabled",
            "--name",
            "x",
            "--domain",
            "contoso.com",
            "--out",
            tmp.path().to_str().unwrap(),
            "--backup-id",
            "nope",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--backup-id: expected a GUID"), "{err}");
    let (code, _, err) = util::gpforge(
        &util::root(),
        &[
            "backup",
            "create",
            "--state",
            "maybe",
            "--name",
            "x",
            "--domain",
            "contoso.com",
            "--out",
            tmp.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("expected state"), "{err}");
}

#[test]
fn read_dir_gives_back_the_written_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let o = linkedin_options(
        gpforge::policy::PolicyState::Disabled,
        Some("S-1-5-21-1-2-3"),
    );
    let (nb, dir) = create::create(tmp.path(), &o, false).unwrap();
    assert_eq!(gpforge::backup::read_dir(&dir).unwrap(), nb.backup);
    // write_dir of what was read writes the same bytes.
    let again = tmp.path().join("again");
    gpforge::backup::write_dir(&nb.backup, Some(&nb.report), &again).unwrap();
    for (rel, bytes) in create::files(&nb) {
        assert_eq!(read(&again, &rel), bytes, "{rel}");
    }
    // Every corpus backup reads strictly too.
    for d in corpus_backups("read_dir_gives_back_the_written_backup") {
        let b = gpforge::backup::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", rel(&d)));
        assert!(layout::is_backup_folder_name(&b.id) && !b.gpo.id.is_empty());
    }
    // A damaged registry.pol is a typed error naming the file.
    std::fs::write(
        dir.join("DomainSysvol/GPO/User/registry.pol"),
        b"PReg\x01\x00\x00\x00[",
    )
    .unwrap();
    let e = gpforge::backup::read_dir(&dir).unwrap_err();
    assert!(
        matches!(e, gpforge::backup::Error::Pol { .. }) && e.to_string().contains("registry.pol"),
        "{e}"
    );
}

#[test]
fn map_fixture_every_kind_of_footprint() {
    let dir = util::fixture("backup/map");
    let store = load_templates(&[dir]);
    assert!(store.load_errors().is_empty());
    let k = r"Software\Policies\Gpforge\Test";
    let file = PolFile {
        entries: vec![
            Entry::dword(k, "Switch", 0),
            Entry::dword(format!(r"{k}\Choice"), "Mode", 1),
            Entry::sz(format!(r"{k}\Choice"), "Label", "hello"),
            Entry::dword(format!(r"{k}\Choice"), "Extra", 0),
            Entry::delete_all_values(format!(r"{k}\Sites")),
            Entry::sz(format!(r"{k}\Sites"), "1", "https://intranet.contoso.com"),
            Entry::delete_marker(k, "Legacy"),
            Entry::dword(k, "MachineOnly", 1),
            Entry::dword(k.to_uppercase(), "SWITCH", 1),
            Entry::dword(k, "Nobody", 7),
        ],
    };
    let index = gpforge::backup::map::PolicyIndex::new(&store, Side::User, "en-US");
    let m = index.map(&file);
    insta::assert_yaml_snapshot!(m);
    // The machine side sees only Machine and Both policies.
    let m2 = gpforge::backup::map::PolicyIndex::new(&store, Side::Machine, "en-US").map(&file);
    let names: Vec<&str> = m2.policies.iter().map(|p| p.policy.as_str()).collect();
    assert_eq!(names, ["maptest:Sites", "maptest:MachineOnly"]);
}

#[test]
fn cli_inspect_with_store_maps_settings() {
    let test = "cli_inspect_with_store_maps_settings";
    let (Some(backup), Some(store)) = (
        util::shared(test, "corpus/backups/nsacyber-shb/Office_Office_2016/User"),
        util::shared(
            test,
            "corpus/admx/nsacyber-shb-office2016/PolicyDefinitions",
        ),
    ) else {
        return;
    };
    let (code, out, err) = util::gpforge(
        &util::root(),
        &[
            "backup",
            "inspect",
            backup.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = &v["backups"][0]["sides"][1]["mapping"];
    assert_eq!(m["total"], 160);
    assert_eq!(m["mapped"], 160);
    let p = m["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["policy"] == "excel16:L_SetDocumentBehaviorIfFileValidationFails")
        .expect("mapped");
    assert_eq!(p["state"], "disabled");
    // The text form lists the policies with state, name, category and qualified name.
    let (code, text, _) = util::gpforge(
        &util::root(),
        &[
            "backup",
            "inspect",
            backup.to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(
        text.contains("policies (160 of 160 entries mapped):"),
        "{text}"
    );
    assert!(
        text.contains("Enabled  Prevent users from configuring personal OneDrive accounts  [OneDrive]  (OneDriveNGSC:DisablePersonalSync)"),
        "{text}"
    );
}

#[test]
fn inspect_tree_finds_every_root_of_a_repository() {
    let test = "inspect_tree_finds_every_root_of_a_repository";
    let Some(dir) = util::shared(test, "corpus/backups") else {
        return;
    };
    let all = inspect::inspect_tree(&dir).unwrap();
    let paths: Vec<PathBuf> = all.iter().map(|i| i.path.clone()).collect();
    assert_eq!(paths, corpus_roots(test));
    assert_eq!(all.iter().map(|i| i.backups.len()).sum::<usize>(), 78);
    let (code, out, _) = util::gpforge(
        &util::root(),
        &[
            "backup",
            "inspect",
            dir.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(
        code, 1,
        "the troennes root manifest lists folders stored elsewhere"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), paths.len());
    // A backup folder or a root on its own is still one object.
    let one = &paths[0];
    let (_, out, _) = util::gpforge(
        &util::root(),
        &[
            "backup",
            "inspect",
            one.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap()
            .is_object()
    );
}

#[test]
fn registry_pol_findings_of_sound_files_are_reported_too() {
    let mut o = linkedin_options(gpforge::policy::PolicyState::Disabled, None);
    o.settings.push((
        Side::Machine,
        PolFile {
            entries: vec![Entry::dword(r"HKLM\Software\Policies\Contoso", "Flag", 1)],
        },
    ));
    let tmp = tempfile::tempdir().unwrap();
    create::create(tmp.path(), &o, false).unwrap();
    let ins = inspect::inspect(tmp.path()).unwrap();
    let d = ins
        .findings
        .iter()
        .find(|d| d.code == "POL010")
        .expect("hive prefix reported");
    assert!(
        d.file
            .as_ref()
            .unwrap()
            .ends_with("DomainSysvol/GPO/Machine/registry.pol"),
        "{d:?}"
    );
}

#[test]
fn bad_xml_is_an_error_with_a_position_never_a_panic() {
    let p = Path::new("Backup.xml");
    let cases: &[&[u8]] = &[
        b"",
        b"\xff\xfe\x00",
        b"\xef\xbb\xbf",
        b"\x00\x01\x02garbage",
        b"<GroupPolicyBackupScheme>",
        b"<GroupPolicyBackupScheme></GroupPolicyBackupScheme>",
        b"<GroupPolicyBackupScheme><GroupPolicyObject/></GroupPolicyBackupScheme>",
        b"<!DOCTYPE x [<!ENTITY a 'b'>]><GroupPolicyBackupScheme/>",
        b"<GroupPolicyBackupScheme><GroupPolicyObject><GroupPolicyCoreSettings><UserVersionNumber>x</UserVersionNumber></GroupPolicyCoreSettings></GroupPolicyObject></GroupPolicyBackupScheme>",
        b"<a>&unknown;</a>",
        b"<BackupInst/>",
        b"<Backups><BackupInst>",
    ];
    for c in cases {
        let e = bread::read_backup_xml(p, c).unwrap_err().to_string();
        assert!(e.starts_with("Backup.xml:"), "{e}");
        let _ = bread::read_bkupinfo(p, c);
        let _ = bread::read_manifest(p, c);
    }
    // An empty manifest is a valid manifest without entries.
    assert!(
        bread::read_manifest(p, b"<Backups xmlns=\"x\"/>")
            .unwrap()
            .is_empty()
    );
}
