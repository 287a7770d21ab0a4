//! The built-in policy (Office 2016 "Show LinkedIn features in Office applications") and the `build` job.
