//! Following a pickle's opcodes as its bytes stream past the capture, so that the payloads of
//! long byte and text arguments (a NumPy array's data, a tensor's bytes) are dropped instead of
//! held: the emulator skips any argument over [`KEEP_BYTES`] without reading it, so it never
//! asks for them. Everything else is kept. When the walk cannot follow the stream (an unknown
//! opcode, joblib's raw array data after its wrapper object), it keeps the rest, as a capture
//! without the walk did; after the fifth pickle of a legacy `torch.save` file (where the scan
//! stops) it keeps nothing more.

use super::take_len as take;
use crate::pickle::KEEP_BYTES;

/// Legacy `torch.save` files hold five pickles, then raw storage bytes the scan never reads.
const LEGACY_PICKLES: u32 = 5;
/// The joblib wrapper whose array data follows its BUILD inline, outside any opcode.
const JOBLIB_MARKER: &[u8] = b"NumpyArrayWrapper";
/// Short arguments are remembered (to recognise the joblib wrapper) up to this length.
const REMEMBER: usize = 64;

#[derive(Debug)]
pub(super) struct PickleWalk {
    state: State,
    legacy: bool,
    stops: u32,
    /// The current argument's first bytes.
    arg: Vec<u8>,
}

#[derive(Debug)]
enum State {
    Opcode,
    /// A fixed-size argument.
    Fixed(u64),
    /// A little-endian length prefix of `width` bytes, then that many payload bytes.
    Length {
        width: usize,
        signed: bool,
        got: Vec<u8>,
    },
    Payload {
        left: u64,
        keep: bool,
    },
    /// Newline-terminated text arguments still to read.
    Lines(u8),
    /// Nothing more is read by the scan.
    DropRest,
    /// The walk lost the stream: keep everything that follows.
    KeepRest,
}

impl PickleWalk {
    pub(super) fn new(legacy: bool) -> Self {
        Self {
            state: State::Opcode,
            legacy,
            stops: 0,
            arg: Vec::new(),
        }
    }

    /// Consumes the longest prefix of `bytes` (at least one byte) that is all kept or all
    /// dropped; returns its length and which. One call per run, not per opcode: an opcode-dense
    /// pickle (a list of millions of floats) would otherwise cost a capture step per opcode.
    pub(super) fn run(&mut self, bytes: &[u8]) -> (usize, bool) {
        let keep = self.keeps();
        let mut n = 0;
        while let Some(rest) = bytes.get(n..).filter(|r| !r.is_empty()) {
            if n > 0 && self.keeps() != keep {
                break;
            }
            n += self.step(rest).0.max(1);
        }
        (n, keep)
    }

    /// Whether the next byte is kept.
    fn keeps(&self) -> bool {
        !matches!(
            self.state,
            State::DropRest | State::Payload { keep: false, .. }
        )
    }

    /// Consumes up to `bytes.len()` (at least one) bytes; returns how many and whether to keep
    /// them.
    fn step(&mut self, bytes: &[u8]) -> (usize, bool) {
        let Some(&first) = bytes.first() else {
            return (0, true);
        };
        match &mut self.state {
            State::DropRest => (bytes.len(), false),
            State::KeepRest => (bytes.len(), true),
            State::Opcode => {
                self.state = self.after_opcode(first);
                (1, true)
            }
            State::Fixed(left) => {
                let n = take(*left, bytes.len());
                *left -= n as u64;
                if *left == 0 {
                    self.state = State::Opcode;
                }
                (n, true)
            }
            State::Length { width, signed, got } => {
                let n = (*width - got.len()).min(bytes.len());
                got.extend_from_slice(bytes.get(..n).unwrap_or_default());
                if got.len() == *width {
                    let len = little_endian(got, *signed);
                    self.arg.clear();
                    self.state = match len {
                        Some(0) => State::Opcode,
                        Some(left) => State::Payload {
                            left,
                            keep: left <= KEEP_BYTES,
                        },
                        // A negative length: the emulator stops here with an error.
                        None => State::KeepRest,
                    };
                }
                (n, true)
            }
            State::Payload { left, keep } => {
                let n = take(*left, bytes.len());
                let keep = *keep;
                *left -= n as u64;
                let done = *left == 0;
                if keep {
                    self.remember(bytes.get(..n).unwrap_or_default());
                }
                if done {
                    self.state = self.after_argument();
                }
                (n, keep)
            }
            State::Lines(left) => {
                let line_end = bytes.iter().position(|&b| b == b'\n');
                let n = line_end.map_or(bytes.len(), |at| at + 1);
                let text = bytes.get(..line_end.unwrap_or(n)).unwrap_or_default();
                let more = *left - u8::from(line_end.is_some());
                self.remember(text);
                if line_end.is_some() {
                    if more == 0 {
                        self.state = self.after_argument();
                    } else {
                        self.state = State::Lines(more);
                        self.arg.clear();
                    }
                }
                (n, true)
            }
        }
    }

    fn after_opcode(&mut self, op: u8) -> State {
        self.arg.clear();
        let length = |width, signed| State::Length {
            width,
            signed,
            got: Vec::with_capacity(8),
        };
        match op {
            b'.' => {
                self.stops += 1;
                if self.legacy && self.stops >= LEGACY_PICKLES {
                    State::DropRest
                } else {
                    State::Opcode
                }
            }
            b'('
            | b'0'
            | b'1'
            | b'2'
            | b'N'
            | b')'
            | b']'
            | b'}'
            | b'a'
            | b'e'
            | b'l'
            | b't'
            | b'd'
            | b's'
            | b'u'
            | b'b'
            | b'o'
            | b'R'
            | b'Q'
            | 0x81
            | 0x85..=0x89
            | 0x8f
            | 0x90..=0x94
            | 0x97
            | 0x98 => State::Opcode,
            b'K' | b'h' | b'q' | 0x80 | 0x82 => State::Fixed(1),
            b'M' | 0x83 => State::Fixed(2),
            b'J' | b'j' | b'r' | 0x84 => State::Fixed(4),
            b'G' | 0x95 => State::Fixed(8),
            b'U' | b'C' | 0x8c | 0x8a => length(1, false),
            b'T' | 0x8b => length(4, true),
            b'B' | b'X' => length(4, false),
            0x8d | 0x8e | 0x96 => length(8, false),
            b'I' | b'L' | b'F' | b'S' | b'V' | b'P' | b'g' | b'p' => State::Lines(1),
            b'c' | b'i' => State::Lines(2),
            _ => State::KeepRest,
        }
    }

    fn after_argument(&self) -> State {
        if self.arg.ends_with(JOBLIB_MARKER) {
            State::KeepRest
        } else {
            State::Opcode
        }
    }

    fn remember(&mut self, bytes: &[u8]) {
        let room = REMEMBER.saturating_sub(self.arg.len());
        self.arg
            .extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
    }
}

/// A length prefix; `None` for a negative signed one.
fn little_endian(bytes: &[u8], signed: bool) -> Option<u64> {
    let mut value = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        value |= u64::from(b) << (8 * i);
    }
    if signed && bytes.len() == 4 {
        return u64::try_from(value as u32 as i32).ok();
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks `bytes` in chunks of `chunk`; returns the kept ranges.
    fn kept(bytes: &[u8], legacy: bool, chunk: usize) -> Vec<(usize, usize)> {
        let mut walk = PickleWalk::new(legacy);
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut at = 0;
        for part in bytes.chunks(chunk) {
            let mut rest = part;
            while !rest.is_empty() {
                let (n, keep) = walk.run(rest);
                if keep {
                    match out.last_mut() {
                        Some((_, end)) if *end == at => *end += n,
                        _ => out.push((at, at + n)),
                    }
                }
                at += n;
                rest = &rest[n..];
            }
        }
        out
    }

    fn binbytes8(len: usize) -> Vec<u8> {
        let mut p = vec![0x8e];
        p.extend((len as u64).to_le_bytes());
        p.extend(vec![7u8; len]);
        p
    }

    #[test]
    fn long_payloads_are_dropped_short_ones_kept_whatever_the_chunking() {
        let big = KEEP_BYTES as usize + 1;
        let mut p = b"\x80\x04".to_vec();
        p.extend(binbytes8(big));
        p.extend(binbytes8(KEEP_BYTES as usize));
        p.extend(b"\x86.");
        let end = p.len();
        let payload = 2 + 9;
        for chunk in [1, 7, 4096, 1 << 20, end] {
            assert_eq!(
                kept(&p, false, chunk),
                [(0, payload), (payload + big, end)],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn text_lines_and_fixed_arguments_are_followed() {
        // Protocol 0: GLOBAL with two lines, INT line, then a long BINUNICODE.
        let mut p = b"cposix\nsystem\nI42\nK\x01M\x01\x02J\x01\x02\x03\x04".to_vec();
        let head = p.len() + 5;
        p.push(b'X');
        p.extend(((KEEP_BYTES + 10) as u32).to_le_bytes());
        p.extend(vec![b'a'; KEEP_BYTES as usize + 10]);
        p.push(b'.');
        assert_eq!(kept(&p, false, 3), [(0, head), (p.len() - 1, p.len())]);
    }

    #[test]
    fn after_five_legacy_pickles_nothing_is_kept() {
        let mut p = b"\x80\x02N.".repeat(5);
        let end = p.len();
        p.extend(vec![0xffu8; 1000]);
        assert_eq!(kept(&p, true, 64), [(0, end)]);
        assert_eq!(kept(&p, false, 64), [(0, p.len())], "not legacy: kept");
    }

    #[test]
    fn joblib_array_data_and_unknown_opcodes_make_the_rest_kept() {
        let mut p = b"\x80\x04\x8c\x11NumpyArrayWrapper".to_vec();
        p.extend(binbytes8(KEEP_BYTES as usize + 1));
        assert_eq!(kept(&p, false, 5), [(0, p.len())]);
        let mut q = b"\x80\x04\xff".to_vec();
        q.extend(binbytes8(KEEP_BYTES as usize + 1));
        assert_eq!(kept(&q, false, 5), [(0, q.len())]);
    }

    #[test]
    fn a_negative_binstring_length_keeps_the_rest() {
        let mut p = b"T\xff\xff\xff\xff".to_vec();
        p.extend(vec![1u8; 100]);
        assert_eq!(kept(&p, false, 10), [(0, p.len())]);
    }
}
