//! The parser targets. Each consumes arbitrary bytes; results are used the way a caller
//! would (encode again, fingerprint, verify) so the code after a successful parse runs too.

use std::sync::OnceLock;

use oms_format::bundle::{parse_bundle, VerificationMaterial};
use oms_format::manifest::parse_shard_name;
use oms_format::statement::parse_statement;
use oms_format::{legacy_pae, pae, Method};
use oms_keys::certificate::{
    fingerprint_sha256, leaf_verifying_key, parse_pem_certificates, verify_chain,
};
use oms_keys::{SigningKey, VerifyingKey};
use oms_pkcs11::Pkcs11Uri;
use oms_sigstore::{
    inspect_bundle, verify_bundle, CertificateClaims, IdentityPolicy, TrustMaterial, TrustSource,
};

use crate::split;

/// A Sigstore bundle as `verify` and `inspect` read it: the OMS shape, then the payload.
pub fn bundle(data: &[u8]) {
    if let Ok(bundle) = parse_bundle(data) {
        match &bundle.verification_material {
            VerificationMaterial::PublicKey { hint } => {
                let _ = hint.as_deref().map(str::len);
            }
            VerificationMaterial::X509CertificateChain(chain) => {
                chain.iter().for_each(|der| drop(fingerprint_sha256(der)));
                let _ = chain.first().map(|leaf| leaf_verifying_key(leaf));
            }
            VerificationMaterial::Certificate(leaf) => {
                let _ = CertificateClaims::from_der(leaf);
            }
        }
        let envelope = &bundle.envelope;
        let _ = pae(&envelope.payload_type, &envelope.payload);
        let _ = parse_statement(&envelope.payload);
    }
}

/// The in-toto statement (DSSE payload), current and legacy predicates.
pub fn statement(data: &[u8]) {
    if let Ok(statement) = parse_statement(data) {
        let manifest = &statement.manifest;
        let _ = manifest.root_digest();
        if let Method::Shards { .. } = manifest.serialization.method {
            for resource in &manifest.resources {
                let _ = parse_shard_name(&resource.name);
            }
        }
    }
}

const ENVELOPE_IN_BUNDLE: (&str, &str) = (
    r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"fuzz"}},"dsseEnvelope":"#,
    "}",
);

/// The DSSE envelope (inside a fixed key bundle, where the parser reads it) and both PAEs.
/// With a separator, the first part is a payload type and the rest the payload.
pub fn dsse(data: &[u8]) {
    let (head, tail) = ENVELOPE_IN_BUNDLE;
    let wrapped = [head.as_bytes(), data, tail.as_bytes()].concat();
    if let Ok(bundle) = parse_bundle(&wrapped) {
        let envelope = &bundle.envelope;
        let _ = pae(&envelope.payload_type, &envelope.payload);
        let _ = legacy_pae(&envelope.payload_type, &envelope.payload);
    }
    if let [payload_type, payload @ ..] = split(data).as_slice() {
        let payload_type = String::from_utf8_lossy(payload_type);
        let payload = payload.concat();
        let encoded = pae(&payload_type, &payload);
        assert!(encoded.ends_with(&payload), "PAE must end with the payload");
        let legacy = legacy_pae(&payload_type, &payload);
        assert!(legacy.starts_with(b"DSSEV1 "), "legacy PAE header");
    }
}

/// PEM private and public keys (and their DER forms), as `sign key` / `verify key` read them.
/// A private key that parses must sign a message its own public key verifies.
pub fn pem_keys(data: &[u8]) {
    let private = [
        SigningKey::from_pem(data, None),
        SigningKey::from_pkcs8_der(data),
        SigningKey::from_sec1_der(data),
    ];
    for key in private.into_iter().flatten() {
        let signature = key.sign(b"fuzz");
        let public = key.verifying_key();
        assert!(
            public.verify(b"fuzz", &signature).is_ok(),
            "a parsed private key's signature must verify"
        );
        let _ = public.hint();
    }
    let public = [
        VerifyingKey::from_pem(data),
        VerifyingKey::from_spki_der(data),
    ];
    for key in public.into_iter().flatten() {
        let again = VerifyingKey::from_pem(key.to_pem().as_bytes());
        assert!(again.is_ok(), "a parsed public key must parse again");
        let _ = key.verify(b"fuzz", data);
    }
}

/// Certificates: PEM bundles (`--certificate_chain`, `--signing_certificate`), a DER leaf's
/// key, and the Sigstore leaf's claims.
pub fn certificate(data: &[u8]) {
    if let Ok(certs) = parse_pem_certificates(data) {
        for der in &certs {
            let _ = leaf_verifying_key(der);
            let _ = CertificateClaims::from_der(der);
        }
    }
    let _ = fingerprint_sha256(data);
    let _ = leaf_verifying_key(data);
    if let Ok(claims) = CertificateClaims::from_der(data) {
        let _ = claims.issuer();
        let _ = claims.check_signing_usage();
    }
}

/// Chain building: DER certificates separated by [`crate::SEPARATOR`], leaf first; the last
/// part is the trust anchor.
pub fn chain(data: &[u8]) {
    let mut parts: Vec<Vec<u8>> = split(data).into_iter().map(<[u8]>::to_vec).collect();
    let Some(anchor) = parts.pop() else {
        return;
    };
    let anchors = [anchor];
    let _ = verify_chain(&parts, &anchors);
    // The same certificates as anchors too: a chain that reaches an anchor early.
    let _ = verify_chain(&parts, &parts);
}

/// RFC 7512 `pkcs11:` URIs as `--pkcs11_uri` reads them.
pub fn pkcs11_uri(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(uri) = Pkcs11Uri::parse(text) {
        let _ = (uri.token(), uri.object(), uri.id(), uri.slot_id());
        let _ = (uri.pin_value(), uri.pin_source(), uri.module_name());
        let _ = (uri.module_path_attribute(), uri.library_version());
        let _ = (uri.vendor_path_attributes(), uri.vendor_query_attributes());
    }
}

/// `--trust_config` / trusted root files: both document shapes.
pub fn trust_root(data: &[u8]) {
    if let Ok(trust) = TrustMaterial::from_trusted_root_json(data, "fuzz") {
        let _ = trust.trusted_root();
    }
    if let Ok(trust) = TrustMaterial::from_client_trust_config_json(data, "fuzz") {
        let _ = (trust.trusted_root(), trust.signing_config());
    }
}

fn public_good() -> Option<&'static TrustMaterial> {
    static TRUST: OnceLock<Option<TrustMaterial>> = OnceLock::new();
    TRUST
        .get_or_init(|| TrustMaterial::load(&TrustSource::PublicGood).ok())
        .as_ref()
}

/// Keyless verification of a bundle against the embedded public-good root (the fixtures'
/// signer as the policy), plus the lenient reader `inspect` uses.
pub fn sigstore_verify(data: &[u8]) {
    let _ = inspect_bundle(data);
    if let Some(trust) = public_good() {
        let policy = IdentityPolicy::exact(
            "stefanb@us.ibm.com",
            "https://sigstore.verify.ibm.com/oauth2",
        );
        let _ = verify_bundle(data, trust, &policy);
    }
}
