//! registry.pol decode/encode throughput on the shared corpus, side by side
//! with the `preg` crate on the same files in the same run.
//!
//! `cargo bench --bench pol` (release profile). Prints MB/s (10^6 bytes of
//! registry.pol per second) and the heap the decoded model holds per byte of file.
//! The corpus is `$GPFORGE_SHARED/corpus/pol` or `../shared/corpus/pol`.

#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gpforge::pol::{self, Data, PolFile};
use peak_alloc::PeakAlloc;

// Counts heap use, to measure the peak memory of decoding (the same small
// overhead applies to gpforge and preg).
#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Peak heap bytes allocated while `f` runs (above what was in use before).
fn peak_of<T>(f: impl FnOnce() -> T) -> usize {
    let before = ALLOC.current_usage();
    ALLOC.reset_peak_usage();
    let out = f();
    let peak = ALLOC.peak_usage().saturating_sub(before);
    drop(out);
    peak
}

fn corpus() -> Vec<Vec<u8>> {
    let root = std::env::var_os("GPFORGE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let mut files = Vec::new();
    let mut stack = vec![root.join("corpus/pol")];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pol")) {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("read corpus file"))
        .collect()
}

/// Timing of one measurement: the corpus is processed in rounds; the median
/// round and the best round are reported (the machine is shared, so the best
/// round shows the code's speed, the median the typical one).
struct Timing {
    median: f64,
    best: f64,
}

/// Runs `f` over the whole corpus in rounds for about `budget`; MB/s.
fn measure(
    name: &str,
    files: &[Vec<u8>],
    total: usize,
    budget: Duration,
    mut f: impl FnMut(&[u8]),
) -> Timing {
    // POL_BENCH_FILTER=decode runs only the measurements whose name contains it (for profiling).
    if std::env::var("POL_BENCH_FILTER").is_ok_and(|w| !name.contains(&w)) {
        return Timing {
            median: f64::NAN,
            best: f64::NAN,
        };
    }
    // Warm-up round.
    for b in files {
        f(b);
    }
    let start = Instant::now();
    let mut rounds = Vec::new();
    while start.elapsed() < budget || rounds.len() < 5 {
        let t = Instant::now();
        for b in files {
            f(b);
        }
        rounds.push(t.elapsed().as_secs_f64());
    }
    rounds.sort_by(f64::total_cmp);
    let mbps = |secs: f64| total as f64 / secs / 1e6;
    let t = Timing {
        median: mbps(rounds[rounds.len() / 2]),
        best: mbps(rounds[0]),
    };
    println!(
        "{name:<36} median {:>8.1} MB/s   best {:>8.1} MB/s   ({} rounds)",
        t.median,
        t.best,
        rounds.len()
    );
    t
}

/// Heap bytes held by a decoded model.
fn heap(f: &PolFile) -> usize {
    let mut n = f.entries.capacity() * std::mem::size_of::<pol::Entry>();
    let mut prev: *const u8 = std::ptr::null();
    for e in &f.entries {
        // Entries of one key share its text (an `Arc<str>`: two counters + the bytes).
        if e.key.as_ptr() != prev {
            n += 16 + e.key.len();
            prev = e.key.as_ptr();
        }
        n += e.value_name.capacity();
        n += match &e.data {
            Data::String(s) => s.capacity(),
            Data::MultiString(v) => {
                v.capacity() * std::mem::size_of::<String>()
                    + v.iter().map(String::capacity).sum::<usize>()
            }
            Data::Bytes(b) => b.capacity(),
            _ => 0,
        };
    }
    n
}

fn main() {
    let files = corpus();
    if files.is_empty() {
        println!("registry.pol bench: no corpus found (set GPFORGE_SHARED); nothing measured");
        return;
    }
    let total: usize = files.iter().map(Vec::len).sum();
    let budget = Duration::from_millis(
        std::env::var("POL_BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500),
    );
    println!(
        "registry.pol corpus: {} files, {} bytes",
        files.len(),
        total
    );

    let models: Vec<PolFile> = files
        .iter()
        .map(|b| pol::from_slice(b).expect("corpus decodes"))
        .collect();
    let pregs: Vec<preg::PolicyFile> = files
        .iter()
        .map(|b| preg::PolicyFile::parse(b).expect("preg decodes corpus"))
        .collect();

    let ours = measure("gpforge decode (from_slice)", &files, total, budget, |b| {
        black_box(pol::from_slice(black_box(b)).ok());
    });
    let theirs = measure(
        "preg 0.1 decode (PolicyFile::parse)",
        &files,
        total,
        budget,
        |b| {
            black_box(preg::PolicyFile::parse(black_box(b)).ok());
        },
    );
    let mut i = 0;
    let enc = measure("gpforge encode (to_vec)", &files, total, budget, |_| {
        black_box(pol::to_vec(black_box(&models[i % models.len()])));
        i += 1;
    });
    let mut j = 0;
    let penc = measure("preg 0.1 encode (to_bytes)", &files, total, budget, |_| {
        black_box(black_box(&pregs[j % pregs.len()]).to_bytes());
        j += 1;
    });
    let rt = measure("gpforge decode+encode", &files, total, budget, |b| {
        let f = pol::from_slice(black_box(b)).expect("decodes");
        black_box(pol::to_vec(&f));
    });
    let prt = measure("preg 0.1 decode+encode", &files, total, budget, |b| {
        let f = preg::PolicyFile::parse(black_box(b)).expect("decodes");
        black_box(f.to_bytes());
    });
    let diag = measure("gpforge diagnose", &files, total, budget, |b| {
        black_box(pol::diagnose(black_box(b)));
    });
    let _ = diag;

    println!();
    println!(
        "decode: {:.2}x preg (median), {:.2}x (best); {:.2} GB/s median, {:.2} GB/s best (targets: >= 4x, >= 1 GB/s)",
        ours.median / theirs.median,
        ours.best / theirs.best,
        ours.median / 1000.0,
        ours.best / 1000.0
    );
    println!(
        "encode: {:.2}x preg; decode+encode: {:.2}x preg (medians)",
        enc.median / penc.median,
        rt.median / prt.median
    );

    // Memory: the decoded model's heap per byte of file, for every file.
    let mut worst: f64 = 0.0;
    let mut sum_heap = 0usize;
    for (b, m) in files.iter().zip(&models) {
        let h = heap(m);
        sum_heap += h;
        if b.len() > 8 {
            worst = worst.max(h as f64 / b.len() as f64);
        }
    }
    // Peak heap while decoding each file (model plus any temporary), per byte of file.
    let (mut ours_worst, mut preg_worst, mut ours_sum, mut preg_sum) = (0f64, 0f64, 0usize, 0usize);
    for b in &files {
        let o = peak_of(|| pol::from_slice(b));
        let p = peak_of(|| preg::PolicyFile::parse(b));
        ours_sum += o;
        preg_sum += p;
        if b.len() > 8 {
            ours_worst = ours_worst.max(o as f64 / b.len() as f64);
            preg_worst = preg_worst.max(p as f64 / b.len() as f64);
        }
    }
    let largest = files
        .iter()
        .max_by_key(|b| b.len())
        .expect("corpus is not empty");
    println!(
        "peak heap while decoding: gpforge {:.2} bytes per file byte (worst file {:.2}), preg {:.2} (worst {:.2}); largest file {} bytes: gpforge {} bytes peak",
        ours_sum as f64 / total as f64,
        ours_worst,
        preg_sum as f64 / total as f64,
        preg_worst,
        largest.len(),
        peak_of(|| pol::from_slice(largest))
    );
    println!(
        "model heap: {} bytes for {} bytes of files ({:.2} per byte; worst file {:.2} per byte)",
        sum_heap,
        total,
        sum_heap as f64 / total as f64,
        worst
    );
}
