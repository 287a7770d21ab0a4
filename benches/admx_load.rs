//! Load benchmark for the ADMX/ADML reader (prints figures; not a timed test).
//!
//! Reads every template of `../shared/corpus/admx/nsacyber-shb-windows` into
//! the model (with spans), in-process, and compares with quick-xml merely
//! tokenizing the same files in the same run. Then measures the peak heap
//! allocated while loading all files (keeping every parsed model and its
//! text) against the total input size.
//!
//! The allocator is mimalloc, the one the `gpforge` binary ships, wrapped in
//! `cap::Cap`, which counts the bytes in use (and their peak) with atomics on
//! every allocation. The count is a small extra cost on the timed load only
//! (quick-xml's tokenizing does not allocate), so it does not flatter us.
//!
//! Run: `cargo bench --bench admx_load` (`GPFORGE_SHARED` overrides `../shared`;
//! `ADMX_LOAD_ROUNDS` sets the number of timed rounds, default 15;
//! `ADMX_LOAD_ONLY=tokenize|events|load` runs one part only, for profilers).

// A benchmark prints its figures: that is its whole output.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gpforge::admx::{parse_adml, parse_admx};
use gpforge::xml::decode::decode;
use gpforge::xml::reader::{Event as XEvent, XmlReader};
use quick_xml::events::Event;

// mimalloc as in src/main.rs; `Cap` only counts (no limit).
#[global_allocator]
static ALLOC: cap::Cap<mimalloc::MiMalloc> = cap::Cap::new(mimalloc::MiMalloc, usize::MAX);

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x.eq_ignore_ascii_case("admx") || x.eq_ignore_ascii_case("adml"))
        {
            out.push(p);
        }
    }
}

fn is_admx(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("admx"))
}

/// quick-xml alone: every event of every (already decoded) text; returns the event count.
fn tokenize(texts: &[String]) -> usize {
    let mut n = 0;
    for t in texts {
        let mut r = quick_xml::Reader::from_str(t);
        loop {
            match r.read_event() {
                Ok(Event::Eof) => break,
                Ok(_) => n += 1,
                Err(e) => panic!("quick-xml: {e}"),
            }
        }
    }
    n
}

/// gpforge's XML layer alone (spans, text and attribute decoding, no model)
/// over the decoded texts; returns the attribute count.
fn events(texts: &[String]) -> usize {
    let mut n = 0;
    for t in texts {
        let mut r = XmlReader::new(t);
        loop {
            match r.next_event().expect("xml") {
                XEvent::Eof => break,
                XEvent::Start(tag) => {
                    for a in tag.attributes() {
                        n += a.expect("attribute").1.len();
                    }
                }
                XEvent::Text(t) if !t.is_blank() => n += t.value().expect("text").len(),
                _ => {}
            }
        }
    }
    n
}

/// Our reader: bytes -> model for every file; returns the policy + string count.
fn load(inputs: &[(bool, Vec<u8>)]) -> (usize, Vec<Box<dyn std::any::Any>>) {
    let mut n = 0;
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::with_capacity(inputs.len());
    for (admx, bytes) in inputs {
        if *admx {
            let p = parse_admx(bytes).expect("parse_admx");
            n += p.doc.policies().len();
            keep.push(Box::new(p));
        } else {
            let p = parse_adml(bytes).expect("parse_adml");
            n += p.doc.strings().len();
            keep.push(Box::new(p));
        }
    }
    (n, keep)
}

/// Wall time of `f` (its result is dropped after the clock stops).
fn time<T>(f: impl FnOnce() -> T) -> Duration {
    let t = Instant::now();
    let out = std::hint::black_box(f());
    let e = t.elapsed();
    drop(out);
    e
}

fn mib(b: usize) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn main() {
    let shared = std::env::var_os("GPFORGE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("shared")
        });
    let dir = shared.join("corpus/admx/nsacyber-shb-windows");
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    if paths.is_empty() {
        println!("admx_load: SKIPPED, no templates under {}", dir.display());
        return;
    }
    paths.sort();
    let rounds: usize = std::env::var("ADMX_LOAD_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let inputs: Vec<(bool, Vec<u8>)> = paths
        .iter()
        .map(|p| (is_admx(p), std::fs::read(p).expect("read template")))
        .collect();
    let input_bytes: usize = inputs.iter().map(|(_, b)| b.len()).sum();
    let texts: Vec<String> = inputs
        .iter()
        .map(|(_, b)| decode(b).expect("decode").text)
        .collect();

    println!(
        "admx_load: {} files, {:.2} MiB input, {rounds} rounds (best of)",
        inputs.len(),
        mib(input_bytes)
    );

    // Memory first, on a quiet heap: everything loaded and kept. `Cap` keeps
    // the peak since the process started (no reset), so a transient peak
    // from reading the inputs could only make this figure larger.
    let before = ALLOC.allocated();
    let (count, kept) = load(&inputs);
    let peak = ALLOC.max_allocated() - before;
    let retained = ALLOC.allocated() - before;
    drop(kept);
    println!(
        "  memory: peak {:.2} MiB = {:.2}x input, retained after load {:.2} MiB = {:.2}x input (target peak < 4x)",
        mib(peak),
        peak as f64 / input_bytes as f64,
        mib(retained),
        retained as f64 / input_bytes as f64
    );

    // Profiling aid: `ADMX_LOAD_ONLY=events|load|tokenize` runs just that, many times.
    if let Ok(only) = std::env::var("ADMX_LOAD_ONLY") {
        let t = Instant::now();
        for _ in 0..rounds {
            match only.as_str() {
                "events" => drop(std::hint::black_box(events(&texts))),
                "load" => drop(std::hint::black_box(load(&inputs))),
                _ => drop(std::hint::black_box(tokenize(&texts))),
            }
        }
        println!(
            "  {only}: {:.2} ms per round",
            t.elapsed().as_secs_f64() * 1000.0 / rounds as f64
        );
        return;
    }

    // Interleaved rounds, so that all three see the same machine load; best of each.
    let tokens = tokenize(&texts);
    let (mut t_tok, mut t_dec_tok, mut t_load) = (Duration::MAX, Duration::MAX, Duration::MAX);
    let mut t_events = Duration::MAX;
    for _ in 0..rounds {
        t_tok = t_tok.min(time(|| tokenize(&texts)));
        t_dec_tok = t_dec_tok.min(time(|| {
            let texts: Vec<String> = inputs
                .iter()
                .map(|(_, b)| decode(b).expect("decode").text)
                .collect();
            tokenize(&texts)
        }));
        t_events = t_events.min(time(|| events(&texts)));
        t_load = t_load.min(time(|| load(&inputs)));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mbps = |d: Duration| mib(input_bytes) / d.as_secs_f64();
    println!(
        "  quick-xml tokenize (decoded text): {:8.2} ms {:7.1} MiB/s ({tokens} events)",
        ms(t_tok),
        mbps(t_tok)
    );
    println!(
        "  decode + quick-xml tokenize:       {:8.2} ms {:7.1} MiB/s",
        ms(t_dec_tok),
        mbps(t_dec_tok)
    );
    println!(
        "  gpforge XML events + values:       {:8.2} ms {:7.1} MiB/s (no model)",
        ms(t_events),
        mbps(t_events)
    );
    println!(
        "  gpforge load into model:           {:8.2} ms {:7.1} MiB/s ({count} policies + strings)",
        ms(t_load),
        mbps(t_load)
    );
    println!(
        "  model building (load - events):    {:8.2} ms (decode + model, without the XML layer)",
        ms(t_load.saturating_sub(t_events))
    );
    println!(
        "  ratio load / tokenize: {:.2}x (vs decode + tokenize: {:.2}x; target within 3x)",
        t_load.as_secs_f64() / t_tok.as_secs_f64(),
        t_load.as_secs_f64() / t_dec_tok.as_secs_f64()
    );
}
