use serde_json::{json, Value};

use super::parse::{parse_with_limits, Limits};
use super::*;
use crate::manifest::{self, Digest, HashAlgorithm, Method, Resource, Serialization};

const D1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

/// What Python's `json.dumps(statement, indent=2, ensure_ascii=True)` gives for
/// [`shard_manifest`] (generated with CPython 3 from the same dict).
const SHARD_STATEMENT: &str = r#"{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [
    {
      "name": "mod\u00e8l\ud83d\ude00\"\\\t",
      "digest": {
        "sha256": "5189c77d29fe5d546a045ec46986852785fea5c13ac7da9c115ff5fb6edf817c"
      }
    }
  ],
  "predicateType": "https://model_signing/signature/v1.0",
  "predicate": {
    "serialization": {
      "method": "shards",
      "hash_type": "sha256",
      "allow_symlinks": true,
      "shard_size": 8,
      "ignore_paths": [
        "a",
        "b/c"
      ]
    },
    "resources": [
      {
        "name": "\u00e9.bin:0:8",
        "algorithm": "sha256-sharded-8",
        "digest": "1111111111111111111111111111111111111111111111111111111111111111"
      },
      {
        "name": "\u00e9.bin:8:10",
        "algorithm": "sha256-sharded-8",
        "digest": "2222222222222222222222222222222222222222222222222222222222222222"
      }
    ]
  }
}"#;

fn shard_manifest() -> Manifest {
    let alg = "sha256-sharded-8";
    Manifest {
        model_name: "modèl😀\"\\\t".into(),
        serialization: Serialization {
            method: Method::Shards { shard_size: 8 },
            hash_type: HashAlgorithm::Sha256,
            allow_symlinks: true,
            ignore_paths: vec!["b/c".into(), "a".into()],
        },
        resources: vec![
            Resource {
                name: "é.bin:0:8".into(),
                digest: Digest::new(alg, vec![0x11; 32]),
            },
            Resource {
                name: "é.bin:8:10".into(),
                digest: Digest::new(alg, vec![0x22; 32]),
            },
        ],
    }
}

fn files_manifest(resources: &[(&str, Vec<u8>)]) -> Manifest {
    Manifest {
        model_name: "model".into(),
        serialization: Serialization::default(),
        resources: resources
            .iter()
            .map(|(name, d)| Resource {
                name: name.to_string(),
                digest: Digest::new("sha256", d.clone()),
            })
            .collect(),
    }
}

/// A valid current statement over two files, as a JSON value to mutate.
fn base() -> Value {
    json!({
        "_type": STATEMENT_TYPE,
        "subject": [{"name": "model", "digest": {"sha256": ""}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": false},
            "resources": [
                {"name": "a", "algorithm": "sha256", "digest": D1},
                {"name": "b/c", "algorithm": "sha256", "digest": D2},
            ]
        }
    })
}

fn shards_base(shard_size: Value) -> Value {
    let mut v = base();
    v["predicate"]["serialization"] = json!({"method": "shards", "hash_type": "sha256", "allow_symlinks": false, "shard_size": shard_size});
    v["predicate"]["resources"] = json!([
        {"name": "w:0:8", "algorithm": "sha256-sharded-8", "digest": D1},
        {"name": "w:8:9", "algorithm": "sha256-sharded-8", "digest": D2},
    ]);
    v
}

/// Sets the subject digest to the root over the resources as written.
fn with_root(mut v: Value) -> Value {
    let digests: Vec<Vec<u8>> = v["predicate"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| hex::decode(r["digest"].as_str().unwrap()).unwrap())
        .collect();
    let root = manifest::root_digest(digests.iter().map(Vec::as_slice));
    v["subject"][0]["digest"]["sha256"] = json!(hex::encode(root));
    v
}

fn parse(v: &Value) -> Result<SignedStatement, StatementError> {
    parse_statement(&serde_json::to_vec(v).unwrap())
}

fn parse_rooted(v: Value) -> Result<SignedStatement, StatementError> {
    parse(&with_root(v))
}

fn ignore_error(path: &str) -> StatementError {
    let mut v = base();
    v["predicate"]["serialization"]["ignore_paths"] = json!(["ok", path]);
    parse_rooted(v).unwrap_err()
}

#[test]
fn statement_bytes_match_python_json_dumps_byte_for_byte() {
    let bytes = statement_bytes(&shard_manifest());
    assert_eq!(String::from_utf8(bytes).unwrap(), SHARD_STATEMENT);
}

#[test]
fn statement_bytes_of_an_empty_files_manifest() {
    let bytes = statement_bytes(&files_manifest(&[]));
    let expected = r#"{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [
    {
      "name": "model",
      "digest": {
        "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
      }
    }
  ],
  "predicateType": "https://model_signing/signature/v1.0",
  "predicate": {
    "serialization": {
      "method": "files",
      "hash_type": "sha256",
      "allow_symlinks": false
    },
    "resources": []
  }
}"#;
    assert_eq!(String::from_utf8(bytes).unwrap(), expected);
}

#[test]
fn json_strings_escape_like_ensure_ascii() {
    let mut out = String::new();
    push_json_string(&mut out, "a\u{7f}\u{1}\u{8}\u{c}\r\n/~ é\u{10ffff}");
    assert_eq!(out, r#""a\u007f\u0001\b\f\r\n/~ \u00e9\udbff\udfff""#);
}

#[test]
fn statement_bytes_round_trip_through_the_parser() {
    for m in [
        shard_manifest(),
        files_manifest(&[]),
        files_manifest(&[("a", vec![1; 32]), ("é/ü", vec![2; 32])]),
    ] {
        let parsed = parse_statement(&statement_bytes(&m)).unwrap();
        let mut expected = m.clone();
        expected.serialization.ignore_paths.sort();
        assert_eq!(parsed.manifest, expected);
        assert_eq!(parsed.subject_digest, m.root_digest().to_vec());
        assert!(!parsed.legacy);
    }
}

#[test]
fn current_statement_parses_in_payload_order() {
    let mut v = base();
    v["predicate"]["resources"] = json!([
        {"name": "b/c", "algorithm": "sha256", "digest": D2.to_uppercase()},
        {"name": "a", "algorithm": "sha256", "digest": D1},
    ]);
    let s = parse_rooted(v).unwrap();
    let names: Vec<&str> = s
        .manifest
        .resources
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["b/c", "a"]);
    assert_eq!(
        s.manifest.resources[0].digest,
        Digest::new("sha256", vec![0x22; 32])
    );
    assert_eq!(s.manifest.model_name, "model");
    assert_eq!(s.manifest.serialization, Serialization::default());
}

#[test]
fn unknown_fields_are_ignored() {
    let mut v = base();
    v["predicate"]["extra"] = json!({"x": 1});
    v["predicate"]["serialization"]["chunk_size"] = json!(1048576);
    v["predicate"]["resources"][0]["note"] = json!("hi");
    v["subject"][0]["annotations"] = json!({});
    assert!(parse_rooted(v).is_ok());
}

#[test]
fn ignore_paths_are_normalized_sorted_and_deduplicated() {
    let mut v = base();
    v["predicate"]["serialization"]["ignore_paths"] =
        json!(["sub/deeper/", "./a/", "a//b", "model.sig", "a"]);
    let s = parse_rooted(v).unwrap();
    assert_eq!(
        s.manifest.serialization.ignore_paths,
        ["a", "a/b", "model.sig", "sub/deeper"]
    );
}

#[test]
fn a_recorded_backslash_ignore_path_is_refused_not_widened() {
    // `cache\tmp` is a legal POSIX file name; read as a separator it would make the verifier
    // skip the whole `cache/tmp/` tree.
    for path in ["cache\\tmp", "\\abs", "C:\\x", "a\\.."] {
        let err = ignore_error(path).to_string();
        assert_eq!(
            err,
            format!(
                "statement field `predicate.serialization.ignore_paths[1]`: ignore path {path:?} is refused: expected `/` as the only separator, found `\\`, which is ambiguous (a separator on Windows, a file-name character on POSIX)"
            ),
            "{path:?}"
        );
    }
}

#[test]
fn ignore_paths_that_cover_the_model_or_escape_it_are_refused() {
    use crate::path::PathProblem;
    for (path, reason) in [
        (".", PathProblem::ModelRoot),
        ("", PathProblem::Empty),
        ("./", PathProblem::ModelRoot),
        ("/abs", PathProblem::Absolute),
        ("C:/x", PathProblem::Absolute),
        ("../x", PathProblem::ParentComponent),
        ("a/../b", PathProblem::ParentComponent),
        ("a\0b", PathProblem::Nul),
    ] {
        assert_eq!(
            ignore_error(path),
            StatementError::InvalidIgnorePath {
                field: "predicate.serialization.ignore_paths[1]".into(),
                path: path.into(),
                reason,
            },
            "{path:?}"
        );
    }
}

#[test]
fn ignore_paths_must_be_strings() {
    let mut v = base();
    v["predicate"]["serialization"]["ignore_paths"] = json!([1]);
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::WrongType {
            field: "predicate.serialization.ignore_paths[0]".into(),
            expected: "a string",
            found: "a number",
        }
    );
}

#[test]
fn duplicate_names_are_refused() {
    let mut v = base();
    v["predicate"]["resources"][1]["name"] = json!("a");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::DuplicateResource {
            field: "predicate.resources[1]".into(),
            name: "a".into(),
        }
    );
}

#[test]
fn inconsistent_root_is_refused_with_both_digests() {
    let mut v = with_root(base());
    v["predicate"]["resources"][1]["digest"] = json!(D1);
    let err = parse(&v).unwrap_err();
    let computed = hex::encode(manifest::root_digest([
        [0x11u8; 32].as_slice(),
        [0x11u8; 32].as_slice(),
    ]));
    let subject = v["subject"][0]["digest"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        err.to_string(),
        format!("Manifest is inconsistent. Root digest is {subject}, but the included resources hash to {computed}")
    );
    assert_eq!(err, StatementError::InconsistentRoot { subject, computed });
}

#[test]
fn shard_size_accepts_integral_floats_only() {
    for (size, expected) in [
        (json!(8), 8),
        (json!(8.0), 8),
        (json!(1000000000.0), 1_000_000_000),
        (json!(1e9), 1_000_000_000),
    ] {
        let mut v = shards_base(size.clone());
        let alg = format!("sha256-sharded-{expected}");
        v["predicate"]["resources"][0]["algorithm"] = json!(alg);
        v["predicate"]["resources"][1]["algorithm"] = json!(alg);
        let s = parse_rooted(v).unwrap();
        assert_eq!(
            s.manifest.serialization.method,
            Method::Shards {
                shard_size: expected
            },
            "{size}"
        );
    }
    for (size, found) in [
        (json!(1.5), "1.5"),
        (json!(0), "0"),
        (json!(0.0), "0.0"),
        (json!(-8), "-8"),
        (json!(1e30), "1e+30"),
    ] {
        assert_eq!(
            parse_rooted(shards_base(size)).unwrap_err(),
            StatementError::InvalidShardSize {
                field: "predicate.serialization.shard_size".into(),
                found: found.into(),
            }
        );
    }
    assert_eq!(
        parse_rooted(shards_base(json!("8"))).unwrap_err(),
        StatementError::WrongType {
            field: "predicate.serialization.shard_size".into(),
            expected: "a positive integral number",
            found: "a string",
        }
    );
}

#[test]
fn shard_size_is_required_for_shards() {
    let mut v = shards_base(json!(8));
    v["predicate"]["serialization"]
        .as_object_mut()
        .unwrap()
        .remove("shard_size");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::MissingField {
            field: "predicate.serialization.shard_size".into()
        }
    );
}

#[test]
fn shard_algorithm_accepts_the_spec_plain_name_and_normalizes_it() {
    let mut v = shards_base(json!(8.0));
    v["predicate"]["resources"][1]["algorithm"] = json!("sha256");
    let s = parse_rooted(v).unwrap();
    for r in &s.manifest.resources {
        assert_eq!(r.digest.algorithm, "sha256-sharded-8");
    }
}

#[test]
fn other_algorithm_strings_are_refused() {
    let mut v = shards_base(json!(8));
    v["predicate"]["resources"][0]["algorithm"] = json!("sha256-sharded-9");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::AlgorithmMismatch {
            field: "predicate.resources[0].algorithm".into(),
            expected: "\"sha256-sharded-8\" or \"sha256\"".into(),
            found: "sha256-sharded-9".into(),
        }
    );
    let mut v = base();
    v["predicate"]["resources"][1]["algorithm"] = json!("SHA256");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::AlgorithmMismatch {
            field: "predicate.resources[1].algorithm".into(),
            expected: "\"sha256\"".into(),
            found: "SHA256".into(),
        }
    );
}

#[test]
fn digest_length_must_match_the_hash_type() {
    let mut v = base();
    v["predicate"]["resources"][0]["digest"] = json!(&D1[2..]);
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::DigestLength {
            field: "predicate.resources[0].digest".into(),
            expected: 64,
            found: 62,
        }
    );
    let mut v = base();
    v["predicate"]["serialization"]["hash_type"] = json!("blake2b");
    v["predicate"]["resources"][0]["algorithm"] = json!("blake2b");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::DigestLength {
            field: "predicate.resources[0].digest".into(),
            expected: 128,
            found: 64,
        }
    );
}

#[test]
fn blake2b_digests_are_64_bytes() {
    let mut v = base();
    v["predicate"]["serialization"]["hash_type"] = json!("blake2b");
    v["predicate"]["resources"] =
        json!([{"name": "a", "algorithm": "blake2b", "digest": D1.repeat(2)}]);
    let s = parse_rooted(v).unwrap();
    assert_eq!(s.manifest.serialization.hash_type, HashAlgorithm::Blake2b);
    assert_eq!(s.manifest.resources[0].digest.value, vec![0x11; 64]);
}

#[test]
fn non_hex_digests_are_refused() {
    let mut v = with_root(base());
    v["predicate"]["resources"][0]["digest"] = json!(D1.replace('1', "g"));
    assert_eq!(
        parse(&v).unwrap_err(),
        StatementError::InvalidHex {
            field: "predicate.resources[0].digest".into(),
            found: D1.replace('1', "g"),
        }
    );
}

#[test]
fn exactly_one_subject_is_required() {
    let mut v = with_root(base());
    let subject = v["subject"][0].clone();
    v["subject"] = json!([subject.clone(), subject]);
    let err = parse(&v).unwrap_err();
    assert_eq!(err, StatementError::SubjectCount { found: 2 });
    assert_eq!(err.to_string(), "Expected only one subject, got 2");
    v["subject"] = json!([]);
    assert_eq!(
        parse(&v).unwrap_err(),
        StatementError::SubjectCount { found: 0 }
    );
}

#[test]
fn subject_digest_must_be_sha256_hex() {
    let mut v = base();
    v["subject"][0]["digest"] = json!({"sha512": D1});
    assert_eq!(
        parse(&v).unwrap_err(),
        StatementError::MissingField {
            field: "subject[0].digest.sha256".into()
        }
    );
}

#[test]
fn hash_type_must_be_an_exact_wire_name() {
    for name in ["SHA256", "blake2", "md5"] {
        let mut v = base();
        v["predicate"]["serialization"]["hash_type"] = json!(name);
        assert_eq!(
            parse_rooted(v).unwrap_err(),
            StatementError::UnknownHashType {
                field: "predicate.serialization.hash_type".into(),
                found: name.into(),
            }
        );
    }
}

#[test]
fn allow_symlinks_is_a_required_boolean() {
    let mut v = base();
    v["predicate"]["serialization"]
        .as_object_mut()
        .unwrap()
        .remove("allow_symlinks");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::MissingField {
            field: "predicate.serialization.allow_symlinks".into()
        }
    );
    let mut v = base();
    v["predicate"]["serialization"]["allow_symlinks"] = json!("false");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::WrongType {
            field: "predicate.serialization.allow_symlinks".into(),
            expected: "a boolean",
            found: "a string",
        }
    );
}

#[test]
fn unknown_method_is_refused() {
    let mut v = base();
    v["predicate"]["serialization"]["method"] = json!("chunks");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::UnknownMethod {
            field: "predicate.serialization.method".into(),
            found: "chunks".into(),
        }
    );
}

#[test]
fn resource_names_must_stay_inside_the_model() {
    for (name, shards) in [
        ("../x", false),
        ("/etc/passwd", false),
        ("a/c:d:0:3", true),
        ("../w:0:8", true),
    ] {
        let mut v = if shards {
            shards_base(json!(8))
        } else {
            base()
        };
        v["predicate"]["resources"][0]["name"] = json!(name);
        match parse_rooted(v).unwrap_err() {
            StatementError::InvalidResourceName { field, .. } => {
                assert_eq!(field, "predicate.resources[0].name", "{name}")
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn statement_and_predicate_types_are_exact() {
    let mut v = base();
    v["_type"] = json!("https://in-toto.io/Statement/v0.1");
    assert_eq!(
        parse_rooted(v).unwrap_err(),
        StatementError::StatementType {
            found: "https://in-toto.io/Statement/v0.1".into()
        }
    );
    let mut v = base();
    v["predicateType"] = json!("https://example.com/x");
    let err = parse_rooted(v).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Predicate type mismatch, expected https://model_signing/signature/v1.0 (or the legacy https://model_signing/Digests/v0.1), got https://example.com/x"
    );
}

#[test]
fn malformed_json_is_refused_without_panicking() {
    assert!(matches!(
        parse_statement(b""),
        Err(StatementError::NotJson(_))
    ));
    assert!(matches!(
        parse_statement(b"{\"_type\""),
        Err(StatementError::NotJson(_))
    ));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(
        parse_statement(deep.as_bytes()),
        Err(StatementError::NotJson(_))
    ));
    assert_eq!(
        parse_statement(b"[]").unwrap_err(),
        StatementError::WrongType {
            field: "(statement)".into(),
            expected: "an object",
            found: "an array",
        }
    );
}

#[test]
fn size_and_count_limits_are_enforced() {
    let bytes = serde_json::to_vec(&with_root(base())).unwrap();
    let limits = Limits {
        max_bytes: bytes.len() - 1,
        max_resources: 10,
    };
    assert_eq!(
        parse_with_limits(&bytes, limits).unwrap_err(),
        StatementError::TooLarge {
            size: bytes.len(),
            limit: bytes.len() - 1
        }
    );
    let limits = Limits {
        max_bytes: bytes.len(),
        max_resources: 1,
    };
    assert_eq!(
        parse_with_limits(&bytes, limits).unwrap_err(),
        StatementError::TooManyResources { found: 2, limit: 1 }
    );
}

#[test]
fn long_hostile_values_are_clipped_in_errors() {
    let mut v = base();
    v["predicate"]["serialization"]["method"] = json!("x".repeat(10_000));
    match parse_rooted(v).unwrap_err() {
        StatementError::UnknownMethod { found, .. } => {
            assert_eq!(found, format!("{}…", "x".repeat(200)))
        }
        other => panic!("{other:?}"),
    }
}

fn legacy(subjects: Value) -> Value {
    json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": LEGACY_PREDICATE_TYPE,
        "predicate": {"unused": "Unused, just passed due to API requirements"}
    })
}

#[test]
fn legacy_statement_lists_files_as_subjects() {
    let v = legacy(json!([
        {"name": "b", "digest": {"sha256": D2}, "annotations": {"actual_hash_algorithm": "file-sha256"}},
        {"name": "a", "digest": {"sha256": D1}},
    ]));
    let s = parse(&v).unwrap();
    assert!(s.legacy);
    assert_eq!(
        s.manifest,
        files_manifest_named(
            LEGACY_MODEL_NAME,
            &[("b", vec![0x22; 32]), ("a", vec![0x11; 32])]
        )
    );
    assert_eq!(s.subject_digest, s.manifest.root_digest().to_vec());
}

fn files_manifest_named(name: &str, resources: &[(&str, Vec<u8>)]) -> Manifest {
    Manifest {
        model_name: name.into(),
        ..files_manifest(resources)
    }
}

#[test]
fn legacy_statement_is_validated_too() {
    let v = legacy(json!([
        {"name": "a", "digest": {"sha256": D2}},
        {"name": "a", "digest": {"sha256": D1}},
    ]));
    assert_eq!(
        parse(&v).unwrap_err(),
        StatementError::DuplicateResource {
            field: "subject[1]".into(),
            name: "a".into()
        }
    );
    let v = legacy(json!([{"name": "../a", "digest": {"sha256": D2}}]));
    assert!(matches!(
        parse(&v).unwrap_err(),
        StatementError::InvalidResourceName { field, .. } if field == "subject[0].name"
    ));
}
