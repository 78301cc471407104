//! The DSSE envelope (docs/FORMAT.md §4) and its pre-authentication encodings: the DSSE v1
//! one that is signed today, and the buggy v0.2 one that old signatures were made over (§6.7).

/// The only payload type OMS uses.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope with its payload already base64-decoded: these are the exact bytes that
/// were signed (never re-serialize them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub payload: Vec<u8>,
    pub payload_type: String,
    pub signatures: Vec<EnvelopeSignature>,
}

/// One DSSE signature. `keyid` is `None` when it was absent, `null` or empty: the reference
/// ignores it in all three cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    pub sig: Vec<u8>,
    pub keyid: Option<String>,
}

impl Envelope {
    /// An in-toto envelope with one signature and no key id, the shape OMS signers produce.
    pub fn in_toto(payload: Vec<u8>, sig: Vec<u8>) -> Self {
        Self {
            payload,
            payload_type: PAYLOAD_TYPE.to_string(),
            signatures: vec![EnvelopeSignature { sig, keyid: None }],
        }
    }
}

/// DSSE v1 PAE: `DSSEv1 SP len(type) SP type SP len(payload) SP payload`, lengths in bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let header = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    );
    let mut out = Vec::with_capacity(header.len() + payload.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// The PAE that v0.2 signers used by mistake: a capital `V`, and the payload written as
/// Python's `repr(bytes)` (`b'…'`) while the length stays the raw payload length.
pub fn legacy_pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEV1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    python_bytes_repr(payload, &mut out);
    out
}

/// Appends Python 3's `bytes.__repr__` of `data` to `out`.
fn python_bytes_repr(data: &[u8], out: &mut Vec<u8>) {
    let quote = if data.contains(&b'\'') && !data.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.reserve(data.len() + 3);
    out.push(b'b');
    out.push(quote);
    for &b in data {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ if b == quote => {
                out.push(b'\\');
                out.push(b);
            }
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(data: &[u8]) -> String {
        let mut out = Vec::new();
        python_bytes_repr(data, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn pae_matches_the_dsse_v1_layout() {
        assert_eq!(
            pae(PAYLOAD_TYPE, b"{}"),
            b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn pae_lengths_count_bytes_not_chars() {
        assert_eq!(
            pae("t", "é".as_bytes()),
            "DSSEv1 1 t 2 é".as_bytes().to_vec()
        );
    }

    #[test]
    fn python_repr_quoting_follows_cpython() {
        assert_eq!(repr(b""), "b''");
        assert_eq!(repr(b"abc"), "b'abc'");
        assert_eq!(repr(b"it's"), "b\"it's\"");
        assert_eq!(repr(b"it's \"x\""), "b'it\\'s \"x\"'");
        assert_eq!(repr(b"say \"hi\""), "b'say \"hi\"'");
        assert_eq!(repr(b"a\\b"), "b'a\\\\b'");
    }

    #[test]
    fn python_repr_escapes_control_and_high_bytes() {
        assert_eq!(repr(b"\t\n\r"), "b'\\t\\n\\r'");
        assert_eq!(
            repr(&[0x00, 0x1f, 0x7f, 0x80, 0xff]),
            "b'\\x00\\x1f\\x7f\\x80\\xff'"
        );
        assert_eq!(repr("é".as_bytes()), "b'\\xc3\\xa9'");
        assert_eq!(repr(b" ~"), "b' ~'");
    }

    #[test]
    fn legacy_pae_uses_capital_v_and_raw_length() {
        assert_eq!(
            legacy_pae(PAYLOAD_TYPE, b"{\n}"),
            b"DSSEV1 28 application/vnd.in-toto+json 3 b'{\\n}'".to_vec()
        );
    }
}
