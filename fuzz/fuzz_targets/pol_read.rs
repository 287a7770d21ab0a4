//! Fuzzes the registry.pol reader: no input panics; every accepted input is
//! written back byte for byte; read → write → read is stable, also through
//! JSON Lines and LGPO text; `diagnose` agrees with `from_slice`.
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run pol_read fuzz/corpus/pol_read -- -max_total_time=600`
//! (seed the corpus with `fixtures/pol/**/*.pol` and the shared corpus).

#![no_main]

use gpforge::pol::{self, Mode, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let diagnosis = pol::diagnose(data);
    match pol::from_slice(data) {
        Ok(file) => {
            assert!(!diagnosis.is_damaged());
            assert_eq!(diagnosis.entries, file.entries);
            let bytes = pol::to_vec(&file);
            assert_eq!(bytes, data, "strict round trip must be exact");
            assert_eq!(pol::from_slice(&bytes).as_ref(), Ok(&file));
            file.validate().expect("decoded entries validate");

            let jsonl = pol::json::to_jsonl(&file);
            let back = pol::json::from_str(&jsonl).expect("our JSONL reads back");
            assert_eq!(pol::to_vec(&back), bytes, "JSONL round trip");

            if let Ok(text) = pol::text::to_text(&file, pol::text::Scope::User, None) {
                let (back, _) = pol::text::from_text(&text).expect("our LGPO text reads back");
                assert_eq!(pol::to_vec(&back), bytes, "LGPO text round trip");
            }
        }
        Err(e) => {
            assert_eq!(diagnosis.error.as_ref(), Some(&e));
            let _ = e.to_string();
            // The salvaged part is the intact prefix and reads back cleanly.
            let salvaged = diagnosis.salvaged_bytes();
            let again = pol::from_slice(&salvaged).expect("salvage decodes");
            assert_eq!(again.entries, diagnosis.entries);
            if diagnosis.sound_len >= pol::format::HEADER_LEN {
                assert_eq!(&salvaged[..], &data[..diagnosis.sound_len]);
            }
        }
    }
    let _ = diagnosis.diagnostics();
    // Permissive mode: what it accepts is stable after one write.
    if let Ok(file) = pol::from_slice_with(data, &ParseOptions { mode: Mode::Permissive }) {
        let bytes = pol::to_vec(&file);
        let again = pol::from_slice(&bytes).expect("permissive output is strict-valid");
        assert_eq!(again, file);
    }
});
