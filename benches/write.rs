//! Writer throughput: parse every template of one corpus folder once, then
//! time writing them all back in the canonical form (UTF-8 and UTF-16LE),
//! with parsing the same files in the same run as the yardstick. Prints
//! figures; asserts nothing about time.
//!
//! Run: `cargo bench --bench write [-- CORPUS_DIR]` (default
//! `../shared/corpus/admx/nsacyber-shb-windows`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gpforge::admx::{OutputEncoding, WriteOptions, parse_adml, parse_admx, write_adml, write_admx};
use gpforge::model::{PolicyDefinitionResources, PolicyDefinitions};

// A bench-local pair; the size difference of the two documents does not matter here.
#[allow(clippy::large_enum_variant)]
enum Doc {
    Admx(PolicyDefinitions),
    Adml(PolicyDefinitionResources),
}

fn templates(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            templates(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("admx") || x.eq_ignore_ascii_case("adml"))
        {
            out.push(p);
        }
    }
}

/// Best of `runs` timings of `f`.
fn best(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut size = 0;
    for _ in 0..runs {
        let t = Instant::now();
        size = std::hint::black_box(f());
        best = best.min(t.elapsed());
    }
    (best, size)
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

#[allow(clippy::print_stdout)]
fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../shared/corpus/admx/nsacyber-shb-windows")
        });
    let mut files = Vec::new();
    templates(&dir, &mut files);
    files.sort();
    if files.is_empty() {
        println!(
            "write bench: no templates under {} (skipped)",
            dir.display()
        );
        return;
    }
    let inputs: Vec<(bool, Vec<u8>)> = files
        .iter()
        .map(|f| {
            let admx = f
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("admx"));
            (admx, std::fs::read(f).unwrap())
        })
        .collect();
    let input_bytes: usize = inputs.iter().map(|(_, b)| b.len()).sum();

    let parse_all = || -> Vec<Doc> {
        inputs
            .iter()
            .filter_map(|(admx, b)| {
                if *admx {
                    parse_admx(b).ok().map(|p| Doc::Admx(p.doc))
                } else {
                    parse_adml(b).ok().map(|p| Doc::Adml(p.doc))
                }
            })
            .collect()
    };
    let docs = parse_all();
    let (parse_time, _) = best(3, || parse_all().len());

    let write_all = |opts: &WriteOptions| -> usize {
        docs.iter()
            .map(|d| match d {
                Doc::Admx(d) => write_admx(d, opts).len(),
                Doc::Adml(d) => write_adml(d, opts).len(),
            })
            .sum()
    };
    let (utf8_time, utf8_bytes) = best(5, || write_all(&WriteOptions::default()));
    let utf16 = WriteOptions {
        encoding: OutputEncoding::Utf16LeBom,
    };
    let (utf16_time, utf16_bytes) = best(5, || write_all(&utf16));

    println!(
        "write bench: {} files ({} parsed), {:.1} MB in, {}",
        files.len(),
        docs.len(),
        input_bytes as f64 / 1e6,
        dir.display()
    );
    println!(
        "  parse (yardstick): {:>8.1} ms  {:>7.1} MB/s of input",
        parse_time.as_secs_f64() * 1e3,
        mb_per_s(input_bytes, parse_time)
    );
    println!(
        "  write UTF-8:       {:>8.1} ms  {:>7.1} MB/s of output ({:.1} MB)  {:.2}x parse time",
        utf8_time.as_secs_f64() * 1e3,
        mb_per_s(utf8_bytes, utf8_time),
        utf8_bytes as f64 / 1e6,
        utf8_time.as_secs_f64() / parse_time.as_secs_f64()
    );
    println!(
        "  write UTF-16LE:    {:>8.1} ms  {:>7.1} MB/s of output ({:.1} MB)  {:.2}x parse time",
        utf16_time.as_secs_f64() * 1e3,
        mb_per_s(utf16_bytes, utf16_time),
        utf16_bytes as f64 / 1e6,
        utf16_time.as_secs_f64() / parse_time.as_secs_f64()
    );
}
