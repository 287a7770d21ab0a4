//! Fuzzes the LGPO text and JSON readers of `gpforge::pol`: no input panics,
//! and whatever they accept is a valid model that encodes and decodes back
//! to itself.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run pol_convert corpus/pol_convert -- -max_total_time=300`

#![no_main]

use gpforge::pol::{self, PolFile};
use libfuzzer_sys::fuzz_target;

fn check(file: &PolFile) {
    file.validate().expect("accepted input gives a valid model");
    let bytes = pol::to_vec(file);
    assert_eq!(pol::from_slice(&bytes).as_ref(), Ok(file), "model survives encode/decode");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok((file, _)) = pol::text::from_text(&text) {
        check(&file);
    }
    if let Ok(file) = pol::json::from_str(&text) {
        check(&file);
    }
});
