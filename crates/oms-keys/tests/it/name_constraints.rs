//! Name constraints on chains built with `openssl ca`, with OpenSSL itself as the oracle: for
//! every chain, `verify_chain` must agree with `openssl verify` at the same instant (the
//! signing certificate's notBefore, the reference's verification time), whether or not the
//! constraining CA marks nameConstraints critical.

use crate::common;

use std::process::Command;

use common::{genpkey, Issued, Key, Pki, Who, CA_EXT, LEAF_EXT, ROOT_EXT, WIDE};
use oms_keys::certificate::{verify_chain, CertError};

const LEAF_DATES: (&str, &str) = ("20240101000000Z", "20250101000000Z");
/// LEAF_DATES.0 as seconds since the epoch, for `openssl verify -attime`.
const LEAF_NOT_BEFORE: &str = "1704067200";
const LEAF_KEY: &str = "Leaf_Key";

/// A root, and under it two CAs with the same nameConstraints, one marking them critical.
struct Constrained {
    pki: Pki,
    root: Issued,
    /// (critical, stem, certificate)
    cas: Vec<(bool, String, Issued)>,
    leaves: usize,
}

impl Constrained {
    /// `constraint` is OpenSSL config text (`permitted;email:@partner.example`); `sections`
    /// holds the config sections it refers to (`dirName:...`).
    fn new(constraint: &str, sections: &str) -> Self {
        Self::with_extension("nameConstraints", constraint, sections)
    }

    /// Constraints given as the DER of the extension's value, in hex.
    fn der(hex: &str) -> Self {
        Self::with_extension("2.5.29.30", &format!("DER:{hex}"), "")
    }

    fn with_extension(extension: &str, value: &str, sections: &str) -> Self {
        let pki = Pki::new();
        let root = pki.issue("Test Root", "P-256", None, ROOT_EXT, WIDE);
        genpkey(pki.path(), LEAF_KEY, "P-256");
        let cas = [false, true]
            .into_iter()
            .map(|critical| {
                let (stem, subject) = if critical {
                    ("Critical_CA", "/CN=Critical CA")
                } else {
                    ("Plain_CA", "/CN=Plain CA")
                };
                let flag = if critical { "critical," } else { "" };
                let ext = format!("{CA_EXT}{extension}={flag}{value}\n{sections}");
                let who = Who {
                    stem,
                    subject,
                    key: Key::New("P-256"),
                };
                let ca = pki.issue_as(&who, Some("Test_Root"), &ext, WIDE);
                (critical, stem.to_string(), ca)
            })
            .collect();
        Constrained {
            pki,
            root,
            cas,
            leaves: 0,
        }
    }

    /// A signing certificate under the CA `ca_stem`, with `subject` and the extension lines
    /// `extra` (`subjectAltName=...` and any sections it refers to) after the usual ones.
    fn leaf(&mut self, ca_stem: &str, subject: &str, extra: &str) -> Issued {
        self.leaves += 1;
        let stem = format!("Leaf_{}", self.leaves);
        let who = Who {
            stem: &stem,
            subject,
            key: Key::Of(LEAF_KEY),
        };
        let ext = format!("{LEAF_EXT}{extra}");
        self.pki.issue_as(&who, Some(ca_stem), &ext, LEAF_DATES)
    }

    /// Issues the leaf under both CAs, verifies each chain with `verify_chain` and with
    /// `openssl verify`, asserts they agree and that the verdict is `expect_ok`; returns our
    /// error for the non-critical and the critical CA.
    fn case(&mut self, subject: &str, extra: &str, expect_ok: bool) -> Vec<Option<CertError>> {
        let cas = self.cas.clone();
        let mut errors = Vec::new();
        for (critical, stem, ca) in cas {
            let leaf = self.leaf(&stem, subject, extra);
            let what = format!("subject {subject:?}, {extra:?}, critical: {critical}");
            let ours = verify_both(&self.pki, &self.root, &[&ca], &leaf, &what);
            assert_eq!(ours.is_ok(), expect_ok, "{what}: {ours:?}");
            errors.push(ours.err());
        }
        errors
    }

    /// Where we deliberately depart from OpenSSL: issues the leaf under both CAs and returns,
    /// for each, our error (we must refuse) and OpenSSL's verdict.
    fn departure(&mut self, subject: &str, extra: &str) -> Vec<(CertError, Result<(), String>)> {
        let cas = self.cas.clone();
        let mut verdicts = Vec::new();
        for (_, stem, ca) in cas {
            let leaf = self.leaf(&stem, subject, extra);
            let chain = [leaf.der.clone(), ca.der.clone()];
            let ours = verify_chain(&chain, std::slice::from_ref(&self.root.der));
            let theirs = openssl_verify(&self.pki, &self.root, &[&ca], &leaf);
            verdicts.push((ours.unwrap_err(), theirs));
        }
        verdicts
    }
}

/// Verifies `leaf` through `intermediates` to `root` with `verify_chain` and with `openssl
/// verify`, asserts both reach the same verdict and that a refusal comes from the name
/// constraints (not some unrelated check); returns our verdict.
fn verify_both(
    pki: &Pki,
    root: &Issued,
    intermediates: &[&Issued],
    leaf: &Issued,
    what: &str,
) -> Result<(), CertError> {
    let mut chain = vec![leaf.der.clone()];
    chain.extend(intermediates.iter().map(|c| c.der.clone()));
    let ours = verify_chain(&chain, std::slice::from_ref(&root.der)).map(|_| ());
    let theirs = openssl_verify(pki, root, intermediates, leaf);
    assert_eq!(
        ours.is_ok(),
        theirs.is_ok(),
        "{what}: verify_chain says {ours:?}, openssl verify says {theirs:?}"
    );
    if let Err(e) = &ours {
        assert!(
            matches!(
                e,
                CertError::NameNotPermitted { .. }
                    | CertError::NameExcluded { .. }
                    | CertError::UnsupportedNameConstraint { .. }
                    | CertError::UnsupportedNameSyntax { .. }
                    | CertError::InvalidNameSubtree { .. }
            ),
            "{what}: refused for another reason: {e}"
        );
    }
    ours
}

/// `openssl verify` of `leaf` against `root` with `untrusted` intermediates, at the leaf's
/// notBefore: Ok, or its report.
fn openssl_verify(
    pki: &Pki,
    root: &Issued,
    untrusted: &[&Issued],
    leaf: &Issued,
) -> Result<(), String> {
    let bundle = pki.path().join("untrusted.pem");
    let pems: Vec<u8> = untrusted
        .iter()
        .flat_map(|c| std::fs::read(&c.pem_path).unwrap())
        .collect();
    std::fs::write(&bundle, pems).unwrap();
    let out = Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(&root.pem_path)
        .arg("-untrusted")
        .arg(&bundle)
        .args(["-attime", LEAF_NOT_BEFORE])
        .arg(&leaf.pem_path)
        .output()
        .expect("the `openssl` command-line tool must be installed for these tests");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn san(names: &str) -> String {
    format!("subjectAltName={names}\n")
}

#[test]
fn email_permitted_host() {
    let mut pki = Constrained::new("permitted;email:@partner.example", "");
    let errors = pki.case("/CN=Leaf", &san("email:release@corp.example"), false);
    for (error, ca) in errors.iter().zip(["CN=Plain CA", "CN=Critical CA"]) {
        let error = error.clone().unwrap();
        assert_eq!(
            error,
            CertError::NameNotPermitted {
                subject: "CN=Leaf".to_string(),
                name: "rfc822Name:release@corp.example".to_string(),
                ca: ca.to_string(),
                permitted: "rfc822Name:@partner.example".to_string(),
            }
        );
        assert_eq!(
            error.to_string(),
            format!(
                "name constraint violation: 'CN=Leaf' has the name \
                 rfc822Name:release@corp.example, which is within none of the subtrees \
                 '{ca}' permits for that form: expected one of rfc822Name:@partner.example"
            )
        );
    }
    pki.case("/CN=Leaf", &san("email:release@partner.example"), true);
    pki.case("/CN=Leaf", &san("email:release@PARTNER.example"), true);
    pki.case("/CN=Leaf", &san("email:release@sub.partner.example"), false);
    // A second, outside mailbox is caught too.
    let both = san("email:release@partner.example,email:x@corp.example");
    pki.case("/CN=Leaf", &both, false);
    // The subject's emailAddress attribute is a mailbox as well.
    pki.case("/emailAddress=release@corp.example/CN=Leaf", "", false);
    pki.case("/emailAddress=release@partner.example/CN=Leaf", "", true);
    // Names of other forms are not constrained by an rfc822Name subtree.
    pki.case(
        "/CN=Leaf",
        &san("DNS:corp.example,URI:https://corp.example/"),
        true,
    );
    pki.case("/CN=Leaf", "", true);
}

#[test]
fn email_permitted_domain_host_and_mailbox() {
    let mut pki = Constrained::new("permitted;email:.partner.example", "");
    pki.case("/CN=Leaf", &san("email:release@sub.partner.example"), true);
    pki.case("/CN=Leaf", &san("email:release@partner.example"), false);
    let mut pki = Constrained::new("permitted;email:partner.example", "");
    pki.case("/CN=Leaf", &san("email:release@partner.example"), true);
    pki.case("/CN=Leaf", &san("email:release@sub.partner.example"), false);
    let mut pki = Constrained::new("permitted;email:release@corp.example", "");
    pki.case("/CN=Leaf", &san("email:release@corp.example"), true);
    pki.case("/CN=Leaf", &san("email:Release@corp.example"), false);
    pki.case("/CN=Leaf", &san("email:other@corp.example"), false);
}

#[test]
fn email_excluded() {
    let mut pki = Constrained::new(
        "excluded;email:.corp.example,excluded;email:@corp.example",
        "",
    );
    let errors = pki.case("/CN=Leaf", &san("email:release@corp.example"), false);
    assert_eq!(
        errors[0].clone().unwrap().to_string(),
        "name constraint violation: 'CN=Leaf' has the name rfc822Name:release@corp.example, \
         which is within the subtree rfc822Name:@corp.example that 'CN=Plain CA' excludes"
    );
    pki.case("/CN=Leaf", &san("email:release@eu.corp.example"), false);
    pki.case("/CN=Leaf", &san("email:release@partner.example"), true);
}

#[test]
fn dns_names() {
    let mut pki = Constrained::new(
        "permitted;DNS:corp.example,excluded;DNS:.secret.corp.example",
        "",
    );
    pki.case("/CN=Leaf", &san("DNS:corp.example"), true);
    pki.case("/CN=Leaf", &san("DNS:models.CORP.example"), true);
    pki.case("/CN=Leaf", &san("DNS:evilcorp.example"), false);
    pki.case("/CN=Leaf", &san("DNS:corp.example.evil"), false);
    pki.case("/CN=Leaf", &san("DNS:a.secret.corp.example"), false);
    pki.case("/CN=Leaf", &san("DNS:secret.corp.example"), true);
    // Without a dNSName, a commonName that reads as a host name is checked as one...
    pki.case("/CN=release.evil.example", "", false);
    pki.case("/CN=release.corp.example", "", true);
    // ...but not when the certificate has a dNSName.
    pki.case("/CN=release.evil.example", &san("DNS:a.corp.example"), true);
}

#[test]
fn uris() {
    let mut pki = Constrained::new(
        "permitted;URI:.corp.example,permitted;URI:models.example",
        "",
    );
    pki.case(
        "/CN=Leaf",
        &san("URI:https://hub.corp.example/models"),
        true,
    );
    pki.case(
        "/CN=Leaf",
        &san("URI:https://hub.corp.example:8443/x"),
        true,
    );
    pki.case("/CN=Leaf", &san("URI:https://models.example/x"), true);
    pki.case("/CN=Leaf", &san("URI:https://corp.example/x"), false);
    pki.case("/CN=Leaf", &san("URI:https://sub.models.example/x"), false);
    pki.case(
        "/CN=Leaf",
        &san("URI:https://evil.example/hub.corp.example"),
        false,
    );
    // Without "scheme://host" OpenSSL cannot find a host and refuses; so do we.
    pki.case("/CN=Leaf", &san("URI:urn:hub.corp.example"), false);
    let mut pki = Constrained::new("excluded;URI:evil.example", "");
    pki.case("/CN=Leaf", &san("URI:https://evil.example/"), false);
    pki.case("/CN=Leaf", &san("URI:https://good.example/"), true);
}

#[test]
fn ip_addresses() {
    let mut pki = Constrained::new(
        "permitted;IP:10.0.0.0/255.0.0.0,excluded;IP:10.9.0.0/255.255.0.0",
        "",
    );
    pki.case("/CN=Leaf", &san("IP:10.1.2.3"), true);
    pki.case("/CN=Leaf", &san("IP:11.1.2.3"), false);
    pki.case("/CN=Leaf", &san("IP:10.9.2.3"), false);
    // Only IPv4 is permitted: an IPv6 address is outside.
    pki.case("/CN=Leaf", &san("IP:2001:db8::1"), false);
    let mut pki = Constrained::new(
        "permitted;IP:2001:db8::/ffff:ffff::,excluded;IP:2001:db8:bad::/ffff:ffff:ffff::",
        "",
    );
    let errors = pki.case("/CN=Leaf", &san("IP:2001:db9::1"), false);
    assert_eq!(
        errors[1].clone().unwrap(),
        CertError::NameNotPermitted {
            subject: "CN=Leaf".to_string(),
            name: "iPAddress:2001:db9::1".to_string(),
            ca: "CN=Critical CA".to_string(),
            permitted: "iPAddress:2001:db8::/ffff:ffff::".to_string(),
        }
    );
    pki.case("/CN=Leaf", &san("IP:2001:db8::1"), true);
    pki.case("/CN=Leaf", &san("IP:2001:db8:bad::1"), false);
    pki.case("/CN=Leaf", &san("IP:10.0.0.1"), false);
}

#[test]
fn directory_names() {
    let sections = "[permit]\nO=Partner\n[exclude]\nO=Partner\nOU=Legacy\n";
    let mut pki = Constrained::new(
        "permitted;dirName:permit,excluded;dirName:exclude",
        sections,
    );
    let errors = pki.case("/O=Partner/CN=Leaf", "", true);
    assert_eq!(errors, [None, None]);
    // The constraint says O=Partner as a PrintableString, the subjects as UTF8String.
    let (printable, utf8) = (b"\x13\x07Partner", b"\x0c\x07Partner");
    let ca = &pki.cas[0].2.der;
    assert!(ca.windows(9).any(|w| w == printable) && !ca.windows(9).any(|w| w == utf8));
    let leaf = pki.leaf("Plain_CA", "/O=Partner/CN=Leaf", "");
    assert!(leaf.der.windows(9).any(|w| w == utf8));
    // Compared as OpenSSL compares names: case and runs of white space folded.
    pki.case("/O=  PARTNER /CN=Leaf", "", true);
    pki.case("/O=Corp/CN=Leaf", "", false);
    pki.case("/CN=Leaf/O=Partner", "", false);
    pki.case("/O=Partner/OU=Legacy/CN=Leaf", "", false);
    pki.case("/O=Partner/OU=Current/CN=Leaf", "", true);
    // A multi-valued first RDN is not the single-valued O=Partner.
    pki.case("/O=Partner+OU=Legacy/CN=Leaf", "", false);
    // A directoryName in subjectAltName is checked as well.
    let alt = "subjectAltName=dirName:alt\n[alt]\nO=Corp\nCN=Alt\n";
    pki.case("/O=Partner/CN=Leaf", alt, false);
}

/// OpenSSL cannot match otherName (or x400Address, ediPartyName, registeredID) and fails once a
/// certificate has a name of a form a subtree constrains; so do we.
#[test]
fn unsupported_forms_fail_closed() {
    let mut pki = Constrained::new("permitted;otherName:1.2.3.4;UTF8:partner", "");
    let errors = pki.case("/CN=Leaf", &san("otherName:1.2.3.4;UTF8:partner"), false);
    assert_eq!(
        errors[0].clone().unwrap().to_string(),
        "unsupported name constraint type: 'CN=Plain CA' constrains otherName names and \
         'CN=Leaf' has the name otherName:type 1.2.3.4, which this verifier cannot match: \
         refusing the chain rather than ignoring the constraint"
    );
    pki.case("/CN=Leaf", &san("email:release@corp.example"), true);
    pki.case("/CN=Leaf", "", true);
}

#[test]
fn registered_ids_fail_closed_like_openssl() {
    let mut pki = Constrained::new("excluded;RID:1.2.3.4", "");
    pki.case("/CN=Leaf", &san("RID:1.2.3.5"), false);
    pki.case("/CN=Leaf", &san("DNS:corp.example"), true);
}

/// An SmtpUTF8Mailbox (RFC 8398) is a mailbox: OpenSSL matches it against rfc822Name subtrees;
/// we do not match internationalized mailboxes and refuse instead, even where OpenSSL accepts.
#[test]
fn smtp_utf8_mailboxes_under_email_constraints_are_refused() {
    let mut pki = Constrained::new("permitted;email:partner.example", "");
    let mailbox = san("otherName:1.3.6.1.5.5.7.8.9;UTF8:release@partner.example");
    for (ours, openssl) in pki.departure("/CN=Leaf", &mailbox) {
        assert!(
            matches!(
                &ours,
                CertError::UnsupportedNameConstraint {
                    form: "rfc822Name",
                    ..
                }
            ),
            "{ours:?}"
        );
        assert_eq!(openssl, Ok(()));
    }
    // Without email constraints it is not looked at.
    let mut pki = Constrained::new("permitted;DNS:corp.example", "");
    pki.case("/CN=Leaf", &mailbox, true);
}

/// An x400Address subjectAltName is no obstacle where no subtree constrains that form.
#[test]
fn x400_alt_names_are_read_past() {
    let mut pki = Constrained::new("permitted;DNS:corp.example", "");
    // SEQUENCE { [3] x400Address (empty), [2] dNSName "corp.example" (then "evil.example") }
    pki.case(
        "/CN=Leaf",
        "2.5.29.17=DER:3010A300820C636F72702E6578616D706C65\n",
        true,
    );
    pki.case(
        "/CN=Leaf",
        "2.5.29.17=DER:3010A300820C6576696C2E6578616D706C65\n",
        false,
    );
}

/// A subtree with a minimum other than 0 or with a maximum is refused once it applies, as
/// OpenSSL refuses it; an x400Address subtree cannot be decoded and is refused outright (OpenSSL
/// only refuses it once a certificate has an x400Address).
#[test]
fn subtrees_we_cannot_read_fail_closed() {
    // permitted: dNSName "corp.example" with minimum 1.
    let mut pki = Constrained::der("3015A0133011820C636F72702E6578616D706C65800101");
    let errors = pki.case("/CN=Leaf", &san("DNS:corp.example"), false);
    assert_eq!(
        errors[0].clone().unwrap(),
        CertError::InvalidNameSubtree {
            ca: "CN=Plain CA".to_string(),
            constraint: "dNSName:corp.example".to_string(),
            minimum: 1,
            maximum: None,
        }
    );
    pki.case("/CN=Leaf", &san("email:release@corp.example"), true);
    // permitted: x400Address (empty).
    let mut pki = Constrained::der("3006A0043002A300");
    for (ours, openssl) in pki.departure("/CN=Leaf", &san("DNS:corp.example")) {
        assert!(
            matches!(&ours, CertError::BadExtension { oid, .. } if oid == "2.5.29.30"),
            "{ours:?}"
        );
        assert_eq!(openssl, Ok(()));
    }
}

/// A self-issued CA certificate (a key rollover) is not checked against the constraints of
/// the CAs above it; the certificates it issues still are.
#[test]
fn self_issued_intermediates_are_not_checked() {
    let pki = Pki::new();
    let root = pki.issue("Test Root", "P-256", None, ROOT_EXT, WIDE);
    let constrained =
        format!("{CA_EXT}nameConstraints=permitted;dirName:permit\n[permit]\nO=Partner\n");
    let old = Who {
        stem: "Old",
        subject: "/CN=Partner CA",
        key: Key::New("P-256"),
    };
    let old = pki.issue_as(&old, Some("Test_Root"), &constrained, WIDE);
    let new = Who {
        stem: "New",
        subject: "/CN=Partner CA",
        key: Key::New("P-256"),
    };
    let new = pki.issue_as(&new, Some("Old"), CA_EXT, WIDE);
    for (subject, ok) in [("/O=Partner/CN=Leaf", true), ("/O=Corp/CN=Leaf", false)] {
        let who = Who {
            stem: "Leaf",
            subject,
            key: Key::New("P-256"),
        };
        let leaf = pki.issue_as(&who, Some("New"), LEAF_EXT, LEAF_DATES);
        let ours = verify_both(&pki, &root, &[&new, &old], &leaf, subject);
        assert_eq!(ours.is_ok(), ok, "{subject}: {ours:?}");
    }
}

/// The trust anchor's own nameConstraints bind every certificate below it.
#[test]
fn root_constraints_bind_the_whole_path() {
    let pki = Pki::new();
    let root_ext = format!("{ROOT_EXT}nameConstraints=permitted;email:@corp.example\n");
    let root = pki.issue("Test Root", "P-256", None, &root_ext, WIDE);
    let int = pki.issue(
        "Test Intermediate",
        "P-256",
        Some("Test Root"),
        CA_EXT,
        WIDE,
    );
    for (email, ok) in [
        ("release@corp.example", true),
        ("release@evil.example", false),
    ] {
        let ext = format!("{LEAF_EXT}subjectAltName=email:{email}\n");
        let leaf = pki.issue(
            "Test Leaf",
            "P-256",
            Some("Test Intermediate"),
            &ext,
            LEAF_DATES,
        );
        let ours = verify_both(&pki, &root, &[&int], &leaf, email);
        assert_eq!(ours.is_ok(), ok, "{email}: {ours:?}");
    }
}

/// A small seeded generator (no dependency needed for a handful of draws).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    fn host(&mut self) -> String {
        let labels = 1 + self.next() % 3;
        (0..labels)
            .map(|_| self.pick(&["corp", "CORP", "partner", "example", "sub", "x"]))
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Generated email and DNS names against generated subtrees: our verdict equals OpenSSL's for
/// every one, permitted and excluded.
#[test]
fn generated_email_and_dns_names_agree_with_openssl() {
    let mut draw = Draw(19);
    let mut checked = 0;
    let mut refused = 0;
    for _ in 0..6 {
        let dns = draw.next().is_multiple_of(2);
        let host = draw.host();
        let base = if dns {
            format!("DNS:{}{host}", draw.pick(&["", "."]))
        } else {
            let local = draw.pick(&["", "@", ".", "release@", "a@"]);
            format!("email:{local}{host}")
        };
        let kind = draw.pick(&["permitted", "excluded"]);
        let pki = Pki::new();
        let root = pki.issue("Test Root", "P-256", None, ROOT_EXT, WIDE);
        let ext = format!("{CA_EXT}nameConstraints={kind};{base}\n");
        let ca = pki.issue("Test CA", "P-256", Some("Test Root"), &ext, WIDE);
        genpkey(pki.path(), LEAF_KEY, "P-256");
        for i in 0..8 {
            let name = if dns {
                format!("DNS:{}", draw.host())
            } else {
                let local = draw.pick(&["release", "Release", "a"]);
                format!("email:{local}@{}", draw.host())
            };
            let stem = format!("Leaf_{i}");
            let who = Who {
                stem: &stem,
                subject: "/CN=Leaf",
                key: Key::Of(LEAF_KEY),
            };
            let leaf_ext = format!("{LEAF_EXT}subjectAltName={name}\n");
            let leaf = pki.issue_as(&who, Some("Test_CA"), &leaf_ext, LEAF_DATES);
            let what = format!("{kind};{base} with {name}");
            let ours = verify_both(&pki, &root, &[&ca], &leaf, &what);
            checked += 1;
            refused += usize::from(ours.is_err());
        }
    }
    // The draws must exercise both verdicts, or the comparison proves little.
    assert!(
        refused > 0 && refused < checked,
        "{refused} of {checked} refused"
    );
    eprintln!("{refused} of {checked} generated names refused, as OpenSSL refuses them");
}
