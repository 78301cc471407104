//! A ZIP archive's members as both of its loaders read them: miniz (`torch.load`) from the
//! central directory's offsets, Python's `zipfile` (`np.load`, Keras) from the end with
//! prepended data shifted. Every member either lists is scanned; disagreements are reported.

use std::collections::HashSet;

use crate::policy::Policy;
use crate::scan::{inflate, relocate, scan, unknown, Scanned, MAX_INFLATE, MAX_NESTING};
use crate::source::{Source, SubSource};
use crate::verdict::{Finding, Format};
use crate::zip::{self, Entry};

/// Magic numbers a loader reads a member by, whatever its name (an `.npz` member is an array
/// if it starts like one; an archive inside is read as one).
const MEMBER_MAGICS: [&[u8]; 3] = [b"\x93NUMPY", b"PK\x03\x04", b"PK\x05\x06"];

/// How `torch.load` finds its records: the directory of the archive's first entry, then
/// `data.pkl` and `data/<key>` in it, compared without case (miniz's lookup).
struct TorchLayout {
    data_pkl: String,
    storages: String,
}

impl TorchLayout {
    fn of(entries: &[Entry]) -> Option<Self> {
        let (archive, _) = entries.first()?.name.split_once('/')?;
        let data_pkl = format!("{archive}/data.pkl").to_ascii_lowercase();
        entries
            .iter()
            .any(|e| e.name.to_ascii_lowercase() == data_pkl)
            .then(|| Self {
                data_pkl,
                storages: format!("{archive}/data/").to_ascii_lowercase(),
            })
    }

    fn is_storage(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        lower.starts_with(&self.storages) && !lower.ends_with('/')
    }
}

/// A file that is not a ZIP by its first bytes but that `zipfile` reads as one from its end
/// (a polyglot): the archive's analysis, judged with the file's.
pub(crate) fn zip_appended(src: &dyn Source, policy: &Policy, depth: u8) -> Option<Scanned> {
    let entries = zip::entries_as_zipfile(src).ok()?;
    if entries.is_empty() {
        return None;
    }
    let mut s = scan_zip(src, policy, depth);
    s.findings.push(unknown(
        "zip",
        "the file is also a ZIP archive that zipfile (np.load, Keras) reads from its end: \
         a polyglot, judged as both",
    ));
    Some(s)
}

pub(crate) fn scan_zip(src: &dyn Source, policy: &Policy, depth: u8) -> Scanned {
    if depth >= MAX_NESTING {
        return Scanned::new(
            Format::Zip,
            vec![unknown("zip", "archives nested too deep")],
        );
    }
    let mut findings = Vec::new();
    let (miniz, python) = match (zip::entries(src), zip::entries_as_zipfile(src)) {
        (Err(a), Err(b)) => {
            return Scanned::new(
                Format::Zip,
                vec![unknown(
                    "zip",
                    format!("cannot read the archive: {a} (as torch.load reads it); {b} (as zipfile reads it)"),
                )],
            )
        }
        (Ok(m), Err(e)) => {
            findings.push(unknown("zip", format!("zipfile cannot read the archive ({e}); torch.load's reader can")));
            (m, Vec::new())
        }
        (Err(e), Ok(p)) => {
            findings.push(unknown("zip", format!("torch.load's reader cannot read the archive ({e}); zipfile can")));
            (Vec::new(), p)
        }
        (Ok(m), Ok(p)) => (m, p),
    };
    if !miniz.is_empty() && !python.is_empty() {
        let key = |e: &Entry| (e.name.clone(), e.data_start, e.compressed, e.method);
        let a: HashSet<_> = miniz.iter().map(key).collect();
        let b: HashSet<_> = python.iter().map(key).collect();
        if a != b {
            findings.push(unknown(
                "zip",
                format!(
                    "torch.load's reader and zipfile list different members ({} and {})",
                    miniz.len(),
                    python.len()
                ),
            ));
        }
    }
    findings.extend(structure_findings(&miniz));
    findings.extend(structure_findings(&python));
    let torch = TorchLayout::of(&miniz);
    let torchscript = miniz
        .iter()
        .chain(&python)
        .any(|e| e.name.ends_with("/constants.pkl") || e.name.contains("/code/"));
    let mut user_allowed = Vec::new();
    let mut seen = HashSet::new();
    for e in miniz.iter().chain(&python) {
        if !seen.insert((e.data_start, e.compressed, e.method, e.unreadable.is_some())) {
            continue;
        }
        if let Some(why) = &e.unreadable {
            findings.push(
                unknown(
                    "zip",
                    format!("member {:?} cannot be opened: {why}", e.name),
                )
                .at(e.local_offset),
            );
            continue;
        }
        if e.name.ends_with('/') && e.size == 0 {
            continue;
        }
        let inner = scan_member(src, e, torch.as_ref(), policy, depth);
        findings.extend(inner.findings);
        for u in inner.user_allowed {
            if !user_allowed.contains(&u) {
                user_allowed.push(u);
            }
        }
    }
    let all = || miniz.iter().chain(&python);
    let format = if torchscript {
        findings.push(unknown(
            "TorchScript",
            "TorchScript archive: carries code that torch.jit.load runs (torch.load refuses it with weights_only)",
        ));
        Format::TorchScriptZip
    } else if torch.is_some() {
        Format::PytorchZip
    } else if all().next().is_some() && all().all(|e| e.name.ends_with(".npy")) {
        Format::Npz
    } else {
        Format::Zip
    };
    Scanned {
        format,
        findings,
        user_allowed,
        imports: Vec::new(),
    }
}

/// Duplicate names, local headers that name another file, overlapping members.
fn structure_findings(entries: &[Entry]) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut names = HashSet::new();
    let mut spans: Vec<(u64, u64, &str)> = Vec::new();
    for e in entries {
        if !names.insert(e.name.as_str()) {
            findings.push(
                unknown("zip", format!("duplicate member name {:?}", e.name)).at(e.local_offset),
            );
        }
        if let Some(local) = &e.local_name_mismatch {
            findings.push(
                unknown(
                    "zip",
                    format!(
                        "member {:?} is named {local:?} in its local header (loaders disagree on such archives)",
                        e.name
                    ),
                )
                .at(e.local_offset),
            );
        }
        if e.unreadable.is_none() {
            spans.push((e.local_offset, e.data_start + e.compressed, &e.name));
        }
    }
    spans.sort();
    for w in spans.windows(2) {
        if let [(_, end, a), (start, _, b)] = w {
            if start < end {
                findings
                    .push(unknown("zip", format!("members {a:?} and {b:?} overlap")).at(*start));
            }
        }
    }
    findings
}

fn scan_member(
    src: &dyn Source,
    e: &Entry,
    torch: Option<&TorchLayout>,
    policy: &Policy,
    depth: u8,
) -> Scanned {
    let lower = e.name.to_ascii_lowercase();
    let force = lower.ends_with(".pkl")
        || lower.ends_with(".pickle")
        || torch.is_some_and(|t| t.data_pkl == lower);
    match e.method {
        0 => {
            let sub = SubSource {
                inner: src,
                start: e.data_start,
                len: e.compressed,
            };
            if torch.is_some_and(|t| t.is_storage(&e.name)) && !starts_like_a_format(&sub) {
                // Raw tensor bytes: torch maps them, never unpickles them.
                return Scanned::new(Format::Binary, Vec::new());
            }
            let mut s = scan(&sub, policy, depth + 1, force);
            for f in &mut s.findings {
                relocate(f, &e.name, Some(e.data_start));
            }
            s
        }
        8 => {
            let data = if e.compressed > MAX_INFLATE {
                Err("member too large to inflate".to_string())
            } else {
                src.read(e.data_start, e.compressed as usize)
                    .map_err(|x| x.to_string())
                    .and_then(|d| inflate(&d, "deflate", MAX_INFLATE))
            };
            match data {
                Ok(plain) => {
                    if torch.is_some_and(|t| t.is_storage(&e.name))
                        && !starts_like_a_format(&plain.as_slice())
                    {
                        return Scanned::new(Format::Binary, Vec::new());
                    }
                    let mut s = scan(&plain, policy, depth + 1, force);
                    for f in &mut s.findings {
                        relocate(f, &e.name, None);
                    }
                    s
                }
                Err(why) => Scanned::new(
                    Format::Binary,
                    vec![unknown("zip", format!("member {:?}: {why}", e.name)).at(e.data_start)],
                ),
            }
        }
        m => Scanned::new(
            Format::Binary,
            vec![unknown(
                "zip",
                format!(
                    "member {:?} uses compression method {m}, not inspected",
                    e.name
                ),
            )
            .at(e.local_offset)],
        ),
    }
}

fn starts_like_a_format(member: &dyn Source) -> bool {
    match member.read_upto(0, 8) {
        Ok(head) => MEMBER_MAGICS.iter().any(|m| head.starts_with(m)),
        Err(_) => true,
    }
}
