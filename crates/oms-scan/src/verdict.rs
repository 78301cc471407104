//! Verdicts and findings as data (serialised to JSON by the CLI).

use serde::Serialize;

/// How a file was judged. Ordered: a file's verdict is the worst of its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Only allow-listed callables, or a format that carries no code and whose header is valid.
    Safe,
    /// Not provably safe: an import outside the allow-list, an unparsable or truncated stream, a
    /// format that was not (or could not be) inspected.
    Unknown,
    /// A known code-execution, import or I/O primitive.
    Dangerous,
}

/// The format recognised from the content (never from the file name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Pickle {
        protocol: u8,
    },
    PytorchZip,
    TorchScriptZip,
    PytorchLegacy,
    Joblib,
    Npy,
    Npz,
    Zip,
    Tar,
    Safetensors,
    Gguf,
    Onnx,
    /// A TensorFlow SavedModel graph (`saved_model.pb`).
    SavedModel,
    /// A SentencePiece tokenizer model (`tokenizer.model`).
    SentencePiece,
    Hdf5,
    Json,
    Text,
    Empty,
    Compressed {
        kind: String,
    },
    Binary,
}

/// One reason for a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub verdict: Verdict,
    /// What it is about: an import (`module.name`), or a short tag (`truncated`, `header`...).
    pub subject: String,
    /// Why.
    pub detail: String,
    /// Byte offset in the file (for archive members: in the file, not the member) if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The archive member it was found in, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

impl Finding {
    pub fn new(verdict: Verdict, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            verdict,
            subject: subject.into(),
            detail: detail.into(),
            offset: None,
            member: None,
        }
    }

    pub fn at(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }
}

/// The result for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The resource name (as in the manifest: relative, `/`-separated; `.` for a single file).
    pub name: String,
    pub format: Format,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// Imports that were accepted only because the user's allow-list names them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_allowed: Vec<String>,
    pub size: u64,
}

impl FileReport {
    pub(crate) fn from_findings(
        name: String,
        format: Format,
        findings: Vec<Finding>,
        size: u64,
    ) -> Self {
        let verdict = findings
            .iter()
            .map(|f| f.verdict)
            .max()
            .unwrap_or(Verdict::Safe);
        Self {
            name,
            format,
            verdict,
            findings,
            user_allowed: Vec::new(),
            size,
        }
    }
}

/// The result for a model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    pub verdict: Verdict,
    pub files: Vec<FileReport>,
    /// The user allow-list entries in force (reported, never silent).
    pub user_allow_list: Vec<String>,
}

impl ScanReport {
    pub fn new(files: Vec<FileReport>, user_allow_list: Vec<String>) -> Self {
        let verdict = files
            .iter()
            .map(|f| f.verdict)
            .max()
            .unwrap_or(Verdict::Safe);
        Self {
            verdict,
            files,
            user_allow_list,
        }
    }

    /// `None` when the report passes; otherwise the one-line reason, e.g. `the model failed the
    /// scan: 1 dangerous and 0 unknown file(s)` (the wording of the CLI and the Python package).
    pub fn failure(&self, allow_unknown: bool) -> Option<String> {
        if self.passes(allow_unknown) {
            return None;
        }
        let count = |v| self.files.iter().filter(|f| f.verdict == v).count();
        Some(format!(
            "the model failed the scan: {} dangerous and {} unknown file(s){}",
            count(Verdict::Dangerous),
            count(Verdict::Unknown),
            if allow_unknown {
                " (unknown accepted)"
            } else {
                ""
            }
        ))
    }

    /// Whether the model passes: nothing dangerous, and nothing unknown unless accepted.
    pub fn passes(&self, allow_unknown: bool) -> bool {
        match self.verdict {
            Verdict::Safe => true,
            Verdict::Unknown => allow_unknown,
            Verdict::Dangerous => false,
        }
    }
}
