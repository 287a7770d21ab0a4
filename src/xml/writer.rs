//! Canonical, deterministic XML writer (CRLF, stable attribute order).
