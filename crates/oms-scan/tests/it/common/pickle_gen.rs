//! A seeded generator of pickles that CPython mostly accepts, aimed at the places an
//! emulator can read differently: text memo keys (leading zeros, signs, underscores,
//! spaces), marks popped by POP, BUILD with `None` states, every string opcode, long text
//! arguments, FRAMEs (well-formed and straddled), protocols 0-5; then byte-level mutations.

/// xorshift64: reproducible from its seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Imports a loader may be asked for: allow-listed and dangerous, Python 2 spellings.
const NAMES: &[(&str, &str)] = &[
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch", "FloatStorage"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("os", "system"),
    ("posix", "system"),
    ("builtins", "eval"),
    ("builtins", "getattr"),
    ("__builtin__", "exec"),
    ("subprocess", "Popen"),
    ("copy_reg", "_reconstructor"),
    ("runpy", "_run_code"),
];

const WORDS: &[&str] = &[
    "os",
    "system",
    "posix",
    "collections",
    "OrderedDict",
    "echo",
    "x",
];

struct Gen<'r> {
    rng: &'r mut Rng,
    /// Memo keys written so far.
    keys: Vec<u64>,
    next_memo: u64,
}

impl Gen<'_> {
    fn text_key(&mut self, key: u64) -> Vec<u8> {
        let s = match self.rng.below(7) {
            0 => format!("0{key}"),
            1 => format!("00{key}"),
            2 => format!(" {key}"),
            3 => format!("+{key}"),
            4 if key >= 10 => {
                let d = key.to_string();
                format!("{}_{}", &d[..1], &d[1..])
            }
            5 => format!("{key}\r"),
            _ => key.to_string(),
        };
        s.into_bytes()
    }

    fn string(&mut self, s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let n = b.len();
        let mut out = Vec::new();
        match self.rng.below(8) {
            0 => {
                out.push(b'S');
                out.push(b'\'');
                out.extend(b);
                out.extend(b"'\n");
            }
            1 => {
                out.push(b'V');
                out.extend(b);
                out.push(b'\n');
            }
            2 => {
                out.push(b'T');
                out.extend((n as u32).to_le_bytes());
                out.extend(b);
            }
            3 => {
                out.push(b'U');
                out.push(n as u8);
                out.extend(b);
            }
            4 => {
                out.push(b'X');
                out.extend((n as u32).to_le_bytes());
                out.extend(b);
            }
            5 => {
                out.push(0x8d);
                out.extend((n as u64).to_le_bytes());
                out.extend(b);
            }
            6 => {
                // Escapes CPython decodes: \u in UNICODE, \x in STRING.
                out.push(b'V');
                for c in s.chars() {
                    if self.rng.chance(3) {
                        out.extend(format!("\\u{:04x}", c as u32).as_bytes());
                    } else {
                        out.extend(c.to_string().as_bytes());
                    }
                }
                out.push(b'\n');
            }
            _ => {
                out.push(0x8c);
                out.push(n as u8);
                out.extend(b);
            }
        }
        out
    }

    fn int(&mut self) -> Vec<u8> {
        let v = self.rng.below(300);
        match self.rng.below(6) {
            0 => format!("I{v}\n").into_bytes(),
            1 => format!("I0{v:o}\n").into_bytes(),
            2 => format!("L{v}L\n").into_bytes(),
            3 => vec![b'K', v as u8],
            4 => {
                let mut o = vec![b'J'];
                o.extend((v as i32).to_le_bytes());
                o
            }
            _ => vec![0x8a, 1, v as u8],
        }
    }

    fn global(&mut self) -> Vec<u8> {
        let (m, n) = *self.rng.pick(NAMES);
        if self.rng.chance(2) {
            format!("c{m}\n{n}\n").into_bytes()
        } else {
            let mut o = self.string(m);
            o.extend(self.string(n));
            o.push(0x93);
            o
        }
    }

    /// Code that pushes exactly one value (CPython accepting it).
    fn value(&mut self, depth: u8) -> Vec<u8> {
        let choice = if depth > 2 {
            self.rng.below(4)
        } else {
            self.rng.below(11)
        };
        match choice {
            0 => {
                let w = *self.rng.pick(WORDS);
                self.string(w)
            }
            1 => self.int(),
            2 => self
                .rng
                .pick(&[&b"N"[..], b"\x88", b"\x89", b"I01\n", b"]", b"}", b")"])
                .to_vec(),
            3 if !self.keys.is_empty() => {
                let key = *self.rng.pick(&self.keys);
                match self.rng.below(3) {
                    0 => {
                        let mut o = b"g".to_vec();
                        o.extend(self.text_key(key));
                        o.push(b'\n');
                        o
                    }
                    1 if key < 256 => vec![b'h', key as u8],
                    _ => {
                        let mut o = vec![b'j'];
                        o.extend((key as u32).to_le_bytes());
                        o
                    }
                }
            }
            3 | 4 => self.global(),
            5 | 6 => {
                // A call: callable, argument tuple, REDUCE.
                let mut o = self.global();
                o.push(b'(');
                for _ in 0..self.rng.below(3) {
                    o.extend(self.value(depth + 1));
                }
                o.extend(b"tR");
                o
            }
            7 => {
                let mut o = b"(".to_vec();
                for _ in 0..self.rng.below(3) * 2 {
                    o.extend(self.value(depth + 1));
                }
                o.push(*self.rng.pick(b"ltd"));
                o
            }
            8 => {
                // A value, then BUILD with a state CPython accepts on anything.
                let mut o = self.value(depth + 1);
                o.extend(self.rng.pick(&[&b"Nb"[..], b"(N}tb"]).to_vec());
                o
            }
            9 => {
                let mut o = self.value(depth + 1);
                o.extend(self.memo_write());
                o
            }
            _ => {
                let mut o = self.global();
                o.extend(b")\x81");
                o
            }
        }
    }

    /// Memoizes the top of the stack (left in place).
    fn memo_write(&mut self) -> Vec<u8> {
        let key = if self.rng.chance(3) && !self.keys.is_empty() {
            *self.rng.pick(&self.keys)
        } else {
            self.rng.below(24) as u64
        };
        let out = match self.rng.below(4) {
            0 | 1 => {
                let mut o = b"p".to_vec();
                o.extend(self.text_key(key));
                o.push(b'\n');
                o
            }
            2 => vec![b'q', key as u8],
            _ => {
                let k = self.next_memo;
                self.next_memo += 1;
                self.keys.push(k);
                return vec![0x94];
            }
        };
        self.keys.push(key);
        out
    }

    /// A statement: leaves the stack as it found it.
    fn statement(&mut self) -> Vec<u8> {
        match self.rng.below(6) {
            0 => b"(0".to_vec(),
            1 => {
                let mut o = b"(".to_vec();
                o.extend(self.value(1));
                o.push(b'1');
                o
            }
            2 => b"NNb0".to_vec(),
            3 => {
                let mut o = self.value(0);
                o.extend(b"20");
                o.push(b'0');
                o
            }
            4 if self.rng.chance(20) => {
                // A text argument longer than 64 KiB.
                let mut o = b"V".to_vec();
                o.extend(std::iter::repeat_n(b'a', 70_000));
                o.extend(b"\n0");
                o
            }
            _ => {
                let mut o = self.value(0);
                o.push(b'0');
                o
            }
        }
    }
}

/// One generated pickle.
pub fn pickle(rng: &mut Rng) -> Vec<u8> {
    let protocol = rng.below(7);
    let mut g = Gen {
        rng,
        keys: Vec::new(),
        next_memo: 0,
    };
    let mut body = Vec::new();
    for _ in 0..g.rng.below(6) {
        body.extend(g.statement());
    }
    body.extend(g.value(0));
    body.push(b'.');
    let mut out = Vec::new();
    if protocol <= 5 {
        out.extend([0x80, protocol as u8]);
    }
    if protocol >= 4 && g.rng.chance(2) {
        let declared = match g.rng.below(4) {
            0 => body.len().saturating_sub(1 + g.rng.below(4)),
            _ => body.len(),
        };
        out.push(0x95);
        out.extend((declared as u64).to_le_bytes());
    }
    out.extend(body);
    mutate(g.rng, &mut out);
    out
}

/// Occasional byte-level damage: a truncation, a flipped byte, a spliced-in statement.
fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    match rng.below(8) {
        0 if !data.is_empty() => {
            let cut = rng.below(data.len());
            data.truncate(cut);
        }
        1 if !data.is_empty() => {
            let at = rng.below(data.len());
            data[at] = rng.next() as u8;
        }
        2 => {
            let at = rng.below(data.len() + 1);
            let mut g = Gen {
                rng,
                keys: Vec::new(),
                next_memo: 0,
            };
            let s = g.statement();
            data.splice(at..at, s);
        }
        _ => {}
    }
}
