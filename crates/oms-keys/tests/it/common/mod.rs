//! Test helpers: fixture paths and an `openssl` command-line driver that builds throwaway keys
//! and PKIs in a temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;

/// The reference's test data in the repository's conformance fixtures (`tests/fixtures/`).
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/model-transparency")
}

pub fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn b64(text: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

/// DSSE v1 pre-authentication encoding for the in-toto payload type.
pub fn pae(payload: &[u8]) -> Vec<u8> {
    let payload_type = "application/vnd.in-toto+json";
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// Runs `openssl` in `dir`; panics with its stderr on failure.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the `openssl` command-line tool must be installed for these tests");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Writes a private key with `openssl genpkey`: `alg` is a curve name (`P-256`, `secp256k1`),
/// `RSA` or `ED25519`. Returns its path.
pub fn genpkey(dir: &Path, name: &str, alg: &str) -> PathBuf {
    let file = format!("{name}.key");
    let mut args = vec!["genpkey", "-out", &file];
    let curve_opt = format!("ec_paramgen_curve:{alg}");
    match alg {
        "RSA" => args.extend(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
        "ED25519" => args.extend(["-algorithm", "ED25519"]),
        _ => args.extend(["-algorithm", "EC", "-pkeyopt", &curve_opt]),
    }
    openssl(dir, &args);
    dir.join(file)
}

/// `string_mask = default` makes names written in extension sections (a dirName constraint)
/// PrintableString, while request subjects stay UTF8String: directoryName matching is tested
/// across encodings.
const CA_CONFIG: &str = "\
[ca]
default_ca = CA_default
[CA_default]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
string_mask = default
[policy_any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
";

pub const ROOT_EXT: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n";
pub const CA_EXT: &str = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n";
pub const LEAF_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n";

/// The validity most certificates get: wide enough to cover every leaf's notBefore.
pub const WIDE: (&str, &str) = ("20190101000000Z", "20400101000000Z");

/// A scratch PKI built with `openssl ca`, which (unlike `openssl x509 -req`) sets both dates.
pub struct Pki {
    pub dir: tempfile::TempDir,
}

/// The certificate to issue: its file stem, its subject (`openssl req -subj`, `+` joins a
/// multi-valued RDN) and its key.
pub struct Who<'a> {
    pub stem: &'a str,
    pub subject: &'a str,
    pub key: Key<'a>,
}

pub enum Key<'a> {
    /// A new key of this algorithm (see [`genpkey`]).
    New(&'a str),
    /// The key already saved under this file stem.
    Of(&'a str),
}

#[derive(Clone)]
pub struct Issued {
    pub der: Vec<u8>,
    pub key: PathBuf,
    pub pem_path: PathBuf,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.cnf"), CA_CONFIG).unwrap();
        std::fs::write(dir.path().join("index.txt"), "").unwrap();
        std::fs::write(dir.path().join("serial"), "1000\n").unwrap();
        Pki { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Issues `/CN=<cn>` with a new `alg` key, signed by `issuer` (a name given earlier) or
    /// self-signed, with `ext` as the extension section and `dates` as (notBefore, notAfter).
    pub fn issue(
        &self,
        cn: &str,
        alg: &str,
        issuer: Option<&str>,
        ext: &str,
        dates: (&str, &str),
    ) -> Issued {
        let stem = cn.replace(' ', "_");
        let subject = format!("/CN={cn}");
        let who = Who {
            stem: &stem,
            subject: &subject,
            key: Key::New(alg),
        };
        self.issue_as(
            &who,
            issuer.map(|i| i.replace(' ', "_")).as_deref(),
            ext,
            dates,
        )
    }

    /// Issues `who` signed by the certificate and key saved under the file stem `issuer` (or
    /// self-signed), with `ext` as the extension section (text after it may add the sections
    /// it refers to) and `dates` as (notBefore, notAfter). The subject is kept as requested.
    pub fn issue_as(
        &self,
        who: &Who,
        issuer: Option<&str>,
        ext: &str,
        dates: (&str, &str),
    ) -> Issued {
        let dir = self.path();
        let stem = who.stem;
        let key = match who.key {
            Key::New(alg) => genpkey(dir, stem, alg),
            Key::Of(other) => dir.join(format!("{other}.key")),
        };
        let key_file = key.file_name().unwrap().to_str().unwrap().to_string();
        let csr = format!("{stem}.csr");
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-config",
                "ca.cnf",
                "-key",
                &key_file,
                "-subj",
                who.subject,
                "-multivalue-rdn",
                "-out",
                &csr,
            ],
        );
        let ext_file = format!("{stem}.ext");
        std::fs::write(dir.join(&ext_file), format!("[ext]\n{ext}")).unwrap();
        let pem = format!("{stem}.pem");
        let mut args = vec![
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-preserveDN",
            "-in",
            &csr,
            "-out",
            &pem,
            "-startdate",
            dates.0,
            "-enddate",
            dates.1,
            "-extfile",
            &ext_file,
            "-extensions",
            "ext",
            "-notext",
        ];
        let issuer_key;
        let issuer_cert;
        match issuer {
            None => args.extend(["-selfsign", "-keyfile", &key_file]),
            Some(name) => {
                issuer_key = format!("{name}.key");
                issuer_cert = format!("{name}.pem");
                args.extend(["-keyfile", &issuer_key, "-cert", &issuer_cert]);
            }
        }
        openssl(dir, &args);
        // Decoded here rather than by the library, which may refuse what a test issues.
        let pem_text = std::fs::read_to_string(dir.join(&pem)).unwrap();
        let base64: String = pem_text
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        Issued {
            der: b64(&base64),
            key,
            pem_path: dir.join(pem),
        }
    }
}
