//! ADMX/ADML reader: bytes -> model.
