//! `model_signing inspect`: the CLI's `describe` lives in the binary, so this target walks the
//! same library calls in the same order (OMS bundle, signer material, lenient Sigstore
//! reader, statement) and formats every value it would print.

use std::collections::BTreeSet;

use oms_format::bundle::{parse_bundle, VerificationMaterial};
use oms_format::manifest::parse_shard_name;
use oms_format::statement::parse_statement;
use oms_format::Method;
use oms_keys::certificate::fingerprint_sha256;
use oms_sigstore::inspect_bundle;

/// What `inspect SIGNATURE` does with the signature file's bytes.
pub fn inspect(data: &[u8]) {
    let Ok(bundle) = parse_bundle(data) else {
        return;
    };
    let mut lines = vec![bundle.media_type.clone()];
    match &bundle.verification_material {
        VerificationMaterial::PublicKey { hint } => lines.push(format!("{hint:?}")),
        VerificationMaterial::X509CertificateChain(chain) => {
            lines.extend(chain.first().map(|leaf| fingerprint_sha256(leaf)));
            lines.push(chain.len().to_string());
            describe_certificate(&mut lines, data);
        }
        VerificationMaterial::Certificate(leaf) => {
            lines.push(fingerprint_sha256(leaf));
            describe_certificate(&mut lines, data);
        }
    }
    if let Ok(statement) = parse_statement(&bundle.envelope.payload) {
        let manifest = &statement.manifest;
        let serialization = &manifest.serialization;
        lines.push(manifest.model_name.clone());
        lines.push(format!(
            "{:?} {} {} {}",
            serialization.method,
            serialization.hash_type,
            serialization.allow_symlinks,
            serialization.ignore_paths.join(", ")
        ));
        lines.push(statement.subject_digest.len().to_string());
        let files = manifest
            .resources
            .iter()
            .map(
                |r| match (serialization.method, parse_shard_name(&r.name)) {
                    (Method::Shards { .. }, Ok((path, _, _))) => path,
                    _ => r.name.as_str(),
                },
            )
            .collect::<BTreeSet<_>>();
        lines.push(files.len().to_string());
    }
    drop(lines);
}

fn describe_certificate(lines: &mut Vec<String>, data: &[u8]) {
    let Ok(info) = inspect_bundle(data) else {
        return;
    };
    if let Some(claims) = &info.certificate {
        lines.push(claims.sans.join(", "));
        lines.extend(claims.issuer().map(str::to_owned));
        lines.push(format!("{:?}", claims.source_repository_uri));
        lines.push(format!("{} {}", claims.not_before, claims.not_after));
    }
    for entry in &info.tlog_entries {
        lines.push(format!(
            "{} {} {} {:?}",
            entry.log_index, entry.kind, entry.version, entry.integrated_time
        ));
    }
    lines.push(info.rfc3161_timestamps.to_string());
}
