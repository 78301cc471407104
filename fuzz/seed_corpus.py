#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from tests/fixtures (run from anywhere; idempotent).

Only the seeds are generated here; files the fuzzer added (minimised with `cargo fuzz cmin`)
and crash reproducers are committed as they are. Seed names start with `seed-`.
"""
import base64
import hashlib
import json
import pathlib
import subprocess
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
CORPUS = ROOT / "fuzz" / "corpus"
SEP = b"\n--8<--\n"
KEYS = FIX / "model-transparency" / "keys" / "certificate"


def put(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / f"seed-{name}").write_bytes(data if isinstance(data, bytes) else data.encode())


def pem_to_der(path):
    out = subprocess.run(["openssl", "x509", "-in", str(path), "-outform", "DER"],
                         check=True, capture_output=True)
    return out.stdout


def openssl(*args, stdin=None):
    return subprocess.run(["openssl", *args], input=stdin, check=True, capture_output=True).stdout


bundles = sorted((FIX / "model-transparency").glob("*/model.sig"))
bundles += sorted((FIX / "oms-spec").glob("*/*.bundle.json"))
for path in bundles:
    name = f"{path.parent.name}-{path.name}"
    raw = path.read_bytes()
    put("bundle", name, raw)
    put("inspect", name, raw)
    if "sigstore" in name:
        put("sigstore_verify", name, raw)
    try:
        doc = json.loads(raw)
    except ValueError:
        continue
    env = doc.get("dsseEnvelope") if isinstance(doc, dict) else None
    if isinstance(env, dict):
        put("dsse", name, json.dumps(env))
        payload = base64.b64decode(env.get("payload", ""))
        put("statement", name, payload)
        put("dsse", name + "-pae", env.get("payloadType", "").encode() + SEP + payload[:200])
    material = doc.get("verificationMaterial", {}) if isinstance(doc, dict) else {}
    if isinstance(material, dict) and "certificate" in material:
        put("certificate", name + "-leaf.der", base64.b64decode(material["certificate"]["rawBytes"]))

leaf, inter, ca = (KEYS / f for f in ("signing-key-cert.pem", "int-ca-cert.pem", "ca-cert.pem"))
for path in (leaf, inter, ca):
    put("certificate", path.name, path.read_bytes())
    put("certificate", path.stem + ".der", pem_to_der(path))
put("certificate", "chain.pem", leaf.read_bytes() + inter.read_bytes() + ca.read_bytes())
leaf_der, inter_der, ca_der = (pem_to_der(p) for p in (leaf, inter, ca))
put("chain", "leaf-int-ca", SEP.join([leaf_der, inter_der, ca_der]))
put("chain", "leaf-int", SEP.join([leaf_der, inter_der]))
put("chain", "leaf-int-int", SEP.join([leaf_der, inter_der, inter_der]))

key = KEYS / "signing-key.pem"
pub = KEYS / "signing-key-pub.pem"
put("pem_keys", key.name, key.read_bytes())
put("pem_keys", pub.name, pub.read_bytes())
put("pem_keys", "signing-key.pkcs8.der", openssl("pkcs8", "-topk8", "-nocrypt", "-in", str(key), "-outform", "DER"))
put("pem_keys", "signing-key.sec1.der", openssl("ec", "-in", str(key), "-outform", "DER"))
put("pem_keys", "signing-key.sec1.pem", openssl("ec", "-in", str(key)))
put("pem_keys", "signing-key-pub.der", openssl("pkey", "-pubin", "-in", str(pub), "-outform", "DER"))
# Public keys of the other curves (throwaway keys; only the public halves are kept).
for curve in ("prime256v1", "secp521r1"):
    private = openssl("ecparam", "-name", curve, "-genkey", "-noout")
    put("pem_keys", f"{curve}-pub.pem", openssl("ec", "-pubout", stdin=private))

uris = [
    "pkcs11:",
    "pkcs11:object=my-key;type=private?pin-source=file:/etc/token",
    "pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;"
    "model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=",
    "pkcs11:object=my-sign-key;type=private?module-path=/mnt/libmypkcs11.so.1&pin-value=1234",
    "pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft;library-version=1.23",
    "pkcs11:token=my-token;object=my-certificate;type=cert;x-vendor-aaa=value-a?x-vendor-bbb=v",
    "pkcs11:slot-id=3;slot-description=Sun%20Metaslot;slot-manufacturer=m?module-name=softhsm2",
    "pkcs11:token=:[]@!$'()*+,=&?pin-value=:[]@!$'()*+,=/?",
]
for i, uri in enumerate(uris):
    put("pkcs11_uri", str(i), uri)

for path in sorted((FIX / "trust").glob("*.json")):
    put("trust_root", path.name, path.read_bytes())

# Scanner targets: pickles of every protocol (benign and calling os.system), a torch-style zip,
# safetensors, .npy and GGUF headers. Built with the standard library only.
import io
import pickle
import struct
import zipfile
from collections import OrderedDict


class _Reduce:
    def __reduce__(self):
        import os
        return (os.system, ("id",))


benign = OrderedDict(w=[1.0, 2.0], name="layer", ids=(1, 2, 3), nested={"a": b"\x00\x01"})
pickles = {}
for proto in range(0, pickle.HIGHEST_PROTOCOL + 1):
    pickles[f"benign-p{proto}"] = pickle.dumps(benign, protocol=proto)
    pickles[f"reduce-p{proto}"] = pickle.dumps(_Reduce(), protocol=proto)
for name, data in pickles.items():
    put("scan_pickle", name, data)
    put("scan_sniff", name, data)
    put("scan_capture", name, bytes([6]) + data)

buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", pickles["benign-p2"])
    z.writestr("archive/data/0", b"\x00" * 64)
    z.writestr("archive/version", b"3\n")
put("scan_sniff", "torch-zip", buf.getvalue())
put("scan_capture", "torch-zip", bytes([4]) + buf.getvalue())

header = json.dumps({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
                     "__metadata__": {"format": "pt"}}).encode()
header += b" " * (-len(header) % 8)
safetensors = struct.pack("<Q", len(header)) + header + b"\x00" * 16
put("scan_sniff", "safetensors", safetensors)
put("scan_capture", "safetensors", bytes([3]) + safetensors)

npy_header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
npy_header += b" " * (-(len(npy_header) + 11) % 64) + b"\n"
npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(npy_header)) + npy_header + b"\x00" * 16
put("scan_sniff", "npy", npy)

gguf_key = b"general.architecture"
gguf = (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", len(gguf_key)) + gguf_key
        + struct.pack("<I", 8) + struct.pack("<Q", 5) + b"llama")
put("scan_sniff", "gguf", gguf)

# oci_manifest: a ModelPack model manifest (raw and tar layers), a signature referrer, an index.
def digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()

def layer(media_type, data, path):
    return {"mediaType": media_type, "digest": digest(data), "size": len(data),
            "annotations": {"org.cncf.model.filepath": path}}

model_config = b'{"modelfs":{"type":"layers","diffIds":[]}}'
model = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "artifactType": "application/vnd.cncf.model.manifest.v1+json",
         "config": {"mediaType": "application/vnd.cncf.model.config.v1+json",
                    "digest": digest(model_config), "size": len(model_config)},
         "layers": [layer("application/vnd.cncf.model.weight.v1.raw", b"w", "dir/model.safetensors"),
                    layer("application/vnd.cncf.model.weight.config.v1.raw", b"{}", "config.json"),
                    layer("application/vnd.cncf.model.doc.v1.raw", b"", ".gitignore")]}
put("oci_manifest", "model-raw", json.dumps(model))
model["layers"].append(layer("application/vnd.cncf.model.weight.v1.tar", b"t", "weights"))
put("oci_manifest", "model-tar", json.dumps(model))
referrer = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": digest(b"{}"), "size": 2},
            "layers": [{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                        "digest": digest(b"bundle"), "size": 6}],
            "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": digest(b"subject"), "size": 1}}
put("oci_manifest", "referrer", json.dumps(referrer))
put("oci_manifest", "index", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                                          "manifests": [dict(referrer["subject"], artifactType="x")]}))
