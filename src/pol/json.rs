//! registry.pol as JSON: one object per entry,
//! `{"key": ..., "value": ..., "type": <number>, "data": ...}`, either as a JSON
//! array ([`to_json`]) or as JSON Lines ([`to_jsonl`]). The objects are those of
//! Samba's decoding (`poljson.py`), except that gpforge gives REG_MULTI_SZ as an
//! array of strings where Samba gives hex.
//!
//! `data` is:
//! - a string for REG_SZ, REG_EXPAND_SZ and REG_LINK (without the terminating NUL);
//! - a number for REG_DWORD, REG_DWORD_BIG_ENDIAN and REG_QWORD;
//! - an array of strings for REG_MULTI_SZ (`[]` is one NUL, `[""]` two NULs);
//! - `null` when the entry has no data (size 0);
//! - `{"hex": "..."}` for anything else, and for data that does not have the
//!   exact form of its type (so the bytes survive unchanged).
//!
//! On input, `type` may also be a name (`"REG_DWORD"`, `"dword"`), and
//! `{"hex": ...}` is accepted for every type.

use serde::Serialize;
use serde_json::{Value, json};

use super::model::{Data, Entry, PolFile, RegType};
use super::read::decode_data;

/// A JSON input that does not describe registry.pol entries.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", location(*line, *entry))]
pub struct JsonError {
    /// 1-based line (JSON Lines input, or the parser's line for a syntax error).
    pub line: Option<usize>,
    /// 0-based entry index.
    pub entry: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn location(line: Option<usize>, entry: Option<usize>) -> String {
    match (line, entry) {
        (Some(l), _) => format!("line {l}: "),
        (None, Some(e)) => format!("entry {}: ", e + 1),
        (None, None) => String::new(),
    }
}

#[derive(Serialize)]
struct Out<'a> {
    key: &'a str,
    value: &'a str,
    #[serde(rename = "type")]
    reg_type: u32,
    data: Value,
}

/// The JSON value of the data of `e` (see the module documentation).
pub fn data_to_value(e: &Entry) -> Value {
    match &e.data {
        Data::None => Value::Null,
        Data::String(s) => Value::String(s.clone()),
        Data::Dword(v) => json!(v),
        Data::Qword(v) => json!(v),
        Data::MultiString(items) => json!(items),
        Data::Bytes(b) => json!({ "hex": hex(b) }),
    }
}

/// One entry as a JSON object.
pub fn entry_to_value(e: &Entry) -> Value {
    json!({
        "key": e.key,
        "value": e.value_name,
        "type": e.reg_type.to_u32(),
        "data": data_to_value(e),
    })
}

fn line(e: &Entry) -> String {
    let o = Out {
        key: &e.key,
        value: &e.value_name,
        reg_type: e.reg_type.to_u32(),
        data: data_to_value(e),
    };
    // Serialising strings, numbers and arrays into a String cannot fail.
    serde_json::to_string(&o).unwrap_or_default()
}

/// JSON Lines: one object per entry, each line ending in `\n`.
pub fn to_jsonl(file: &PolFile) -> String {
    let mut s = String::new();
    for e in &file.entries {
        s.push_str(&line(e));
        s.push('\n');
    }
    s
}

/// A pretty-printed JSON array of the entries, ending in `\n`.
pub fn to_json(file: &PolFile) -> String {
    let items: Vec<Out<'_>> = file
        .entries
        .iter()
        .map(|e| Out {
            key: &e.key,
            value: &e.value_name,
            reg_type: e.reg_type.to_u32(),
            data: data_to_value(e),
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_default();
    s.push('\n');
    s
}

/// Lower-case hex of bytes.
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(DIGITS[(x >> 4) as usize] as char);
        s.push(DIGITS[(x & 15) as usize] as char);
    }
    s
}

/// Bytes from hex (upper or lower case; spaces, commas and colons ignored).
pub fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|c| !matches!(c, b' ' | b',' | b':' | b'\t'))
        .collect();
    if digits.len() % 2 != 0 {
        return Err(format!(
            "hex data has an odd number of digits ({})",
            digits.len()
        ));
    }
    let val = |c: u8| -> Result<u8, String> {
        (c as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| format!("expected a hex digit, found '{}'", c as char))
    };
    digits
        .chunks_exact(2)
        .map(|p| Ok(val(p[0])? << 4 | val(p[1])?))
        .collect()
}

/// Reads JSON (an array of entry objects) or JSON Lines (one object per line).
pub fn from_str(s: &str) -> Result<PolFile, JsonError> {
    let t = s.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') {
        let items: Vec<Value> = serde_json::from_str(t).map_err(|e| JsonError {
            line: Some(e.line()),
            entry: None,
            message: e.to_string(),
        })?;
        let mut entries = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            entries.push(entry_from_value(item).map_err(|m| JsonError {
                line: None,
                entry: Some(i),
                message: m,
            })?);
        }
        return Ok(PolFile::from_entries(entries));
    }
    let mut entries = Vec::new();
    for (n, l) in s.lines().enumerate() {
        let l = l.trim_start_matches('\u{feff}').trim();
        if l.is_empty() {
            continue;
        }
        let err = |m: String| JsonError {
            line: Some(n + 1),
            entry: Some(entries.len()),
            message: m,
        };
        let v: Value = serde_json::from_str(l).map_err(|e| err(e.to_string()))?;
        let e = entry_from_value(&v).map_err(err)?;
        entries.push(e);
    }
    Ok(PolFile::from_entries(entries))
}

fn type_of(v: &Value) -> Result<RegType, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(RegType::from_u32)
            .ok_or_else(|| format!("expected a type code from 0 to 4294967295, found {n}")),
        Value::String(s) => {
            RegType::parse(s).ok_or_else(|| format!("expected a registry type, found \"{s}\""))
        }
        other => Err(format!(
            "expected \"type\" as a number or a name, found {}",
            what(other)
        )),
    }
}

fn what(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One entry from its JSON object.
pub fn entry_from_value(v: &Value) -> Result<Entry, String> {
    let Value::Object(o) = v else {
        return Err(format!("expected an object, found {}", what(v)));
    };
    for k in o.keys() {
        if !matches!(k.as_str(), "key" | "value" | "type" | "data") {
            return Err(format!(
                "unknown field \"{k}\" (expected key, value, type, data)"
            ));
        }
    }
    let text = |name: &str| -> Result<String, String> {
        match o.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(format!(
                "expected \"{name}\" as a string, found {}",
                what(other)
            )),
            None => Err(format!("missing \"{name}\"")),
        }
    };
    let key = text("key")?;
    let value_name = text("value")?;
    let reg_type = type_of(o.get("type").ok_or("missing \"type\"")?)?;
    let data = data_from_value(reg_type, o.get("data").unwrap_or(&Value::Null))?;
    let e = Entry {
        key: key.into(),
        value_name,
        reg_type,
        data,
    };
    e.validate()?;
    Ok(e)
}

/// The data of an entry of type `t` from its JSON value.
pub fn data_from_value(t: RegType, v: &Value) -> Result<Data, String> {
    let mismatch = |want: &str| format!("expected {want} for {t} data, found {}", what(v));
    Ok(match v {
        Value::Null => Data::None,
        Value::Object(o) => {
            let Some(Value::String(h)) = o.get("hex") else {
                return Err("expected {\"hex\": \"...\"}".into());
            };
            if o.len() != 1 {
                return Err("expected only \"hex\" in the data object".into());
            }
            decode_data(t, &unhex(h)?)
        }
        Value::String(s) if t.is_string() => Data::String(s.clone()),
        Value::String(_) => return Err(mismatch(want_for(t))),
        Value::Number(n) => {
            match t {
                RegType::Dword | RegType::DwordBigEndian => {
                    let x = n.as_u64().and_then(|x| u32::try_from(x).ok());
                    Data::Dword(x.ok_or_else(|| {
                        format!("expected a number from 0 to 4294967295 for {t}, found {n}")
                    })?)
                }
                RegType::Qword => Data::Qword(n.as_u64().ok_or_else(|| {
                    format!("expected a number from 0 to 2^64-1 for {t}, found {n}")
                })?),
                _ => return Err(mismatch(want_for(t))),
            }
        }
        Value::Array(items) if t == RegType::MultiSz => {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    Value::String(s) => out.push(s.clone()),
                    other => {
                        return Err(format!(
                            "expected strings in the REG_MULTI_SZ list, found {}",
                            what(other)
                        ));
                    }
                }
            }
            Data::MultiString(out)
        }
        _ => return Err(mismatch(want_for(t))),
    })
}

fn want_for(t: RegType) -> &'static str {
    match t {
        RegType::Sz | RegType::ExpandSz | RegType::Link => "a string or {\"hex\"}",
        RegType::Dword | RegType::DwordBigEndian | RegType::Qword => "a number or {\"hex\"}",
        RegType::MultiSz => "an array of strings or {\"hex\"}",
        _ => "{\"hex\": \"...\"} or null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_round_trip_of_every_data_form() {
        let f = PolFile::from_entries(vec![
            Entry::dword("K", "d", 7),
            Entry::sz("K", "s", "é ü"),
            Entry::multi_sz("K", "m", ["a", "b"]),
            Entry::multi_sz("K", "empty", Vec::<String>::new()),
            Entry::qword("K", "q", u64::MAX),
            Entry::key_only("K"),
            Entry::new("K", "raw", RegType::Dword, Data::Bytes(vec![1, 2, 3])),
            Entry::new("K", "u", RegType::Unknown(99), Data::Bytes(vec![9])),
        ]);
        let text = to_jsonl(&f);
        assert!(
            text.starts_with("{\"key\":\"K\",\"value\":\"d\",\"type\":4,\"data\":7}\n"),
            "{text}"
        );
        assert_eq!(from_str(&text).unwrap(), f);
        assert_eq!(from_str(&to_json(&f)).unwrap(), f);
    }

    #[test]
    fn hex_that_fits_the_type_becomes_typed() {
        let f = from_str(r#"{"key":"K","value":"v","type":"REG_DWORD","data":{"hex":"01000000"}}"#)
            .unwrap();
        assert_eq!(f.entries[0], Entry::dword("K", "v", 1));
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let e =
            from_str("{\"key\":\"K\",\"value\":\"v\",\"type\":4,\"data\":\"x\"}\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: expected a number or {\"hex\"} for REG_DWORD data, found a string"
        );
        let e = from_str("\n{\"key\":\"K\",\"value\":\"v\",\"type\":4,\"data\":4294967296}")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: expected a number from 0 to 4294967295 for REG_DWORD, found 4294967296"
        );
        assert!(unhex("0g").is_err());
    }
}
