//! Span-tracking event reader over decoded text.
