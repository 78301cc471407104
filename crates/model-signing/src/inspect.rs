//! What a signature claims, read without checking anything: the bundle's signer material, the
//! leaf certificate's claims and log entries (from the lenient Sigstore reader), and the
//! statement. Front ends render it (`model_signing inspect`); the fuzzers run it as shipped.

use std::collections::BTreeSet;

use oms_format::bundle::{parse_bundle, BundleError, VerificationMaterial};
use oms_format::manifest::parse_shard_name;
use oms_format::statement::{
    parse_statement, StatementError, LEGACY_PREDICATE_TYPE, PREDICATE_TYPE,
};
use oms_format::{Manifest, Method};
use oms_keys::certificate::fingerprint_sha256;
use oms_sigstore::{inspect_bundle, BundleInfo, SigstoreError};

/// A signature's claims. Nothing in it is verified: no signature, signer or file was checked.
#[derive(Debug)]
pub struct SignatureClaims {
    /// The bundle's `mediaType`.
    pub media_type: String,
    pub signer: SignerClaims,
    /// The statement the envelope carries, or why it is not an OMS statement.
    pub statement: Result<StatementClaims, StatementError>,
}

/// The signer material the bundle carries, by verification method.
#[derive(Debug)]
pub enum SignerClaims {
    /// Verify with a public key; `hint` is absent in older bundles.
    PublicKey { hint: Option<String> },
    /// Verify with a certificate chain (`x509CertificateChain`).
    CertificateChain {
        /// SHA-256 fingerprint of the first certificate, if there is one.
        leaf_sha256: Option<String>,
        length: usize,
        certificate: Result<BundleInfo, SigstoreError>,
    },
    /// Verify keyless (Sigstore: a Fulcio leaf certificate).
    Certificate {
        leaf_sha256: String,
        certificate: Result<BundleInfo, SigstoreError>,
    },
}

/// What the statement says about the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementClaims {
    pub predicate_type: &'static str,
    pub manifest: Manifest,
    /// The SHA-256 root digest over the resources (the statement's subject).
    pub root_digest: Vec<u8>,
    /// Files covered (the shards of one file count once).
    pub files: usize,
}

/// Reads a signature file's bytes. Fails only when they are not a bundle; an unreadable
/// statement or certificate is part of the answer.
pub fn inspect(bundle: &[u8]) -> Result<SignatureClaims, BundleError> {
    let parsed = parse_bundle(bundle)?;
    let signer = match &parsed.verification_material {
        VerificationMaterial::PublicKey { hint } => SignerClaims::PublicKey { hint: hint.clone() },
        VerificationMaterial::X509CertificateChain(chain) => SignerClaims::CertificateChain {
            leaf_sha256: chain.first().map(|leaf| fingerprint_sha256(leaf)),
            length: chain.len(),
            certificate: inspect_bundle(bundle),
        },
        VerificationMaterial::Certificate(leaf) => SignerClaims::Certificate {
            leaf_sha256: fingerprint_sha256(leaf),
            certificate: inspect_bundle(bundle),
        },
    };
    let statement = parse_statement(&parsed.envelope.payload).map(|statement| StatementClaims {
        predicate_type: if statement.legacy {
            LEGACY_PREDICATE_TYPE
        } else {
            PREDICATE_TYPE
        },
        files: file_count(&statement.manifest),
        manifest: statement.manifest,
        root_digest: statement.subject_digest,
    });
    Ok(SignatureClaims {
        media_type: parsed.media_type,
        signer,
        statement,
    })
}

/// Files a manifest covers (shards of one file count once).
fn file_count(manifest: &Manifest) -> usize {
    match manifest.serialization.method {
        Method::Files => manifest.resources.len(),
        Method::Shards { .. } => manifest
            .resources
            .iter()
            .map(|r| match parse_shard_name(&r.name) {
                Ok((path, _, _)) => path,
                Err(_) => r.name.as_str(),
            })
            .collect::<BTreeSet<_>>()
            .len(),
    }
}

#[cfg(test)]
mod tests {
    use oms_format::{Digest, Envelope, EnvelopeSignature, Resource, Serialization};

    use super::*;

    fn key_bundle(payload: Vec<u8>) -> Vec<u8> {
        let envelope = Envelope {
            payload,
            payload_type: oms_format::PAYLOAD_TYPE.to_owned(),
            signatures: vec![EnvelopeSignature {
                sig: vec![1],
                keyid: None,
            }],
        };
        oms_format::key_bundle_json("hint", &envelope)
    }

    #[test]
    fn shards_of_one_file_count_once() {
        let resource = |name: &str| Resource {
            name: name.to_owned(),
            digest: Digest::new("sha256-sharded-4", vec![0; 32]),
        };
        let manifest = Manifest::new(
            "m",
            Serialization {
                method: Method::Shards { shard_size: 4 },
                ..Serialization::default()
            },
            vec![resource("a:0:4"), resource("a:4:6"), resource("b:0:1")],
        )
        .unwrap();
        let claims = inspect(&key_bundle(oms_format::statement_bytes(&manifest))).unwrap();
        assert!(matches!(&claims.signer, SignerClaims::PublicKey { hint: Some(h) } if h == "hint"));
        let statement = claims.statement.unwrap();
        assert_eq!(statement.files, 2);
        assert_eq!(statement.manifest.resources.len(), 3);
        assert_eq!(statement.predicate_type, PREDICATE_TYPE);
    }

    #[test]
    fn an_unreadable_statement_is_part_of_the_answer() {
        let claims = inspect(&key_bundle(b"{}".to_vec())).unwrap();
        assert!(claims.statement.is_err());
        assert!(inspect(b"{}").is_err());
    }
}
