//! Which imports are safe (allow-list: PyTorch's weights_only set, NumPy, scikit-learn, joblib,
//! collections) and which are known primitives (deny-list, used only to grade what is not
//! safe). Anything on neither list is unknown.

use std::collections::BTreeSet;

use crate::verdict::Verdict;

/// Exact `module.name` entries PyTorch's `weights_only` unpickler accepts
/// (`torch/_weights_only_unpickler.py::_get_allowed_globals`).
const TORCH_FIXED: &[&str] = &[
    "collections.OrderedDict",
    "collections.Counter",
    "torch.nn.parameter.Parameter",
    "torch.serialization._get_layout",
    "torch.Size",
    "torch.Tensor",
    "torch.device",
    "_codecs.encode",
    "builtins.bytearray",
    "builtins.set",
    "builtins.complex",
    "torch._tensor._rebuild_from_type_v2",
    "torch._utils._rebuild_parameter",
    "torch._utils._rebuild_parameter_with_state",
    "torch._utils._rebuild_qtensor",
    "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_tensor_v2",
    "torch._utils._rebuild_tensor_v3",
    "torch._utils._rebuild_sparse_tensor",
    "torch._utils._rebuild_meta_tensor_no_storage",
    "torch._utils._rebuild_wrapper_subclass",
    "torch._utils._rebuild_device_tensor_from_numpy",
    "torch._utils._rebuild_device_tensor_from_cpu_tensor",
    "torch.per_tensor_affine",
    "torch.per_tensor_symmetric",
    "torch.per_channel_affine",
    "torch.per_channel_symmetric",
    "torch.per_channel_affine_float_qparams",
    "torch.storage.TypedStorage",
    "torch.storage.UntypedStorage",
];

const TORCH_DTYPES: &[&str] = &[
    "float64",
    "float32",
    "float16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "bfloat16",
    "complex128",
    "complex64",
    "qint8",
    "qint32",
    "quint8",
    "quint4x2",
    "quint2x4",
    "float8_e5m2",
    "float8_e4m3fn",
    "float8_e5m2fnuz",
    "float8_e4m3fnuz",
    "float8_e8m0fnu",
    "bits8",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
    "complex32",
    "uint16",
    "uint32",
    "uint64",
    "uint1",
    "uint2",
    "uint3",
    "uint4",
    "uint5",
    "uint6",
    "uint7",
    "int1",
    "int2",
    "int3",
    "int4",
    "int5",
    "int6",
    "int7",
];

const TORCH_STORAGE_KINDS: &[&str] = &[
    "Double",
    "Float",
    "Long",
    "Int",
    "Short",
    "Char",
    "Byte",
    "Half",
    "Bool",
    "BFloat16",
    "QUInt8",
    "QInt8",
    "QInt32",
    "ComplexFloat",
    "ComplexDouble",
    "QUInt4x2",
    "QUInt2x4",
];

const TORCH_TENSOR_KINDS: &[&str] = &[
    "Byte", "Char", "Double", "Float", "Int", "Long", "Short", "Half", "Bool", "BFloat16",
];

/// What NumPy, scikit-learn and joblib write for arrays, scalars, RNG state and common
/// estimators (docs/SCANNER.md §6, reproduced by the corpus generator).
const NUMPY_SKLEARN: &[&str] = &[
    "numpy.ndarray",
    "numpy.dtype",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy.core.multiarray.scalar",
    "numpy._core.numeric._frombuffer",
    "numpy.core.numeric._frombuffer",
    "numpy.random._pcg64.PCG64",
    "numpy.random._mt19937.MT19937",
    "numpy.random._philox.Philox",
    "numpy.random._sfc64.SFC64",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random.bit_generator.SeedSequence",
    "numpy.random.bit_generator.__pyx_unpickle_SeedSequence",
    "joblib.numpy_pickle.NumpyArrayWrapper",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._base.LinearRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.tree._tree.Tree",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._data.MinMaxScaler",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.decomposition._pca.PCA",
    "sklearn.cluster._kmeans.KMeans",
    "sklearn.neighbors._classification.KNeighborsClassifier",
    "sklearn.svm._classes.SVC",
];

/// Modules that are primitives as a whole (and every sub-module).
const DANGEROUS_MODULES: &[&str] = &[
    "os",
    "posix",
    "nt",
    "posixpath",
    "ntpath",
    "subprocess",
    "_posixsubprocess",
    "sys",
    "pty",
    "runpy",
    "importlib",
    "_frozen_importlib",
    "_frozen_importlib_external",
    "_imp",
    "imp",
    "zipimport",
    "code",
    "codeop",
    "commands",
    "pickle",
    "_pickle",
    "cPickle",
    "dill",
    "cloudpickle",
    "marshal",
    "shelve",
    "pydoc",
    "pdb",
    "bdb",
    "timeit",
    "trace",
    "profile",
    "cProfile",
    "doctest",
    "ctypes",
    "_ctypes",
    "socket",
    "ssl",
    "http",
    "httplib",
    "urllib",
    "urllib2",
    "requests",
    "aiohttp",
    "asyncio",
    "webbrowser",
    "smtplib",
    "imaplib",
    "ftplib",
    "poplib",
    "telnetlib",
    "nntplib",
    "socketserver",
    "xmlrpc",
    "shutil",
    "tempfile",
    "multiprocessing",
    "threading",
    "_thread",
    "concurrent",
    "signal",
    "_signal",
    "atexit",
    "pip",
    "ensurepip",
    "venv",
    "distutils",
    "setuptools",
    "idlelib",
    "lib2to3",
    "pkgutil",
    "site",
    "_interpreters",
    "_xxsubinterpreters",
    "_osx_support",
    "_aix_support",
    "_pyrepl",
    "uuid",
    "mailcap",
    "pexpect",
    "pipes",
    "compileall",
    "py_compile",
    "fileinput",
    "glob",
    "linecache",
    "gc",
    "inspect",
    "sqlite3",
    "_sqlite3",
    "mmap",
    "select",
    "selectors",
    "syslog",
    "_bootsubprocess",
    "numpy.f2py",
    "numpy.testing",
    "numpy.distutils",
    "torch.hub",
    "torch._dynamo",
    "torch._inductor",
    "torch.jit",
    "torch.fx",
    "torch.utils",
    "torch.serialization",
    "torch.distributed",
    "test",
    "unittest",
    "operator",
    "_operator",
    "functools",
    "_functools",
    "_io",
    "io",
    "codecs",
    "_codecs",
    "types",
    "builtins",
    "__builtin__",
    "__builtins__",
    "copyreg",
    "copy_reg",
    "_compat_pickle",
    "weakref",
    "logging",
    "platform",
    "joblib",
    "yaml",
    "tarfile",
    "zipfile",
    "ensurepip",
    "pathlib",
    "_winapi",
    "msvcrt",
    "winreg",
    "sched",
    "contextvars",
    "contextlib",
    "typing",
    "dataclasses",
    "base64",
    "binascii",
];

/// Specific callables: exec/eval/import primitives, nested pickle loaders, trampolines.
const DANGEROUS_NAMES: &[&str] = &[
    "torch.load",
    "torch.save",
    "torch.compile",
    "torch.storage._load_from_bytes",
    "numpy.load",
    "numpy.save",
    "numpy.savetxt",
    "numpy.loadtxt",
    "numpy.fromfile",
    "numpy.size",
];

/// `builtins` members that are plain value constructors (every other builtin is dangerous:
/// eval, exec, getattr, setattr, __import__, open, compile, globals, vars, breakpoint...).
const HARMLESS_BUILTINS: &[&str] = &[
    "bool",
    "int",
    "float",
    "complex",
    "str",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "set",
    "frozenset",
    "dict",
    "slice",
    "range",
    "object",
];

/// How one import is classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    /// On the built-in allow-list.
    Allowed,
    /// Allowed only because the user's allow-list names it.
    UserAllowed,
    /// Neither list.
    Unknown,
    /// A known primitive; the text says which rule matched.
    Dangerous(String),
}

impl Class {
    pub fn verdict(&self) -> Verdict {
        match self {
            Class::Allowed | Class::UserAllowed => Verdict::Safe,
            Class::Unknown => Verdict::Unknown,
            Class::Dangerous(_) => Verdict::Dangerous,
        }
    }
}

/// The allow-list in force: built-in plus the user's entries.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    user: BTreeSet<String>,
}

/// A bad line in a user allow-list file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "allow-list line {line}: expected `module.name` (dotted Python identifiers), found {found:?}"
)]
pub struct AllowListError {
    pub line: usize,
    pub found: String,
}

impl Policy {
    /// Parses a user allow-list: one `module.name` per line; `#` comments and blank lines
    /// ignored. Entries that are known primitives are still dangerous (never overridable).
    pub fn with_user_allow_list(text: &str) -> Result<Self, AllowListError> {
        let mut user = BTreeSet::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if !line.contains('.') || !line.split('.').all(is_identifier) {
                return Err(AllowListError {
                    line: i + 1,
                    found: raw.to_string(),
                });
            }
            user.insert(line.to_string());
        }
        Ok(Self { user })
    }

    pub fn user_entries(&self) -> Vec<String> {
        self.user.iter().cloned().collect()
    }

    /// Classifies the import `module` + `name` (the name may be dotted: the unpickler walks
    /// every component, so every component counts).
    pub fn classify(&self, module: &str, name: &str) -> Class {
        let module = compat_module(module);
        let full = format!("{module}.{name}");
        if let Some(rule) = dangerous_rule(&full, module) {
            return Class::Dangerous(rule);
        }
        if builtin_allowed(&full) {
            return Class::Allowed;
        }
        if self.user.contains(&full) {
            return Class::UserAllowed;
        }
        Class::Unknown
    }
}

/// Python 2 module names the unpickler maps (`_compat_pickle.IMPORT_MAPPING`, the ones that
/// matter here).
fn compat_module(module: &str) -> &str {
    match module {
        "__builtin__" => "builtins",
        "copy_reg" => "copyreg",
        "cPickle" => "pickle",
        "commands" => "subprocess",
        _ => module,
    }
}

/// Python's `str.isidentifier()`: `_` or XID_Start, then XID_Continue (so `·` or a combining
/// mark inside a name counts, as it does for the import the unpickler performs).
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c))
        && chars.all(unicode_ident::is_xid_continue)
}

/// True if every dotted component is a Python identifier (else the loader cannot import it).
pub fn is_dotted_identifier(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_identifier)
}

fn builtin_allowed(full: &str) -> bool {
    if TORCH_FIXED.contains(&full) || NUMPY_SKLEARN.contains(&full) {
        return true;
    }
    if let Some(rest) = full.strip_prefix("torch.") {
        if TORCH_DTYPES.contains(&rest) {
            return true;
        }
        let tensor_kind = |r: &str| {
            r.strip_suffix("Tensor")
                .is_some_and(|k| TORCH_TENSOR_KINDS.contains(&k))
        };
        if let Some(kind) = rest.strip_suffix("Storage") {
            return TORCH_STORAGE_KINDS.contains(&kind);
        }
        if tensor_kind(rest) {
            return true;
        }
        for prefix in ["cuda.", "sparse.", "cuda.sparse."] {
            if let Some(r) = rest.strip_prefix(prefix) {
                if tensor_kind(r) && (prefix == "cuda." || !r.starts_with("Bool")) {
                    return true;
                }
            }
        }
    }
    if let Some(rest) = full.strip_prefix("numpy.dtypes.") {
        return rest.ends_with("DType") && is_identifier(rest);
    }
    false
}

/// The deny rule that `full` (= `module.name`) matches, if any. Every component is checked:
/// dunder names, any dotted prefix that is a dangerous module, and every tail (so
/// `pathlib.os.system` is caught through `os`).
fn dangerous_rule(full: &str, module: &str) -> Option<String> {
    let parts: Vec<&str> = full.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let main_module = i == 0 && *part == "__main__";
        if part.len() > 4 && part.starts_with("__") && part.ends_with("__") && !main_module {
            // `__bit_generator_ctor` style names are not dunders; `__builtins__`,
            // `__globals__`, `__dict__`, `__subclasses__`, `__import__` are.
            return Some(format!("dunder attribute `{part}`"));
        }
    }
    if module == "builtins" {
        let name = full.strip_prefix("builtins.").unwrap_or(full);
        if HARMLESS_BUILTINS.contains(&name) {
            return None;
        }
        return Some(format!(
            "builtins.{name} (code execution / attribute access primitive)"
        ));
    }
    if DANGEROUS_NAMES.contains(&full) {
        return Some(format!("{full} (known primitive)"));
    }
    for start in 0..parts.len() {
        let tail = parts.get(start..).unwrap_or_default();
        for end in 1..=tail.len() {
            let prefix = tail.get(..end).unwrap_or_default().join(".");
            if DANGEROUS_MODULES.contains(&prefix.as_str()) && !exempt(full) {
                return Some(format!("module `{prefix}`"));
            }
            if start > 0 && DANGEROUS_NAMES.contains(&prefix.as_str()) {
                return Some(format!("{prefix} (known primitive)"));
            }
        }
    }
    None
}

/// Allow-listed names whose module is otherwise on the deny-list (`_codecs.encode`,
/// `numpy.random._pickle.*`, `torch.serialization._get_layout`).
fn exempt(full: &str) -> bool {
    builtin_allowed(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(m: &str, n: &str) -> Class {
        Policy::default().classify(m, n)
    }

    #[test]
    fn torch_weights_only_set_is_safe() {
        for (m, n) in [
            ("torch._utils", "_rebuild_tensor_v2"),
            ("torch", "FloatStorage"),
            ("torch", "bfloat16"),
            ("torch.cuda", "FloatTensor"),
            ("collections", "OrderedDict"),
            ("_codecs", "encode"),
            ("torch.serialization", "_get_layout"),
            ("numpy.dtypes", "Float64DType"),
        ] {
            assert_eq!(class(m, n), Class::Allowed, "{m}.{n}");
        }
        assert_eq!(class("torch.sparse", "BoolTensor"), Class::Unknown);
    }

    #[test]
    fn primitives_are_dangerous() {
        for (m, n) in [
            ("os", "system"),
            ("posix", "system"),
            ("nt", "system"),
            ("subprocess", "Popen"),
            ("builtins", "eval"),
            ("__builtin__", "exec"),
            ("builtins", "__import__"),
            ("builtins", "getattr"),
            ("builtins", "open"),
            ("runpy", "_run_code"),
            ("importlib", "import_module"),
            ("pty", "spawn"),
            ("code", "InteractiveInterpreter.runcode"),
            ("pickle", "loads"),
            ("_pickle", "loads"),
            ("pydoc", "locate"),
            ("operator", "attrgetter"),
            ("_operator", "methodcaller"),
            ("functools", "partial"),
            ("pathlib", "os.system"),
            ("numpy", "__builtins__"),
            ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
            ("torch.serialization", "load"),
            ("torch", "load"),
            ("torch.utils.collect_env", "run"),
            ("pkgutil", "resolve_name"),
            ("types", "CodeType"),
            ("timeit", "timeit"),
            ("numpy.testing._private.utils", "runstring"),
        ] {
            assert!(matches!(class(m, n), Class::Dangerous(_)), "{m}.{n}");
        }
    }

    #[test]
    fn others_are_unknown_and_user_entries_are_reported_not_overriding() {
        assert_eq!(class("mypkg.layers", "Dense"), Class::Unknown);
        let p = Policy::with_user_allow_list("# ours\nmypkg.layers.Dense\nos.system\n").unwrap();
        assert_eq!(p.classify("mypkg.layers", "Dense"), Class::UserAllowed);
        assert!(matches!(p.classify("os", "system"), Class::Dangerous(_)));
        let err = Policy::with_user_allow_list("ok.name\nnot a name\n").unwrap_err();
        assert_eq!(err.line, 2);
    }
}
