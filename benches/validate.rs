//! Benchmark (prints figures; not a timed test): the whole `gpforge validate`
//! process on `../shared/corpus/admx/nsacyber-shb-windows` against
//! `xmllint --noout --schema` (schema only) on the same files, side by side
//! in one run. Peak memory is the child's maximum resident set size as
//! reported by `/usr/bin/time -v`.
//!
//! Run: `cargo bench --bench validate`. The two tools' runs are interleaved
//! so that load from other processes hits both alike. `GPFORGE_BIN=path`
//! measures another gpforge binary (e.g. an older build, for before/after).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const RUNS: usize = 9;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("admx") || e.eq_ignore_ascii_case("adml"))
        {
            out.push(p);
        }
    }
}

/// The schema flavour of the oracle for a file (by its root namespace).
fn flavour(p: &Path) -> &'static str {
    let b = std::fs::read(p).unwrap_or_default();
    let text = if b.starts_with(&[0xFF, 0xFE]) {
        let u: Vec<u16> = b[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&u)
    } else {
        String::from_utf8_lossy(&b).into_owned()
    };
    let root = text
        .find("<policyDefinition")
        .map(|i| &text[i..i + text[i..].find('>').unwrap_or(0)])
        .unwrap_or("");
    if root.contains("xmlns=\"http://www.microsoft.com/GroupPolicy/PolicyDefinitions\"") {
        "ns-www"
    } else if root.contains("xmlns=") {
        "ns-schemas2006"
    } else {
        "ns-none"
    }
}

/// Runs `cmd` under `/usr/bin/time -v`; returns wall time, peak RSS in KiB and CPU (user + system) time.
fn measure(cmd: &[&str]) -> (Duration, u64, Duration) {
    let t = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .args(cmd)
        .output()
        .expect("run /usr/bin/time");
    let wall = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    let rss = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let secs = |key: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let cpu =
        Duration::from_secs_f64(secs("User time (seconds): ") + secs("System time (seconds): "));
    (wall, rss, cpu)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let shared = std::env::var_os("GPFORGE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("shared")
        });
    let corpus = shared.join("corpus/admx/nsacyber-shb-windows");
    if !corpus.exists() || !Path::new("/usr/bin/time").exists() {
        println!(
            "validate bench SKIPPED: needs {} and /usr/bin/time",
            corpus.display()
        );
        return;
    }
    let mut all = Vec::new();
    files(&corpus, &mut all);
    let bytes: u64 = all
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bin_env = std::env::var("GPFORGE_BIN").ok();
    let bin = bin_env.as_deref().unwrap_or(env!("CARGO_BIN_EXE_gpforge"));
    let corpus_s = corpus.to_str().unwrap();

    // xmllint: schema only, one process per schema flavour (as ../shared/oracles/xsd-validate does)
    let xmllint_ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut groups: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for p in &all {
        groups
            .entry(flavour(p))
            .or_default()
            .push(p.to_string_lossy().into_owned());
    }
    let mut x_times = Vec::new();
    let mut x_cpu = Vec::new();
    let mut x_rss = 0;
    // gpforge: the whole store (schema + model + cross-file checks), one process
    let mut g_times = Vec::new();
    let mut g_cpu = Vec::new();
    let mut g_rss = 0;
    for _ in 0..RUNS {
        let (t, rss, cpu) = measure(&[bin, "validate", "--format", "json", corpus_s]);
        g_times.push(t);
        g_cpu.push(cpu);
        g_rss = g_rss.max(rss);
        if xmllint_ok {
            let mut total = Duration::ZERO;
            let mut total_cpu = Duration::ZERO;
            for (fl, list) in &groups {
                let xsd = shared
                    .join("oracles/xsd")
                    .join(fl)
                    .join("PolicyDefinitionFiles.xsd");
                let xsd = xsd.to_string_lossy().into_owned();
                let mut cmd = vec!["xmllint", "--noout", "--schema", xsd.as_str()];
                cmd.extend(list.iter().map(String::as_str));
                let (t, rss, cpu) = measure(&cmd);
                total += t;
                total_cpu += cpu;
                x_rss = x_rss.max(rss);
            }
            x_times.push(total);
            x_cpu.push(total_cpu);
        }
    }

    let g = median(g_times);
    let gc = median(g_cpu);
    println!(
        "validate bench: {} files, {:.1} MiB, nsacyber-shb-windows, median of {RUNS} runs",
        all.len(),
        bytes as f64 / 1048576.0
    );
    println!(
        "  gpforge validate (whole store, all layers): {:>8.1} ms wall {:>7.1} ms CPU   peak RSS {:>6.1} MiB",
        g.as_secs_f64() * 1e3,
        gc.as_secs_f64() * 1e3,
        g_rss as f64 / 1024.0
    );
    if xmllint_ok {
        let x = median(x_times);
        let xc = median(x_cpu);
        println!(
            "  xmllint --noout --schema (schema only):     {:>8.1} ms wall {:>7.1} ms CPU   peak RSS {:>6.1} MiB",
            x.as_secs_f64() * 1e3,
            xc.as_secs_f64() * 1e3,
            x_rss as f64 / 1024.0
        );
        println!(
            "  speed-up: {:.1}x wall, {:.1}x CPU (target >= 5x); memory target < 40 MiB",
            x.as_secs_f64() / g.as_secs_f64(),
            xc.as_secs_f64() / gc.as_secs_f64().max(1e-9)
        );
    } else {
        println!("  xmllint not installed (run ../shared/oracles/install): no comparison");
    }
}
