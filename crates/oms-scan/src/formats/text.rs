//! Text and JSON (Keras configs are JSON: a `Lambda` layer is code).

use crate::verdict::{Finding, Verdict};

/// True if the bytes are UTF-8 text (a multi-byte character cut at the end is allowed) with
/// no NUL.
pub fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Keras model configs: `Lambda` layers carry marshalled Python code; a `module` outside
/// keras is an arbitrary import (CVE-2025-1550).
pub fn keras_config_findings(bytes: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    if !bytes.windows(10).any(|w| w == b"class_name") {
        return out;
    }
    let text = String::from_utf8_lossy(bytes);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("\"class_name\":\"Lambda\"")
        || compact.contains("\\\"class_name\\\":\\\"Lambda\\\"")
    {
        out.push(Finding::new(
            Verdict::Dangerous,
            "keras Lambda layer",
            "a Keras Lambda layer holds Python code that runs when the model is loaded",
        ));
    }
    for marker in ["\"module\":\"", "\\\"module\\\":\\\""] {
        let mut rest = compact.as_str();
        while let Some(at) = rest.find(marker) {
            let after = rest.get(at + marker.len()..).unwrap_or_default();
            let module: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            let known = module.is_empty()
                || ["keras", "tensorflow", "tf_keras", "builtins"]
                    .iter()
                    .any(|k| module == *k || module.starts_with(&format!("{k}.")));
            if !known {
                out.push(Finding::new(
                    Verdict::Unknown,
                    module.clone(),
                    "Keras config imports a module outside keras (CVE-2025-1550 pattern)",
                ));
            }
            rest = after;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_and_foreign_modules() {
        let cfg = br#"{"class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Lambda", "config": {}}]}}"#;
        let f = keras_config_findings(cfg);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Dangerous);
        let cfg = br#"{"module": "subprocess", "class_name": "Popen"}"#;
        assert_eq!(keras_config_findings(cfg)[0].subject, "subprocess");
        assert!(
            keras_config_findings(br#"{"class_name": "Dense", "module": "keras.layers"}"#)
                .is_empty()
        );
    }
}
