//! An emulated unpickler: the real stack, metastack and memo of CPython's `_pickle`, every
//! opcode of protocols 0-5, but imports are classified instead of performed and calls
//! produce placeholder objects. Nothing is executed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

mod calls;
mod containers;
mod readings;

use super::reader::{Cursor, ReadError};
use super::text::{parse_int, parse_memo_key, parse_raw_unicode, parse_string_literal};
use super::value::{Imported, V};
use crate::policy::Policy;
use crate::source::Source;
use crate::verdict::{Finding, Verdict};
use containers::{int_value, le_signed, pairs};

/// Byte strings longer than this are skipped, not kept.
pub(crate) const KEEP_BYTES: u64 = 1 << 20;
/// Longest text line (protocol 0 arguments). CPython has no limit: a longer line stops the
/// emulation as a limit (`unknown`), never as a parse error.
const MAX_LINE: usize = 64 << 20;
/// Opcodes per pickle; memo entries; container items kept.
const MAX_OPS: u64 = 200_000_000;
const MAX_MEMO: usize = 20_000_000;
const MAX_ITEMS: u64 = 20_000_000;
/// Nesting of pickles inside pickles.
pub const MAX_DEPTH: u8 = 4;

const JOBLIB_WRAPPER: &str = "joblib.numpy_pickle.NumpyArrayWrapper";

/// The outcome of emulating one pickle.
#[derive(Debug, Default)]
pub struct PickleOutcome {
    pub findings: Vec<Finding>,
    pub user_allowed: Vec<String>,
    /// Offset just after STOP (or where parsing stopped).
    pub end: u64,
    /// STOP was reached.
    pub stopped: bool,
    pub protocol: u8,
    /// An import, call or extension code was seen (so this is a pickle, not text that happens
    /// to start like one).
    pub saw_code: bool,
    /// Only imports that a real loader would reject (not identifiers) were seen.
    pub invalid_import: bool,
    /// The stream contains joblib array wrappers whose raw data was skipped.
    pub joblib: bool,
    /// Where and why parsing failed.
    pub error: Option<(u64, String)>,
    /// The emulation stopped at one of its limits or at a construct it does not follow, not
    /// where CPython raises: the rest of the stream was not judged.
    pub limit: bool,
    /// Every distinct import reached (`module.name`), allow-listed or not.
    pub imports: Vec<String>,
    /// An argument ran past the end of its FRAME.
    pub straddled: bool,
    /// STOP came inside a FRAME that ends here: an unpickler over `io.BytesIO` has read the
    /// whole frame, so the next pickle of the file starts here for it.
    pub frame_end: Option<u64>,
}

/// Why the emulation stops early: where the real unpickler raises too, or (`limit`) at a
/// limit of the emulator or a construct it does not follow, where CPython may go on.
struct Stop {
    why: String,
    limit: bool,
}

impl Stop {
    fn new(why: impl Into<String>) -> Self {
        Self {
            why: why.into(),
            limit: false,
        }
    }

    fn limit(why: impl Into<String>) -> Self {
        Self {
            why: why.into(),
            limit: true,
        }
    }
}

impl From<ReadError> for Stop {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Truncated => Stop::new("truncated: the data ends inside an opcode"),
            ReadError::LineTooLong(max) => Stop::limit(format!(
                "a text argument is longer than {max} bytes (the scanner's limit)"
            )),
            ReadError::Source(e) => Stop::limit(e.to_string()),
        }
    }
}

pub struct Vm<'a> {
    cur: Cursor<'a>,
    src: &'a dyn Source,
    policy: &'a Policy,
    depth: u8,
    start: u64,
    stack: Vec<V>,
    meta: Vec<Vec<V>>,
    memo: HashMap<u64, V>,
    items: u64,
    out: PickleOutcome,
}

impl<'a> Vm<'a> {
    pub fn new(src: &'a dyn Source, start: u64, policy: &'a Policy, depth: u8) -> Self {
        Self {
            cur: Cursor::new(src, start),
            src,
            policy,
            depth,
            start,
            stack: Vec::new(),
            meta: Vec::new(),
            memo: HashMap::new(),
            items: 0,
            out: PickleOutcome::default(),
        }
    }

    /// Runs to STOP or to the first error.
    pub fn run(mut self) -> PickleOutcome {
        let mut ops = 0u64;
        loop {
            let pos = self.cur.pos();
            ops += 1;
            let step = if ops > MAX_OPS {
                Err(Stop::limit(format!("more than {MAX_OPS} opcodes")))
            } else {
                self.step(pos)
            };
            match step {
                Ok(true) => {
                    self.out.stopped = true;
                    break;
                }
                Ok(false) => {}
                Err(stop) => {
                    self.out.error = Some((pos, stop.why));
                    self.out.limit = stop.limit;
                    break;
                }
            }
        }
        self.out.end = self.cur.pos();
        self.out.straddled = self.cur.straddled;
        self.out.frame_end = self.cur.frame_end.filter(|&e| e > self.out.end);
        self.out
    }

    fn finding(&mut self, verdict: Verdict, subject: &str, detail: String, pos: u64) -> usize {
        self.out
            .findings
            .push(Finding::new(verdict, subject, detail).at(pos));
        self.out.findings.len() - 1
    }

    fn pop(&mut self) -> Result<V, Stop> {
        self.stack.pop().ok_or_else(|| Stop::new("stack underflow"))
    }

    fn top(&self) -> Result<&V, Stop> {
        self.stack
            .last()
            .ok_or_else(|| Stop::new("stack underflow"))
    }

    fn pop_mark(&mut self) -> Result<Vec<V>, Stop> {
        let prev = self
            .meta
            .pop()
            .ok_or_else(|| Stop::new("could not find MARK"))?;
        Ok(std::mem::replace(&mut self.stack, prev))
    }

    fn count(&mut self, n: usize) -> bool {
        self.items = self.items.saturating_add(n as u64);
        self.items <= MAX_ITEMS
    }

    fn memo_get(&self, key: u64) -> Result<V, Stop> {
        self.memo
            .get(&key)
            .cloned()
            .ok_or_else(|| Stop::new(format!("memo key {key} was never written")))
    }

    fn memo_put(&mut self, key: u64) -> Result<(), Stop> {
        let v = self.top()?.clone();
        if self.memo.len() >= MAX_MEMO && !self.memo.contains_key(&key) {
            return Err(Stop::limit(format!("more than {MAX_MEMO} memo entries")));
        }
        self.memo.insert(key, v);
        Ok(())
    }

    fn bytes(&mut self, len: u64) -> Result<V, Stop> {
        if len > KEEP_BYTES {
            self.cur.skip(len)?;
            return Ok(V::LargeBytes);
        }
        let n = usize::try_from(len).map_err(|_| Stop::new("length overflow"))?;
        Ok(V::Bytes(self.cur.take(n)?.into()))
    }

    fn text(&mut self, len: u64) -> Result<V, Stop> {
        match self.bytes(len)? {
            V::Bytes(b) => Ok(V::Str(String::from_utf8_lossy(&b).into())),
            other => Ok(other),
        }
    }

    fn line_str(&mut self) -> Result<String, Stop> {
        let l = self.cur.line(MAX_LINE)?;
        String::from_utf8(l).map_err(|_| Stop::new("text argument is not UTF-8"))
    }

    /// One opcode; `Ok(true)` at STOP.
    fn step(&mut self, pos: u64) -> Result<bool, Stop> {
        let op = self.cur.byte()?;
        let v = match op {
            b'.' => return Ok(true),
            b'(' => {
                self.meta.push(std::mem::take(&mut self.stack));
                return Ok(false);
            }
            b'0' => {
                // CPython's POP takes the mark itself when nothing is above it.
                if self.stack.is_empty() && !self.meta.is_empty() {
                    self.pop_mark()?;
                } else {
                    self.pop()?;
                }
                return Ok(false);
            }
            b'1' => {
                self.pop_mark()?;
                return Ok(false);
            }
            b'2' => self.top()?.clone(),
            b'F' => {
                self.line_str()?;
                V::Float
            }
            b'I' => {
                let l = self.cur.line(MAX_LINE)?;
                match l.as_slice() {
                    b"01" => V::Bool,
                    b"00" => V::Bool,
                    _ => int_value(parse_int(&l, false))?,
                }
            }
            b'L' => {
                let l = self.cur.line(MAX_LINE)?;
                int_value(parse_int(&l, true))?
            }
            b'J' => V::Int(i64::from(self.cur.le(4)? as u32 as i32)),
            b'K' => V::Int(self.cur.le(1)? as i64),
            b'M' => V::Int(self.cur.le(2)? as i64),
            b'G' => {
                self.cur.take(8)?;
                V::Float
            }
            0x8a | 0x8b => {
                let n = if op == 0x8a {
                    self.cur.le(1)?
                } else {
                    let n = self.cur.le(4)? as u32 as i32;
                    u64::try_from(n).map_err(|_| Stop::new("LONG4 with a negative length"))?
                };
                match self.bytes(n)? {
                    V::Bytes(b) if b.len() <= 8 => V::Int(le_signed(&b)),
                    _ => V::BigInt,
                }
            }
            b'N' => V::None,
            0x88 => V::Bool,
            0x89 => V::Bool,
            b'S' => {
                let l = self.cur.line(MAX_LINE)?;
                let b = parse_string_literal(&l)
                    .ok_or_else(|| Stop::new("STRING argument is not a quoted literal"))?;
                V::Str(String::from_utf8_lossy(&b).into())
            }
            b'T' => {
                let n = self.cur.le(4)? as u32 as i32;
                let n = u64::try_from(n).map_err(|_| Stop::new("BINSTRING negative length"))?;
                self.text(n)?
            }
            b'U' => {
                let n = self.cur.le(1)?;
                self.text(n)?
            }
            b'V' => {
                let l = self.cur.line(MAX_LINE)?;
                let s = parse_raw_unicode(&l)
                    .ok_or_else(|| Stop::new("UNICODE argument: bad escape"))?;
                V::Str(s.into())
            }
            b'X' => {
                let n = self.cur.le(4)?;
                self.text(n)?
            }
            0x8c => {
                let n = self.cur.le(1)?;
                self.text(n)?
            }
            0x8d => {
                let n = self.cur.le(8)?;
                self.text(n)?
            }
            b'B' => {
                let n = self.cur.le(4)?;
                self.bytes(n)?
            }
            b'C' => {
                let n = self.cur.le(1)?;
                self.bytes(n)?
            }
            0x8e | 0x96 => {
                let n = self.cur.le(8)?;
                self.bytes(n)?
            }
            b'}' => V::Dict(Rc::new(RefCell::new(Vec::new()))),
            b']' => V::List(Rc::new(RefCell::new(Vec::new()))),
            b')' => V::Tuple(Rc::new(Vec::new())),
            0x8f => V::Set,
            b'd' => {
                let items = self.pop_mark()?;
                V::Dict(Rc::new(RefCell::new(pairs(items)?)))
            }
            b'l' => V::List(Rc::new(RefCell::new(self.pop_mark()?))),
            b't' => V::Tuple(Rc::new(self.pop_mark()?)),
            0x91 => {
                self.pop_mark()?;
                V::Set
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                let at = self
                    .stack
                    .len()
                    .checked_sub(n)
                    .ok_or_else(|| Stop::new("stack underflow"))?;
                V::Tuple(Rc::new(self.stack.split_off(at)))
            }
            b'a' => {
                let item = self.pop()?;
                self.append(vec![item], pos)?;
                return Ok(false);
            }
            b'e' => {
                let items = self.pop_mark()?;
                if items.is_empty() {
                    // CPython: nothing to append, whatever is below the mark.
                    self.top()?;
                } else {
                    self.append(items, pos)?;
                }
                return Ok(false);
            }
            b's' => {
                let value = self.pop()?;
                let key = self.pop()?;
                self.set_items(vec![(key, value)], pos)?;
                return Ok(false);
            }
            b'u' => {
                let items = self.pop_mark()?;
                if items.is_empty() {
                    self.top()?;
                } else {
                    self.set_items(pairs(items)?, pos)?;
                }
                return Ok(false);
            }
            0x90 => {
                let items = self.pop_mark()?;
                if items.is_empty() {
                    self.top()?;
                    return Ok(false);
                }
                match self.top()? {
                    V::Set => {}
                    V::Object(o) => {
                        // The unpickler calls the object's own `add`.
                        let by = o.made_by.clone().unwrap_or_default();
                        self.finding(
                            Verdict::Unknown,
                            "ADDITEMS",
                            format!("ADDITEMS calls a method of an object made by {by}"),
                            pos,
                        );
                    }
                    _ => return Err(Stop::new("ADDITEMS on something that is not a set")),
                }
                return Ok(false);
            }
            b'g' => {
                let l = self.cur.line(MAX_LINE)?;
                let key = parse_memo_key(&l).ok_or_else(|| Stop::new("GET: bad memo key"))?;
                self.memo_get(key)?
            }
            b'h' => {
                let k = self.cur.le(1)?;
                self.memo_get(k)?
            }
            b'j' => {
                let k = self.cur.le(4)?;
                self.memo_get(k)?
            }
            b'p' => {
                let l = self.cur.line(MAX_LINE)?;
                let key = parse_memo_key(&l).ok_or_else(|| Stop::new("PUT: bad memo key"))?;
                self.memo_put(key)?;
                return Ok(false);
            }
            b'q' => {
                let k = self.cur.le(1)?;
                self.memo_put(k)?;
                return Ok(false);
            }
            b'r' => {
                let k = self.cur.le(4)?;
                self.memo_put(k)?;
                return Ok(false);
            }
            0x94 => {
                let k = self.memo.len() as u64;
                self.memo_put(k)?;
                return Ok(false);
            }
            b'c' => {
                let module = self.line_str()?;
                let name = self.line_str()?;
                self.import(&module, &name, pos, "GLOBAL")?
            }
            0x93 => {
                let name = self.pop()?;
                let module = self.pop()?;
                match (module.as_str(), name.as_str()) {
                    (Some(m), Some(n)) => {
                        let (m, n) = (m.to_string(), n.to_string());
                        self.import(&m, &n, pos, "STACK_GLOBAL")?
                    }
                    _ => return Err(Stop::new("STACK_GLOBAL operands are not strings")),
                }
            }
            b'i' => {
                let module = self.line_str()?;
                let name = self.line_str()?;
                // The pure-Python unpickler imports before it looks for the MARK.
                let class = self.import(&module, &name, pos, "INST")?;
                let args = self.pop_mark()?;
                self.call(class, V::Tuple(Rc::new(args)), "INST", pos)?
            }
            b'o' => {
                let mut items = self.pop_mark()?.into_iter();
                let class = items
                    .next()
                    .ok_or_else(|| Stop::new("OBJ without a class"))?;
                let args = V::Tuple(Rc::new(items.collect()));
                self.call(class, args, "OBJ", pos)?
            }
            b'R' => {
                let args = self.pop()?;
                let callable = self.pop()?;
                self.call(callable, args, "REDUCE", pos)?
            }
            0x81 => {
                let args = self.pop()?;
                let class = self.pop()?;
                self.call(class, args, "NEWOBJ", pos)?
            }
            0x92 => {
                let _kwargs = self.pop()?;
                let args = self.pop()?;
                let class = self.pop()?;
                self.call(class, args, "NEWOBJ_EX", pos)?
            }
            b'b' => {
                let state = self.pop()?;
                let inst = self.top()?.clone();
                self.build(&inst, state, pos)?;
                return Ok(false);
            }
            0x82..=0x84 => {
                let code = self.cur.le(1usize << (op - 0x82))?;
                self.out.saw_code = true;
                let i = self.finding(
                    Verdict::Unknown,
                    &format!("extension code {code}"),
                    "EXT opcode imports whatever copyreg's extension registry maps this code to"
                        .into(),
                    pos,
                );
                V::Import(Rc::new(Imported {
                    full: format!("<extension {code}>"),
                    finding: Some(i),
                }))
            }
            b'P' => {
                self.cur.line(MAX_LINE)?;
                V::Persistent
            }
            b'Q' => {
                self.pop()?;
                V::Persistent
            }
            0x80 => {
                let proto = self.cur.byte()?;
                if proto > 5 {
                    return Err(Stop::new(format!("unsupported pickle protocol {proto}")));
                }
                if pos != self.start {
                    self.finding(
                        Verdict::Unknown,
                        "PROTO",
                        "PROTO opcode in the middle of the stream (no pickler writes this)".into(),
                        pos,
                    );
                } else {
                    self.out.protocol = proto;
                }
                return Ok(false);
            }
            0x95 => {
                let len = self.cur.le(8)?;
                self.cur.enter_frame(len)?;
                return Ok(false);
            }
            0x97 => {
                self.finding(
                    Verdict::Unknown,
                    "NEXT_BUFFER",
                    "out-of-band buffer (protocol 5): contents not in the file".into(),
                    pos,
                );
                V::Buffer
            }
            0x98 => {
                self.top()?;
                return Ok(false);
            }
            other => return Err(Stop::new(format!("invalid opcode 0x{other:02x}"))),
        };
        self.stack.push(v);
        Ok(false)
    }
}
