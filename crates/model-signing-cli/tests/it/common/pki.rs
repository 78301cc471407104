//! Keys and certificate chains made with the `openssl` command line, so that no key material
//! comes from the code under test.

use std::fs;
use std::path::{Path, PathBuf};

use super::Run;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    pub const ALL: [Curve; 3] = [Curve::P256, Curve::P384, Curve::P521];

    pub fn openssl_name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The digest openssl must use for the curve (docs/FORMAT.md §4).
    pub fn digest_flag(self) -> &'static str {
        match self {
            Curve::P256 => "-sha256",
            Curve::P384 => "-sha384",
            Curve::P521 => "-sha512",
        }
    }
}

/// How the private key PEM is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// `-----BEGIN PRIVATE KEY-----`
    Pkcs8,
    /// `-----BEGIN EC PRIVATE KEY-----`
    Sec1,
}

#[derive(Debug, Clone)]
pub struct KeyPair {
    pub curve: Curve,
    pub private: PathBuf,
    pub public: PathBuf,
}

impl KeyPair {
    /// `model_signing sign key` of `model` with this key into `signature`; more options may
    /// be added before running it.
    pub fn sign(&self, model: &Path, signature: &Path) -> Run {
        Run::ours()
            .args(["sign", "key", "--private_key"])
            .arg(&self.private)
            .arg("--signature")
            .arg(signature)
            .arg(model)
    }

    /// `model_signing verify key` of `model` against `signature` with this key.
    pub fn verify(&self, model: &Path, signature: &Path) -> Run {
        Run::ours()
            .args(["verify", "key", "--public_key"])
            .arg(&self.public)
            .arg("--signature")
            .arg(signature)
            .arg(model)
    }
}

/// A fresh EC key pair `<name>.key.pem` / `<name>.pub.pem` in `dir`.
pub fn ec_key(dir: &Path, name: &str, curve: Curve, format: KeyFormat) -> KeyPair {
    let private = dir.join(format!("{name}.key.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let curve_opt = format!("ec_paramgen_curve:{}", curve.openssl_name());
    let pkcs8 = dir.join(format!("{name}.pkcs8.pem"));
    Run::openssl()
        .args(["genpkey", "-algorithm", "EC", "-pkeyopt", &curve_opt])
        .args(["-pkeyopt", "ec_param_enc:named_curve", "-out"])
        .arg(&pkcs8)
        .run()
        .ok();
    match format {
        KeyFormat::Pkcs8 => fs::rename(&pkcs8, &private).unwrap(),
        KeyFormat::Sec1 => {
            Run::openssl()
                .args(["ec", "-in"])
                .arg(&pkcs8)
                .arg("-out")
                .arg(&private)
                .run()
                .ok();
            fs::remove_file(&pkcs8).unwrap();
        }
    }
    Run::openssl()
        .args(["pkey", "-in"])
        .arg(&private)
        .args(["-pubout", "-out"])
        .arg(&public)
        .run()
        .ok();
    let pem = fs::read_to_string(&private).unwrap();
    let want = match format {
        KeyFormat::Pkcs8 => "-----BEGIN PRIVATE KEY-----",
        KeyFormat::Sec1 => "-----BEGIN EC PRIVATE KEY-----",
    };
    assert!(pem.starts_with(want), "unexpected key format: {pem}");
    KeyPair {
        curve,
        private,
        public,
    }
}

/// A three-level PKI: self-signed root, intermediate CA, code-signing leaf.
#[derive(Debug, Clone)]
pub struct Pki {
    pub root_cert: PathBuf,
    pub intermediate_cert: PathBuf,
    pub leaf_cert: PathBuf,
    pub leaf: KeyPair,
}

/// Builds a root (P-384) -> intermediate (P-256) -> leaf (`leaf_curve`) chain in `dir`. The
/// leaf has KU digitalSignature and EKU codeSigning, as the reference requires.
pub fn pki(dir: &Path, leaf_curve: Curve) -> Pki {
    let root = ec_key(dir, "root", Curve::P384, KeyFormat::Pkcs8);
    let inter = ec_key(dir, "inter", Curve::P256, KeyFormat::Pkcs8);
    let leaf = ec_key(dir, "leaf", leaf_curve, KeyFormat::Pkcs8);
    let root_cert = dir.join("root.cert.pem");
    let intermediate_cert = dir.join("inter.cert.pem");
    let leaf_cert = dir.join("leaf.cert.pem");
    let ca_ext = dir.join("ca.ext");
    let leaf_ext = dir.join("leaf.ext");
    fs::write(
        &ca_ext,
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();
    fs::write(
        &leaf_ext,
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
         extendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n",
    )
    .unwrap();

    Run::openssl()
        .args(["req", "-x509", "-new", "-sha384", "-days", "3650"])
        .args(["-subj", "/CN=Test Root CA/O=model-signing tests"])
        .args(["-addext", "basicConstraints=critical,CA:TRUE"])
        .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        .arg("-key")
        .arg(&root.private)
        .arg("-out")
        .arg(&root_cert)
        .run()
        .ok();
    issue(
        dir,
        &inter,
        "/CN=Test Intermediate CA",
        &root_cert,
        &root,
        &ca_ext,
        &intermediate_cert,
    );
    issue(
        dir,
        &leaf,
        "/CN=Test Signer",
        &intermediate_cert,
        &inter,
        &leaf_ext,
        &leaf_cert,
    );
    Pki {
        root_cert,
        intermediate_cert,
        leaf_cert,
        leaf,
    }
}

fn issue(
    dir: &Path,
    subject_key: &KeyPair,
    subject: &str,
    issuer_cert: &Path,
    issuer_key: &KeyPair,
    ext: &Path,
    out: &Path,
) {
    let csr = dir.join("req.csr");
    Run::openssl()
        .args(["req", "-new", "-subj", subject, "-key"])
        .arg(&subject_key.private)
        .arg("-out")
        .arg(&csr)
        .run()
        .ok();
    Run::openssl()
        .args([
            "x509",
            "-req",
            "-sha256",
            "-days",
            "1825",
            "-set_serial",
            "4242",
        ])
        .arg("-in")
        .arg(&csr)
        .arg("-CA")
        .arg(issuer_cert)
        .arg("-CAkey")
        .arg(&issuer_key.private)
        .arg("-extfile")
        .arg(ext)
        .arg("-out")
        .arg(out)
        .run()
        .ok();
    fs::remove_file(&csr).unwrap();
}

/// DER ECDSA signature of `data` with the curve's hash, made by `openssl dgst -sign`.
pub fn openssl_sign(key: &KeyPair, data: &[u8]) -> Vec<u8> {
    let dir = super::tempdir();
    let input = dir.path().join("data");
    let sig = dir.path().join("sig");
    fs::write(&input, data).unwrap();
    Run::openssl()
        .args(["dgst", key.curve.digest_flag(), "-sign"])
        .arg(&key.private)
        .arg("-out")
        .arg(&sig)
        .arg(&input)
        .run()
        .ok();
    fs::read(&sig).unwrap()
}
