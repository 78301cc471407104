//! `sign pkcs11-key` and `sign pkcs11-certificate` end to end against SoftHSM: keys live in a
//! throw-away token made with `softhsm2-util` and `pkcs11-tool`, public keys and certificates
//! come from `openssl`, and every signature is verified by our CLI, by the Python reference and
//! by `openssl dgst -verify`.
//!
//! Each test has its own token directory, handed to every child process through
//! `SOFTHSM2_CONF` (never set in this process), so the tests can run in parallel.

use crate::common;

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use common::bundle::{b64_decode, pae, payload_bytes, read_json};
use common::models::{small_model, write};
use common::pki::{pki, Curve};
use common::{sha256_hex, tempdir, unhex, Output, Run};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "omstest";
const PIN: &str = "1234";

/// Leaf extensions the reference requires of a signing certificate.
const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                        extendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\n\
                        authorityKeyIdentifier=keyid\n";

/// An EC key pair generated inside the token.
#[derive(Clone, Copy)]
struct TokenKey {
    label: &'static str,
    id: &'static str,
    curve: Curve,
    pkcs11_tool_type: &'static str,
    /// DER of the named-curve OID, as CKA_EC_PARAMS holds it.
    ec_params: &'static str,
}

const K256: TokenKey = TokenKey {
    label: "k256",
    id: "01",
    curve: Curve::P256,
    pkcs11_tool_type: "EC:prime256v1",
    ec_params: "06082a8648ce3d030107",
};

const K384: TokenKey = TokenKey {
    label: "k384",
    id: "02",
    curve: Curve::P384,
    pkcs11_tool_type: "EC:secp384r1",
    ec_params: "06052b81040022",
};

/// A SoftHSM token holding `K256` and `K384`, in a private token directory.
struct Hsm {
    dir: TempDir,
    conf: PathBuf,
}

impl Hsm {
    fn new() -> Self {
        assert!(
            Path::new(MODULE).is_file(),
            "SoftHSM is not installed ({MODULE} is missing): apt-get install -y softhsm2 opensc"
        );
        let dir = tempdir();
        let tokens = dir.path().join("tokens");
        fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n\
                 slots.removable = false\n",
                tokens.display()
            ),
        )
        .unwrap();
        let hsm = Hsm { dir, conf };
        hsm.with_conf(Run::new("softhsm2-util"))
            .args(["--init-token", "--free", "--label", TOKEN])
            .args(["--pin", PIN, "--so-pin", "5678"])
            .run()
            .ok();
        for key in [K256, K384] {
            hsm.pkcs11_tool()
                .args(["--login", "--pin", PIN, "--keypairgen"])
                .args(["--key-type", key.pkcs11_tool_type])
                .args(["--id", key.id, "--label", key.label])
                .run()
                .ok();
        }
        hsm
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn with_conf(&self, run: Run) -> Run {
        run.env("SOFTHSM2_CONF", &self.conf)
    }

    fn ours(&self) -> Run {
        self.with_conf(Run::ours())
    }

    fn pkcs11_tool(&self) -> Run {
        self.with_conf(Run::new("pkcs11-tool"))
            .args(["--module", MODULE, "--token-label", TOKEN])
    }

    /// The token's public key as canonical PEM (`openssl pkey -pubout`), built from the
    /// CKA_EC_POINT and CKA_EC_PARAMS that `pkcs11-tool --list-objects` prints. (opensc
    /// 0.23's `--read-object --type pubkey` fails on P-384 keys with "cannot create
    /// EVP_PKEY", so it is only used to cross-check P-256.)
    fn public_pem(&self, key: TokenKey) -> PathBuf {
        let out = self
            .pkcs11_tool()
            .args(["--list-objects", "--type", "pubkey"])
            .run();
        out.ok();
        let block = out
            .stdout
            .split("Public Key Object")
            .find(|block| {
                block
                    .lines()
                    .any(|line| line.trim() == format!("ID:         {}", key.id))
            })
            .unwrap_or_else(|| panic!("no public key with ID {} in:\n{}", key.id, out.stdout));
        let field = |name: &str| -> Vec<u8> {
            let line = block
                .lines()
                .find_map(|line| line.trim().strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in:\n{block}"));
            unhex(line.trim())
        };
        assert_eq!(field("EC_PARAMS:"), unhex(key.ec_params));
        // CKA_EC_POINT is a DER OCTET STRING around the uncompressed SEC1 point.
        let octets = field("EC_POINT:");
        assert_eq!(octets[0], 0x04, "EC_POINT is not an OCTET STRING");
        assert_eq!(usize::from(octets[1]), octets.len() - 2, "EC_POINT length");
        let point = &octets[2..];
        assert_eq!(point[0], 0x04, "EC point is not uncompressed");

        let ec_public_key_oid = unhex("06072a8648ce3d0201");
        let algorithm = der(0x30, &[ec_public_key_oid, unhex(key.ec_params)].concat());
        let bits = der(0x03, &[&[0u8][..], point].concat());
        let spki = der(0x30, &[algorithm, bits].concat());
        let der_path = self.path(&format!("{}.pub.der", key.label));
        fs::write(&der_path, &spki).unwrap();

        let pem = self.path(&format!("{}.pub.pem", key.label));
        Run::openssl()
            .args(["pkey", "-pubin", "-inform", "DER", "-in"])
            .arg(&der_path)
            .args(["-outform", "PEM", "-out"])
            .arg(&pem)
            .run()
            .ok();
        pem
    }

    /// What `pkcs11-tool --read-object --type pubkey` exports: DER SubjectPublicKeyInfo.
    fn read_object_spki(&self, key: TokenKey) -> Vec<u8> {
        let out = self.path(&format!("{}.read-object.der", key.label));
        self.pkcs11_tool()
            .args(["--read-object", "--type", "pubkey", "--id", key.id, "-o"])
            .arg(&out)
            .run()
            .ok();
        fs::read(out).unwrap()
    }

    /// A URI that loads SoftHSM by path and logs in with `pin-value`.
    fn uri(object: &str) -> String {
        format!("pkcs11:token={TOKEN};object={object}?module-path={MODULE}&pin-value={PIN}")
    }
}

/// One short-form DER TLV (every structure here is under 128 bytes).
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    assert!(content.len() < 128, "long-form DER length not needed here");
    [&[tag, content.len() as u8][..], content].concat()
}

/// Checks the bundle's DSSE signature with `openssl dgst -verify` and the curve's hash.
fn openssl_verifies(dir: &Path, signature: &Path, public_pem: &Path, curve: Curve) {
    let bundle = read_json(signature);
    let sigs = bundle["dsseEnvelope"]["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 1, "{bundle}");
    let sig = dir.join("dsse.sig.der");
    let data = dir.join("dsse.pae");
    fs::write(&sig, b64_decode(sigs[0]["sig"].as_str().unwrap())).unwrap();
    fs::write(&data, pae(&payload_bytes(&bundle))).unwrap();
    let out = Run::openssl()
        .args(["dgst", curve.digest_flag(), "-verify"])
        .arg(public_pem)
        .arg("-signature")
        .arg(&sig)
        .arg(&data)
        .run();
    out.ok();
    assert_eq!(out.stdout, "Verified OK\n");
}

fn verify_key(run: Run, model: &Path, public_pem: &Path, signature: &Path) -> Output {
    run.args(["verify", "key", "--public_key"])
        .arg(public_pem)
        .arg("--signature")
        .arg(signature)
        .arg(model)
        .run()
}

fn verify_certificate(run: Run, model: &Path, root: &Path, signature: &Path) -> Output {
    run.args(["verify", "certificate", "--certificate_chain"])
        .arg(root)
        .arg("--signature")
        .arg(signature)
        .arg(model)
        .run()
}

/// The DER of the (first) certificate in a PEM file, as `openssl x509 -outform DER` writes it.
fn cert_der(pem: &Path) -> Vec<u8> {
    let (_, code, der, err) = Run::openssl()
        .args(["x509", "-outform", "DER", "-in"])
        .arg(pem)
        .run_bytes();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    der
}

#[test]
fn pkcs11_key_signatures_verify_with_ours_the_reference_and_openssl() {
    let hsm = Hsm::new();
    let model = small_model(hsm.dir.path(), "model");
    let k256_public = hsm.public_pem(K256);
    let k384_public = hsm.public_pem(K384);
    assert_eq!(
        hsm.read_object_spki(K256),
        fs::read(hsm.path("k256.pub.der")).unwrap(),
        "the SPKI built from CKA_EC_POINT is what pkcs11-tool exports"
    );
    for (key, public, other_public) in [
        (K256, &k256_public, &k384_public),
        (K384, &k384_public, &k256_public),
    ] {
        let signature = hsm.path(&format!("{}.sig", key.label));
        hsm.ours()
            .args(["sign", "pkcs11-key", "--pkcs11_uri", &Hsm::uri(key.label)])
            .arg("--signature")
            .arg(&signature)
            .arg(&model)
            .run()
            .signed();

        let bundle = read_json(&signature);
        let material = &bundle["verificationMaterial"];
        assert_eq!(
            material["publicKey"]["hint"].as_str(),
            Some(sha256_hex(&fs::read(public).unwrap()).as_str()),
            "the hint is the SHA-256 of the canonical PEM: {bundle}"
        );
        assert_eq!(material["tlogEntries"], serde_json::json!([]));
        openssl_verifies(hsm.dir.path(), &signature, public, key.curve);

        verify_key(Run::ours(), &model, public, &signature).verified();
        verify_key(Run::reference(), &model, public, &signature).verified();

        // The other key on the token did not sign this.
        verify_key(Run::ours(), &model, other_public, &signature)
            .failed()
            .stderr_names("Key mismatch");
        verify_key(Run::reference(), &model, other_public, &signature)
            .failed()
            .stderr_names("Key mismatch");
    }
}

#[test]
fn pkcs11_key_signature_of_a_tampered_model_fails_naming_the_file() {
    let hsm = Hsm::new();
    let model = small_model(hsm.dir.path(), "model");
    let public = hsm.public_pem(K256);
    let signature = hsm.path("model.sig");
    hsm.ours()
        .args(["sign", "pkcs11-key", "--pkcs11_uri", &Hsm::uri("k256")])
        .arg("--signature")
        .arg(&signature)
        .arg(&model)
        .run()
        .signed();
    verify_key(Run::ours(), &model, &public, &signature).verified();

    write(&model, "sub/tokenizer.txt", b"tampered\n");
    verify_key(Run::ours(), &model, &public, &signature)
        .failed()
        .stderr_names("sub/tokenizer.txt");
    verify_key(Run::reference(), &model, &public, &signature)
        .failed()
        .stderr_names("sub/tokenizer.txt");
}

#[test]
fn pkcs11_uri_forms_module_name_pin_source_id_and_hyphenated_flag() {
    let hsm = Hsm::new();
    let model = small_model(hsm.dir.path(), "model");
    let pin_file = hsm.path("pin.txt");
    // Written the way `echo` writes it: the trailing newline is not part of the PIN.
    fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    let pin_path = pin_file.display().to_string();
    let cases = [
        (
            "pkcs11-key",
            "--pkcs11_uri",
            format!("pkcs11:token={TOKEN};object=k256?module-name=softhsm2&pin-source=file:{pin_path}"),
            K256,
        ),
        (
            "pkcs11-key",
            "--pkcs11-uri",
            format!("pkcs11:token={TOKEN};object=k384?module-name=softhsm2&pin-source=file://{pin_path}"),
            K384,
        ),
        (
            "pkcs11_key",
            "--pkcs11-uri",
            format!("pkcs11:token={TOKEN};id=%02?module-path={MODULE}&pin-source={pin_path}"),
            K384,
        ),
        (
            "pkcs11-key",
            "--pkcs11_uri",
            format!("pkcs11:object=k256;id=%01?module-name=softhsm2&pin-value={PIN}"),
            K256,
        ),
    ];
    for (i, (subcommand, flag, uri, key)) in cases.into_iter().enumerate() {
        let public = hsm.public_pem(key);
        let signature = hsm.path(&format!("case{i}.sig"));
        hsm.ours()
            .args(["sign", subcommand, flag, &uri])
            .arg("--signature")
            .arg(&signature)
            .arg(&model)
            .run()
            .signed();
        verify_key(Run::ours(), &model, &public, &signature).verified();
        verify_key(Run::reference(), &model, &public, &signature).verified();
        openssl_verifies(hsm.dir.path(), &signature, &public, key.curve);
    }
}

/// The test PKI (root and intermediate from `common::pki`) with a leaf certificate issued by
/// the intermediate for `public` (a key the issuer never saw the private half of).
fn leaf_for_public_key(dir: &Path, public: &Path, name: &str) -> PathBuf {
    let inter_key = dir.join("inter.key.pem");
    assert!(
        inter_key.is_file(),
        "common::pki keeps the intermediate key there"
    );
    let ext = dir.join("token-leaf.ext");
    fs::write(&ext, LEAF_EXT).unwrap();
    let leaf = dir.join(format!("{name}.cert.pem"));
    Run::openssl()
        .args(["x509", "-new", "-force_pubkey"])
        .arg(public)
        .args(["-subj", &format!("/CN=Token signer {name}"), "-CA"])
        .arg(dir.join("inter.cert.pem"))
        .arg("-CAkey")
        .arg(&inter_key)
        .args(["-days", "365", "-sha256", "-extfile"])
        .arg(&ext)
        .arg("-out")
        .arg(&leaf)
        .run()
        .ok();
    leaf
}

#[test]
fn pkcs11_certificate_signatures_verify_with_ours_and_the_reference() {
    let hsm = Hsm::new();
    let model = small_model(hsm.dir.path(), "model");
    let ca_dir = hsm.path("ca");
    fs::create_dir(&ca_dir).unwrap();
    let ca = pki(&ca_dir, Curve::P256);
    for key in [K256, K384] {
        let public = hsm.public_pem(key);
        let leaf = leaf_for_public_key(&ca_dir, &public, key.label);
        let signature = hsm.path(&format!("{}-cert.sig", key.label));
        hsm.ours()
            .args([
                "sign",
                "pkcs11-certificate",
                "--pkcs11_uri",
                &Hsm::uri(key.label),
            ])
            .arg("--signing_certificate")
            .arg(&leaf)
            .arg("--certificate_chain")
            .arg(&ca.intermediate_cert)
            .arg("--signature")
            .arg(&signature)
            .arg(&model)
            .run()
            .signed();

        let bundle = read_json(&signature);
        let material = &bundle["verificationMaterial"];
        let certs: Vec<Vec<u8>> = material["x509CertificateChain"]["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| b64_decode(c["rawBytes"].as_str().unwrap()))
            .collect();
        assert_eq!(
            certs,
            vec![cert_der(&leaf), cert_der(&ca.intermediate_cert)],
            "the chain is the leaf then the --certificate_chain file"
        );
        assert_eq!(material["tlogEntries"], serde_json::json!([]));
        assert!(material.get("publicKey").is_none(), "{bundle}");
        openssl_verifies(hsm.dir.path(), &signature, &public, key.curve);

        verify_certificate(Run::ours(), &model, &ca.root_cert, &signature).verified();
        verify_certificate(Run::reference(), &model, &ca.root_cert, &signature).verified();

        write(&model, "README.md", b"# tampered\n");
        verify_certificate(Run::ours(), &model, &ca.root_cert, &signature)
            .failed()
            .stderr_names("README.md");
        verify_certificate(Run::reference(), &model, &ca.root_cert, &signature)
            .failed()
            .stderr_names("README.md");
        write(&model, "README.md", b"# tiny\n");
    }
}

#[test]
fn pkcs11_certificate_for_another_key_is_refused_at_signing() {
    let hsm = Hsm::new();
    let model = small_model(hsm.dir.path(), "model");
    let ca_dir = hsm.path("ca");
    fs::create_dir(&ca_dir).unwrap();
    let ca = pki(&ca_dir, Curve::P256);
    // The token's P-384 key certified, but the P-256 key named by the URI.
    let k384_leaf = leaf_for_public_key(&ca_dir, &hsm.public_pem(K384), "k384");
    // A P-256 certificate whose key was made by openssl, not the token.
    let foreign_leaf = ca.leaf_cert.clone();
    for leaf in [&k384_leaf, &foreign_leaf] {
        let signature = hsm.path("refused.sig");
        hsm.ours()
            .args([
                "sign",
                "pkcs11-certificate",
                "--pkcs11_uri",
                &Hsm::uri("k256"),
            ])
            .arg("--signing_certificate")
            .arg(leaf)
            .arg("--certificate_chain")
            .arg(&ca.intermediate_cert)
            .arg("--signature")
            .arg(&signature)
            .arg(&model)
            .run()
            .failed()
            .stderr_names(
                "The public key from the certificate does not match the public key of the \
                 PKCS#11 key",
            );
        assert!(!signature.exists(), "no signature may be written");
    }
}

/// Signs with `uri`, expecting exit 1, no signature file, and stderr naming every `needle`.
fn sign_fails(hsm: &Hsm, model: &Path, uri: &str, needles: &[&str]) {
    let signature = hsm.path("failed.sig");
    let out = hsm
        .ours()
        .args(["sign", "pkcs11-key", "--pkcs11_uri", uri])
        .arg("--signature")
        .arg(&signature)
        .arg(model)
        .run();
    out.failed().stderr_names("Signing failed with error: ");
    for needle in needles {
        out.stderr_names(needle);
    }
    assert!(!signature.exists(), "no signature may be written for {uri}");
}

#[test]
fn pkcs11_errors_name_their_cause() {
    let hsm = Hsm::new();
    let model = small_model(hsm.dir.path(), "model");

    sign_fails(
        &hsm,
        &model,
        &format!("pkcs11:token={TOKEN};object=k256?module-path={MODULE}&pin-value=9999"),
        &["the PIN for PKCS#11 token 'omstest' is incorrect"],
    );
    sign_fails(
        &hsm,
        &model,
        &Hsm::uri("nosuchkey"),
        &["no EC private key with object 'nosuchkey' on PKCS#11 token 'omstest'"],
    );
    sign_fails(
        &hsm,
        &model,
        &format!("pkcs11:token={TOKEN};object=k256?module-name=softhsm2"),
        &[
            "no EC private key with object 'k256' on PKCS#11 token 'omstest'",
            "no PIN was given",
        ],
    );
    sign_fails(
        &hsm,
        &model,
        &format!("pkcs11:token=nosuchtoken;object=k256?module-path={MODULE}&pin-value={PIN}"),
        &["no PKCS#11 token matches token='nosuchtoken'", "'omstest'"],
    );
    let missing = hsm.path("libmissing.so");
    sign_fails(
        &hsm,
        &model,
        &format!(
            "pkcs11:token={TOKEN};object=k256?module-path={}&pin-value={PIN}",
            missing.display()
        ),
        &[
            "PKCS#11 URI attribute 'module-path'",
            &missing.display().to_string(),
            "does not exist",
        ],
    );
    sign_fails(
        &hsm,
        &model,
        &format!("pkcs11:token={TOKEN};object=k256?module-name=nosuchmodule&pin-value={PIN}"),
        &["no module 'nosuchmodule' (libnosuchmodule.so or nosuchmodule.so)"],
    );
    let not_a_library = write(hsm.dir.path(), "libfake.so", b"not a shared library\n");
    sign_fails(
        &hsm,
        &model,
        &format!(
            "pkcs11:token={TOKEN};object=k256?module-path={}&pin-value={PIN}",
            not_a_library.display()
        ),
        &[&format!(
            "cannot load PKCS#11 module {}",
            not_a_library.display()
        )],
    );
    let missing_pin = hsm.path("no-pin-file");
    sign_fails(
        &hsm,
        &model,
        &format!(
            "pkcs11:token={TOKEN};object=k256?module-path={MODULE}&pin-source={}",
            missing_pin.display()
        ),
        &["'pin-source'", &missing_pin.display().to_string()],
    );
    sign_fails(
        &hsm,
        &model,
        "pkcs11:token=omstest",
        &["needs 'id' and/or 'object'"],
    );
    sign_fails(
        &hsm,
        &model,
        "notauri",
        &["expected it to start with 'pkcs11:'"],
    );

    // After all of that the token still signs.
    let signature = hsm.path("after.sig");
    hsm.ours()
        .args(["sign", "pkcs11-key", "--pkcs11_uri", &Hsm::uri("k256")])
        .arg("--signature")
        .arg(&signature)
        .arg(&model)
        .run()
        .signed();
    verify_key(Run::ours(), &model, &hsm.public_pem(K256), &signature).verified();
}
