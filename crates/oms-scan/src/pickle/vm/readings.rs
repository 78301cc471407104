//! The two readings of a pickle whose FRAMEs loaders read differently.

use super::{PickleOutcome, Vm};
use crate::pickle::reader::Framing;
use crate::policy::Policy;
use crate::source::Source;
use crate::verdict::{Finding, Verdict};

impl<'a> Vm<'a> {
    /// Both readings of the pickle at `start` when they differ: an argument that runs past
    /// the end of its FRAME is read from after the frame by an unpickler over `io.BytesIO`
    /// (`torch.load` of a zip archive) and on from where it was by `pickle.loads`; every
    /// import and call of either reading counts, and the file is not `safe`.
    pub fn run_readings(
        src: &'a dyn Source,
        start: u64,
        policy: &'a Policy,
        depth: u8,
    ) -> PickleOutcome {
        let mut out = Vm::new(src, start, policy, depth).run();
        if !out.straddled {
            return out;
        }
        let mut other = Vm::new(src, start, policy, depth);
        other.cur.framing = Framing::Contiguous;
        let other = other.run();
        out.findings.push(Finding::new(
            Verdict::Unknown,
            "FRAME",
            "an opcode argument runs past the end of its FRAME: unpicklers reading from \
             memory and from a stream read different bytes there (both readings judged)",
        ));
        out.findings.extend(other.findings);
        for i in other.imports {
            if !out.imports.contains(&i) {
                out.imports.push(i);
            }
        }
        for u in other.user_allowed {
            if !out.user_allowed.contains(&u) {
                out.user_allowed.push(u);
            }
        }
        out.saw_code |= other.saw_code;
        out.joblib |= other.joblib;
        out
    }
}
