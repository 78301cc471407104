//! A model-file scanner that refuses code disguised as weights.
//!
//! The analysis is pure: it reads bytes through [`Source`] (a slice, a file, or bytes captured
//! while hashing) and returns verdicts as data. Formats are recognised by content, never by
//! file name. Pickles are analysed by emulating the unpickler's stack and memo, so imports
//! built through the memo, `STACK_GLOBAL`, `INST`/`OBJ`, `getattr` chains and nested
//! `pickle.loads` payloads are resolved. The verdict is allow-list first:
//!
//! * [`Verdict::Safe`]: every import is on the allow-list (PyTorch's `weights_only` set, NumPy,
//!   scikit-learn, joblib, collections; plus the user's, reported), or a code-free format
//!   whose header validates.
//! * [`Verdict::Dangerous`]: a known code-execution, import or I/O primitive.
//! * [`Verdict::Unknown`]: anything else, including malformed, truncated or uninspected input.
//!
//! ```
//! use oms_scan::{scan_source, Policy, Verdict};
//! let pickle = b"cos\nsystem\n(S'echo hi'\ntR.";
//! let report = scan_source("model.bin", &&pickle[..], &Policy::default());
//! assert_eq!(report.verdict, Verdict::Dangerous);
//! assert_eq!(report.findings[0].subject, "os.system");
//! ```

mod capture;
mod files;
mod formats;
pub mod fuzz;
mod pickle;
mod policy;
mod scan;
mod source;
mod tar;
mod verdict;
mod zip;
mod zip_scan;

pub use capture::{CaptureSet, CapturedFile};
pub use files::{scan_file, scan_listed, scan_model, ScanError, ScanOptions};
pub use policy::{AllowListError, Class, Policy};
pub use scan::scan_source;
pub use source::{Source, SourceError, SubSource};
pub use verdict::{FileReport, Finding, Format, ScanReport, Verdict};
