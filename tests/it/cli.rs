//! Generic CLI behaviour: rules, explain, exit codes.

use crate::util::{gpforge, root};

#[test]
fn explain_unknown_code_is_a_tool_failure() {
    let (code, _out, err) = gpforge(&root(), &["explain", "NOPE999"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown code 'NOPE999'"), "{err}");
}

#[test]
fn every_rule_is_explained_by_the_cli() {
    let (code, out, _) = gpforge(&root(), &["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    for r in rules {
        let c = r["code"].as_str().unwrap();
        let (code, out, _) = gpforge(&root(), &["explain", c]);
        assert_eq!(code, 0, "{c}");
        assert!(out.starts_with(c), "{out}");
    }
}
