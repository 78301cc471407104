//! TUF refresh against a local TUF repository: metadata signed in the test with
//! ECDSA P-256 keys over TUF canonical JSON, served over HTTP on 127.0.0.1 by a
//! small thread that counts requests.

#![cfg(feature = "tuf")]

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use oms_sigstore::tuf::{
    load_trust_material, refresh_trusted_root, refresh_trusted_root_at, TrustProvenance,
    TrustRefresh, TufError, TufOptions, TufRefresh,
};
use oms_sigstore::TrustSource;
use serde_json::{json, Value};
use sigstore_crypto::KeyPair;
use sigstore_trust_root::SigstoreInstance;

const FAR_FUTURE: &str = "2999-01-01T00:00:00Z";

fn fixture_trusted_root() -> Vec<u8> {
    std::fs::read(common::fixtures().join("trust/public-good-trusted_root.json")).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    sigstore_crypto::sha256(bytes).to_hex()
}

// ---- signing TUF metadata ---------------------------------------------------------

/// One TUF key: its declared id, its public key object and its private half.
struct Signer {
    id: String,
    public: Value,
    pair: KeyPair,
}

impl Signer {
    fn new() -> Self {
        let pair = KeyPair::generate_ecdsa_p256().unwrap();
        let pem = pair.public_key_der().unwrap().to_pem();
        // Key ids are opaque to TUF clients; a hash of the PEM keeps them unique.
        Self {
            id: sha256_hex(pem.as_bytes()),
            public: json!({
                "keytype": "ecdsa",
                "scheme": "ecdsa-sha2-nistp256",
                "keyval": { "public": pem },
            }),
            pair,
        }
    }
}

/// `{"signed": …, "signatures": […]}` with each signer's signature over the
/// canonical JSON of `signed`.
fn sign(signed: &Value, signers: &[&Signer]) -> Vec<u8> {
    let canonical = sigstore_tuf::canonical_json::to_canonical_bytes(signed).unwrap();
    let signatures: Vec<Value> = signers
        .iter()
        .map(|s| {
            let sig = s.pair.sign(&canonical).unwrap();
            json!({ "keyid": s.id, "sig": hex::encode(sig.as_bytes()) })
        })
        .collect();
    serde_json::to_vec_pretty(&json!({ "signed": signed, "signatures": signatures })).unwrap()
}

/// The keys of one root version.
struct RoleKeys {
    root: Signer,
    timestamp: Signer,
    snapshot: Signer,
    targets: Signer,
}

impl RoleKeys {
    fn new() -> Self {
        Self {
            root: Signer::new(),
            timestamp: Signer::new(),
            snapshot: Signer::new(),
            targets: Signer::new(),
        }
    }

    fn root_signed(&self, version: u64) -> Value {
        let role = |s: &Signer| json!({ "keyids": [s.id], "threshold": 1 });
        let mut keys = serde_json::Map::new();
        for s in [&self.root, &self.timestamp, &self.snapshot, &self.targets] {
            keys.insert(s.id.clone(), s.public.clone());
        }
        json!({
            "_type": "root",
            "spec_version": "1.0.31",
            "version": version,
            "expires": FAR_FUTURE,
            "consistent_snapshot": true,
            "keys": keys,
            "roles": {
                "root": role(&self.root),
                "timestamp": role(&self.timestamp),
                "snapshot": role(&self.snapshot),
                "targets": role(&self.targets),
            },
        })
    }
}

/// A repository directory laid out like the Sigstore CDN (consistent
/// snapshots: `N.snapshot.json`, `N.targets.json`, `targets/<sha256>.<name>`).
struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("targets")).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path().join(name), bytes).unwrap();
    }

    /// Writes `N.root.json` signed by `signers`; returns its bytes.
    fn publish_root(&self, keys: &RoleKeys, version: u64, signers: &[&Signer]) -> Vec<u8> {
        let bytes = sign(&keys.root_signed(version), signers);
        self.write(&format!("{version}.root.json"), &bytes);
        bytes
    }

    /// Writes the targets, `1.targets.json`, `1.snapshot.json` and
    /// `timestamp.json`, signed with `keys`.
    fn publish(&self, keys: &RoleKeys, targets: &[(&str, &[u8])], timestamp_expires: &str) {
        let mut listed = serde_json::Map::new();
        for (name, bytes) in targets {
            let hash = sha256_hex(bytes);
            self.write(&format!("targets/{hash}.{name}"), bytes);
            listed.insert(
                (*name).to_owned(),
                json!({ "length": bytes.len(), "hashes": { "sha256": hash } }),
            );
        }
        let targets = sign(
            &json!({
                "_type": "targets", "spec_version": "1.0.31", "version": 1,
                "expires": FAR_FUTURE, "targets": listed,
            }),
            &[&keys.targets],
        );
        self.write("1.targets.json", &targets);
        let snapshot = sign(
            &json!({
                "_type": "snapshot", "spec_version": "1.0.31", "version": 1,
                "expires": FAR_FUTURE, "meta": { "targets.json": { "version": 1 } },
            }),
            &[&keys.snapshot],
        );
        self.write("1.snapshot.json", &snapshot);
        let timestamp = sign(
            &json!({
                "_type": "timestamp", "spec_version": "1.0.31", "version": 1,
                "expires": timestamp_expires,
                "meta": { "snapshot.json": {
                    "version": 1,
                    "length": snapshot.len(),
                    "hashes": { "sha256": sha256_hex(&snapshot) },
                } },
            }),
            &[&keys.timestamp],
        );
        self.write("timestamp.json", &timestamp);
    }
}

/// A repository with one root version and `trusted_root.json`; returns it with
/// the bootstrap root.
fn simple_repo(timestamp_expires: &str) -> (Repo, Vec<u8>) {
    let repo = Repo::new();
    let keys = RoleKeys::new();
    let root = repo.publish_root(&keys, 1, &[&keys.root]);
    let trusted_root = fixture_trusted_root();
    repo.publish(
        &keys,
        &[("trusted_root.json", &trusted_root)],
        timestamp_expires,
    );
    (repo, root)
}

// ---- serving it -----------------------------------------------------------------

/// Serves a directory over HTTP/1.1 (GET only, `Connection: close`) and counts
/// the requests it receives.
struct Server {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start(dir: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let stopping = Arc::new(AtomicBool::new(false));
        let dir = dir.to_owned();
        let (count, stop) = (requests.clone(), stopping.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    count.fetch_add(1, Ordering::SeqCst);
                    serve(&dir, stream);
                }
            }
        });
        Self {
            addr,
            requests,
            stopping,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Stops accepting and closes the port: later connections are refused.
    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stopping.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(self.addr);
            thread.join().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(dir: &Path, stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/");
    let file = dir.join(path.trim_start_matches('/'));
    let body = if path.contains("..") {
        None
    } else {
        std::fs::read(file).ok()
    };
    let mut stream = stream;
    let (status, body) = match body {
        Some(body) => ("200 OK", body),
        None => ("404 Not Found", b"not found".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

// ---- helpers --------------------------------------------------------------------

fn options(url: &str, root: &[u8], cache: &Path) -> TufOptions {
    TufOptions {
        fallback: Some(TrustSource::PublicGood),
        ..TufOptions::custom(url, root.to_vec(), cache.join("tuf"))
    }
}

fn cached_root_version(cache_dir: &Path) -> u64 {
    let root: Value =
        serde_json::from_slice(&std::fs::read(cache_dir.join("root.json")).unwrap()).unwrap();
    root["signed"]["version"].as_u64().unwrap()
}

fn assert_outcome(refresh: &TufRefresh, provenance: TrustProvenance, origin: &str) {
    assert_eq!(refresh.provenance, provenance);
    assert_eq!(refresh.material.origin(), origin);
}

// ---- tests ----------------------------------------------------------------------

#[test]
fn first_refresh_fetches_and_caches_then_the_cache_serves_when_the_server_is_down() {
    let (repo, root) = simple_repo(FAR_FUTURE);
    let mut server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &root, cache.path());
    let url = server.url();

    let first = refresh_trusted_root(&opts).unwrap();
    assert_outcome(
        &first,
        TrustProvenance::Updated,
        &format!("TUF repository {url} trusted_root.json"),
    );
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    assert!(first.material.signing_config().is_none());
    // 2.root.json (404), timestamp, 1.snapshot, 1.targets, the target.
    assert_eq!(server.requests(), 5);
    assert_eq!(
        std::fs::read(opts.cache_dir.join("targets/trusted_root.json")).unwrap(),
        fixture_trusted_root()
    );
    for name in [
        "root.json",
        "timestamp.json",
        "snapshot.json",
        "targets.json",
    ] {
        assert!(opts.cache_dir.join(name).is_file(), "{name} not cached");
    }

    // Nothing changed upstream: only the root probe and the timestamp are fetched.
    let second = refresh_trusted_root(&opts).unwrap();
    assert_eq!(second.provenance, TrustProvenance::Updated);
    assert_eq!(server.requests(), 7);

    server.stop();
    let down = refresh_trusted_root(&opts).unwrap();
    let cache_origin = format!(
        "TUF cache {} of {url} trusted_root.json",
        opts.cache_dir.display()
    );
    assert_outcome(&down, TrustProvenance::Cached, &cache_origin);
    assert_eq!(down.warnings.len(), 1);
    let warning = &down.warnings[0];
    assert!(
        warning.starts_with(&format!(
            "TUF repository {url} unreachable: transport error: GET {url}/2.root.json failed"
        )),
        "{warning}"
    );
    assert!(
        warning.ends_with("; using the cached trusted root"),
        "{warning}"
    );

    // Offline with a valid cache: the cache, silently.
    let offline = refresh_trusted_root(&TufOptions {
        offline: true,
        ..opts.clone()
    })
    .unwrap();
    assert_outcome(&offline, TrustProvenance::Cached, &cache_origin);
    assert!(offline.warnings.is_empty());
}

#[test]
fn a_rotated_root_is_followed() {
    let repo = Repo::new();
    let v1 = RoleKeys::new();
    let v2 = RoleKeys::new();
    let bootstrap = repo.publish_root(&v1, 1, &[&v1.root]);
    // A new root is signed by the old root keys and its own.
    repo.publish_root(&v2, 2, &[&v1.root, &v2.root]);
    let trusted_root = fixture_trusted_root();
    repo.publish(&v2, &[("trusted_root.json", &trusted_root)], FAR_FUTURE);
    let server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &bootstrap, cache.path());

    let refresh = refresh_trusted_root(&opts).unwrap();
    assert_eq!(refresh.provenance, TrustProvenance::Updated);
    assert!(refresh.warnings.is_empty());
    assert_eq!(cached_root_version(&opts.cache_dir), 2);
    // 2.root.json, 3.root.json (404), timestamp, snapshot, targets, target.
    assert_eq!(server.requests(), 6);
}

#[test]
fn a_rotated_root_not_signed_by_the_old_keys_is_rejected() {
    let repo = Repo::new();
    let v1 = RoleKeys::new();
    let v2 = RoleKeys::new();
    let bootstrap = repo.publish_root(&v1, 1, &[&v1.root]);
    repo.publish_root(&v2, 2, &[&v2.root]);
    let trusted_root = fixture_trusted_root();
    repo.publish(&v2, &[("trusted_root.json", &trusted_root)], FAR_FUTURE);
    let server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &bootstrap, cache.path());

    let err = refresh_trusted_root(&opts).unwrap_err();
    assert!(matches!(err, TufError::Untrusted { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "TUF repository {}: untrusted metadata: signature threshold not met for role root: \
             0/1 valid signatures",
            server.url()
        )
    );
}

#[test]
fn a_target_whose_hash_does_not_match_is_rejected() {
    let (repo, root) = simple_repo(FAR_FUTURE);
    // Same length, one byte changed: only the hash can catch it.
    let mut tampered = fixture_trusted_root();
    let last = tampered.len() - 2;
    tampered[last] = b' ';
    assert_ne!(tampered, fixture_trusted_root());
    let name = format!(
        "targets/{}.trusted_root.json",
        sha256_hex(&fixture_trusted_root())
    );
    repo.write(&name, &tampered);
    let server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &root, cache.path());

    let err = refresh_trusted_root(&opts).unwrap_err();
    assert!(matches!(err, TufError::Integrity { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "TUF repository {}: integrity check failed: trusted_root.json: sha256 mismatch",
            server.url()
        )
    );
    assert!(!opts.cache_dir.join("targets/trusted_root.json").exists());
}

#[test]
fn expired_timestamp_metadata_is_rejected() {
    let (repo, root) = simple_repo("2001-01-01T00:00:00Z");
    let server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &root, cache.path());

    let err = refresh_trusted_root(&opts).unwrap_err();
    match &err {
        TufError::Expired { role, expires, .. } => {
            assert_eq!(role, "timestamp");
            assert_eq!(expires, "2001-01-01T00:00:00Z");
        }
        other => panic!("expected Expired, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "TUF repository {}: timestamp metadata expired at 2001-01-01T00:00:00Z",
            server.url()
        )
    );
}

#[test]
fn a_cache_whose_metadata_expired_is_not_used() {
    let (repo, root) = simple_repo("2030-01-01T00:00:00Z");
    let mut server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &root, cache.path());
    let before: jiff::Timestamp = "2029-01-01T00:00:00Z".parse().unwrap();
    let after: jiff::Timestamp = "2031-01-01T00:00:00Z".parse().unwrap();

    let first = refresh_trusted_root_at(&opts, before).unwrap();
    assert_eq!(first.provenance, TrustProvenance::Updated);
    server.stop();
    let cached = refresh_trusted_root_at(&opts, before).unwrap();
    assert_eq!(cached.provenance, TrustProvenance::Cached);

    let expired = refresh_trusted_root_at(&opts, after).unwrap();
    assert_outcome(
        &expired,
        TrustProvenance::Fallback,
        "embedded public-good trusted root",
    );
    let warning = &expired.warnings[0];
    assert!(
        warning.ends_with(&format!(
            "; no usable TUF cache (TUF repository {}: timestamp metadata expired at \
             2030-01-01T00:00:00Z); using the embedded public-good trusted root",
            server.url()
        )),
        "{warning}"
    );
}

#[test]
fn a_tampered_cache_is_not_trusted() {
    let (repo, root) = simple_repo(FAR_FUTURE);
    let server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &root, cache.path());
    refresh_trusted_root(&opts).unwrap();
    std::fs::write(
        opts.cache_dir.join("targets/trusted_root.json"),
        b"{\"mediaType\": \"forged\"}",
    )
    .unwrap();

    let offline = TufOptions {
        offline: true,
        ..opts.clone()
    };
    let refresh = refresh_trusted_root(&offline).unwrap();
    assert_outcome(
        &refresh,
        TrustProvenance::Fallback,
        "embedded public-good trusted root",
    );
    let hash = sha256_hex(&fixture_trusted_root());
    assert_eq!(
        refresh.warnings,
        vec![format!(
            "offline; no usable TUF cache (TUF cache for {}: {}: transport error: target \
             {hash}.trusted_root.json not found); using the embedded public-good trusted root",
            server.url(),
            opts.cache_dir.display()
        )]
    );

    // Online, the bad copy is replaced by a verified download.
    let online = refresh_trusted_root(&opts).unwrap();
    assert_eq!(online.provenance, TrustProvenance::Updated);
    assert_eq!(
        std::fs::read(opts.cache_dir.join("targets/trusted_root.json")).unwrap(),
        fixture_trusted_root()
    );
}

#[test]
fn offline_never_connects() {
    let (repo, root) = simple_repo(FAR_FUTURE);
    let server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = TufOptions {
        offline: true,
        ..options(&server.url(), &root, cache.path())
    };

    let refresh = refresh_trusted_root(&opts).unwrap();
    assert_outcome(
        &refresh,
        TrustProvenance::Fallback,
        "embedded public-good trusted root",
    );
    assert_eq!(
        refresh.warnings,
        vec![format!(
            "offline; no usable TUF cache (TUF cache for {}: no cached metadata in {}); using \
             the embedded public-good trusted root",
            server.url(),
            opts.cache_dir.display()
        )]
    );
    assert_eq!(server.requests(), 0);
    assert!(!opts.cache_dir.exists());
}

#[test]
fn an_unreachable_repository_without_cache_falls_back_with_a_warning() {
    let (repo, root) = simple_repo(FAR_FUTURE);
    let mut server = Server::start(repo.path());
    server.stop();
    let cache = tempfile::tempdir().unwrap();
    let url = server.url();
    let opts = TufOptions {
        fallback: Some(TrustSource::Staging),
        ..options(&url, &root, cache.path())
    };

    let refresh = refresh_trusted_root(&opts).unwrap();
    assert_outcome(
        &refresh,
        TrustProvenance::Fallback,
        "embedded staging trusted root",
    );
    assert!(refresh.material.signing_config().is_some());
    let warning = &refresh.warnings[0];
    assert!(
        warning.starts_with(&format!("TUF repository {url} unreachable: ")),
        "{warning}"
    );
    assert!(
        warning.ends_with(&format!(
            "; no usable TUF cache (TUF cache for {url}: no cached metadata in {}); using the \
             embedded staging trusted root",
            opts.cache_dir.display()
        )),
        "{warning}"
    );

    let no_fallback = TufOptions {
        fallback: None,
        ..opts
    };
    let err = refresh_trusted_root(&no_fallback).unwrap_err();
    assert!(matches!(err, TufError::NoTrustedRoot { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with(&format!(
            "no trusted root from TUF repository {url} and no fallback: "
        )),
        "{err}"
    );
}

#[test]
fn a_listed_signing_config_comes_with_the_trusted_root() {
    let repo = Repo::new();
    let keys = RoleKeys::new();
    let root = repo.publish_root(&keys, 1, &[&keys.root]);
    let trusted_root = fixture_trusted_root();
    let signing_config = SigstoreInstance::PublicGood
        .embedded_signing_config_json()
        .unwrap()
        .as_bytes()
        .to_vec();
    repo.publish(
        &keys,
        &[
            ("trusted_root.json", &trusted_root),
            ("signing_config.v0.2.json", &signing_config),
        ],
        FAR_FUTURE,
    );
    let mut server = Server::start(repo.path());
    let cache = tempfile::tempdir().unwrap();
    let opts = options(&server.url(), &root, cache.path());

    let refresh = refresh_trusted_root(&opts).unwrap();
    assert_outcome(
        &refresh,
        TrustProvenance::Updated,
        &format!("TUF repository {}", server.url()),
    );
    assert!(refresh.material.signing_config().is_some());

    server.stop();
    let offline = refresh_trusted_root(&TufOptions {
        offline: true,
        ..opts.clone()
    })
    .unwrap();
    assert_eq!(offline.provenance, TrustProvenance::Cached);
    assert!(offline.material.signing_config().is_some());
}

#[test]
fn a_bad_bootstrap_root_is_an_error() {
    let cache = tempfile::tempdir().unwrap();
    let opts = options("http://127.0.0.1:9", b"{}", cache.path());
    let err = refresh_trusted_root(&opts).unwrap_err();
    assert!(matches!(err, TufError::BootstrapRoot { .. }), "{err:?}");
}

#[test]
fn load_trust_material_refreshes_only_instances_it_is_asked_to() {
    let embedded = load_trust_material(&TrustSource::PublicGood, TrustRefresh::Never).unwrap();
    assert_outcome(
        &embedded,
        TrustProvenance::NotRefreshed,
        "embedded public-good trusted root",
    );
    assert!(embedded.warnings.is_empty());

    // Trust files are explicit: never refreshed, even when online is asked for.
    let file = common::fixtures().join("trust/staging-trusted_root.json");
    let loaded = load_trust_material(
        &TrustSource::TrustedRootFile(file.clone()),
        TrustRefresh::Online,
    )
    .unwrap();
    assert_outcome(
        &loaded,
        TrustProvenance::NotRefreshed,
        &file.display().to_string(),
    );
}
