//! The promises of the pure parts, over generated inputs: a packed folder's manifest maps to
//! exactly the statement `model_signing` signs for the folder; an untrusted manifest never names
//! a path outside the model, or a file twice; a changed layer is a mismatch naming the file.

use std::path::Path;

use model_signing::{digest_model, Error as ModelError, HashingConfig};
use oms_oci::pack::{model_config, model_manifest, PackedFile};
use oms_oci::{
    artifact_manifest, compare_with_signed, Error, ModelArtifact, Sha256Digest, StatementOptions,
};

/// A small deterministic generator (xorshift), so failures replay.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const NAMES: &[&str] = &[
    "a",
    "b",
    "a-b",
    "a.b",
    "model.safetensors",
    "config.json",
    "README.md",
    ".git",
    ".gitignore",
    ".github",
    "sp ace",
    "é",
    "x:1:2",
    "tokenizer.model",
    "UPPER",
];

/// A random model folder: files at random depths with random contents. Returns the files.
fn random_model(rng: &mut Rng, root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let count = 1 + rng.below(12);
    for _ in 0..count {
        let depth = 1 + rng.below(3);
        let parts: Vec<&str> = (0..depth)
            .map(|_| NAMES[rng.below(NAMES.len() as u64) as usize])
            .collect();
        let path = parts.join("/");
        // Skip a path that is a folder of, or inside, a file already chosen.
        let clash = files.iter().any(|(p, _)| {
            p == &path || path.starts_with(&format!("{p}/")) || p.starts_with(&format!("{path}/"))
        });
        if clash {
            continue;
        }
        let len = rng.below(300) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let target = root.join(&path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, &data).unwrap();
        files.push((path, data));
    }
    files
}

fn packed(files: &[(String, Vec<u8>)]) -> Vec<PackedFile> {
    files
        .iter()
        .map(|(path, data)| PackedFile {
            path: path.clone(),
            digest: Sha256Digest::of(data),
            size: data.len() as u64,
        })
        .collect()
}

fn artifact_of(files: &[PackedFile]) -> ModelArtifact {
    let config = model_config("m", files);
    ModelArtifact::parse(&model_manifest(&config, files)).unwrap()
}

#[test]
fn the_manifest_maps_to_the_statement_the_folder_signs() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut compared = 0;
    for case in 0..60 {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("my-model");
        std::fs::create_dir(&root).unwrap();
        let files = random_model(&mut rng, &root);
        let ignore_paths: Vec<String> = if case % 3 == 0 {
            vec![files[0].0.clone()]
        } else {
            Vec::new()
        };
        let cfg = HashingConfig {
            ignore_paths: ignore_paths.clone(),
            workers: Some(1),
            ..HashingConfig::default()
        };
        let opts = StatementOptions {
            model_name: "my-model".into(),
            ignore_paths,
            ignore_git_paths: true,
        };
        let artifact = artifact_of(&packed(&files));
        match (
            digest_model(&root, &cfg, &model_signing::no_progress),
            artifact_manifest(&artifact, &opts),
        ) {
            (Ok(folder), Ok(Ok(oci))) => {
                if folder.resources.is_empty() {
                    continue;
                }
                assert_eq!(
                    String::from_utf8(oms_format::statement::statement_bytes(&oci)).unwrap(),
                    String::from_utf8(oms_format::statement::statement_bytes(&folder)).unwrap(),
                    "case {case}: {files:?}"
                );
                compare_with_signed(&folder, &artifact).unwrap().unwrap();
                compared += 1;
            }
            // Everything ignored: the folder has no resource, the artifact is refused.
            (Ok(folder), Err(Error::EmptyModel)) => assert!(folder.resources.is_empty()),
            (folder, oci) => panic!("case {case}: folder {folder:?}, artifact {oci:?}"),
        }
    }
    assert!(compared > 40, "only {compared} cases compared");
}

#[test]
fn a_changed_added_or_missing_layer_is_a_mismatch_naming_the_file() {
    let files = vec![
        ("w.bin".to_string(), b"weights".to_vec()),
        ("c/config.json".to_string(), b"{}".to_vec()),
    ];
    let signed = artifact_manifest(&artifact_of(&packed(&files)), &StatementOptions::named("m"))
        .unwrap()
        .unwrap();
    let mut changed = packed(&files);
    changed[0].digest = Sha256Digest::of(b"weightz");
    let mut added = packed(&files);
    added.push(PackedFile {
        path: "extra.py".into(),
        digest: Sha256Digest::of(b"x"),
        size: 1,
    });
    let missing = packed(&files[1..]);
    for (variant, name, word) in [
        (changed, "w.bin", "changed"),
        (added, "extra.py", "added"),
        (missing, "w.bin", "missing"),
    ] {
        match compare_with_signed(&signed, &artifact_of(&variant)) {
            Err(Error::Model(ModelError::Mismatch(report))) => {
                let text = report.to_string();
                assert!(text.contains(name), "{word}: {text}");
            }
            other => panic!("{word}: expected a mismatch, got {other:?}"),
        }
    }
}

fn manifest_with_layer(media_type: &str, digest: &str, path: Option<&str>) -> String {
    let annotations = path
        .map(|p| {
            format!(
                r#","annotations":{{"org.cncf.model.filepath":{}}}"#,
                serde_json::to_string(p).unwrap()
            )
        })
        .unwrap_or_default();
    format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.cncf.model.manifest.v1+json","config":{{"mediaType":"application/vnd.cncf.model.config.v1+json","digest":"{d}","size":2}},"layers":[{{"mediaType":"{media_type}","digest":"{digest}","size":1{annotations}}}]}}"#,
        d = Sha256Digest::of(b"{}")
    )
}

const RAW: &str = "application/vnd.cncf.model.weight.v1.raw";

#[test]
fn paths_that_leave_the_model_are_refused() {
    let digest = Sha256Digest::of(b"x").to_string();
    for bad in [
        "",
        ".",
        "..",
        "../x",
        "a/../../x",
        "/etc/passwd",
        "a//b",
        "./a",
        "a/./b",
        "a/",
        "a\\b",
        "a\0b",
        "..\\x",
    ] {
        let m = manifest_with_layer(RAW, &digest, Some(bad));
        match ModelArtifact::parse(m.as_bytes()) {
            Err(Error::InvalidPath { path, .. }) => assert_eq!(path, bad),
            other => panic!("{bad:?}: expected InvalidPath, got {other:?}"),
        }
    }
    let m = manifest_with_layer(RAW, &digest, None);
    assert!(matches!(
        ModelArtifact::parse(m.as_bytes()),
        Err(Error::InvalidPath { .. })
    ));
}

#[test]
fn malformed_digests_and_layers_are_refused() {
    let good = Sha256Digest::of(b"x").to_string();
    for bad in [
        good.to_uppercase(),
        good.replace("sha256:", "sha512:"),
        format!("{good}00"),
        "sha256:xyz".to_string(),
    ] {
        let m = manifest_with_layer(RAW, &bad, Some("a"));
        assert!(
            matches!(
                ModelArtifact::parse(m.as_bytes()),
                Err(Error::InvalidDigest { .. })
            ),
            "{bad}"
        );
    }
    for media_type in [
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.cncf.model.weight.v1.zip",
    ] {
        let m = manifest_with_layer(media_type, &good, Some("a"));
        assert!(
            matches!(
                ModelArtifact::parse(m.as_bytes()),
                Err(Error::UnsupportedLayer { .. })
            ),
            "{media_type}"
        );
    }
    let big = format!(
        "{}{}",
        " ".repeat(oms_oci::MAX_MANIFEST_BYTES),
        manifest_with_layer(RAW, &good, Some("a"))
    );
    assert!(matches!(
        ModelArtifact::parse(big.as_bytes()),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn a_path_twice_or_a_file_holding_a_file_is_refused() {
    let one = |path: &str, data: &[u8]| PackedFile {
        path: path.into(),
        digest: Sha256Digest::of(data),
        size: data.len() as u64,
    };
    let twice = [one("a/w", b"1"), one("a/w", b"2")];
    let config = model_config("m", &twice);
    assert!(matches!(
        ModelArtifact::parse(&model_manifest(&config, &twice)),
        Err(Error::DuplicatePath { .. })
    ));
    // `a-b` sorts between `a` and `a/x`: the check is not one of neighbours.
    let nested = [one("a", b"1"), one("a-b", b"2"), one("a/x", b"3")];
    let config = model_config("m", &nested);
    match ModelArtifact::parse(&model_manifest(&config, &nested)) {
        Err(Error::FileAndFolder { file, inside }) => {
            assert_eq!((file.as_str(), inside.as_str()), ("a", "a/x"))
        }
        other => panic!("expected FileAndFolder, got {other:?}"),
    }
}

#[test]
fn mutated_manifests_never_yield_a_path_outside_the_model() {
    let files = vec![
        ("dir/w.bin".to_string(), b"weights".to_vec()),
        ("config.json".to_string(), b"{}".to_vec()),
    ];
    let packed = packed(&files);
    let base = model_manifest(&model_config("m", &packed), &packed);
    let mut rng = Rng(42);
    let alphabet = b"./\\\0\"aA:{}[],0 ";
    for _ in 0..20_000 {
        let mut bytes = base.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len() as u64) as usize;
            bytes[at] = alphabet[rng.below(alphabet.len() as u64) as usize];
        }
        if let Ok(artifact) = ModelArtifact::parse(&bytes) {
            for (path, _) in artifact.raw_files() {
                oms_format::manifest::validate_resource_path(path).unwrap();
                assert!(path != "." && !path.split('/').any(|c| c == ".."), "{path}");
            }
        }
    }
}
