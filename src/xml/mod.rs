//! XML plumbing: encoding detection, span-tracking reading, canonical writing.

pub mod decode;
pub mod reader;
pub(crate) mod tree;
pub mod writer;
