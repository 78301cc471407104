//! Pickle analysis: an emulated unpickler that classifies every import and call.

mod opcodes;
pub(crate) mod reader;
mod text;
mod value;
mod vm;

pub use opcodes::is_opcode;
pub use vm::PickleOutcome;
use vm::Vm;
pub(crate) use vm::KEEP_BYTES;

use crate::policy::Policy;
use crate::source::Source;

/// Emulates the pickle at `start` to its STOP (or first error).
pub fn analyze(src: &dyn Source, start: u64, policy: &Policy) -> PickleOutcome {
    Vm::run_readings(src, start, policy, 0)
}
