//! Whether one name lies within one name-constraint subtree of the same form, with OpenSSL's
//! rules (`nc_email`, `nc_dns`, `nc_uri`, `nc_ip`, `nc_dn`), which the Python reference inherits
//! through `X509_verify_cert`. Pure functions over the names' bytes.

use der::asn1::ObjectIdentifier;
use der::{Encode, Tag, Tagged};
use x509_cert::name::Name;

/// The outcome of matching one name against one subtree.
pub(crate) type Matched = Result<bool, BadSyntax>;

/// A name the matcher cannot read; OpenSSL fails the chain with "unsupported or invalid name
/// syntax" rather than treating it as outside the subtree, and so do we.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadSyntax {
    /// What a readable name of this form looks like.
    pub expected: &'static str,
}

const fn bad(expected: &'static str) -> BadSyntax {
    BadSyntax { expected }
}

/// A NUL byte lets a name read differently to C string functions and to us: refuse it.
fn no_nul(bytes: &[u8], expected: &'static str) -> Result<(), BadSyntax> {
    if bytes.contains(&0) {
        Err(bad(expected))
    } else {
        Ok(())
    }
}

/// rfc822Name: `base` is a mailbox (`user@host`, local part case-sensitive), `@host` or `host`
/// (any mailbox at exactly that host), or `.domain` (any mailbox under that domain).
pub(crate) fn email(name: &[u8], base: &[u8]) -> Matched {
    const EXPECTED: &str = "an rfc822Name with an '@' and no NUL byte";
    no_nul(name, EXPECTED)?;
    no_nul(base, EXPECTED)?;
    let Some(name_at) = name.iter().rposition(|&b| b == b'@') else {
        return Err(bad(EXPECTED));
    };
    let base_at = base.iter().rposition(|&b| b == b'@');
    if base_at.is_none() && base.first() == Some(&b'.') {
        return Ok(name.len() > base.len() && ends_with_ignoring_case(name, base));
    }
    let base_host = match base_at {
        Some(at) => {
            let (base_local, name_local) = (base.get(..at), name.get(..name_at));
            if at > 0 && base_local != name_local {
                return Ok(false);
            }
            base.get(at + 1..)
        }
        None => Some(base),
    };
    let name_host = name.get(name_at + 1..);
    Ok(matches!((name_host, base_host), (Some(n), Some(b)) if n.eq_ignore_ascii_case(b)))
}

/// dNSName: `base` itself or any name that adds labels on its left; an empty base matches all.
pub(crate) fn dns(name: &[u8], base: &[u8]) -> Matched {
    const EXPECTED: &str = "a dNSName with no NUL byte";
    no_nul(name, EXPECTED)?;
    no_nul(base, EXPECTED)?;
    if base.is_empty() {
        return Ok(true);
    }
    if name.len() < base.len() || !ends_with_ignoring_case(name, base) {
        return Ok(false);
    }
    // A longer name must add whole labels: the base starts with '.' or a '.' precedes it.
    let before = name.len() - base.len();
    Ok(before == 0
        || base.first() == Some(&b'.')
        || before.checked_sub(1).and_then(|i| name.get(i)) == Some(&b'.'))
}

/// uniformResourceIdentifier: the URI's host (after `scheme://`, up to the first ':' or '/')
/// equals `base`, or lies under it when `base` starts with '.'.
pub(crate) fn uri(name: &[u8], base: &[u8]) -> Matched {
    const EXPECTED: &str = "a URI of the form scheme://host[:port][/path] with no NUL byte";
    no_nul(name, EXPECTED)?;
    no_nul(base, EXPECTED)?;
    let colon = name.iter().position(|&b| b == b':').ok_or(bad(EXPECTED))?;
    let rest = name.get(colon + 1..).unwrap_or_default();
    let after_scheme = rest.strip_prefix(b"//").ok_or(bad(EXPECTED))?;
    let end = after_scheme
        .iter()
        .position(|&b| b == b':')
        .or_else(|| after_scheme.iter().position(|&b| b == b'/'))
        .unwrap_or(after_scheme.len());
    let host = after_scheme.get(..end).unwrap_or_default();
    if host.is_empty() {
        return Err(bad(EXPECTED));
    }
    if base.first() == Some(&b'.') {
        return Ok(host.len() > base.len() && ends_with_ignoring_case(host, base));
    }
    Ok(host.eq_ignore_ascii_case(base))
}

/// iPAddress: `base` is an address and a mask of the same family (8 or 32 bytes); an address
/// of the other family is never within it.
pub(crate) fn ip(name: &[u8], base: &[u8]) -> Matched {
    if !matches!(name.len(), 4 | 16) {
        return Err(bad("an iPAddress of 4 (IPv4) or 16 (IPv6) bytes"));
    }
    if !matches!(base.len(), 8 | 32) {
        return Err(bad(
            "an iPAddress constraint of 8 (IPv4) or 32 (IPv6) bytes: address then mask",
        ));
    }
    if name.len() * 2 != base.len() {
        return Ok(false);
    }
    let (address, mask) = base.split_at(name.len());
    Ok(name
        .iter()
        .zip(address)
        .zip(mask)
        .all(|((n, a), m)| n & m == a & m))
}

/// directoryName: the base's RDNs are the first RDNs of the name, each compared in OpenSSL's
/// canonical form (text attributes as UTF-8, ASCII case and runs of white space folded).
pub(crate) fn directory(name: &Name, base: &Name) -> Matched {
    let name = canonical(name)?;
    let base = canonical(base)?;
    Ok(name.len() >= base.len() && name.iter().zip(&base).all(|(n, b)| n == b))
}

/// One canonical RDN: its attributes as (type, value), sorted so that order inside a
/// multi-valued RDN does not matter (DER sorts a SET OF).
type CanonicalRdn = Vec<(ObjectIdentifier, Canonical)>;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Canonical {
    /// A text attribute converted to UTF-8 and folded.
    Text(Vec<u8>),
    /// Any other attribute, compared as its DER.
    Other(Vec<u8>),
}

fn canonical(name: &Name) -> Result<Vec<CanonicalRdn>, BadSyntax> {
    const EXPECTED: &str = "a distinguished name whose text attributes are valid strings";
    name.0
        .iter()
        .map(|rdn| {
            let mut attributes = rdn
                .0
                .iter()
                .map(|atv| {
                    let value = match text_as_utf8(atv.value.tag(), atv.value.value(), false) {
                        Some(text) => Canonical::Text(fold(&text?)),
                        None => Canonical::Other(atv.value.to_der().map_err(|_| bad(EXPECTED))?),
                    };
                    Ok((atv.oid, value))
                })
                .collect::<Result<CanonicalRdn, BadSyntax>>()?;
            attributes.sort();
            Ok(attributes)
        })
        .collect()
}

/// The UTF-8 of a string attribute, or `None` for a type OpenSSL does not treat as text
/// (NumericString counts as text only where `numeric` says so, as in OpenSSL's UTF-8
/// conversion but not in its canonical names).
pub(crate) fn text_as_utf8(
    tag: Tag,
    value: &[u8],
    numeric: bool,
) -> Option<Result<Vec<u8>, BadSyntax>> {
    const EXPECTED: &str = "a string attribute in its declared encoding";
    let latin1 = |bytes: &[u8]| {
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        Ok(text.into_bytes())
    };
    Some(match tag {
        Tag::Utf8String => std::str::from_utf8(value)
            .map(|s| s.as_bytes().to_vec())
            .map_err(|_| bad(EXPECTED)),
        Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::TeletexString => {
            latin1(value)
        }
        Tag::NumericString if numeric => latin1(value),
        Tag::BmpString => {
            let units = value.chunks(2).map(|pair| match pair {
                [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
                _ => Err(bad(EXPECTED)),
            });
            let units = units.collect::<Result<Vec<u16>, BadSyntax>>();
            units.and_then(|units| {
                char::decode_utf16(units)
                    .collect::<Result<String, _>>()
                    .map(String::into_bytes)
                    .map_err(|_| bad(EXPECTED))
            })
        }
        _ => return None,
    })
}

/// OpenSSL's canonical text: leading and trailing white space removed, inner runs of it
/// replaced by one space, ASCII letters lowered; other bytes kept.
fn fold(text: &[u8]) -> Vec<u8> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let start = text.iter().position(|b| !is_space(b)).unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    let mut out = Vec::with_capacity(end.saturating_sub(start));
    let mut in_space = false;
    for b in text.get(start..end).unwrap_or_default() {
        if is_space(b) {
            if !in_space {
                out.push(b' ');
            }
            in_space = true;
        } else {
            out.push(b.to_ascii_lowercase());
            in_space = false;
        }
    }
    out
}

fn ends_with_ignoring_case(text: &[u8], suffix: &[u8]) -> bool {
    text.len() >= suffix.len()
        && text
            .get(text.len() - suffix.len()..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
}

/// OpenSSL's test for a commonName that reads as a host name (`cn2dnsid`): letters, digits,
/// '_', inner '-' and '.', at least two labels, no empty label and no '-' next to a '.'.
/// Trailing NUL bytes are dropped; an inner NUL is bad syntax.
pub(crate) fn common_name_as_dns(utf8: &[u8]) -> Result<Option<&[u8]>, BadSyntax> {
    let end = utf8.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let cn = utf8.get(..end).unwrap_or_default();
    no_nul(cn, "a commonName with no NUL byte inside")?;
    let mut has_dot = false;
    for (i, &c) in cn.iter().enumerate() {
        if c.is_ascii_alphanumeric() || c == b'_' {
            continue;
        }
        let inner = i > 0 && i + 1 < cn.len();
        let next = cn.get(i + 1).copied();
        let prev = i.checked_sub(1).and_then(|p| cn.get(p)).copied();
        if inner && c == b'-' {
            continue;
        }
        if inner && c == b'.' && next != Some(b'.') && next != Some(b'-') && prev != Some(b'-') {
            has_dot = true;
            continue;
        }
        return Ok(None);
    }
    Ok(has_dot.then_some(cn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_forms() {
        let cases: &[(&str, &str, bool)] = &[
            ("release@corp.example", "@partner.example", false),
            ("release@partner.example", "@partner.example", true),
            ("release@PARTNER.example", "partner.example", true),
            ("release@sub.partner.example", "partner.example", false),
            ("release@sub.partner.example", ".partner.example", true),
            ("release@partner.example", ".partner.example", false),
            ("release@corp.example", "release@corp.example", true),
            ("Release@corp.example", "release@corp.example", false),
            ("other@corp.example", "release@corp.example", false),
            ("a@b@corp.example", "@corp.example", true),
        ];
        for (name, base, want) in cases {
            assert_eq!(
                email(name.as_bytes(), base.as_bytes()),
                Ok(*want),
                "{name} {base}"
            );
        }
        assert!(email(b"no-at-sign", b"@corp.example").is_err());
        assert!(email(b"a\0b@corp.example", b"@corp.example").is_err());
    }

    #[test]
    fn dns_forms() {
        let cases: &[(&str, &str, bool)] = &[
            ("corp.example", "corp.example", true),
            ("a.corp.example", "corp.example", true),
            ("acorp.example", "corp.example", false),
            ("a.CORP.example", ".corp.example", true),
            ("corp.example", ".corp.example", false),
            ("anything", "", true),
        ];
        for (name, base, want) in cases {
            assert_eq!(
                dns(name.as_bytes(), base.as_bytes()),
                Ok(*want),
                "{name} {base}"
            );
        }
    }

    #[test]
    fn uri_forms() {
        let cases: &[(&str, &str, bool)] = &[
            ("https://corp.example/x", "corp.example", true),
            ("https://corp.example:443/x", "corp.example", true),
            ("https://a.corp.example/x", "corp.example", false),
            ("https://a.corp.example/x", ".corp.example", true),
            ("https://corp.example", ".corp.example", false),
        ];
        for (name, base, want) in cases {
            assert_eq!(
                uri(name.as_bytes(), base.as_bytes()),
                Ok(*want),
                "{name} {base}"
            );
        }
        assert!(uri(b"urn:corp.example", b"corp.example").is_err());
        assert!(uri(b"https:///path", b"corp.example").is_err());
    }

    #[test]
    fn ip_forms() {
        let v4_net = [10, 0, 0, 0, 255, 0, 0, 0];
        assert_eq!(ip(&[10, 1, 2, 3], &v4_net), Ok(true));
        assert_eq!(ip(&[11, 1, 2, 3], &v4_net), Ok(false));
        assert_eq!(ip(&[0; 16], &v4_net), Ok(false));
        assert!(ip(&[10, 1, 2], &v4_net).is_err());
    }

    #[test]
    fn folding_and_common_names() {
        assert_eq!(fold(b"  Corp \t  Example "), b"corp example");
        assert_eq!(
            common_name_as_dns(b"a.example"),
            Ok(Some(&b"a.example"[..]))
        );
        assert_eq!(
            common_name_as_dns(b"a.example\0\0"),
            Ok(Some(&b"a.example"[..]))
        );
        assert_eq!(common_name_as_dns(b"Test Leaf"), Ok(None));
        assert_eq!(common_name_as_dns(b"single"), Ok(None));
        assert_eq!(common_name_as_dns(b"a-.example"), Ok(None));
        assert!(common_name_as_dns(b"a\0.example").is_err());
    }
}
