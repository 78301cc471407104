use serde_json::{json, Value};

use super::*;
use crate::dsse::PAYLOAD_TYPE;

fn envelope() -> Envelope {
    Envelope::in_toto(b"{}".to_vec(), vec![0xfb, 0xff])
}

fn parse(v: &Value) -> Result<Bundle, BundleError> {
    parse_bundle(&serde_json::to_vec(v).unwrap())
}

/// A valid key bundle as a JSON value to mutate.
fn key_bundle() -> Value {
    serde_json::from_slice(&key_bundle_json("ab", &envelope())).unwrap()
}

fn keyless_bundle() -> Value {
    json!({
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": {
            "certificate": {"rawBytes": "AQI="},
            "tlogEntries": [{"logIndex": "1"}],
            "timestampVerificationData": {"rfc3161Timestamps": [{"signedTimestamp": "AA=="}]}
        },
        "dsseEnvelope": {"payload": "e30=", "payloadType": PAYLOAD_TYPE, "signatures": [{"sig": "AQ=="}]}
    })
}

#[test]
fn key_bundle_is_the_exact_compact_json() {
    assert_eq!(
        String::from_utf8(key_bundle_json("ab12", &envelope())).unwrap(),
        concat!(
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","#,
            r#""verificationMaterial":{"publicKey":{"hint":"ab12"},"tlogEntries":[]},"#,
            r#""dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","#,
            r#""signatures":[{"sig":"+/8=","keyid":""}]}}"#
        )
    );
}

#[test]
fn certificate_bundle_is_the_exact_compact_json() {
    let chain = vec![vec![1, 2, 3], vec![4]];
    assert_eq!(
        String::from_utf8(certificate_bundle_json(&chain, &envelope())).unwrap(),
        concat!(
            r#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","#,
            r#""verificationMaterial":{"x509CertificateChain":{"certificates":"#,
            r#"[{"rawBytes":"AQID"},{"rawBytes":"BA=="}]},"tlogEntries":[]},"#,
            r#""dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","#,
            r#""signatures":[{"sig":"+/8=","keyid":""}]}}"#
        )
    );
}

#[test]
fn written_bundles_parse_back() {
    let env = envelope();
    let key = parse_bundle(&key_bundle_json("ab12", &env)).unwrap();
    assert_eq!(
        key,
        Bundle {
            media_type: BUNDLE_MEDIA_TYPE.into(),
            verification_material: VerificationMaterial::PublicKey {
                hint: Some("ab12".into())
            },
            envelope: env.clone(),
            tlog_entry_count: 0,
            has_rfc3161_timestamps: false,
        }
    );
    let chain = vec![vec![1, 2, 3], vec![4]];
    let cert = parse_bundle(&certificate_bundle_json(&chain, &env)).unwrap();
    assert_eq!(
        cert.verification_material,
        VerificationMaterial::X509CertificateChain(chain)
    );
    assert_eq!(cert.envelope, env);
}

#[test]
fn legacy_key_bundle_is_accepted() {
    let text = r#"{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial": {"publicKey": {"rawBytes": "LS0t", "keyDetails": "PKIX_ECDSA_P384_SHA_384"}}, "dsseEnvelope": {"payload": "e30=", "payloadType": "application/vnd.in-toto+json", "signatures": [{"sig": "AQ==", "keyid": null}]}}"#;
    let b = parse_bundle(text.as_bytes()).unwrap();
    assert_eq!(
        b.verification_material,
        VerificationMaterial::PublicKey { hint: None }
    );
    assert_eq!(b.tlog_entry_count, 0);
    assert_eq!(b.envelope.signatures[0].keyid, None);
}

#[test]
fn empty_hint_and_keyid_mean_none() {
    let mut v = key_bundle();
    v["verificationMaterial"]["publicKey"]["hint"] = json!("");
    v["dsseEnvelope"]["signatures"][0]["keyid"] = json!("");
    let b = parse(&v).unwrap();
    assert_eq!(
        b.verification_material,
        VerificationMaterial::PublicKey { hint: None }
    );
    assert_eq!(b.envelope.signatures[0].keyid, None);

    v["dsseEnvelope"]["signatures"][0]
        .as_object_mut()
        .unwrap()
        .remove("keyid");
    assert_eq!(parse(&v).unwrap().envelope.signatures[0].keyid, None);
    v["dsseEnvelope"]["signatures"][0]["keyid"] = json!("k1");
    assert_eq!(
        parse(&v).unwrap().envelope.signatures[0].keyid.as_deref(),
        Some("k1")
    );
}

#[test]
fn keyless_bundle_reports_tlog_and_timestamps() {
    let b = parse(&keyless_bundle()).unwrap();
    assert_eq!(
        b.verification_material,
        VerificationMaterial::Certificate(vec![1, 2])
    );
    assert_eq!(b.tlog_entry_count, 1);
    assert!(b.has_rfc3161_timestamps);

    let mut v = keyless_bundle();
    v["verificationMaterial"]["timestampVerificationData"] = json!({});
    assert!(!parse(&v).unwrap().has_rfc3161_timestamps);
}

#[test]
fn keyless_bundle_without_tlog_entry_is_refused() {
    let mut v = keyless_bundle();
    v["verificationMaterial"]["tlogEntries"] = json!([]);
    assert_eq!(parse(&v).unwrap_err(), BundleError::MissingTlogEntries);
    v["verificationMaterial"]
        .as_object_mut()
        .unwrap()
        .remove("tlogEntries");
    assert_eq!(parse(&v).unwrap_err(), BundleError::MissingTlogEntries);
}

#[test]
fn every_sigstore_media_type_is_accepted_and_others_are_not() {
    for media_type in ACCEPTED_MEDIA_TYPES {
        let mut v = key_bundle();
        v["mediaType"] = json!(media_type);
        assert_eq!(parse(&v).unwrap().media_type, media_type);
    }
    let mut v = key_bundle();
    v["mediaType"] = json!("application/json");
    assert_eq!(
        parse(&v).unwrap_err(),
        BundleError::UnsupportedMediaType {
            found: "application/json".into()
        }
    );
}

fn missing(path: &[&str]) -> BundleError {
    let mut v = key_bundle();
    let (last, parents) = path.split_last().unwrap();
    let mut node = &mut v;
    for p in parents {
        node = &mut node[*p];
    }
    node.as_object_mut().unwrap().remove(*last);
    parse(&v).unwrap_err()
}

#[test]
fn structural_gaps_name_the_missing_field() {
    for (path, field) in [
        (&["mediaType"][..], "mediaType"),
        (&["dsseEnvelope"][..], "dsseEnvelope"),
        (&["verificationMaterial"][..], "verificationMaterial"),
        (&["dsseEnvelope", "payload"][..], "dsseEnvelope.payload"),
        (
            &["dsseEnvelope", "payloadType"][..],
            "dsseEnvelope.payloadType",
        ),
        (
            &["dsseEnvelope", "signatures"][..],
            "dsseEnvelope.signatures",
        ),
    ] {
        assert_eq!(
            missing(path),
            BundleError::MissingField {
                field: field.into()
            }
        );
    }
    assert_eq!(
        missing(&["verificationMaterial", "publicKey"]),
        BundleError::NoVerificationContent
    );
}

#[test]
fn bad_shapes_are_refused() {
    assert!(matches!(parse_bundle(b""), Err(BundleError::NotJson(_))));
    assert!(matches!(parse_bundle(b"{"), Err(BundleError::NotJson(_))));
    assert_eq!(
        parse_bundle(b"[]").unwrap_err(),
        BundleError::WrongType {
            field: "(bundle)".into(),
            expected: "an object",
            found: "an array"
        }
    );

    let mut v = key_bundle();
    v["dsseEnvelope"]["payload"] = json!("not base64!");
    assert_eq!(
        parse(&v).unwrap_err(),
        BundleError::InvalidBase64 {
            field: "dsseEnvelope.payload".into()
        }
    );

    let mut v = key_bundle();
    v["dsseEnvelope"]["signatures"] = json!([]);
    assert_eq!(parse(&v).unwrap_err(), BundleError::NoSignatures);

    let mut v = key_bundle();
    v["dsseEnvelope"]["signatures"][0]["sig"] = json!(7);
    assert_eq!(
        parse(&v).unwrap_err(),
        BundleError::WrongType {
            field: "dsseEnvelope.signatures[0].sig".into(),
            expected: "a string",
            found: "a number"
        }
    );

    let mut v = key_bundle();
    v["verificationMaterial"]["certificate"] = json!({"rawBytes": "AQ=="});
    assert_eq!(
        parse(&v).unwrap_err(),
        BundleError::AmbiguousVerificationMaterial {
            found: vec!["publicKey", "certificate"]
        }
    );

    let mut v = key_bundle();
    v["verificationMaterial"] = json!({"x509CertificateChain": {"certificates": []}});
    assert_eq!(parse(&v).unwrap_err(), BundleError::EmptyCertificateChain);

    let mut v = key_bundle();
    v["verificationMaterial"] =
        json!({"x509CertificateChain": {"certificates": [{"rawBytes": "AQ=="}, {}]}});
    assert_eq!(
        parse(&v).unwrap_err(),
        BundleError::MissingField {
            field: "verificationMaterial.x509CertificateChain.certificates[1].rawBytes".into()
        }
    );
}

#[test]
fn base64_is_read_leniently() {
    for text in ["e30=", "e30", "+/8=", "-_8"] {
        let mut v = key_bundle();
        v["dsseEnvelope"]["payload"] = json!(text);
        assert!(parse(&v).is_ok(), "{text}");
    }
}

#[test]
fn oversized_bundle_is_refused_before_parsing() {
    let bytes = vec![b' '; MAX_BUNDLE_BYTES + 1];
    assert_eq!(
        parse_bundle(&bytes).unwrap_err(),
        BundleError::TooLarge {
            size: MAX_BUNDLE_BYTES + 1,
            limit: MAX_BUNDLE_BYTES
        }
    );
}

#[test]
fn pem_lines_are_64_characters_with_a_final_newline() {
    assert_eq!(pem_encode("X", &[]), "-----BEGIN X-----\n-----END X-----\n");
    let pem = pem_encode("PUBLIC KEY", &[0u8; 91]);
    let lines: Vec<&str> = pem.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1].len(), 64);
    assert_eq!(lines[2].len(), 60);
    assert!(pem.ends_with("-----END PUBLIC KEY-----\n"));
    let exact = pem_encode("K", &[0u8; 48]);
    assert_eq!(exact.lines().count(), 3);
}

#[test]
fn hint_hashes_the_pem_text() {
    let der = [1u8, 2, 3];
    let pem = "-----BEGIN PUBLIC KEY-----\nAQID\n-----END PUBLIC KEY-----\n";
    assert_eq!(
        public_key_hint(&der),
        hex::encode(Sha256::digest(pem.as_bytes()))
    );
}
