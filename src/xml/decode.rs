//! Encoding detection (BOM first, declaration advisory) and decoding to UTF-8.
