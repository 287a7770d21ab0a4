//! Finding the files of a store on disk and building the indexes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{
    AdmlId, AdmxId, FileKind, LoadError, LoadErrorKind, Store, StoreBuilder, StoreIssue, file_stem,
};
use crate::error::{Error, Result};
use crate::fsutil::read_dir_sorted;

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The `*.admx` files of a folder (not its sub-folders), sorted by name.
pub(super) fn admx_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = read_dir_sorted(dir).map_err(|e| Error::io(dir, e))?;
    Ok(entries.into_iter().filter(|p| has_ext(p, "admx")).collect())
}

fn add_admx(b: StoreBuilder, path: PathBuf) -> StoreBuilder {
    match std::fs::read(&path) {
        Ok(bytes) => b.admx_bytes(path, &bytes),
        Err(e) => b.load_error(LoadError {
            path,
            kind: FileKind::Admx,
            culture: None,
            error: LoadErrorKind::Io(e),
        }),
    }
}

fn add_adml(b: StoreBuilder, path: PathBuf, culture: &str) -> StoreBuilder {
    match std::fs::read(&path) {
        Ok(bytes) => b.adml_bytes(path, culture, &bytes),
        Err(e) => b.load_error(LoadError {
            path,
            kind: FileKind::Adml,
            culture: Some(culture.to_owned()),
            error: LoadErrorKind::Io(e),
        }),
    }
}

/// Culture sub-folders of `dir`, grouped case-insensitively and sorted by
/// lower-case name; each group lists its spellings in byte order.
fn culture_dirs(entries: &[PathBuf]) -> Vec<Vec<PathBuf>> {
    let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for p in entries.iter().filter(|p| p.is_dir()) {
        let lc = name_of(p).to_lowercase();
        match groups.iter_mut().find(|(l, _)| *l == lc) {
            Some((_, g)) => g.push(p.clone()),
            None => groups.push((lc, vec![p.clone()])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups.into_iter().map(|(_, g)| g).collect()
}

pub(super) fn load_dir(dir: &Path) -> Result<Store> {
    let entries = read_dir_sorted(dir).map_err(|e| Error::io(dir, e))?;
    let mut b = StoreBuilder::default().root(dir);
    for p in entries.iter().filter(|p| p.is_file()) {
        if has_ext(p, "admx") {
            b = add_admx(b, p.clone());
        } else if has_ext(p, "adml") {
            b.issue(StoreIssue::AdmlOutsideCultureFolder { path: p.clone() });
        }
    }
    for group in culture_dirs(&entries) {
        let mut any_adml = false;
        let mut b2 = b;
        for folder in &group {
            let culture = name_of(folder);
            let files = match read_dir_sorted(folder) {
                Ok(f) => f,
                Err(e) => {
                    b2 = b2.load_error(LoadError {
                        path: folder.clone(),
                        kind: FileKind::Adml,
                        culture: Some(culture),
                        error: LoadErrorKind::Io(e),
                    });
                    continue;
                }
            };
            for f in files
                .into_iter()
                .filter(|f| f.is_file() && has_ext(f, "adml"))
            {
                any_adml = true;
                b2 = add_adml(b2, f, &culture);
            }
        }
        b = b2;
        if group.len() > 1 && any_adml {
            b.issue(StoreIssue::DuplicateCultureFolder { folders: group });
        }
    }
    Ok(b.build())
}

pub(super) fn load_files(paths: &[PathBuf]) -> Result<Store> {
    let mut b = StoreBuilder::default();
    if let Some(first) = paths.first() {
        let parent = first.parent().map(Path::to_path_buf).unwrap_or_default();
        let adml_parent = if has_ext(first, "adml") {
            parent.parent().map(Path::to_path_buf)
        } else {
            None
        };
        let root = adml_parent.unwrap_or(parent);
        b = b.root(if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        });
    }
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut admls: Vec<(PathBuf, String)> = Vec::new();
    for p in paths {
        std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if has_ext(p, "admx") {
            if seen.insert(p.clone()) {
                b = add_admx(b, p.clone());
            }
            // ADMLs of the same name in the culture folders beside the ADMX.
            let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            let stem = file_stem(p).to_lowercase();
            let entries = read_dir_sorted(&dir).map_err(|e| Error::io(&dir, e))?;
            for group in culture_dirs(&entries) {
                for folder in group {
                    let Ok(files) = read_dir_sorted(&folder) else {
                        continue;
                    };
                    for f in files {
                        if f.is_file()
                            && has_ext(&f, "adml")
                            && file_stem(&f).to_lowercase() == stem
                        {
                            admls.push((f, name_of(&folder)));
                        }
                    }
                }
            }
        } else if has_ext(p, "adml") {
            let culture = p.parent().map(name_of).unwrap_or_default();
            admls.push((p.clone(), culture));
        } else {
            return Err(Error::Invalid(format!(
                "{}: expected an .admx or .adml file",
                p.display()
            )));
        }
    }
    for (p, culture) in admls {
        if seen.insert(p.clone()) {
            b = add_adml(b, p, &culture);
        }
    }
    Ok(b.build())
}

/// Builds the indexes and records the layout issues.
pub(super) fn finish(b: StoreBuilder) -> Store {
    let StoreBuilder {
        root,
        admx,
        adml,
        load_errors,
        mut issues,
    } = b;

    // Duplicate ADMX names (case-insensitive).
    let mut by_stem: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for f in &admx {
        let lc = f.stem.to_lowercase();
        match by_stem.iter_mut().find(|(l, _)| *l == lc) {
            Some((_, v)) => v.push(f.path.clone()),
            None => by_stem.push((lc, vec![f.path.clone()])),
        }
    }
    for (_, paths) in &by_stem {
        if paths.len() > 1 {
            issues.push(StoreIssue::DuplicateAdmx {
                paths: paths.clone(),
            });
        }
    }

    // Target namespaces: first file wins, later ones are ignored.
    let mut by_namespace: HashMap<String, AdmxId> = HashMap::new();
    let mut ignored = vec![false; admx.len()];
    for (i, f) in admx.iter().enumerate() {
        match f.doc.target().and_then(|t| t.namespace.as_deref()) {
            None => issues.push(StoreIssue::MissingTargetNamespace {
                path: f.path.clone(),
            }),
            Some(ns) => match by_namespace.get(ns) {
                Some(&kept) => {
                    ignored[i] = true;
                    issues.push(StoreIssue::DuplicateNamespace {
                        namespace: ns.to_owned(),
                        kept: admx[kept.0].path.clone(),
                        ignored: f.path.clone(),
                    });
                }
                None => {
                    by_namespace.insert(ns.to_owned(), AdmxId(i));
                }
            },
        }
    }
    for (i, f) in admx.iter().enumerate() {
        if ignored[i] {
            continue;
        }
        for u in f.doc.usings() {
            if let (Some(prefix), Some(ns)) = (u.prefix.as_deref(), u.namespace.as_deref()) {
                if !by_namespace.contains_key(ns) {
                    issues.push(StoreIssue::UnresolvedUsing {
                        path: f.path.clone(),
                        prefix: prefix.to_owned(),
                        namespace: ns.to_owned(),
                    });
                }
            }
        }
    }

    // ADML index per (culture, name), duplicates, orphans.
    let admx_stems: HashSet<String> = admx
        .iter()
        .map(|f| f.stem.to_lowercase())
        .chain(
            load_errors
                .iter()
                .filter(|e| e.kind == FileKind::Admx)
                .map(|e| file_stem(&e.path).to_lowercase()),
        )
        .collect();
    let mut adml_index: HashMap<(String, String), AdmlId> = HashMap::new();
    let mut adml_by_stem: HashMap<String, Vec<AdmlId>> = HashMap::new();
    let mut dups: Vec<((String, String), Vec<PathBuf>)> = Vec::new();
    for (i, f) in adml.iter().enumerate() {
        let culture = f.culture.clone().unwrap_or_default();
        let key = (culture.to_lowercase(), f.stem.to_lowercase());
        adml_by_stem
            .entry(key.1.clone())
            .or_default()
            .push(AdmlId(i));
        if let Some(&first) = adml_index.get(&key) {
            match dups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(f.path.clone()),
                None => dups.push((
                    key.clone(),
                    vec![adml[first.0].path.clone(), f.path.clone()],
                )),
            }
        } else {
            adml_index.insert(key.clone(), AdmlId(i));
        }
        if !admx_stems.contains(&key.1) {
            issues.push(StoreIssue::OrphanAdml {
                path: f.path.clone(),
                culture,
            });
        }
    }
    for ((_, _), paths) in dups {
        let first = adml
            .iter()
            .find(|f| f.path == paths[0])
            .and_then(|f| f.culture.clone())
            .unwrap_or_default();
        issues.push(StoreIssue::DuplicateAdml {
            culture: first,
            paths,
        });
    }

    // ADMX without ADML: none at all, or none in a culture that has others.
    let failed_adml: HashSet<(String, String)> = load_errors
        .iter()
        .filter(|e| e.kind == FileKind::Adml)
        .map(|e| {
            (
                e.culture.clone().unwrap_or_default().to_lowercase(),
                file_stem(&e.path).to_lowercase(),
            )
        })
        .collect();
    let mut cultures: Vec<(String, String)> = Vec::new();
    for f in &adml {
        let c = f.culture.clone().unwrap_or_default();
        if !cultures.iter().any(|(l, _)| *l == c.to_lowercase()) {
            cultures.push((c.to_lowercase(), c));
        }
    }
    cultures.sort();
    let mut reported: HashSet<String> = HashSet::new();
    for f in &admx {
        let stem = f.stem.to_lowercase();
        if !reported.insert(stem.clone()) {
            continue;
        }
        let has_any =
            adml_by_stem.contains_key(&stem) || failed_adml.iter().any(|(_, s)| *s == stem);
        if !has_any {
            issues.push(StoreIssue::AdmxWithoutAdml {
                path: f.path.clone(),
            });
            continue;
        }
        for (lc, c) in &cultures {
            let key = (lc.clone(), stem.clone());
            if !adml_index.contains_key(&key) && !failed_adml.contains(&key) {
                issues.push(StoreIssue::MissingAdml {
                    path: f.path.clone(),
                    culture: c.clone(),
                });
            }
        }
    }

    let string_index = adml.iter().map(|_| std::sync::OnceLock::new()).collect();
    let category_index = admx.iter().map(|_| std::sync::OnceLock::new()).collect();
    Store {
        string_index,
        category_index,
        root,
        admx,
        adml,
        load_errors,
        issues,
        by_namespace,
        ignored,
        adml_index,
        adml_by_stem,
    }
}
