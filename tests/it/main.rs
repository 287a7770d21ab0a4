//! The one integration test binary (one link of the library, many modules).
//!
//! Tests that need `../shared` (the corpus, xmllint, Samba's codec) go through
//! [`util::shared`] / [`util::oracle`]: under `CI=true` a missing piece fails
//! the test; elsewhere the test says loudly that it did not run.

mod util;

mod admx;
mod backup;
mod build;
mod cli;
mod deploy;
mod fmt;
mod pol;
mod roundtrip;
mod store;
mod validate;
