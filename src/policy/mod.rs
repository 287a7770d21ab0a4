//! The built-in policy (Office 2016 "LinkedIn features in Office
//! applications"), the generic registry effects of any ADMX policy, and the
//! `build` job that writes central-store templates plus a GPO's
//! `User/registry.pol` for it.
//!
//! - [`definitions`] / [`resources`]: the built-in `office16.admx` and
//!   `<culture>/office16.adml` as model values, with exactly Microsoft's
//!   identifiers ([`linkedin_policy`] is its one policy).
//! - [`effects`]: what any policy writes to the registry in a [`PolicyState`].
//! - [`registry_pol`] / [`pol_file`]: actions → registry.pol (through [`crate::pol`]).
//! - [`build`]: the job behind `gpforge build`.
//!
//! Example: what the built-in policy writes when disabled.
//! ```
//! use gpforge::policy::{effects, linkedin_policy, PolicyState, RegValue};
//! let actions = effects(&linkedin_policy(), PolicyState::Disabled);
//! assert_eq!(actions[0].value_name, "linkedin");
//! assert_eq!(actions[0].value, RegValue::Dword(0));
//! ```

mod builtin;
mod effects;
mod job;
mod registry;
mod strings;

pub use builtin::*;
pub use effects::{
    PolicyState, RegValue, RegistryAction, UnknownState, effects, list_effects, value_of,
};
pub use job::{
    BuildOptions, BuildReport, BuiltFile, FileOutcome, OutputFile, build, outputs, render_adml,
    render_admx,
};
pub use registry::{pol_entry, pol_file, registry_pol};
pub use strings::{
    CULTURES, CultureStrings, STRING_IDS, culture as culture_strings, culture_names,
};
