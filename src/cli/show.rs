//! `gpforge show STORE_OR_FILE [--policy NAME] [--lang CULTURE] [--format text|json]`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};

use gpforge::store::view::{CategoryView, PolicyRef, PolicyView, StoreSummary};
use gpforge::store::{Lookup, RegistryChange, Store};

use super::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// A PolicyDefinitions folder, or an .admx file (the ADMLs of the same
    /// name in the culture folders beside it are read too).
    path: PathBuf,
    /// Show one policy: NAME, PREFIX:NAME, NAMESPACE:NAME or FILE:NAME.
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
    /// Culture of the display strings (falls back to the same language, the
    /// ADMX's fallbackCulture, then en-US).
    #[arg(long, value_name = "CULTURE", default_value = "en-US")]
    lang: String,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

pub fn show(args: ShowArgs, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let store =
        Store::open(&args.path).with_context(|| format!("cannot load {}", args.path.display()))?;
    let json = args.format == "json";
    match &args.policy {
        Some(name) => {
            let id = match store.find_policy(name) {
                Lookup::Found(id) => id,
                Lookup::NotFound => bail!("no policy named '{name}' in {}", args.path.display()),
                Lookup::Ambiguous(ids) => {
                    let list: Vec<String> = ids
                        .iter()
                        .map(|&id| {
                            format!(
                                "{} ({})",
                                store.qualified_name(id),
                                store.display_path(&store.admx(id.admx).path)
                            )
                        })
                        .collect();
                    bail!(
                        "policy name '{name}' is ambiguous: {}; qualify it as PREFIX:NAME",
                        list.join(", ")
                    )
                }
            };
            let view = store.policy_view(id, &args.lang);
            if json {
                serde_json::to_writer_pretty(&mut *out, &view)?;
                writeln!(out)?;
            } else {
                policy_text(&view, out)?;
            }
        }
        None => {
            let summary = store.summary(&args.lang);
            if json {
                serde_json::to_writer_pretty(&mut *out, &summary)?;
                writeln!(out)?;
            } else {
                summary_text(&summary, out)?;
            }
        }
    }
    Ok(ExitStatus::Clean)
}

fn field(out: &mut dyn Write, name: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "{name:<14}{value}")
}

fn indented(out: &mut dyn Write, text: &str) -> std::io::Result<()> {
    for line in text.trim_end().lines() {
        if line.trim().is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "  {}", line.trim_end())?;
        }
    }
    Ok(())
}

fn actions(
    out: &mut dyn Write,
    title: &str,
    hives: &[String],
    acts: &[RegistryChange],
) -> std::io::Result<()> {
    writeln!(out, "{title}:")?;
    if acts.is_empty() {
        writeln!(out, "  (nothing)")?;
    }
    let hives: Vec<String> = if hives.is_empty() {
        vec![String::new()]
    } else {
        hives.iter().map(|h| format!("{h}\\")).collect()
    };
    for h in &hives {
        for a in acts {
            writeln!(out, "  {h}{a}")?;
        }
    }
    Ok(())
}

fn policy_text(v: &PolicyView, out: &mut dyn Write) -> std::io::Result<()> {
    field(out, "policy", &v.qualified_name)?;
    field(
        out,
        "display name",
        v.display_name.as_deref().unwrap_or("(unresolved)"),
    )?;
    for l in &v.locations {
        field(out, "location", l)?;
    }
    if let Some(e) = &v.category_error {
        field(out, "category", &format!("(unresolved: {e})"))?;
    }
    field(out, "class", v.class.as_deref().unwrap_or("(none)"))?;
    if let Some(s) = &v.supported_on {
        field(
            out,
            "supported on",
            s.display_name
                .as_deref()
                .unwrap_or(&format!("(unresolved: {})", s.reference)),
        )?;
    }
    field(
        out,
        "admx",
        &format!(
            "{} ({})",
            v.admx,
            v.namespace.as_deref().unwrap_or("no namespace")
        ),
    )?;
    match &v.adml {
        Some(a) => field(
            out,
            "adml",
            &format!("{} (culture {}: {})", a.path, a.culture, a.step.describe()),
        )?,
        None => field(out, "adml", &format!("(none for {})", v.culture))?,
    }
    field(out, "key", v.key.as_deref().unwrap_or("(none)"))?;
    if let Some(n) = &v.value_name {
        field(out, "value name", n)?;
    }
    writeln!(out)?;
    actions(out, "when enabled", &v.hives, &v.effects.enabled)?;
    actions(out, "when disabled", &v.hives, &v.effects.disabled)?;
    if !v.effects.elements.is_empty() {
        writeln!(out, "elements (written when enabled):")?;
        for e in &v.effects.elements {
            let hive = v.hives.first().map_or(String::new(), |h| format!("{h}\\"));
            let target = match &e.value_name {
                Some(n) => format!("{hive}{}\\{n}", e.key),
                None => format!("{hive}{}\\*", e.key),
            };
            let detail = e
                .detail
                .as_deref()
                .map_or(String::new(), |d| format!("; {d}"));
            writeln!(
                out,
                "  {} ({}): {target} {}{detail}",
                e.id, e.element, e.reg_type
            )?;
        }
    }
    if let Some(p) = &v.presentation {
        writeln!(out, "presentation {}:", p.id)?;
        if !p.found {
            writeln!(out, "  (not found in the adml)")?;
        }
        for c in &p.controls {
            let r = c.ref_id.as_deref().map_or(String::new(), |r| {
                format!(" {r} -> {}", c.element.as_deref().unwrap_or("(no element)"))
            });
            let d = c
                .default
                .as_deref()
                .map_or(String::new(), |d| format!(" (default {d:?})"));
            writeln!(out, "  {}{r}: {:?}{d}", c.control, c.label)?;
            for choice in &c.choices {
                writeln!(out, "    - {choice}")?;
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "explain text:")?;
    indented(out, v.explain_text.as_deref().unwrap_or("(none)"))?;
    Ok(())
}

fn policy_line(p: &PolicyRef, depth: usize, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:indent$}- {} [{}] ({})",
        "",
        p.display_name.as_deref().unwrap_or("(unresolved)"),
        p.name,
        p.class.as_deref().unwrap_or("no class"),
        indent = depth * 2
    )
}

fn tree(c: &CategoryView, depth: usize, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:indent$}{} [{}]",
        "",
        c.display_name,
        c.name,
        indent = depth * 2
    )?;
    for p in &c.policies {
        policy_line(p, depth + 1, out)?;
    }
    for k in &c.children {
        tree(k, depth + 1, out)?;
    }
    Ok(())
}

fn summary_text(s: &StoreSummary, out: &mut dyn Write) -> std::io::Result<()> {
    field(
        out,
        "culture",
        &format!("{} (folders: {})", s.culture, s.cultures.join(", ")),
    )?;
    let ignored = s.files.iter().filter(|f| f.ignored).count();
    let ignored = if ignored > 0 {
        format!(" ({ignored} ignored)")
    } else {
        String::new()
    };
    field(
        out,
        "files",
        &format!(
            "{} admx{ignored}, {} adml, {} policies, {} load errors, {} issues",
            s.files.len(),
            s.adml_count,
            s.policy_count,
            s.load_errors.len(),
            s.issues.len()
        ),
    )?;
    writeln!(out)?;
    writeln!(out, "namespaces:")?;
    for f in &s.files {
        let adml = f
            .adml
            .as_ref()
            .map_or_else(|| "no adml".to_owned(), |a| a.path.clone());
        let ignored = if f.ignored { " IGNORED" } else { "" };
        writeln!(
            out,
            "  {} = {} in {} ({adml}): {} categories, {} policies{ignored}",
            f.prefix.as_deref().unwrap_or("(no prefix)"),
            f.namespace.as_deref().unwrap_or("(no namespace)"),
            f.admx,
            f.categories,
            f.policies
        )?;
    }
    for (title, notes) in [("load errors", &s.load_errors), ("issues", &s.issues)] {
        if !notes.is_empty() {
            writeln!(out, "{title}:")?;
            for n in notes {
                writeln!(out, "  {}: {}", n.path, n.message)?;
            }
        }
    }
    writeln!(out, "categories:")?;
    for c in &s.categories {
        tree(c, 1, out)?;
    }
    if !s.uncategorized.is_empty() {
        writeln!(out, "uncategorized:")?;
        for p in &s.uncategorized {
            policy_line(p, 1, out)?;
        }
    }
    Ok(())
}
