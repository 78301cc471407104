//! A seeded generator of ZIP archives that Python's `zipfile` and miniz may read
//! differently: data prepended (offsets absolute or shifted), entry counts that lie,
//! comments (holding a fake end record), trailing bytes, names with NUL, code page 437 or
//! UTF-8, duplicates, ZIP64 end records, extra fields.

use super::pickle_gen::Rng;

pub struct Member {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    pub utf8_flag: bool,
}

fn u16le(v: usize) -> [u8; 2] {
    (v as u16).to_le_bytes()
}

fn u32le(v: u64) -> [u8; 4] {
    (v as u32).to_le_bytes()
}

/// A stored (method 0) archive of `members`, with the generator's choices of framing.
pub fn archive(rng: &mut Rng, members: &[Member]) -> Vec<u8> {
    let prefix: Vec<u8> = if rng.chance(3) {
        (0..rng.below(200)).map(|_| rng.next() as u8).collect()
    } else {
        Vec::new()
    };
    // Offsets as written: absolute (what a writer appending to a file computes) or relative
    // to the archive (what a plain `cat prefix archive.zip` leaves).
    let absolute = rng.chance(2);
    let base = if absolute { prefix.len() as u64 } else { 0 };
    let mut body = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = body.len() as u64 + base;
        let flags: u16 = if m.utf8_flag { 0x800 } else { 0 };
        let extra: Vec<u8> = if rng.chance(6) {
            let mut e = vec![0x75, 0x78];
            let n = rng.below(6);
            e.extend(u16le(n));
            e.extend((0..n).map(|_| rng.next() as u8));
            e
        } else {
            Vec::new()
        };
        body.extend(b"PK\x03\x04\x14\x00");
        body.extend(flags.to_le_bytes());
        body.extend([0, 0, 0, 0, 0, 0]);
        body.extend(u32le(0)); // crc (ignored by both readers)
        body.extend(u32le(m.data.len() as u64));
        body.extend(u32le(m.data.len() as u64));
        body.extend(u16le(m.name.len()));
        body.extend(u16le(extra.len()));
        body.extend(&m.name);
        body.extend(&extra);
        body.extend(&m.data);
        central.extend(b"PK\x01\x02\x14\x00\x14\x00");
        central.extend(flags.to_le_bytes());
        central.extend([0, 0, 0, 0, 0, 0]);
        central.extend(u32le(0));
        central.extend(u32le(m.data.len() as u64));
        central.extend(u32le(m.data.len() as u64));
        central.extend(u16le(m.name.len()));
        central.extend(u16le(extra.len()));
        central.extend(u16le(0));
        central.extend([0, 0, 0, 0, 0, 0, 0, 0]);
        central.extend(u32le(offset));
        central.extend(&m.name);
        central.extend(&extra);
    }
    let cd_offset = body.len() as u64 + base;
    let count = match rng.below(6) {
        0 => 0,
        1 => members.len().saturating_sub(1),
        2 => members.len() + 1,
        _ => members.len(),
    };
    let mut out = prefix;
    out.extend(body);
    out.extend(&central);
    if rng.chance(5) {
        // A ZIP64 end record and locator right before the end record.
        let record_at = out.len() as u64 - base;
        out.extend(b"PK\x06\x06");
        out.extend(44u64.to_le_bytes());
        out.extend([45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend((count as u64).to_le_bytes());
        out.extend((count as u64).to_le_bytes());
        out.extend((central.len() as u64).to_le_bytes());
        out.extend(cd_offset.to_le_bytes());
        out.extend(b"PK\x06\x07");
        out.extend([0, 0, 0, 0]);
        out.extend((record_at + base).to_le_bytes());
        out.extend(1u32.to_le_bytes());
    }
    let comment: Vec<u8> = match rng.below(6) {
        0 => b"a comment".to_vec(),
        1 => {
            // A fake end record inside the comment.
            let mut c = b"xPK\x05\x06".to_vec();
            c.extend([0u8; 18]);
            c
        }
        _ => Vec::new(),
    };
    out.extend(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend(u16le(count));
    out.extend(u16le(count));
    out.extend(u32le(central.len() as u64));
    out.extend(u32le(cd_offset));
    out.extend(u16le(comment.len()));
    out.extend(comment);
    if rng.chance(8) {
        out.extend((0..rng.below(40)).map(|_| rng.next() as u8));
    }
    out
}

const NAMES: &[&[u8]] = &[
    b"archive/data.pkl",
    b"archive/DATA.PKL",
    b"archive/data/0",
    b"archive/version",
    b"arr_0.npy",
    b"config.json",
    b"data.pkl",
    b"x/data/arr.npy",
    b"model.weights.h5",
    b"na\x00me.npy",
    b"caf\xc3\xa9.npy",
    b"\x80\x81.bin",
];

/// Members drawn from names loaders look up, each holding a few bytes.
pub fn members(rng: &mut Rng) -> Vec<Member> {
    (0..1 + rng.below(4))
        .map(|i| Member {
            name: rng.pick(NAMES).to_vec(),
            data: format!("member {i}").into_bytes(),
            utf8_flag: rng.chance(3),
        })
        .collect()
}
