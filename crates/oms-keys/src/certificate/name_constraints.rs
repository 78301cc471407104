//! X.509 name constraints (RFC 5280 4.2.1.10) over a built path, enforced whether or not the
//! extension is critical, as OpenSSL's `X509_verify_cert` (and so the Python reference) does:
//! every certificate below a CA carrying nameConstraints must have all its names of a
//! constrained form within a permitted subtree of that form (when there is one) and outside
//! every excluded subtree. The names are the subject DN (as a directoryName), each
//! emailAddress attribute of the subject (as an rfc822Name), every subjectAltName, and, for the
//! signing certificate without a dNSName, each commonName that reads as a host name (as a
//! dNSName). Self-issued intermediates are not checked against the CAs above them.
//!
//! Where OpenSSL cannot match a form (otherName, x400Address, ediPartyName, registeredID) it
//! fails once a certificate has a name of a form some subtree constrains; we do the same, and
//! more strictly: any otherName counts (whatever its type), and an SmtpUTF8Mailbox otherName
//! under rfc822Name subtrees is refused rather than matched. A constraint of the x400Address
//! form cannot be decoded at all and refuses the certificate carrying it.
//!
//! A name of a constrained form that cannot be read (an rfc822Name without '@', a URI without
//! `scheme://host`, an iPAddress that is not 4 or 16 bytes) fails the chain, as in OpenSSL; so
//! does a NUL byte in such a name, which C string handling would read differently. A
//! certificate counts as self-issued when its subject and issuer are the same DER, where
//! OpenSSL compares canonical forms: at worst we check a certificate OpenSSL would skip.

use der::asn1::ObjectIdentifier;
use der::{Any, Decode, Encode, Tag, TagNumber, Tagged};
use x509_cert::ext::pkix::constraints::name::{GeneralSubtree, NameConstraints};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::name::Name;

use super::name_match::{self, BadSyntax, Matched};
use super::parsed::ParsedCert;
use super::CertError;

const EMAIL_ADDRESS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.1");
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const SMTP_UTF8_MAILBOX: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.8.9");

/// OpenSSL's bound on names x constraints per certificate and CA (`NAME_CHECK_MAX`), which
/// keeps a crafted certificate from costing quadratic time.
const MAX_COMPARISONS: usize = 1 << 20;

/// The name forms of GeneralName, for choosing the subtrees that apply to a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    OtherName,
    Rfc822,
    Dns,
    X400,
    Directory,
    EdiParty,
    Uri,
    Ip,
    RegisteredId,
}

impl Form {
    fn of(name: &GeneralName) -> Form {
        match name {
            GeneralName::OtherName(_) => Form::OtherName,
            GeneralName::Rfc822Name(_) => Form::Rfc822,
            GeneralName::DnsName(_) => Form::Dns,
            GeneralName::DirectoryName(_) => Form::Directory,
            GeneralName::EdiPartyName(_) => Form::EdiParty,
            GeneralName::UniformResourceIdentifier(_) => Form::Uri,
            GeneralName::IpAddress(_) => Form::Ip,
            GeneralName::RegisteredId(_) => Form::RegisteredId,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Form::OtherName => "otherName",
            Form::Rfc822 => "rfc822Name",
            Form::Dns => "dNSName",
            Form::X400 => "x400Address",
            Form::Directory => "directoryName",
            Form::EdiParty => "ediPartyName",
            Form::Uri => "uniformResourceIdentifier",
            Form::Ip => "iPAddress",
            Form::RegisteredId => "registeredID",
        }
    }
}

/// One name of a certificate, as the constraints see it.
enum CertName {
    General(GeneralName),
    /// An x400Address subjectAltName, which x509-cert does not decode.
    X400,
}

impl CertName {
    /// The subtrees of this form apply (an SmtpUTF8Mailbox is a mailbox, RFC 8398).
    fn form(&self) -> Form {
        match self {
            CertName::General(GeneralName::OtherName(other))
                if other.type_id == SMTP_UTF8_MAILBOX =>
            {
                Form::Rfc822
            }
            CertName::General(name) => Form::of(name),
            CertName::X400 => Form::X400,
        }
    }

    fn describe(&self) -> String {
        match self {
            CertName::General(name) => describe(name),
            CertName::X400 => "x400Address".to_string(),
        }
    }
}

/// Checks every certificate of `path` (leaf first, trusted root last) against the name
/// constraints of every CA above it, in OpenSSL's order (from the root down).
pub(crate) fn check_path(path: &[&ParsedCert]) -> Result<(), CertError> {
    for (position, cert) in path.iter().enumerate().rev() {
        if position != 0 && cert.is_self_issued() {
            continue;
        }
        let constraining: Vec<&ParsedCert> = path
            .iter()
            .skip(position + 1)
            .rev()
            .filter(|ca| ca.name_constraints.is_some())
            .copied()
            .collect();
        if constraining.is_empty() {
            continue;
        }
        let names = names_of(cert)?;
        // OpenSSL bounds subject attributes + alt names; this counts a few names more.
        let entries: usize = cert.subject().0.iter().map(|rdn| rdn.0.len()).sum();
        for ca in constraining {
            let Some(nc) = &ca.name_constraints else {
                continue;
            };
            let check = Check { cert, ca, nc };
            check.bounded(entries + names.len())?;
            for name in &names {
                check.name(name)?;
            }
            if position == 0 && !has_dns_name(&names) {
                for cn in common_names_as_dns(cert)? {
                    check.name(&cn)?;
                }
            }
        }
    }
    Ok(())
}

/// The subject DN (unless empty), its emailAddress attributes, then the subjectAltNames.
fn names_of(cert: &ParsedCert) -> Result<Vec<CertName>, CertError> {
    let subject = cert.subject();
    let mut names = Vec::new();
    if subject.0.iter().any(|rdn| !rdn.0.is_empty()) {
        names.push(CertName::General(GeneralName::DirectoryName(
            subject.clone(),
        )));
    }
    for value in attributes(subject, EMAIL_ADDRESS) {
        let email = match value.tag() {
            Tag::Ia5String => value.decode_as().ok(),
            _ => None,
        };
        let email = email.ok_or_else(|| CertError::UnsupportedNameSyntax {
            subject: cert.name.clone(),
            name: "the emailAddress attribute of the subject".to_string(),
            expected: "an IA5String",
        })?;
        names.push(CertName::General(GeneralName::Rfc822Name(email)));
    }
    if let Some(san) = &cert.subject_alt_name {
        names.extend(alt_names(cert, san)?);
    }
    Ok(names)
}

fn attributes(name: &Name, oid: ObjectIdentifier) -> impl Iterator<Item = &Any> {
    name.0
        .iter()
        .flat_map(|rdn| rdn.0.iter())
        .filter(move |atv| atv.oid == oid)
        .map(|atv| &atv.value)
}

/// The subjectAltName extension's names; x400Address is kept as a bare form.
fn alt_names(cert: &ParsedCert, san: &[u8]) -> Result<Vec<CertName>, CertError> {
    let bad = |reason: String| CertError::BadExtension {
        subject: cert.name.clone(),
        oid: "2.5.29.17".to_string(),
        reason,
    };
    let elements = Vec::<Any>::from_der(san).map_err(|e| bad(e.to_string()))?;
    elements
        .iter()
        .map(|element| {
            if element.tag()
                == (Tag::ContextSpecific {
                    constructed: true,
                    number: TagNumber::N3,
                })
            {
                return Ok(CertName::X400);
            }
            let der = element.to_der().map_err(|e| bad(e.to_string()))?;
            GeneralName::from_der(&der)
                .map(CertName::General)
                .map_err(|e| bad(e.to_string()))
        })
        .collect()
}

fn has_dns_name(names: &[CertName]) -> bool {
    names
        .iter()
        .any(|n| matches!(n, CertName::General(GeneralName::DnsName(_))))
}

/// The signing certificate's commonNames that read as host names, as dNSNames.
fn common_names_as_dns(cert: &ParsedCert) -> Result<Vec<CertName>, CertError> {
    let unreadable = |expected| CertError::UnsupportedNameSyntax {
        subject: cert.name.clone(),
        name: "the commonName of the subject".to_string(),
        expected,
    };
    let mut names = Vec::new();
    for value in attributes(cert.subject(), COMMON_NAME) {
        let utf8 = name_match::text_as_utf8(value.tag(), value.value(), true)
            .unwrap_or(Err(BadSyntax {
                expected: "a string",
            }))
            .map_err(|e| unreadable(e.expected))?;
        let host = name_match::common_name_as_dns(&utf8).map_err(|e| unreadable(e.expected))?;
        if let Some(host) = host {
            let host =
                der::asn1::Ia5String::new(host).map_err(|_| unreadable("an ASCII host name"))?;
            names.push(CertName::General(GeneralName::DnsName(host)));
        }
    }
    Ok(names)
}

/// One certificate against the constraints of one CA above it.
struct Check<'a> {
    cert: &'a ParsedCert,
    ca: &'a ParsedCert,
    nc: &'a NameConstraints,
}

impl<'a> Check<'a> {
    fn subtrees(&self) -> impl Iterator<Item = &GeneralSubtree> {
        let permitted = self.nc.permitted_subtrees.iter().flatten();
        permitted.chain(self.nc.excluded_subtrees.iter().flatten())
    }

    fn bounded(&self, names: usize) -> Result<(), CertError> {
        let constraints = self.subtrees().count();
        if names > 0 && constraints > MAX_COMPARISONS / names {
            return Err(CertError::TooManyNameConstraints {
                subject: self.cert.name.clone(),
                ca: self.ca.name.clone(),
                names,
                constraints,
                max: MAX_COMPARISONS,
            });
        }
        Ok(())
    }

    /// OpenSSL's `nc_match`: within some permitted subtree of the name's form (if any) and
    /// outside every excluded one.
    fn name(&self, name: &CertName) -> Result<(), CertError> {
        let form = name.form();
        let of_form = |subtrees: &'a Option<Vec<GeneralSubtree>>| {
            subtrees
                .iter()
                .flatten()
                .filter(move |s| Form::of(&s.base) == form)
        };
        let permitted: Vec<&GeneralSubtree> = of_form(&self.nc.permitted_subtrees).collect();
        let mut within = permitted.is_empty();
        for subtree in &permitted {
            self.usable(subtree)?;
            if !within && self.matches(name, &subtree.base)? {
                within = true;
            }
        }
        if !within {
            return Err(CertError::NameNotPermitted {
                subject: self.cert.name.clone(),
                name: name.describe(),
                ca: self.ca.name.clone(),
                permitted: permitted
                    .iter()
                    .map(|s| describe(&s.base))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        for subtree in of_form(&self.nc.excluded_subtrees) {
            self.usable(subtree)?;
            if self.matches(name, &subtree.base)? {
                return Err(CertError::NameExcluded {
                    subject: self.cert.name.clone(),
                    name: name.describe(),
                    ca: self.ca.name.clone(),
                    excluded: describe(&subtree.base),
                });
            }
        }
        Ok(())
    }

    /// RFC 5280: minimum 0 and no maximum; OpenSSL refuses anything else.
    fn usable(&self, subtree: &GeneralSubtree) -> Result<(), CertError> {
        if subtree.minimum == 0 && subtree.maximum.is_none() {
            return Ok(());
        }
        Err(CertError::InvalidNameSubtree {
            ca: self.ca.name.clone(),
            constraint: describe(&subtree.base),
            minimum: subtree.minimum,
            maximum: subtree.maximum,
        })
    }

    fn matches(&self, name: &CertName, base: &GeneralName) -> Result<bool, CertError> {
        let syntax = |e: BadSyntax| CertError::UnsupportedNameSyntax {
            subject: self.cert.name.clone(),
            name: format!(
                "{} (under the name constraints of '{}')",
                name.describe(),
                self.ca.name
            ),
            expected: e.expected,
        };
        let matched: Matched = match (name, base) {
            (CertName::General(GeneralName::Rfc822Name(n)), GeneralName::Rfc822Name(b)) => {
                name_match::email(n.as_bytes(), b.as_bytes())
            }
            (CertName::General(GeneralName::DnsName(n)), GeneralName::DnsName(b)) => {
                name_match::dns(n.as_bytes(), b.as_bytes())
            }
            (
                CertName::General(GeneralName::UniformResourceIdentifier(n)),
                GeneralName::UniformResourceIdentifier(b),
            ) => name_match::uri(n.as_bytes(), b.as_bytes()),
            (CertName::General(GeneralName::IpAddress(n)), GeneralName::IpAddress(b)) => {
                name_match::ip(n.as_bytes(), b.as_bytes())
            }
            (CertName::General(GeneralName::DirectoryName(n)), GeneralName::DirectoryName(b)) => {
                name_match::directory(n, b)
            }
            _ => {
                return Err(CertError::UnsupportedNameConstraint {
                    subject: self.cert.name.clone(),
                    name: name.describe(),
                    ca: self.ca.name.clone(),
                    form: Form::of(base).label(),
                })
            }
        };
        matched.map_err(syntax)
    }
}

/// `form:value`, with bytes outside printable ASCII escaped.
fn describe(name: &GeneralName) -> String {
    let text = |bytes: &[u8]| bytes.escape_ascii().to_string();
    let value = match name {
        GeneralName::OtherName(other) => format!("type {}", other.type_id),
        GeneralName::Rfc822Name(s) | GeneralName::DnsName(s) => text(s.as_bytes()),
        GeneralName::UniformResourceIdentifier(s) => text(s.as_bytes()),
        GeneralName::DirectoryName(dn) => format!("'{dn}'"),
        GeneralName::EdiPartyName(_) => "(not shown)".to_string(),
        GeneralName::IpAddress(ip) => describe_ip(ip.as_bytes()),
        GeneralName::RegisteredId(oid) => oid.to_string(),
    };
    format!("{}:{value}", Form::of(name).label())
}

/// An address, or an address/mask for a subtree; any other length as hex.
fn describe_ip(bytes: &[u8]) -> String {
    let v4 = |b: &[u8]| <[u8; 4]>::try_from(b).map(|a| std::net::Ipv4Addr::from(a).to_string());
    let v6 = |b: &[u8]| <[u8; 16]>::try_from(b).map(|a| std::net::Ipv6Addr::from(a).to_string());
    let pair = |f: &dyn Fn(&[u8]) -> Result<String, std::array::TryFromSliceError>| {
        let (address, mask) = bytes.split_at(bytes.len() / 2);
        Some(format!("{}/{}", f(address).ok()?, f(mask).ok()?))
    };
    match bytes.len() {
        4 => v4(bytes).ok(),
        16 => v6(bytes).ok(),
        8 => pair(&v4),
        32 => pair(&v6),
        _ => None,
    }
    .unwrap_or_else(|| format!("0x{}", hex::encode(bytes)))
}
