//! Parsing a signed payload back into the manifest it promises.

use std::collections::HashSet;

use serde_json::Value;

use crate::manifest::{
    self, Digest, HashAlgorithm, Manifest, ManifestError, Method, Resource, Serialization,
};

use super::*;
use crate::json_node::{FieldError, Node as JsonNode};

/// Parses a signed payload into the manifest it promises (docs/FORMAT.md §6.4), checking everything the
/// reference checks plus what it should (sane ignore paths, names inside the model, no
/// duplicates, digest lengths, known algorithms).
pub fn parse_statement(payload: &[u8]) -> Result<SignedStatement, StatementError> {
    parse_with_limits(
        payload,
        Limits {
            max_bytes: MAX_PAYLOAD_BYTES,
            max_resources: MAX_RESOURCES,
        },
    )
}

#[derive(Clone, Copy)]
pub(super) struct Limits {
    pub(super) max_bytes: usize,
    pub(super) max_resources: usize,
}

pub(super) fn parse_with_limits(
    payload: &[u8],
    limits: Limits,
) -> Result<SignedStatement, StatementError> {
    if payload.len() > limits.max_bytes {
        return Err(StatementError::TooLarge {
            size: payload.len(),
            limit: limits.max_bytes,
        });
    }
    let value: Value =
        serde_json::from_slice(payload).map_err(|e| StatementError::NotJson(e.to_string()))?;
    let top = Node::root(&value);
    let statement_type = top.field("_type")?.str()?;
    if statement_type != STATEMENT_TYPE {
        return Err(StatementError::StatementType {
            found: clip(statement_type),
        });
    }
    match top.field("predicateType")?.str()? {
        PREDICATE_TYPE => parse_current(&top, limits),
        LEGACY_PREDICATE_TYPE => parse_legacy(&top, limits),
        other => Err(StatementError::PredicateType { found: clip(other) }),
    }
}

fn parse_current(top: &Node<'_>, limits: Limits) -> Result<SignedStatement, StatementError> {
    let subject_node = top.field("subject")?;
    let subjects = subject_node.array()?;
    let [subject] = subjects else {
        return Err(StatementError::SubjectCount {
            found: subjects.len(),
        });
    };
    let subject = subject_node.item(0, subject);
    // Verifiers ignore the model name; in-toto allows it to be absent.
    let model_name = match subject.opt_field("name")? {
        Some(name) => name.str()?.to_string(),
        None => String::new(),
    };
    let subject_digest = parse_hex(&subject.field("digest")?.field("sha256")?, 32)?;

    let predicate = top.field("predicate")?;
    let serialization = parse_serialization(&predicate.field("serialization")?)?;
    let resources_node = predicate.field("resources")?;
    let items = resources_node.array()?;
    check_resource_count(items.len(), limits)?;

    let mut seen = HashSet::with_capacity(items.len());
    let mut resources = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let node = resources_node.item(i, item);
        let (name, digest) = parse_resource(&node, &serialization)?;
        if !seen.insert(name) {
            return Err(StatementError::DuplicateResource {
                field: node.path,
                name: clip(name),
            });
        }
        resources.push(Resource {
            name: name.to_string(),
            digest,
        });
    }

    let computed = manifest::root_digest(resources.iter().map(|r| r.digest.value.as_slice()));
    if computed.as_slice() != subject_digest.as_slice() {
        return Err(StatementError::InconsistentRoot {
            subject: hex::encode(&subject_digest),
            computed: hex::encode(computed),
        });
    }
    Ok(SignedStatement {
        manifest: Manifest {
            model_name,
            serialization,
            resources,
        },
        subject_digest,
        legacy: false,
    })
}

fn parse_legacy(top: &Node<'_>, limits: Limits) -> Result<SignedStatement, StatementError> {
    let subject_node = top.field("subject")?;
    let subjects = subject_node.array()?;
    check_resource_count(subjects.len(), limits)?;
    let mut seen = HashSet::with_capacity(subjects.len());
    let mut resources = Vec::with_capacity(subjects.len());
    for (i, item) in subjects.iter().enumerate() {
        let node = subject_node.item(i, item);
        let name_node = node.field("name")?;
        let name = name_node.str()?;
        manifest::validate_resource_path(name).map_err(|source| {
            StatementError::InvalidResourceName {
                field: name_node.path.clone(),
                source,
            }
        })?;
        let value = parse_hex(&node.field("digest")?.field("sha256")?, 32)?;
        if !seen.insert(name) {
            return Err(StatementError::DuplicateResource {
                field: node.path,
                name: clip(name),
            });
        }
        resources.push(Resource {
            name: name.to_string(),
            digest: Digest::new(HashAlgorithm::Sha256.wire_name(), value),
        });
    }
    let manifest = Manifest {
        model_name: LEGACY_MODEL_NAME.to_string(),
        serialization: Serialization::default(),
        resources,
    };
    Ok(SignedStatement {
        subject_digest: manifest.root_digest().to_vec(),
        manifest,
        legacy: true,
    })
}

fn check_resource_count(found: usize, limits: Limits) -> Result<(), StatementError> {
    if found > limits.max_resources {
        return Err(StatementError::TooManyResources {
            found,
            limit: limits.max_resources,
        });
    }
    Ok(())
}

fn parse_serialization(node: &Node<'_>) -> Result<Serialization, StatementError> {
    let method_node = node.field("method")?;
    let method_name = method_node.str()?;
    let hash_node = node.field("hash_type")?;
    let hash_name = hash_node.str()?;
    let hash_type = HashAlgorithm::from_wire_name(hash_name).ok_or_else(|| {
        StatementError::UnknownHashType {
            field: hash_node.path.clone(),
            found: clip(hash_name),
        }
    })?;
    let allow_symlinks = node.field("allow_symlinks")?.bool()?;
    let method = match method_name {
        "files" => Method::Files,
        "shards" => Method::Shards {
            shard_size: parse_shard_size(&node.field("shard_size")?)?,
        },
        other => {
            return Err(StatementError::UnknownMethod {
                field: method_node.path,
                found: clip(other),
            })
        }
    };
    let ignore_paths = match node.opt_field("ignore_paths")? {
        Some(paths) => parse_ignore_paths(&paths)?,
        None => Vec::new(),
    };
    Ok(Serialization {
        method,
        hash_type,
        allow_symlinks,
        ignore_paths,
    })
}

/// The reference writes `shard_size` as a float (`1000000000.0`); any JSON number with a
/// positive integral value is accepted.
fn parse_shard_size(node: &Node<'_>) -> Result<u64, StatementError> {
    let Value::Number(n) = node.value else {
        return Err(node.wrong_type("a positive integral number"));
    };
    let invalid = || StatementError::InvalidShardSize {
        field: node.path.clone(),
        found: clip(&n.to_string()),
    };
    if let Some(u) = n.as_u64() {
        return if u > 0 { Ok(u) } else { Err(invalid()) };
    }
    match n.as_f64() {
        // 2^64 is exact as a double; below it every integral double fits in a u64.
        Some(f) if (1.0..18_446_744_073_709_551_616.0).contains(&f) && f.fract() == 0.0 => {
            Ok(f as u64)
        }
        _ => Err(invalid()),
    }
}

fn parse_ignore_paths(node: &Node<'_>) -> Result<Vec<String>, StatementError> {
    let items = node.array()?;
    let mut paths = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item = node.item(i, item);
        let raw = item.str()?;
        // The signer's own policy: a path it would refuse is refused here.
        let path = crate::path::normalize_ignore_path(raw).map_err(|e| {
            StatementError::InvalidIgnorePath {
                field: item.path.clone(),
                path: clip(raw),
                reason: e.problem,
            }
        })?;
        paths.push(path);
    }
    // A set in the reference; sorted here so equal statements compare equal.
    paths.sort_unstable();
    paths.dedup();
    Ok(paths)
}

fn parse_resource<'a>(
    node: &Node<'a>,
    serialization: &Serialization,
) -> Result<(&'a str, Digest), StatementError> {
    let name_node = node.field("name")?;
    let name = name_node.str()?;
    validate_name(name, serialization.method).map_err(|source| {
        StatementError::InvalidResourceName {
            field: name_node.path.clone(),
            source,
        }
    })?;
    let algorithm_node = node.field("algorithm")?;
    let algorithm = check_algorithm(algorithm_node.str()?, serialization, &algorithm_node.path)?;
    let value = parse_hex(&node.field("digest")?, serialization.hash_type.digest_len())?;
    Ok((name, Digest::new(algorithm, value)))
}

fn validate_name(name: &str, method: Method) -> Result<(), ManifestError> {
    match method {
        Method::Files => manifest::validate_resource_path(name),
        Method::Shards { .. } => {
            let (path, _, _) = manifest::parse_shard_name(name)?;
            manifest::validate_resource_path(path)
        }
    }
}

/// Files need the plain hash name. Shards accept what the reference writes
/// (`<hash>-sharded-<N>`) and what the spec writes (the plain name), normalized to the former
/// because the algorithm string takes part in digest equality.
fn check_algorithm(
    found: &str,
    serialization: &Serialization,
    field: &str,
) -> Result<String, StatementError> {
    let plain = serialization.hash_type.wire_name();
    let written = serialization.method.algorithm_name(serialization.hash_type);
    let accepted = match serialization.method {
        Method::Files => found == plain,
        Method::Shards { .. } => found == written || found == plain,
    };
    if accepted {
        return Ok(written);
    }
    let expected = match serialization.method {
        Method::Files => format!("{written:?}"),
        Method::Shards { .. } => format!("{written:?} or {plain:?}"),
    };
    Err(StatementError::AlgorithmMismatch {
        field: field.to_string(),
        expected,
        found: clip(found),
    })
}

/// Decodes a hex digest (either case) of exactly `len` bytes.
fn parse_hex(node: &Node<'_>, len: usize) -> Result<Vec<u8>, StatementError> {
    let text = node.str()?;
    if text.len() != 2 * len {
        return Err(StatementError::DigestLength {
            field: node.path.clone(),
            expected: 2 * len,
            found: text.len(),
        });
    }
    hex::decode(text).map_err(|_| StatementError::InvalidHex {
        field: node.path.clone(),
        found: clip(text),
    })
}

type Node<'a> = JsonNode<'a, StatementError>;

impl FieldError for StatementError {
    const ROOT: &'static str = "(statement)";
    fn missing_field(field: String) -> Self {
        StatementError::MissingField { field }
    }
    fn wrong_type(field: String, expected: &'static str, found: &'static str) -> Self {
        StatementError::WrongType {
            field,
            expected,
            found,
        }
    }
}
