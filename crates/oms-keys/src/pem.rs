//! A lenient PEM reader: key files written by certtool carry a human-readable dump before the
//! PEM block, and chain files hold several blocks, so the text around blocks is skipped.

use base64::Engine as _;

/// One `-----BEGIN <label>-----` ... `-----END <label>-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemBlock {
    pub label: String,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), kept so legacy encryption can be detected.
    pub headers: Vec<(String, String)>,
    pub der: Vec<u8>,
}

impl PemBlock {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Every PEM block in `bytes`, in order. Text outside blocks is ignored.
pub fn parse_blocks(bytes: &[u8]) -> Result<Vec<PemBlock>, String> {
    let mut blocks = Vec::new();
    let mut lines = bytes
        .split(|b| *b == b'\n')
        .map(|l| String::from_utf8_lossy(l).trim().to_string());
    while let Some(line) = lines.next() {
        let Some(label) = boundary_label(&line, BEGIN) else {
            continue;
        };
        blocks.push(read_block(label, &mut lines)?);
    }
    Ok(blocks)
}

fn boundary_label<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    line.strip_prefix(prefix)?.strip_suffix(DASHES)
}

fn read_block(label: &str, lines: &mut impl Iterator<Item = String>) -> Result<PemBlock, String> {
    let mut headers = Vec::new();
    let mut body = String::new();
    let mut in_headers = true;
    for line in lines {
        if let Some(end_label) = boundary_label(&line, END) {
            if end_label != label {
                return Err(format!(
                    "PEM block '{label}' ends with '-----END {end_label}-----'"
                ));
            }
            let der = base64::engine::general_purpose::STANDARD
                .decode(body.as_bytes())
                .map_err(|e| format!("invalid base64 in PEM block '{label}': {e}"))?;
            return Ok(PemBlock {
                label: label.to_string(),
                headers,
                der,
            });
        }
        if in_headers {
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_string(), value.trim().to_string()));
                continue;
            }
            in_headers = false;
            if line.is_empty() {
                continue;
            }
        }
        body.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
    }
    Err(format!(
        "PEM block '{label}' has no '-----END {label}-----' line"
    ))
}

/// Canonical PEM text: 64-character lines, each ending in LF (what OpenSSL and `cryptography`
/// write, and what the OMS key hint hashes). One implementation, in the format crate.
pub fn encode(label: &str, der: &[u8]) -> String {
    oms_format::pem_encode(label, der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_preamble_and_reads_several_blocks() {
        let text =
            b"Public Key Info:\n\tfoo: bar\n-----BEGIN A-----\nAAEC\n-----END A-----\njunk\n\
                     -----BEGIN B-----\r\nAw==\r\n-----END B-----\r\n";
        let blocks = parse_blocks(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "A");
        assert_eq!(blocks[0].der, vec![0, 1, 2]);
        assert_eq!(blocks[1].label, "B");
        assert_eq!(blocks[1].der, vec![3]);
    }

    #[test]
    fn reads_rfc1421_headers() {
        let text = b"-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAEC\n-----END EC PRIVATE KEY-----\n";
        let blocks = parse_blocks(text).unwrap();
        assert_eq!(blocks[0].header("proc-type"), Some("4,ENCRYPTED"));
        assert_eq!(blocks[0].der, vec![0, 1, 2]);
    }

    #[test]
    fn reports_missing_end_and_mismatched_end() {
        assert_eq!(
            parse_blocks(b"-----BEGIN A-----\nAAEC\n").unwrap_err(),
            "PEM block 'A' has no '-----END A-----' line"
        );
        assert_eq!(
            parse_blocks(b"-----BEGIN A-----\nAAEC\n-----END B-----\n").unwrap_err(),
            "PEM block 'A' ends with '-----END B-----'"
        );
    }

    #[test]
    fn encode_wraps_at_64() {
        let pem = encode("X", &[0u8; 60]);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN X-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines[2].len(), 16);
        assert_eq!(lines[3], "-----END X-----");
        assert!(pem.ends_with("-----\n"));
        assert_eq!(parse_blocks(pem.as_bytes()).unwrap()[0].der, vec![0u8; 60]);
    }
}
