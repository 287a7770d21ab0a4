//! XML plumbing: encoding detection, span-tracking reading, canonical writing.

pub mod decode;
pub mod reader;
pub mod writer;
