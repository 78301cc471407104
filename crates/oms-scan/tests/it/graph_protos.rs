//! Protobuf model files told apart by their fields: ONNX (and the external-data paths its
//! loader opens), TensorFlow SavedModel graphs (code: unknown), SentencePiece tokenizers
//! (data: safe). The messages are built field by field as their .proto files define them.

use oms_scan::{scan_source, FileReport, Format, Policy, Verdict};

fn scan(bytes: &[u8]) -> FileReport {
    scan_source("f", &bytes, &Policy::default())
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

fn int_field(n: u64, v: u64) -> Vec<u8> {
    let mut out = varint(n << 3);
    out.extend(varint(v));
    out
}

fn bytes_field(n: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = varint((n << 3) | 2);
    out.extend(varint(payload.len() as u64));
    out.extend(payload);
    out
}

/// ModelProto { ir_version 8, producer_name, graph { node, initializer with external data
/// at `location` } }: onnx.proto's field numbers.
fn onnx_model(location: &str) -> Vec<u8> {
    let entry = [
        bytes_field(1, b"location"),
        bytes_field(2, location.as_bytes()),
    ]
    .concat();
    let tensor = [
        int_field(1, 2),           // dims
        int_field(2, 1),           // data_type FLOAT
        bytes_field(8, b"weight"), // name
        bytes_field(13, &entry),   // external_data
        int_field(14, 1),          // data_location EXTERNAL
    ]
    .concat();
    let node = [
        bytes_field(1, b"x"),
        bytes_field(2, b"y"),
        bytes_field(4, b"Relu"),
    ]
    .concat();
    let graph = [
        bytes_field(1, &node),
        bytes_field(2, b"main"),
        bytes_field(5, &tensor),
    ]
    .concat();
    [
        int_field(1, 8),
        bytes_field(2, b"pytorch"),
        bytes_field(3, b"2.6"),
        bytes_field(7, &graph),
        bytes_field(8, &int_field(2, 17)), // opset_import { version 17 }
    ]
    .concat()
}

#[test]
fn onnx_with_external_data_next_to_it_is_safe() {
    let r = scan(&onnx_model("weights.bin"));
    assert_eq!(r.format, Format::Onnx, "{r:?}");
    assert_eq!(r.verdict, Verdict::Safe, "{r:?}");
}

#[test]
fn onnx_external_data_outside_the_model_is_dangerous() {
    for location in ["../../etc/passwd", "/etc/passwd", "sub/../../x", "C:\\x"] {
        let r = scan(&onnx_model(location));
        assert_eq!(r.verdict, Verdict::Dangerous, "{location}: {r:?}");
    }
}

#[test]
fn a_tensorflow_saved_model_is_not_safe() {
    // SavedModel { saved_model_schema_version 1, meta_graphs { meta_info_def { tags } } }.
    let meta_graph = bytes_field(1, &bytes_field(4, b"serve"));
    let saved = [int_field(1, 1), bytes_field(2, &meta_graph)].concat();
    let r = scan(&saved);
    assert_eq!(r.format, Format::SavedModel, "{r:?}");
    assert_eq!(r.verdict, Verdict::Unknown, "{r:?}");
}

#[test]
fn a_sentencepiece_tokenizer_is_safe() {
    // ModelProto { pieces { piece, score, type }..., trainer_spec, normalizer_spec }.
    let piece = |p: &str, score: f32, kind: u64| {
        let mut m = bytes_field(1, p.as_bytes());
        m.extend(varint((2 << 3) | 5));
        m.extend(score.to_le_bytes());
        m.extend(int_field(3, kind));
        bytes_field(1, &m)
    };
    let model = [
        piece("<unk>", 0.0, 2),
        piece("<s>", 0.0, 3),
        piece("\u{2581}the", -3.5, 1),
        bytes_field(
            2,
            &[bytes_field(1, b"input.txt"), int_field(3, 32000)].concat(),
        ),
        bytes_field(3, &bytes_field(1, b"nmt_nfkc")),
    ]
    .concat();
    let r = scan(&model);
    assert_eq!(r.format, Format::SentencePiece, "{r:?}");
    assert_eq!(r.verdict, Verdict::Safe, "{r:?}");
}
