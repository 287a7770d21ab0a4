//! ADMX/ADML writer: model -> canonical bytes.
