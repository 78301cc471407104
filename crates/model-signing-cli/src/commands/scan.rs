//! `model_signing scan PATH`, and the `--scan` gate of sign and verify.

use std::io::Write;
use std::path::Path;

use oms_scan::{FileReport, Policy, ScanOptions, ScanReport, Verdict};

use crate::args::{ModelArgs, OutputFormat, ScanArgs, ScanGateArgs};
use crate::ignore::cli_ignore_paths;
use crate::output::Status;

pub fn run(args: &ScanArgs) -> Status {
    let policy = match policy_or_usage(args.allow_list.as_deref()) {
        Ok(p) => p,
        Err(status) => return status,
    };
    let report = match scan(&args.model, None, policy) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Scanning failed with error: {e}");
            return Status::Usage;
        }
    };
    let mut out = std::io::stdout();
    let _ = match args.output {
        OutputFormat::Json => writeln!(out, "{}", to_json(&report)),
        OutputFormat::Text => write_text(&mut out, &report, args.allow_unknown),
    };
    if report.passes(args.allow_unknown) {
        Status::Success
    } else {
        Status::Failure
    }
}

/// [`load_policy`], or the usage error already printed (an unreadable or invalid allow-list).
pub fn policy_or_usage(path: Option<&Path>) -> Result<Policy, Status> {
    load_policy(path).map_err(|e| {
        eprintln!("error: {e}");
        Status::Usage
    })
}

/// The user's allow-list file, parsed.
fn load_policy(path: Option<&Path>) -> Result<Policy, String> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the allow-list {}: {e}", path.display()))?;
    Policy::with_user_allow_list(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Scans the model with the same walk and ignore rules signing uses (`signature` is left
/// out like sign and verify leave it out).
pub fn scan(
    model: &ModelArgs,
    signature: Option<&Path>,
    policy: Policy,
) -> Result<ScanReport, String> {
    let paths = cli_ignore_paths(&model.model_path, &model.ignore_paths, signature)
        .map_err(|e| e.to_string())?;
    let (ignore, _) =
        model_signing::ignore_rules(&paths, model.ignore_git_paths()).map_err(|e| e.to_string())?;
    let opts = ScanOptions {
        policy,
        ignore,
        allow_symlinks: model.allow_symlinks,
    };
    oms_scan::scan_model(&model.model_path, &opts).map_err(|e| e.to_string())
}

/// The `--scan` gate: `Err` carries the message to print when the model fails.
pub fn gate(report: &ScanReport, gate: &ScanGateArgs) -> Result<(), String> {
    match report.failure(gate.allow_unknown) {
        None => Ok(()),
        Some(reason) => Err(reason),
    }
}

pub fn to_json(report: &ScanReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{}".to_owned())
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Safe => "SAFE",
        Verdict::Unknown => "UNKNOWN",
        Verdict::Dangerous => "DANGEROUS",
    }
}

fn format_name(f: &FileReport) -> String {
    serde_json::to_value(&f.format)
        .ok()
        .map(|v| match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Object(m) => m
                .iter()
                .next()
                .map(|(k, v)| {
                    format!(
                        "{k} {}",
                        v.as_object()
                            .and_then(|o| o.values().next())
                            .map(|x| x.to_string())
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// The human report: one line per file, then its findings.
pub fn write_text(
    out: &mut dyn Write,
    report: &ScanReport,
    allow_unknown: bool,
) -> std::io::Result<()> {
    if !report.user_allow_list.is_empty() {
        writeln!(
            out,
            "User allow-list in force: {}",
            report.user_allow_list.join(", ")
        )?;
    }
    for f in &report.files {
        writeln!(
            out,
            "{:<9} {} ({}, {} bytes)",
            verdict_word(f.verdict),
            f.name,
            format_name(f),
            f.size
        )?;
        for finding in &f.findings {
            let at = finding
                .offset
                .map(|o| format!(" at offset {o}"))
                .unwrap_or_default();
            let member = finding
                .member
                .as_deref()
                .map(|m| format!(" in {m}"))
                .unwrap_or_default();
            writeln!(
                out,
                "    {}: {}{}{}: {}",
                verdict_word(finding.verdict).to_lowercase(),
                finding.subject,
                member,
                at,
                finding.detail
            )?;
        }
        for u in &f.user_allowed {
            writeln!(out, "    allowed by the user allow-list: {u}")?;
        }
    }
    let count = |v| report.files.iter().filter(|f| f.verdict == v).count();
    writeln!(
        out,
        "Scanned {} file(s): {} safe, {} unknown, {} dangerous. {}",
        report.files.len(),
        count(Verdict::Safe),
        count(Verdict::Unknown),
        count(Verdict::Dangerous),
        if report.passes(allow_unknown) {
            "Scan passed."
        } else {
            "Scan FAILED."
        }
    )
}
