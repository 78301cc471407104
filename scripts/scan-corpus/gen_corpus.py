#!/usr/bin/env python3
"""Generates the scanner's test corpus into OUT_DIR and writes OUT_DIR/expected.json.

Benign files are made by the real libraries (numpy, scikit-learn, joblib, pickle); PyTorch
files are written byte for byte the way torch.save lays them out (zip and legacy formats),
with a stub `torch` module so pickle records the same globals, because torch itself is a
multi-GB install. Malicious files are written opcode by opcode or through __reduce__; no file
is ever loaded. Labels: "safe", "dangerous" (a code-execution primitive must be reported),
"unsafe" (must not be reported safe: dangerous or unknown).

usage: gen_corpus.py OUT_DIR [--large-gib N]   (N > 0 also writes large/…: a big benign model)
"""
import collections, io, json, os, pickle, struct, sys, types, zipfile, zlib, gzip

OUT = sys.argv[1]
LARGE_GIB = float(sys.argv[sys.argv.index("--large-gib") + 1]) if "--large-gib" in sys.argv else 0
os.makedirs(OUT, exist_ok=True)
EXPECTED = {}


def put(name, data, label):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    EXPECTED[name] = label


# ---------------------------------------------------------------- a stub torch, for torch.save's layout
torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")


def _rebuild_tensor_v2(*a):
    raise RuntimeError("never called")


_rebuild_tensor_v2.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
torch._utils = torch_utils


class FloatStorage:
    pass


FloatStorage.__module__ = "torch"
torch.FloatStorage = FloatStorage


class Storage:
    def __init__(self, key, data):
        self.key, self.data = key, data


class Tensor:
    """Reduces exactly like torch.Tensor (torch/_tensor.py::_reduce_ex_internal, CPU dense)."""

    def __init__(self, storage, size):
        self.storage, self.size = storage, size

    def __reduce_ex__(self, proto):
        stride = []
        acc = 1
        for d in reversed(self.size):
            stride.insert(0, acc)
            acc *= d
        return (_rebuild_tensor_v2,
                (self.storage, 0, tuple(self.size), tuple(stride), False, collections.OrderedDict()))


def torch_pickle(obj, legacy=False):
    """torch.save's pickler: protocol 2, storages as persistent ids."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=2)

    def persistent_id(o):
        if isinstance(o, Storage):
            numel = len(o.data) // 4
            if legacy:
                return ("storage", FloatStorage, o.key, "cpu", numel, None)
            return ("storage", FloatStorage, o.key, "cpu", numel)
        return None

    p.persistent_id = persistent_id
    # The stub is visible only while pickling (scipy probes sys.modules["torch"]).
    sys.modules["torch"], sys.modules["torch._utils"] = torch, torch_utils
    try:
        p.dump(obj)
    finally:
        del sys.modules["torch"], sys.modules["torch._utils"]
    return buf.getvalue()


def floats(n, seed=1.0):
    return struct.pack("<%df" % n, *[seed + i * 0.5 for i in range(n)])


def state_dict(n_tensors=3, numel=16):
    sd = collections.OrderedDict()
    storages = []
    for i in range(n_tensors):
        s = Storage(str(i), floats(numel, i))
        storages.append(s)
        sd["layer%d.weight" % i] = Tensor(s, [4, numel // 4])
    return sd, storages


def torch_zip(pkl, storages, folder="archive", extra=()):
    """torch.save's zip layout (PyTorchStreamWriter): stored entries, data.pkl first."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(folder + "/data.pkl", pkl)
        z.writestr(folder + "/.format_version", "1")
        z.writestr(folder + "/.storage_alignment", "64")
        z.writestr(folder + "/byteorder", "little")
        for s in storages:
            z.writestr(folder + "/data/" + s.key, s.data)
        for name, data in extra:
            z.writestr(folder + "/" + name, data)
        z.writestr(folder + "/version", "3\n")
        z.writestr(folder + "/.data/serialization_id", "1234567890")
    return buf.getvalue()


LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def torch_legacy(obj, storages, magic_pickle=None, extra_pickle=None):
    out = io.BytesIO()
    out.write(magic_pickle if magic_pickle is not None else pickle.dumps(LEGACY_MAGIC, protocol=2))
    out.write(pickle.dumps(1001, protocol=2))
    out.write(pickle.dumps({"protocol_version": 1001, "little_endian": True,
                            "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2))
    out.write(torch_pickle(obj, legacy=True))
    out.write(extra_pickle if extra_pickle is not None else pickle.dumps([s.key for s in storages], protocol=2))
    for s in storages:
        out.write(struct.pack("<q", len(s.data) // 4))
        out.write(s.data)
    return out.getvalue()


def safetensors_file(tensors, header_extra=None, tail=b""):
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, raw, shape in tensors:
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if header_extra:
        header.update(header_extra)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data + tail


def gguf_file():
    def s(x):
        x = x.encode()
        return struct.pack("<Q", len(x)) + x
    out = b"GGUF" + struct.pack("<IQQ", 3, 1, 2)
    out += s("general.architecture") + struct.pack("<I", 8) + s("llama")
    out += s("general.alignment") + struct.pack("<II", 4, 32)
    out += s("tok_embd.weight") + struct.pack("<I", 1) + struct.pack("<Q", 8) + struct.pack("<I", 0) + struct.pack("<Q", 0)
    out += b"\x00" * (-len(out) % 32)
    return out + floats(8)


# ---------------------------------------------------------------- benign
def benign():
    import numpy as np
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    sd, st = state_dict()
    put("benign/pytorch_model.bin", torch_zip(torch_pickle(sd), st), "safe")
    put("benign/model.pt", torch_zip(torch_pickle(sd), st, folder="model"), "safe")
    put("benign/legacy.pt", torch_legacy(sd, st), "safe")
    arr = np.arange(24, dtype=np.float32).reshape(4, 6)
    for proto in (2, 3, 4, 5):
        put("benign/ndarray_p%d.pkl" % proto, pickle.dumps(arr, protocol=proto), "safe")
    # Past the 64 KiB `verify --scan` always keeps, with arguments over the 1 MiB the emulator
    # skips: the capture follows these pickles' opcodes and drops the array data.
    big = np.arange(600_000, dtype=np.float32)
    for proto in (2, 3, 4, 5):
        put("benign/large_ndarray_p%d.pkl" % proto, pickle.dumps({"w": big, "b": arr}, protocol=proto), "safe")
    b = io.BytesIO(); joblib.dump({"w": big, "b": arr}, b); put("benign/large_arrays.joblib", b.getvalue(), "safe")
    big_sd, big_st = state_dict(3, 1 << 18)
    put("benign/large_legacy.pt", torch_legacy(big_sd, big_st), "safe")
    put("benign/scalars.pkl", pickle.dumps({"lr": np.float64(0.1), "steps": np.int64(3), "names": ["a", "b"]}, protocol=4), "safe")
    put("benign/rng.pkl", pickle.dumps([np.random.default_rng(0), np.random.RandomState(0)], protocol=4), "safe")
    buf = io.BytesIO(); np.save(buf, arr); put("benign/array.npy", buf.getvalue(), "safe")
    buf = io.BytesIO(); np.save(buf, np.array([1, "two", 3.0], dtype=object)); put("benign/object_array.npy", buf.getvalue(), "safe")
    buf = io.BytesIO(); np.savez(buf, a=arr, b=arr * 2); put("benign/arrays.npz", buf.getvalue(), "safe")
    buf = io.BytesIO(); np.savez_compressed(buf, a=arr); put("benign/compressed.npz", buf.getvalue(), "safe")
    X = np.random.RandomState(0).rand(40, 3); y = (X[:, 0] > 0.5).astype(int)
    models = {
        "logreg": LogisticRegression().fit(X, y),
        "forest": RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y),
        "pipeline": Pipeline([("s", StandardScaler()), ("lr", LogisticRegression())]).fit(X, y),
    }
    for name, m in models.items():
        put("benign/%s.pkl" % name, pickle.dumps(m, protocol=pickle.HIGHEST_PROTOCOL), "safe")
        b = io.BytesIO(); joblib.dump(m, b); put("benign/%s.joblib" % name, b.getvalue(), "safe")
    b = io.BytesIO(); joblib.dump({"w": arr, "o": np.array([None, 1], dtype=object), "b": np.ones(5, dtype=bool)}, b)
    put("benign/arrays.joblib", b.getvalue(), "safe")
    path = os.path.join(OUT, "benign/logreg_zlib.joblib")
    joblib.dump(models["logreg"], path, compress=3); EXPECTED["benign/logreg_zlib.joblib"] = "safe"
    put("benign/model.safetensors", safetensors_file([("w", floats(16), [4, 4]), ("b", floats(4), [4])]), "safe")
    put("benign/model.gguf", gguf_file(), "safe")
    put("benign/config.json", b'{"architectures": ["BertModel"], "hidden_size": 384}\n', "safe")
    put("benign/README.md", b"# A model\n\nLoad it with torch.load(weights_only=True).\n", "safe")
    put("benign/vocab.txt", b"[PAD]\n[UNK]\nthe\nof\n", "safe")


# ---------------------------------------------------------------- malicious
def sbu(s):
    b = s.encode()
    return b"\x8c" + bytes([len(b)]) + b


def p0(module, name, arg="true"):
    return b"c%s\n%s\n(S'%s'\ntR." % (module.encode(), name.encode(), arg.encode())


def p4(module, name, arg="true"):
    return b"\x80\x04" + sbu(module) + sbu(name) + b"\x93" + sbu(arg) + b"\x85R."


PRIMITIVES = [
    ("os", "system"), ("posix", "system"), ("nt", "system"), ("subprocess", "Popen"),
    ("subprocess", "check_output"), ("builtins", "eval"), ("builtins", "exec"),
    ("builtins", "__import__"), ("builtins", "getattr"), ("builtins", "open"),
    ("builtins", "compile"), ("__builtin__", "eval"), ("runpy", "_run_code"),
    ("importlib", "import_module"), ("pty", "spawn"), ("code", "InteractiveInterpreter.runcode"),
    ("pickle", "loads"), ("_pickle", "loads"), ("pydoc", "locate"), ("pydoc", "pipepager"),
    ("operator", "attrgetter"), ("operator", "methodcaller"), ("_operator", "attrgetter"),
    ("functools", "partial"), ("timeit", "timeit"), ("cProfile", "run"), ("profile", "run"),
    ("pdb", "run"), ("bdb", "Bdb.run"), ("trace", "Trace.run"), ("doctest", "debug_script"),
    ("pkgutil", "resolve_name"), ("ctypes", "CDLL"), ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
    ("torch.serialization", "load"), ("torch", "load"), ("torch.utils.collect_env", "run"),
    ("torch._inductor.codecache", "compile_file"), ("torch.jit.unsupported_tensor_ops", "execWrapper"),
    ("torch._dynamo.guards", "GuardBuilder.get"), ("numpy.testing._private.utils", "runstring"),
    ("numpy.f2py.crackfortran", "myeval"), ("types", "CodeType"), ("types", "FunctionType"),
    ("marshal", "loads"), ("multiprocessing.util", "spawnv_passfds"), ("_posixsubprocess", "fork_exec"),
    ("idlelib.pyshell", "ModifiedInterpreter.runcode"), ("lib2to3.pgen2.grammar", "Grammar.loads"),
    ("ensurepip", "_run_pip"), ("venv", "create"), ("pip", "main"), ("uuid", "_get_command_stdout"),
    ("webbrowser", "open"), ("socket", "create_connection"), ("shutil", "rmtree"),
    ("urllib.request", "urlopen"), ("logging", "FileHandler"), ("_io", "FileIO"), ("sys", "exit"),
    ("atexit", "register"), ("threading", "Thread"), ("site", "execsitecustomize"),
]


class Evil:
    def __reduce__(self):
        return (eval, ("1+1",))


def malicious():
    import numpy as np
    import joblib

    for m, n in PRIMITIVES:
        put("malicious/primitive/%s.%s.p4.pkl" % (m, n), p4(m, n), "dangerous")
        put("malicious/primitive/%s.%s.p0.pkl" % (m, n), p0(m, n), "dangerous")
    put("malicious/reduce_os_system.pkl", pickle.dumps(type("E", (), {"__reduce__": lambda s: (os.system, ("true",))})(), protocol=2), "dangerous")
    # The payload after an array the capture of `verify --scan` drops: still found.
    put("malicious/reduce_after_large_array.pkl", pickle.dumps([np.arange(600_000, dtype=np.float32), type("E", (), {"__reduce__": lambda s: (os.system, ("true",))})()], protocol=4), "dangerous")
    put("malicious/partial_over_system.pkl", pickle.dumps(__import__("functools").partial(os.system, "true"), protocol=4), "dangerous")

    # memo-built names
    m = b"\x80\x04" + sbu("posix") + b"\x94" + sbu("system") + b"\x94" + b"00" + b"h\x00\x94h\x01\x93" + sbu("true") + b"\x85R."
    put("malicious/evasion/memoize_after_binget.pkl", m, "dangerous")
    m = b"\x80\x02X\x02\x00\x00\x00osq\x03X\x06\x00\x00\x00systemq\x0200h\x03h\x02\x93X\x04\x00\x00\x00true\x85R."
    put("malicious/evasion/put_out_of_order.pkl", m, "dangerous")
    m = b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\nq\x000X\x02\x00\x00\x00osq\x01X\x06\x00\x00\x00systemq\x020h\x01h\x02\x93X\x04\x00\x00\x00true\x85R."
    put("malicious/evasion/binput_binget_mix.pkl", m, "dangerous")
    # protocol 0 text, INST, OBJ
    put("malicious/evasion/protocol0_text.pkl", b"(S'true'\nS'system'\nS'os'\n0cposix\nsystem\n(S'true'\ntR.", "dangerous")
    put("malicious/evasion/inst.pkl", b"(S'true'\nios\nsystem\n.", "dangerous")
    put("malicious/evasion/obj.pkl", b"(cbuiltins\neval\nS'1+1'\no.", "dangerous")
    put("malicious/evasion/stack_global_string_ops.pkl", b"S'os'\nS'system'\n\x93S'true'\n\x85R.", "dangerous")
    put("malicious/evasion/dotted_name.pkl", p4("pathlib", "os.system"), "dangerous")
    put("malicious/evasion/numpy_builtins_gadget.pkl", b"\x80\x04" + sbu("numpy") + sbu("__builtins__") + b"\x93.", "dangerous")
    put("malicious/evasion/int_base0.pkl", b"I0x10\n0cposix\nsystem\n(S'true'\ntR.", "dangerous")
    put("malicious/evasion/long_base0.pkl", b"L0x10L\n0cposix\nsystem\n(S'true'\ntR.", "dangerous")
    frame = b"\x80\x04\x95" + struct.pack("<Q", 2) + b"B\x07\x01\x00\x00" + b"cposix\nsystem\n(S'true'\ntR." + b"N" * (0x107 - 26) + b"."
    put("malicious/evasion/frame_straddle.pkl", frame, "unsafe")
    # getattr chain and nested pickles
    g = (b"\x80\x04" + sbu("builtins") + sbu("getattr") + b"\x93" + sbu("builtins") + sbu("__import__") + b"\x93"
         + sbu("os") + b"\x85R" + sbu("system") + b"\x86R" + sbu("true") + b"\x85R.")
    put("malicious/evasion/getattr_import_chain.pkl", g, "dangerous")
    inner = p0("posix", "system")
    nested = b"\x80\x04" + sbu("_pickle") + sbu("loads") + b"\x93C" + bytes([len(inner)]) + inner + b"\x85R."
    put("malicious/evasion/nested_pickle_loads.pkl", nested, "dangerous")
    put("malicious/evasion/truncated_after_payload.pkl", p4("os", "system")[:-1], "dangerous")
    put("malicious/evasion/payload_in_second_pickle.pkl", pickle.dumps(1, protocol=2) + p4("os", "system"), "dangerous")
    # pickles under other names
    put("malicious/names/pytorch_model.bin", p0("posix", "system"), "dangerous")
    put("malicious/names/model.safetensors", p4("os", "system"), "dangerous")
    put("malicious/names/notes.txt", p0("os", "system"), "dangerous")
    put("malicious/names/weights.npy_noext", pickle.dumps(Evil(), protocol=1), "dangerous")
    # numpy / joblib
    buf = io.BytesIO(); np.save(buf, np.array([Evil()], dtype=object)); put("malicious/numpy/evil_object.npy", buf.getvalue(), "dangerous")
    buf = io.BytesIO(); np.savez(buf, a=np.arange(3), b=np.array([Evil()], dtype=object)); put("malicious/numpy/evil_member.npz", buf.getvalue(), "dangerous")
    b = io.BytesIO(); joblib.dump([np.arange(10.0), Evil()], b); put("malicious/joblib/array_then_eval.joblib", b.getvalue(), "dangerous")
    b = io.BytesIO(); joblib.dump([Evil(), np.arange(10.0)], b); put("malicious/joblib/eval_then_array.joblib", b.getvalue(), "dangerous")
    path = os.path.join(OUT, "malicious/joblib/eval_zlib.joblib"); joblib.dump([np.arange(4.0), Evil()], path, compress=3)
    EXPECTED["malicious/joblib/eval_zlib.joblib"] = "dangerous"
    put("malicious/joblib/eval.pkl.gz", gzip.compress(pickle.dumps(Evil(), protocol=4)), "dangerous")
    # PyTorch containers
    sd, st = state_dict(2)
    evil_pkl = p0("posix", "system")
    put("malicious/torch/renamed_folder.pt", torch_zip(evil_pkl, st, folder="totally_innocent"), "dangerous")
    put("malicious/torch/payload_in_data_txt.pt", torch_zip(torch_pickle(sd), st, extra=[("data.txt", evil_pkl)]), "dangerous")
    put("malicious/torch/other_pkl_member.pt", torch_zip(torch_pickle(sd), st, extra=[("extra/state.pkl", p4("builtins", "exec"))]), "dangerous")
    good = torch_zip(evil_pkl, st)
    for flag in (0x1, 0x20, 0x40):
        z = bytearray(good)
        for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            i = z.find(sig)
            while i >= 0:
                z[i + off] |= flag
                i = z.find(sig, i + 4)
        put("malicious/torch/zip_flag_0x%x.pt" % flag, bytes(z), "dangerous")
    z = bytearray(good)
    i = z.find(b"PK\x03\x04")
    n = struct.unpack("<H", z[i + 26:i + 28])[0]
    name = z[i + 30:i + 30 + n]
    z[i + 30:i + 30 + n] = name.replace(b"data.pkl", b"datap.kl")
    put("malicious/torch/local_name_mismatch.pt", bytes(z), "dangerous")
    z = bytearray(good)
    i = z.find(b"PK\x03\x04"); z[i + 14] ^= 0xFF
    i = z.find(b"PK\x01\x02"); z[i + 16] ^= 0xFF
    put("malicious/torch/bad_crc.pt", bytes(z), "dangerous")
    put("malicious/torch/legacy_payload_main.pt", torch_legacy(Evil(), []), "dangerous")
    put("malicious/torch/legacy_payload_keys.pt", torch_legacy(sd, st, extra_pickle=p4("os", "system")), "dangerous")
    put("malicious/torch/legacy_magic_is_eval.pt", torch_legacy(sd, st, magic_pickle=p0("builtins", "eval", str(LEGACY_MAGIC))), "dangerous")
    put("malicious/torch/torchscript.pt", torch_zip(torch_pickle(sd), st, extra=[("constants.pkl", pickle.dumps((), protocol=2)), ("code/__torch__.py", "def forward(self): pass\n")]), "unsafe")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as outer:
        outer.writestr("inner.pt", good)
    put("malicious/torch/zip_in_zip.zip", buf.getvalue(), "dangerous")
    put("malicious/torch/sevenzip.pt", b"7z\xbc\xaf\x27\x1c\x00\x04" + os.urandom(64), "unsafe")
    # keras
    cfg = json.dumps({"class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Lambda", "config": {"function": "..."}}]}})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zz:
        zz.writestr("metadata.json", '{"keras_version": "3.6.0"}')
        zz.writestr("config.json", cfg)
    put("malicious/keras/lambda.keras", buf.getvalue(), "dangerous")
    put("malicious/keras/lambda.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 64 + b"model_config" + cfg.encode() + b"\x00" * 64, "dangerous")
    # safetensors abuse
    t = [("w", floats(4), [4])]
    put("malicious/safetensors/pickle_appended.safetensors", safetensors_file(t, tail=p0("os", "system")), "unsafe")
    put("malicious/safetensors/overlap.safetensors", safetensors_file([("a", floats(4), [4])], header_extra={"b": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}), "unsafe")
    put("malicious/safetensors/shape_lies.safetensors", safetensors_file(t, header_extra={"w": {"dtype": "F32", "shape": [8], "data_offsets": [0, 16]}}), "unsafe")
    bad = bytearray(safetensors_file(t)); bad[0:8] = struct.pack("<Q", 1 << 40)
    put("malicious/safetensors/huge_header_len.safetensors", bytes(bad), "unsafe")
    g = bytearray(gguf_file()); g[4:8] = struct.pack("<I", 3); g[8:16] = struct.pack("<Q", 1 << 60)
    put("malicious/gguf/tensor_count_overflow.gguf", bytes(g), "unsafe")


def large(gib):
    """A big benign torch zip (tensor-heavy) and a big pickle-based model, written in chunks."""
    chunk = floats(1 << 18)  # 1 MiB
    n_mib = int(gib * 1024)
    per = 64
    storages = [Storage(str(i), b"") for i in range((n_mib + per - 1) // per)]
    sd = collections.OrderedDict(("t%d" % i, Tensor(s, [per * (1 << 18)])) for i, s in enumerate(storages))
    path = os.path.join(OUT, "large/pytorch_model.bin")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        z.writestr("archive/data.pkl", torch_pickle(sd))
        z.writestr("archive/byteorder", "little")
        for s in storages:
            with z.open("archive/data/" + s.key, "w", force_zip64=True) as w:
                for _ in range(per):
                    w.write(chunk)
        z.writestr("archive/version", "3\n")
    EXPECTED["large/pytorch_model.bin"] = "safe"
    import numpy as np
    arrays = {"w%d" % i: np.frombuffer(chunk * per, dtype=np.float32) for i in range((n_mib + per - 1) // per)}
    with open(os.path.join(OUT, "large/model.pkl"), "wb") as f:
        pickle.dump(arrays, f, protocol=4)
    EXPECTED["large/model.pkl"] = "safe"
    # and the same tensors as safetensors
    with open(os.path.join(OUT, "large/model.safetensors"), "wb") as f:
        header, off = {}, 0
        for k in arrays:
            header[k] = {"dtype": "F32", "shape": [per * (1 << 18)], "data_offsets": [off, off + per * (1 << 20)]}
            off += per * (1 << 20)
        h = json.dumps(header).encode(); h += b" " * (-len(h) % 8)
        f.write(struct.pack("<Q", len(h)) + h)
        for k in arrays:
            for _ in range(per):
                f.write(chunk)
    EXPECTED["large/model.safetensors"] = "safe"


if LARGE_GIB > 0:
    large(LARGE_GIB)
else:
    benign()
    malicious()
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(EXPECTED, f, indent=1, sort_keys=True)
print(len(EXPECTED), "files")
