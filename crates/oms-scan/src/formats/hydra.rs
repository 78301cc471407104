//! Hydra `_target_` values (NeMo's `model_config.yaml`, any Hydra config): `instantiate`
//! imports the dotted path and calls it, so each is judged like a pickle global. A key
//! spelled with escapes, or a value the scanner cannot read, is unknown.

use crate::policy::{Class, Policy};
use crate::verdict::{Finding, Verdict};

const KEY: &str = "_target_";

pub fn findings(text: &str, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(at) = rest.find(KEY) {
            let after = rest.get(at + KEY.len()..).unwrap_or_default();
            rest = after;
            let Some(value) = after
                .trim_start_matches(['"', '\''])
                .trim_start()
                .strip_prefix(':')
            else {
                continue;
            };
            let value = value
                .split(" #")
                .next()
                .unwrap_or_default()
                .trim()
                .trim_end_matches(',')
                .trim_matches(['"', '\''])
                .trim();
            out.extend(judge(value, policy));
        }
    }
    let escaped = [
        "\\x5f",
        "\\x5F",
        "\\u005f",
        "\\u005F",
        "\\U0000005f",
        "\\U0000005F",
    ];
    if text.contains("target") && escaped.iter().any(|e| text.contains(e)) {
        out.push(Finding::new(
            Verdict::Unknown,
            KEY,
            "an escaped underscore near 'target': a _target_ key the scanner cannot read",
        ));
    }
    out
}

fn judge(value: &str, policy: &Policy) -> Option<Finding> {
    let Some((module, name)) = value.rsplit_once('.') else {
        return Some(Finding::new(
            Verdict::Unknown,
            format!("{KEY} {value:?}"),
            "a Hydra _target_ that is not a dotted path the scanner can judge",
        ));
    };
    match policy.classify(module, name) {
        Class::Allowed | Class::UserAllowed => None,
        Class::Unknown => Some(Finding::new(
            Verdict::Unknown,
            value,
            "a Hydra _target_ that instantiate() imports and calls, not on the allow-list",
        )),
        Class::Dangerous(rule) => Some(Finding::new(
            Verdict::Dangerous,
            value,
            format!("a Hydra _target_ that instantiate() calls: {rule}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_in_yaml_and_json() {
        let p = Policy::default();
        let yaml = "model:\n  _target_: nemo.collections.asr.models.EncDecCTCModel\n  x: 1\n";
        assert_eq!(findings(yaml, &p)[0].verdict, Verdict::Unknown);
        let bad = "cb:\n  _target_: 'os.system'  # comment\n";
        assert_eq!(findings(bad, &p)[0].verdict, Verdict::Dangerous);
        let json = r#"{"_target_": "builtins.eval", "x": 1}"#;
        assert_eq!(findings(json, &p)[0].verdict, Verdict::Dangerous);
        let escaped = "\"\\x5ftarget_\": os.system\n";
        assert_eq!(findings(escaped, &p)[0].verdict, Verdict::Unknown);
        assert!(findings("plain: text\n", &p).is_empty());
    }
}
