//! Chat templates (GGUF `tokenizer.chat_template`, also in `tokenizer_config.json`) are
//! Jinja, which runtimes render, some without a sandbox (llama-cpp-python's SSTI advisory,
//! GHSA-56xg-wfcc-g829): a template that reaches Python internals runs code. The published
//! gadgets are looked for (dangerous); string escapes and `format`, with which a template
//! can spell those names without writing them, make it unknown. Patterns, not proof: a
//! template free of them is judged safe.

use crate::verdict::{Finding, Verdict};

/// Python internals and Jinja globals the published SSTI payloads go through.
const GADGETS: &[&str] = &[
    "__",
    "lipsum",
    "cycler",
    "joiner",
    "namespace.",
    "|attr",
    "attr(",
    "self.",
    "self[",
    "request.",
    "config.",
    "import",
    "popen",
    "subprocess",
    "os.system",
    "eval(",
    "exec(",
    "getattr",
    "globals",
    "builtins",
    "subclasses",
];

/// Ways to spell a name without writing it.
const SPELLING: &[&str] = &[
    "\\x", "\\u", "\\U", "\\N", "\\0", "\\1", "|format", "format(",
];

pub fn findings(key: &str, template: &str) -> Vec<Finding> {
    if let Some(g) = GADGETS.iter().find(|g| template.contains(*g)) {
        return vec![Finding::new(
            Verdict::Dangerous,
            key,
            format!("the chat template uses {g:?}, a template-injection gadget that runs code when a runtime renders it without a sandbox"),
        )];
    }
    if let Some(s) = SPELLING.iter().find(|s| template.contains(*s)) {
        return vec![Finding::new(
            Verdict::Unknown,
            key,
            format!("the chat template uses {s:?}, which can spell names it does not write"),
        )];
    }
    Vec::new()
}
