//! numpy's own header reader is the oracle for `.npy` files: every header numpy reads as an
//! object array (whose data `np.load(allow_pickle=True)` unpickles) the scanner reads as one
//! too, or cannot tell (`unknown`); never as plain data. Inputs: generated headers (escaped
//! descrs, structured fields, subarrays, implicit concatenation, comments), fixed seed.

use crate::common;

use common::pickle_gen::Rng;
use oms_scan::{fuzz, scan_source, Policy, Verdict};

const GENERATED: usize = 3000;

const DTYPES: &[&str] = &[
    "<f8", "|b1", "<i4", ">u2", "|O", "O", "|O8", ">O", "<U10", "|S5", "|V16", "<M8[ns]", "<m8[s]",
    "object", "<c16", "|u1", "?", "i4,O", "(2,)O", "<f4",
];

/// A Python string literal for `s`, spelled as the generator likes.
fn spell(rng: &mut Rng, s: &str) -> String {
    if rng.chance(4) && s.len() > 1 {
        let cut = 1 + rng.below(s.len() - 1);
        return format!("{} {}", spell(rng, &s[..cut]), spell(rng, &s[cut..]));
    }
    let q = *rng.pick(&["'", "\"", "'''"]);
    let mut body = String::new();
    for c in s.chars() {
        body.push_str(&match rng.below(8) {
            0 => format!("\\x{:02x}", c as u32),
            1 => format!("\\u{:04x}", c as u32),
            2 => format!("\\{:o}", c as u32),
            _ => c.to_string(),
        });
    }
    let prefix = if rng.chance(5) { "u" } else { "" };
    format!("{prefix}{q}{body}{q}")
}

fn descr(rng: &mut Rng, depth: u8) -> String {
    match rng.below(if depth > 1 { 1 } else { 4 }) {
        0 => {
            let d = *rng.pick(DTYPES);
            spell(rng, d)
        }
        1 => format!("({}, ({},))", descr(rng, depth + 1), 1 + rng.below(3)),
        _ => {
            let fields: Vec<String> = (0..1 + rng.below(3))
                .map(|i| {
                    let name = spell(rng, &format!("f{i}"));
                    let d = descr(rng, depth + 1);
                    if rng.chance(4) {
                        format!("({name}, {d}, (2,))")
                    } else {
                        format!("({name}, {d})")
                    }
                })
                .collect();
            format!("[{}]", fields.join(", "))
        }
    }
}

fn npy(rng: &mut Rng) -> Vec<u8> {
    let shape = *rng.pick(&["()", "(3,)", "(2, 3)", "(1,)"]);
    let mut items = [
        format!("'descr': {}", descr(rng, 0)),
        format!("'fortran_order': {}", rng.pick(&["False", "True"])),
        format!("'shape': {shape}"),
    ];
    if rng.chance(3) {
        items.swap(0, 2);
    }
    let mut h = format!("{{{}, }}", items.join(", "));
    if rng.chance(6) {
        h.push_str(" # a comment");
    }
    let version = 1 + rng.below(3) as u8;
    let prefix = if version == 1 { 10 } else { 12 };
    while !(prefix + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend([version, 0]);
    if version == 1 {
        out.extend((h.len() as u16).to_le_bytes());
    } else {
        out.extend((h.len() as u32).to_le_bytes());
    }
    out.extend(h.as_bytes());
    out.extend(b"cos\nsystem\n(S'echo'\ntR.");
    out
}

#[test]
fn numpy_reads_no_object_array_the_scanner_calls_plain() {
    let mut rng = Rng::new(0x4e9_0014);
    let inputs: Vec<(String, Vec<u8>)> = (0..GENERATED)
        .map(|i| (format!("npy-{i:05}"), npy(&mut rng)))
        .collect();
    let read = common::oracle(&common::scan_python(), "npy_header.py", &inputs);
    let (mut failures, mut objects, mut plain_unknown) = (Vec::new(), 0, 0);
    for (name, bytes) in &inputs {
        let numpy = &read[name.as_str()];
        let Some(object) = numpy["object"].as_bool() else {
            continue;
        };
        let ours = fuzz::npy_header(bytes);
        let header = String::from_utf8_lossy(&bytes[..bytes.len() - 22]).into_owned();
        match (object, &ours) {
            (true, Ok((false, _))) => {
                failures.push(format!("{name}: plain to us, object to numpy: {header}"))
            }
            (_, Ok((_, offset))) if Some(*offset) != numpy["offset"].as_u64() => {
                failures.push(format!(
                    "{name}: data at {offset}, numpy {}: {header}",
                    numpy["offset"]
                ))
            }
            (false, Err(_)) => plain_unknown += 1,
            _ => {}
        }
        if object {
            objects += 1;
            // End to end: the object array's pickle is scanned.
            let r = scan_source(name, &bytes.as_slice(), &Policy::default());
            if r.verdict == Verdict::Safe {
                failures.push(format!("{name}: safe: {header}"));
            }
        }
    }
    assert!(objects > GENERATED / 10, "only {objects} object arrays");
    assert!(
        failures.is_empty(),
        "{} disagreements with numpy ({plain_unknown} plain headers we cannot tell):\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!(
        "{objects} object arrays; {plain_unknown} plain headers the scanner cannot tell (unknown)"
    );
}
