//! Every shared conformance fixture parses (or is refused) exactly as the reference would.

use crate::common;

use common::fixtures;

use base64::Engine as _;
use oms_format::bundle::{BundleError, VerificationMaterial};
use oms_format::statement::{StatementError, LEGACY_MODEL_NAME};
use oms_format::{
    certificate_bundle_json, key_bundle_json, legacy_pae, parse_bundle, parse_statement,
    public_key_hint, statement_bytes, Bundle, SignedStatement, PAYLOAD_TYPE,
};

const ROOT_TWO_FILES: &str = "61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226";
const ROOT_ELLIPTIC_DIR: &str = "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4";
const ROOT_SINGLE_FILE: &str = "afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b";
const SIGNME_1: &str = "f6310066c7320497ea554260c32c43660bff648cb2a61194832cc086077085e1";
const SIGNME_1_NL: &str = "bc9a717db6064a32cbe9eae6fc40651dd6d36ef1757183f590eff2b1765d7ebc";
const SIGNME_2: &str = "32dcb1f8e1ae52d5963e56a6ba06ab58b424c15ed2a6b70d2feca1d089370028";
const HINT: &str = "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e";

fn read(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(rel: &str) -> (Bundle, SignedStatement) {
    let bundle = parse_bundle(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let statement =
        parse_statement(&bundle.envelope.payload).unwrap_or_else(|e| panic!("{rel}: {e}"));
    (bundle, statement)
}

fn resources(s: &SignedStatement) -> Vec<(String, String, String)> {
    s.manifest
        .resources
        .iter()
        .map(|r| (r.name.clone(), r.digest.algorithm.clone(), r.digest.hex()))
        .collect()
}

fn files(list: &[(&str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(n, d)| (n.to_string(), "sha256".to_string(), d.to_string()))
        .collect()
}

enum Material {
    Key(Option<&'static str>),
    Chain,
    Keyless,
}

struct Expected {
    dir: &'static str,
    root: &'static str,
    resources: &'static [(&'static str, &'static str)],
    material: Material,
    ignore_paths: &'static [&'static str],
}

const TWO_FILES: &[(&str, &str)] = &[("signme-1", SIGNME_1), ("signme-2", SIGNME_2)];
const ELLIPTIC_DIR: &[(&str, &str)] = &[("signme-1", SIGNME_1_NL), ("signme-2", SIGNME_2)];
const SINGLE_FILE: &[(&str, &str)] = &[(".", SIGNME_1_NL)];
const RECORDED: &[&str] = &[
    ".git",
    ".gitattributes",
    ".github",
    ".gitignore",
    "ignore-me",
    "model.sig",
];

fn expected() -> Vec<Expected> {
    use Material::*;
    let e = |dir, root, resources, material, ignore_paths| Expected {
        dir,
        root,
        resources,
        material,
        ignore_paths,
    };
    vec![
        e(
            "model-transparency/v0.3.1-certificate",
            ROOT_TWO_FILES,
            TWO_FILES,
            Chain,
            &[],
        ),
        e(
            "model-transparency/v0.3.1-elliptic-key",
            ROOT_SINGLE_FILE,
            SINGLE_FILE,
            Key(None),
            &[],
        ),
        e(
            "model-transparency/v0.3.1-sigstore",
            ROOT_TWO_FILES,
            TWO_FILES,
            Keyless,
            &[],
        ),
        e(
            "model-transparency/v1.0.0-certificate",
            ROOT_TWO_FILES,
            TWO_FILES,
            Chain,
            &[],
        ),
        e(
            "model-transparency/v1.0.0-elliptic-key",
            ROOT_SINGLE_FILE,
            SINGLE_FILE,
            Key(None),
            &[],
        ),
        e(
            "model-transparency/v1.0.0-sigstore",
            ROOT_TWO_FILES,
            TWO_FILES,
            Keyless,
            &[],
        ),
        e(
            "model-transparency/v1.0.1-certificate",
            ROOT_TWO_FILES,
            TWO_FILES,
            Chain,
            &[],
        ),
        e(
            "model-transparency/v1.0.1-elliptic-key",
            ROOT_ELLIPTIC_DIR,
            ELLIPTIC_DIR,
            Key(None),
            &[],
        ),
        e(
            "model-transparency/v1.0.1-sigstore",
            ROOT_TWO_FILES,
            TWO_FILES,
            Keyless,
            &[],
        ),
        e(
            "model-transparency/v1.1.0-certificate",
            ROOT_TWO_FILES,
            TWO_FILES,
            Chain,
            RECORDED,
        ),
        e(
            "model-transparency/v1.1.0-elliptic-key",
            ROOT_ELLIPTIC_DIR,
            ELLIPTIC_DIR,
            Key(Some(HINT)),
            RECORDED,
        ),
        e(
            "model-transparency/v1.1.0-sigstore",
            ROOT_TWO_FILES,
            TWO_FILES,
            Keyless,
            RECORDED,
        ),
    ]
}

#[test]
fn every_reference_signature_parses() {
    for case in expected() {
        let (bundle, s) = load(&format!("{}/model.sig", case.dir));
        let dir = case.dir;
        assert!(!s.legacy, "{dir}");
        assert_eq!(hex::encode(&s.subject_digest), case.root, "{dir}");
        assert_eq!(resources(&s), files(case.resources), "{dir}");
        assert_eq!(
            s.manifest.serialization.ignore_paths, case.ignore_paths,
            "{dir}"
        );
        assert_eq!(bundle.envelope.payload_type, PAYLOAD_TYPE, "{dir}");
        assert_eq!(bundle.envelope.signatures.len(), 1, "{dir}");
        match (&case.material, &bundle.verification_material) {
            (Material::Key(hint), VerificationMaterial::PublicKey { hint: found }) => {
                assert_eq!(found.as_deref(), *hint, "{dir}");
                assert_eq!(bundle.tlog_entry_count, 0, "{dir}");
            }
            (Material::Chain, VerificationMaterial::X509CertificateChain(chain)) => {
                assert_eq!(chain.len(), 2, "{dir}");
                assert_eq!(bundle.tlog_entry_count, 0, "{dir}");
            }
            (Material::Keyless, VerificationMaterial::Certificate(leaf)) => {
                assert!(!leaf.is_empty(), "{dir}");
                assert_eq!(bundle.tlog_entry_count, 1, "{dir}");
                assert_eq!(
                    bundle.has_rfc3161_timestamps,
                    dir.contains("v1.1.0"),
                    "{dir}"
                );
            }
            (_, other) => panic!("{dir}: unexpected material {other:?}"),
        }
    }
}

#[test]
fn single_file_signatures_name_the_resource_dot() {
    for dir in ["v0.3.1-elliptic-key", "v1.0.0-elliptic-key"] {
        let (_, s) = load(&format!("model-transparency/{dir}/model.sig"));
        assert_eq!(s.manifest.model_name, "signme-1");
        assert_eq!(s.manifest.resources.len(), 1);
        assert_eq!(s.manifest.resources[0].name, ".");
    }
}

#[test]
fn legacy_v0_2_signature_parses_from_its_subjects() {
    let (bundle, s) = load("model-transparency/v0.2.0-certificate/model.sig");
    assert!(s.legacy);
    assert_eq!(s.manifest.model_name, LEGACY_MODEL_NAME);
    assert_eq!(resources(&s), files(TWO_FILES));
    assert_eq!(hex::encode(&s.subject_digest), ROOT_TWO_FILES);
    assert_eq!(bundle.envelope.signatures[0].keyid, None);
    assert!(matches!(
        bundle.verification_material,
        VerificationMaterial::X509CertificateChain(ref chain) if chain.len() == 2
    ));
}

#[test]
fn legacy_pae_of_the_v0_2_payload_matches_the_spec() {
    let (bundle, _) = load("model-transparency/v0.2.0-certificate/model.sig");
    assert_eq!(bundle.envelope.payload.len(), 664);
    let pae = legacy_pae(PAYLOAD_TYPE, &bundle.envelope.payload);
    let prefix = b"DSSEV1 28 application/vnd.in-toto+json 664 b'{\\n  \"_type\": ";
    assert!(
        pae.starts_with(prefix),
        "{:?}",
        String::from_utf8_lossy(&pae[..80])
    );
    assert!(pae.ends_with(b"}'"));
}

#[test]
fn spec_valid_vectors_parse() {
    let spec_ignores = &[
        ".git",
        ".gitattributes",
        ".github",
        ".gitignore",
        "ignore-me",
    ][..];
    for (file, hint) in [("key", Some(HINT)), ("certificate", None)] {
        let (bundle, s) = load(&format!("oms-spec/valid/{file}.bundle.json"));
        assert_eq!(s.manifest.model_name, "model");
        assert_eq!(hex::encode(&s.subject_digest), ROOT_ELLIPTIC_DIR);
        assert_eq!(resources(&s), files(ELLIPTIC_DIR));
        assert_eq!(s.manifest.serialization.ignore_paths, spec_ignores);
        match bundle.verification_material {
            VerificationMaterial::PublicKey { hint: found } => {
                assert_eq!(found.as_deref(), hint)
            }
            VerificationMaterial::X509CertificateChain(chain) => {
                assert!(hint.is_none());
                assert_eq!(chain.len(), 2);
            }
            other => panic!("{file}: {other:?}"),
        }
    }
    let (bundle, s) = load("oms-spec/valid/sigstore.bundle.json");
    assert_eq!(hex::encode(&s.subject_digest), ROOT_TWO_FILES);
    assert_eq!(bundle.tlog_entry_count, 1);
    assert!(bundle.has_rfc3161_timestamps);
}

#[test]
fn spec_invalid_vectors_are_refused_for_the_right_reason() {
    let err = |name: &str| parse_bundle(&read(&format!("oms-spec/invalid/{name}.bundle.json")));
    assert!(matches!(err("empty"), Err(BundleError::NotJson(_))));
    assert_eq!(
        err("missing-envelope").unwrap_err(),
        BundleError::MissingField {
            field: "dsseEnvelope".into()
        }
    );
    assert_eq!(
        err("missing-verification-material").unwrap_err(),
        BundleError::MissingField {
            field: "verificationMaterial".into()
        }
    );
    assert_eq!(
        err("missing-tlog-entries").unwrap_err(),
        BundleError::MissingTlogEntries
    );
}

#[test]
fn spec_wrong_predicate_payload_is_refused() {
    let bundle = parse_bundle(&read(
        "oms-spec/invalid-payload/wrong-predicate.bundle.json",
    ))
    .unwrap();
    assert_eq!(
        parse_statement(&bundle.envelope.payload).unwrap_err(),
        StatementError::PredicateType {
            found: "https://example.com/wrong-predicate/v1.0".into()
        }
    );
}

/// The SPKI DER inside a PEM file that may have a text preamble (certtool writes one).
fn spki_from_pem_file(text: &str) -> Vec<u8> {
    let begin = "-----BEGIN PUBLIC KEY-----";
    let start = text.find(begin).unwrap() + begin.len();
    let end = text.find("-----END PUBLIC KEY-----").unwrap();
    let body: String = text[start..end].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

#[test]
fn hint_of_the_test_key_matches_the_recorded_hint() {
    let pem = String::from_utf8(read(
        "model-transparency/keys/certificate/signing-key-pub.pem",
    ))
    .unwrap();
    let spki = spki_from_pem_file(&pem);
    assert_eq!(public_key_hint(&spki), HINT);
    let (bundle, _) = load("model-transparency/v1.1.0-elliptic-key/model.sig");
    assert_eq!(
        bundle.verification_material,
        VerificationMaterial::PublicKey {
            hint: Some(public_key_hint(&spki))
        }
    );
}

#[test]
fn writers_reproduce_the_v1_1_0_bundles_byte_for_byte() {
    let original = read("model-transparency/v1.1.0-elliptic-key/model.sig");
    let bundle = parse_bundle(&original).unwrap();
    assert_eq!(key_bundle_json(HINT, &bundle.envelope), original);

    let original = read("model-transparency/v1.1.0-certificate/model.sig");
    let bundle = parse_bundle(&original).unwrap();
    let VerificationMaterial::X509CertificateChain(chain) = &bundle.verification_material else {
        panic!("expected a chain");
    };
    assert_eq!(certificate_bundle_json(chain, &bundle.envelope), original);
}

#[test]
fn parsed_fixture_manifests_round_trip_through_the_writer() {
    for case in expected() {
        let (_, s) = load(&format!("{}/model.sig", case.dir));
        let again = parse_statement(&statement_bytes(&s.manifest)).unwrap();
        assert_eq!(again, s, "{}", case.dir);
    }
}
