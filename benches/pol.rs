//! Placeholder, replaced by the registry.pol benchmark.
fn main() {}
