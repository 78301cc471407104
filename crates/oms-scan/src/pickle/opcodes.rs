//! The opcode table: which bytes CPython's unpickler accepts, used to recognise a pickle.

/// Bytes that CPython's unpickler accepts as an opcode.
pub fn is_opcode(b: u8) -> bool {
    matches!(
        b,
        b'(' | b'.'
            | b'0'
            | b'1'
            | b'2'
            | b'F'
            | b'I'
            | b'J'
            | b'K'
            | b'L'
            | b'M'
            | b'N'
            | b'P'
            | b'Q'
            | b'R'
            | b'S'
            | b'T'
            | b'U'
            | b'V'
            | b'X'
            | b'a'
            | b'b'
            | b'c'
            | b'd'
            | b'}'
            | b'e'
            | b'g'
            | b'h'
            | b'i'
            | b'j'
            | b'l'
            | b']'
            | b'o'
            | b'p'
            | b'q'
            | b'r'
            | b's'
            | b't'
            | b')'
            | b'u'
            | b'G'
            | b'B'
            | b'C'
            | 0x80..=0x98
    )
}

/// A cheap test for "this byte string could be a pickle" (nested payloads).
pub fn looks_like_pickle(b: &[u8]) -> bool {
    match b {
        [0x80, p, ..] => *p <= 5,
        [first, ..] => is_opcode(*first) && b.last() == Some(&b'.'),
        [] => false,
    }
}
