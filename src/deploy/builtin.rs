//! `gpforge store add-builtin`: install the built-in LinkedIn template
//! (`office16.admx` with its one policy, and its ADMLs), never over a
//! fuller `office16.admx`.

use std::path::{Path, PathBuf};

use super::apply::{ApplyOptions, ApplyReport, Outcome, recover_unless_dry, run};
use super::ops::{FileOps, RealFs};
use super::paths::canonical_culture;
use super::plan::{Action, Plan, PlanEntry, Refusal, StoreIndex};
use super::source::{SourceFile, Sources};
use crate::admx::{WriteOptions, write_adml, write_admx};
use crate::error::{Error, Result};
use crate::policy;

/// Where built-in files say they come from.
const BUILTIN: &str = "(built-in)";

/// The built-in template as sources: the ADMX and every built-in culture
/// (the plan keeps the requested ones, the fallback and the store's).
fn builtin_sources(langs: &[String]) -> Result<Sources> {
    let mut s = Sources::default();
    for l in langs
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if policy::resources(l).is_none() {
            let known: Vec<&str> = policy::culture_names().collect();
            return Err(Error::Invalid(format!(
                "expected a culture the built-in template has ({}), found '{l}'",
                known.join(", ")
            )));
        }
    }
    let admx = write_admx(&policy::definitions(), &WriteOptions::default());
    let key = policy::ADMX_FILE.trim_end_matches(".admx").to_lowercase();
    let file = |rel: String, bytes: Vec<u8>, name: &str| SourceFile {
        path: PathBuf::from(BUILTIN).join(rel),
        name: name.to_string(),
        bytes,
    };
    s.insert(
        key.clone(),
        "",
        file(policy::ADMX_FILE.into(), admx, policy::ADMX_FILE),
    );
    for c in policy::culture_names() {
        let Some(res) = policy::resources(c) else {
            continue;
        };
        let Some(canon) = canonical_culture(c) else {
            continue;
        };
        let bytes = write_adml(&res, &WriteOptions::default());
        s.insert(
            key.clone(),
            &canon,
            file(
                format!("{canon}/{}", policy::ADML_FILE),
                bytes,
                policy::ADML_FILE,
            ),
        );
    }
    Ok(s)
}

/// Why the store's own office16.admx must stay, if it must: it defines
/// more policies than the built-in subset (Microsoft's full template
/// defines `L_AllowLinkedInFeatures` among hundreds), or cannot be read.
fn store_keeps_its_own(store: &Path) -> Result<Option<(Refusal, String, String)>> {
    let ix = StoreIndex::read(store)?;
    let ours = policy::definitions().policies().len();
    let key = policy::ADMX_FILE.trim_end_matches(".admx").to_lowercase();
    for name in ix.admx.get(&key).map_or(&[][..], Vec::as_slice) {
        match ix.info.get(name) {
            Some(Ok(i)) if i.policies.len() > ours => {
                let linkedin = i.policies.iter().any(|p| p == policy::POLICY_NAME);
                let why = if linkedin {
                    format!(
                        "the store's {name} already defines {} (Microsoft's full template, {} policies); it is kept",
                        policy::POLICY_NAME,
                        i.policies.len()
                    )
                } else {
                    format!(
                        "the store's {name} defines {} policies but not {}: it is an older full template; \
                         install Microsoft's current Office templates instead of the one-policy subset",
                        i.policies.len(),
                        policy::POLICY_NAME
                    )
                };
                return Ok(Some((Refusal::FullerTemplate, name.clone(), why)));
            }
            Some(Err(e)) => {
                return Ok(Some((
                    Refusal::Unreadable,
                    name.clone(),
                    format!("the store's {name} cannot be read ({e}); it is kept"),
                )));
            }
            _ => {}
        }
    }
    Ok(None)
}

/// Installs the built-in template into `store` (see the module docs).
pub fn add_builtin(store: &Path, opts: &ApplyOptions) -> Result<ApplyReport> {
    add_builtin_with(store, opts, &RealFs)
}

/// [`add_builtin`] with every change going through `ops`.
pub fn add_builtin_with(
    store: &Path,
    opts: &ApplyOptions,
    ops: &dyn FileOps,
) -> Result<ApplyReport> {
    let src = builtin_sources(&opts.plan.langs)?;
    let mut plan_opts = opts.plan.clone();
    // Never replace anything fuller, whatever the caller asked.
    plan_opts.force = false;
    let recovered = recover_unless_dry(store, opts, ops)?;
    if let Some((kind, name, reason)) = store_keeps_its_own(store)? {
        let mut plan = Plan {
            store: store.to_path_buf(),
            entries: Vec::new(),
            notes: Vec::new(),
        };
        let mut e = PlanEntry::new(
            Action::Skip,
            name,
            Some(PathBuf::from(BUILTIN).join(policy::ADMX_FILE)),
            reason.clone(),
        );
        if kind == Refusal::Unreadable {
            e.refuse(kind, reason.clone());
        }
        let refused = e.action == Action::Refuse;
        plan.entries.push(e);
        let outcome = if refused {
            Outcome::Refused
        } else {
            Outcome::AlreadyCovered { reason }
        };
        return Ok(ApplyReport::new(recovered, plan, outcome));
    }
    let opts = ApplyOptions {
        plan: plan_opts,
        dry_run: opts.dry_run,
        allow: opts.allow.clone(),
    };
    run(src, store, &opts, ops, "add-builtin", recovered)
}
