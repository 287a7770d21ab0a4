//! gpforge: Windows Group Policy administrative templates (ADMX/ADML),
//! registry.pol files and GPO backups, read, written and checked from files
//! on any OS.
//!
//! The library never prints; the `gpforge` binary is a thin layer over it.
//!
//! Map of the crate:
//! - [`model`]: plain-data model of ADMX/ADML (serde, no I/O).
//! - [`xml`], [`admx`]: reading templates into the model (any encoding, lenient,
//!   with spans) and writing them back in canonical form.
//! - [`store`]: loading a `PolicyDefinitions` folder and asking it questions.
//! - [`pol`]: the registry.pol (`PReg`) codec.
//! - [`policy`]: the built-in LinkedIn policy and the `build` job.
//! - [`validate`]: checks with stable codes, producing [`Diagnostic`]s.
//! - [`deploy`]: preparing and updating a central store as a transaction.
//! - [`backup`]: GPMC GPO backups, written and read.
//! - [`diagnostic`], [`span`], [`error`], [`fsutil`]: shared plumbing.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admx;
pub mod backup;
pub mod deploy;
pub mod diagnostic;
pub mod error;
pub mod fsutil;
pub mod model;
pub mod pol;
pub mod policy;
pub mod rules;
pub mod span;
pub mod store;
pub mod validate;
pub mod xml;

pub use diagnostic::{Diagnostic, Label, Rule, Severity};
pub use error::{Error, Result};
pub use span::{LineCol, LineIndex, Span};
