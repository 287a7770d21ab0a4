//! Reading ADMX/ADML files into the [`crate::model`] and writing them back.

mod read;
mod write;

pub use read::*;
pub use write::*;
