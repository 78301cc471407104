//! A tar archive's members as Python's `tarfile` reads them (NeMo's `.nemo` is one): pax
//! and GNU long-name headers apply to the next member (a pax `size` moves where the next
//! header is); regular and contiguous files are scanned; a header type it does not follow
//! is `unknown`, never skipped.

use crate::policy::Policy;
use crate::scan::{relocate, scan, unknown, Scanned, MAX_NESTING};
use crate::source::{Source, SubSource};
use crate::verdict::Format;

/// Extended headers read, at most (each is small: names and sizes).
const MAX_EXTENDED: u64 = 1 << 20;

fn octal(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

/// The `key=value` records of a pax header (`"<len> key=value\n"` each).
fn pax_records(data: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && rest.first() != Some(&0) {
        let space = rest.iter().position(|&b| b == b' ')?;
        let len: usize = std::str::from_utf8(rest.get(..space)?).ok()?.parse().ok()?;
        let record = rest.get(space + 1..len)?.strip_suffix(b"\n")?;
        let text = String::from_utf8_lossy(record);
        let (k, v) = text.split_once('=')?;
        out.push((k.to_string(), v.to_string()));
        rest = rest.get(len..)?;
    }
    Some(out)
}

pub(crate) fn scan_tar(src: &dyn Source, policy: &Policy, depth: u8) -> Scanned {
    let mut findings = Vec::new();
    let mut user_allowed = Vec::new();
    if depth >= MAX_NESTING {
        return Scanned::new(
            Format::Tar,
            vec![unknown("tar", "archives nested too deep")],
        );
    }
    let mut pos = 0u64;
    let mut next_name: Option<String> = None;
    let mut next_size: Option<u64> = None;
    while pos + 512 <= src.len() {
        let h = match src.read(pos, 512) {
            Ok(h) => h,
            Err(e) => {
                findings.push(unknown("read", e.to_string()).at(pos));
                break;
            }
        };
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let header_name = String::from_utf8_lossy(h.get(..100).unwrap_or_default())
            .trim_end_matches('\0')
            .to_string();
        let Some(header_size) = h.get(124..136).and_then(octal) else {
            findings.push(unknown("tar", "bad member size field").at(pos));
            break;
        };
        let kind = h.get(156).copied().unwrap_or(0);
        let size = if matches!(kind, b'x' | b'g' | b'L') {
            header_size
        } else {
            next_size.take().unwrap_or(header_size)
        };
        let name = if matches!(kind, b'x' | b'g' | b'L') {
            header_name
        } else {
            next_name.take().unwrap_or(header_name)
        };
        let start = pos + 512;
        if start.checked_add(size).is_none_or(|e| e > src.len()) {
            findings.push(unknown("tar", format!("member {name:?} runs past the end")).at(pos));
            break;
        }
        match kind {
            b'0' | 0 | b'7' => {
                let sub = SubSource {
                    inner: src,
                    start,
                    len: size,
                };
                let s = scan(&sub, policy, depth + 1, false);
                for mut f in s.findings {
                    relocate(&mut f, &name, Some(start));
                    findings.push(f);
                }
                user_allowed.extend(s.user_allowed);
            }
            // Links, devices, directories, FIFOs: no data of their own.
            b'1'..=b'6' => {}
            b'x' | b'L' if size <= MAX_EXTENDED => {
                let data = src.read(start, size as usize).unwrap_or_default();
                if kind == b'L' {
                    let long = String::from_utf8_lossy(&data);
                    next_name = Some(long.trim_end_matches('\0').to_string());
                } else {
                    match pax_records(&data) {
                        Some(records) => {
                            for (k, v) in records {
                                match k.as_str() {
                                    "path" => next_name = Some(v),
                                    "size" => match v.parse() {
                                        Ok(n) => next_size = Some(n),
                                        Err(_) => {
                                            findings.push(
                                                unknown("tar", format!("pax size {v:?}")).at(pos),
                                            );
                                            break;
                                        }
                                    },
                                    _ => {}
                                }
                            }
                        }
                        None => findings.push(unknown("tar", "malformed pax header").at(pos)),
                    }
                }
            }
            other => findings.push(
                unknown(
                    "tar",
                    format!(
                        "member {name:?} has header type {:?}, which the scanner does not follow",
                        char::from(other)
                    ),
                )
                .at(pos),
            ),
        }
        pos = start + size.div_ceil(512) * 512;
    }
    Scanned {
        format: Format::Tar,
        findings,
        user_allowed,
        imports: Vec::new(),
    }
}
