//! What the emulated unpickler does instead of importing and calling: classify the import,
//! build a placeholder object, and look inside the arguments that may hold more pickles
//! (nested payloads, joblib's raw numpy arrays).

use std::cell::RefCell;
use std::rc::Rc;

use super::{PickleOutcome, Stop, Vm, JOBLIB_WRAPPER, MAX_DEPTH};
use crate::pickle::opcodes::{is_opcode, looks_like_pickle};
use crate::pickle::value::{Imported, Object, V};
use crate::policy::{is_dotted_identifier, Class};
use crate::verdict::{Finding, Verdict};

impl Vm<'_> {
    pub(super) fn import(
        &mut self,
        module: &str,
        name: &str,
        pos: u64,
        via: &str,
    ) -> Result<V, Stop> {
        let full = format!("{module}.{name}");
        if !is_dotted_identifier(module) {
            self.out.invalid_import = true;
            return Err(Stop::new(format!(
                "{via} of {full:?}: the module is not a Python name (a loader fails here)"
            )));
        }
        if !is_dotted_identifier(name) {
            // `find_class` imports the module before it looks the name up: that import
            // happens, then the load fails.
            self.out.saw_code = true;
            if !self.out.imports.contains(&full) {
                self.out.imports.push(full.clone());
            }
            self.classify(module, name, pos, via);
            return Err(Stop::new(format!(
                "{via} of {full:?}: the module is imported, then the name, which is not a \
                 Python name, fails"
            )));
        }
        self.out.saw_code = true;
        if !self.out.imports.contains(&full) {
            self.out.imports.push(full.clone());
        }
        let finding = self.classify(module, name, pos, via);
        Ok(V::Import(Rc::new(Imported { full, finding })))
    }

    pub(super) fn classify(
        &mut self,
        module: &str,
        name: &str,
        pos: u64,
        via: &str,
    ) -> Option<usize> {
        let full = format!("{module}.{name}");
        match self.policy.classify(module, name) {
            Class::Allowed => None,
            Class::UserAllowed => {
                if !self.out.user_allowed.contains(&full) {
                    self.out.user_allowed.push(full);
                }
                None
            }
            Class::Unknown => Some(self.finding(
                Verdict::Unknown,
                &full,
                format!("{via} imports a callable that is not on the allow-list"),
                pos,
            )),
            Class::Dangerous(rule) => Some(self.finding(
                Verdict::Dangerous,
                &full,
                format!("{via} imports a known code-execution/import primitive: {rule}"),
                pos,
            )),
        }
    }

    pub(super) fn call(&mut self, callee: V, args: V, how: &str, pos: u64) -> Result<V, Stop> {
        self.out.saw_code = true;
        match &callee {
            V::Import(imp) => {
                if let Some(f) = imp.finding.and_then(|i| self.out.findings.get_mut(i)) {
                    if !f.detail.contains("; called") {
                        f.detail
                            .push_str(&format!("; called by {how} at offset {pos}"));
                    }
                }
                let full = imp.full.clone();
                let arg_items = args.items().unwrap_or_default();
                self.nested_pickles(&full, &arg_items, pos);
                if let Some(v) = self.resolve_dynamic(&full, &arg_items, pos) {
                    return Ok(v);
                }
                Ok(V::Object(Rc::new(Object {
                    made_by: Some(full),
                    args,
                    state: RefCell::new(None),
                })))
            }
            V::Module(m) => Err(Stop::new(format!("{how} calls the module object {m}"))),
            V::Persistent => {
                // Whatever the loader's persistent_load returned: a call of it is not
                // vouched for, and the loader may well read on.
                self.finding(
                    Verdict::Unknown,
                    "persistent_load(...)(...)",
                    format!("{how} calls what persistent_load returned"),
                    pos,
                );
                Ok(V::Object(Rc::new(Object {
                    made_by: None,
                    args,
                    state: RefCell::new(None),
                })))
            }
            V::Object(o) => {
                let by = o.made_by.clone().unwrap_or_else(|| "?".into());
                self.finding(
                    Verdict::Unknown,
                    &format!("{by}(...)(...)"),
                    format!("{how} calls the result of a call to {by}"),
                    pos,
                );
                Ok(V::Object(Rc::new(Object {
                    made_by: None,
                    args,
                    state: RefCell::new(None),
                })))
            }
            _ => Err(Stop::new(format!("{how} on a value that is not callable"))),
        }
    }

    /// `getattr(x, "name")`, `__import__("mod")`, `importlib.import_module("mod")`: follow what
    /// they reach, so the report names the real target (e.g. `os.system`).
    pub(super) fn resolve_dynamic(&mut self, full: &str, args: &[V], pos: u64) -> Option<V> {
        match full {
            "builtins.getattr" => {
                let base = args.first()?.dotted()?;
                let attr = args.get(1)?.as_str()?.to_string();
                let finding = self.classify(&base, &attr, pos, "getattr");
                Some(V::Import(Rc::new(Imported {
                    full: format!("{base}.{attr}"),
                    finding,
                })))
            }
            "builtins.__import__" | "importlib.import_module" | "importlib.__import__" => {
                let m = args.first()?.as_str()?.to_string();
                self.finding(
                    Verdict::Dangerous,
                    &m,
                    format!("{full} imports module `{m}`"),
                    pos,
                );
                Some(V::Module(m.into()))
            }
            _ => None,
        }
    }

    /// Byte-string arguments of a non-allow-listed call that are themselves pickles
    /// (`pickle.loads(b"...")`, `torch.storage._load_from_bytes`, ...): scan them too.
    pub(super) fn nested_pickles(&mut self, full: &str, args: &[V], pos: u64) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        for arg in args {
            let V::Bytes(bytes) = arg else { continue };
            if !looks_like_pickle(bytes) {
                continue;
            }
            let inner = Vm::run_readings(&bytes.as_ref(), 0, self.policy, self.depth + 1);
            for mut f in inner.findings {
                f.detail = format!("nested pickle passed to {full}: {}", f.detail);
                f.offset = Some(pos);
                self.out.findings.push(f);
            }
        }
    }

    pub(super) fn build(&mut self, inst: &V, state: V, pos: u64) -> Result<(), Stop> {
        match inst {
            V::Object(o) => {
                let joblib = o.made_by.as_deref() == Some(JOBLIB_WRAPPER);
                *o.state.borrow_mut() = Some(state.clone());
                if joblib {
                    self.joblib_array(&state, pos)?;
                }
                Ok(())
            }
            V::Import(imp) => {
                let full = imp.full.clone();
                self.finding(
                    Verdict::Dangerous,
                    &full,
                    "BUILD sets attributes on an imported function or class (attribute-injection gadget)"
                        .into(),
                    pos,
                );
                Ok(())
            }
            V::None
            | V::Bool
            | V::Int(_)
            | V::BigInt
            | V::Float
            | V::Str(_)
            | V::Bytes(_)
            | V::LargeBytes
            | V::Tuple(_)
            | V::List(_)
            | V::Dict(_)
            | V::Set => {
                // A plain value has no `__setstate__` and no `__dict__`: an empty state
                // changes nothing (the C unpickler takes `None` and `(None, {})`, the pure
                // Python one any false state); any other state fails in both. Reading on
                // is the side that misses nothing.
                Ok(())
            }
            _ => {
                self.finding(
                    Verdict::Unknown,
                    "BUILD",
                    "BUILD on a value of unknown type".into(),
                    pos,
                );
                Ok(())
            }
        }
    }

    /// joblib writes each array's bytes right after its wrapper's BUILD (outside any frame):
    /// one padding-length byte, padding, then the data; object arrays are a nested pickle.
    pub(super) fn joblib_array(&mut self, state: &V, pos: u64) -> Result<(), Stop> {
        self.out.joblib = true;
        let here = self.cur.pos();
        if let Some(end) = self.cur.frame_end {
            if end > here {
                self.finding(
                    Verdict::Unknown,
                    "joblib",
                    "joblib array wrapper inside an unfinished frame".into(),
                    pos,
                );
                return Err(Stop::new("joblib wrapper inside a frame"));
            }
        }
        self.cur.frame_end = None;
        let layout = state
            .dict_get("dtype")
            .and_then(|d| dtype_layout(&d, 0))
            .ok_or_else(|| Stop::new("joblib array wrapper: unsupported or missing dtype"))?;
        if layout.has_object {
            if self.depth >= MAX_DEPTH {
                return Err(Stop::limit("joblib object arrays nested too deep"));
            }
            let inner = Vm::run_readings(self.src, here, self.policy, self.depth + 1);
            let end = inner.end;
            let stopped = inner.stopped;
            self.merge(inner);
            if !stopped {
                return Err(Stop::new(
                    "joblib object array: nested pickle did not finish",
                ));
            }
            self.cur.set_pos(end);
            return Ok(());
        }
        let count = state
            .dict_get("shape")
            .and_then(|s| s.items())
            .and_then(|dims| {
                dims.iter().try_fold(1u64, |acc, d| match d {
                    V::Int(n) => u64::try_from(*n).ok().and_then(|n| acc.checked_mul(n)),
                    _ => None,
                })
            })
            .ok_or_else(|| Stop::new("joblib array wrapper: bad shape"))?;
        let nbytes = count
            .checked_mul(layout.itemsize)
            .ok_or_else(|| Stop::new("joblib array size overflows"))?;
        // joblib reads the padding byte whenever the attribute is not None (True, 0, ...).
        let aligned = !matches!(
            state.dict_get("numpy_array_alignment_bytes"),
            None | Some(V::None)
        );
        if aligned {
            let pad = self.cur.byte()?;
            self.cur.skip(u64::from(pad))?;
        } else if nbytes > 0 {
            let first = self.src.read(here, 1).ok().and_then(|b| b.first().copied());
            if first.is_some_and(is_opcode) {
                self.finding(
                    Verdict::Unknown,
                    "joblib",
                    "unaligned joblib array data that plain pickle.load would read as opcodes"
                        .into(),
                    here,
                );
            }
        }
        self.cur.skip(nbytes)?;
        Ok(())
    }

    pub(super) fn merge(&mut self, inner: PickleOutcome) {
        self.out.findings.extend(inner.findings);
        for u in inner.user_allowed {
            if !self.out.user_allowed.contains(&u) {
                self.out.user_allowed.push(u);
            }
        }
        if let Some((at, why)) = inner.error {
            self.out.findings.push(
                Finding::new(
                    Verdict::Unknown,
                    "malformed",
                    format!("nested pickle: {why}"),
                )
                .at(at),
            );
        }
    }
}

struct Layout {
    itemsize: u64,
    has_object: bool,
}

/// Item size of a `numpy.dtype(descr, ...)` object as pickled (`'<f8'`, `'O8'`, `'b1'`...).
fn dtype_layout(dtype: &V, depth: u8) -> Option<Layout> {
    // Fields can nest (and, through the memo, cycle): bounded.
    if depth > 8 {
        return None;
    }
    let V::Object(o) = dtype else { return None };
    if o.made_by.as_deref() != Some("numpy.dtype") {
        return None;
    }
    let args = o.args.items()?;
    let descr = args.first()?.as_str()?;
    let d = descr.trim_start_matches(['<', '>', '=', '|']);
    let split = d.find(|c: char| c.is_ascii_digit()).unwrap_or(d.len());
    let (kind, num) = d.split_at(split);
    let num: u64 = num.parse().ok()?;
    let state = o.state.borrow().as_ref().and_then(V::items);
    // Structured dtypes (`V<size>`) carry their fields in the BUILD state: a field of object
    // dtype makes the array a pickle; a field we cannot read fails closed.
    // State: (version, byteorder, subarray, names, fields, elsize, alignment, flags).
    if !matches!(state.as_ref().and_then(|s| s.get(2)), None | Some(V::None)) {
        return None;
    }
    if let Some(fields) = state.as_ref().and_then(|s| s.get(4).cloned()) {
        match fields {
            V::None => {}
            V::Dict(d) => {
                if kind != "V" {
                    return None;
                }
                let mut has_object = false;
                for (_, v) in d.borrow().iter() {
                    let field = v.items()?;
                    let inner = dtype_layout(field.first()?, depth + 1)?;
                    has_object |= inner.has_object;
                }
                return Some(Layout {
                    itemsize: num,
                    has_object,
                });
            }
            _ => return None,
        }
    }
    let itemsize = match kind {
        "f" | "i" | "u" | "c" | "b" | "M" | "m" => num,
        "O" => {
            return Some(Layout {
                itemsize: 8,
                has_object: true,
            })
        }
        "U" => num.checked_mul(4)?,
        "S" | "a" | "V" => num,
        _ => return None,
    };
    Some(Layout {
        itemsize,
        has_object: false,
    })
}
