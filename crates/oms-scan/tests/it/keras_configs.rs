//! Keras configs as `json.loads` reads them: every class name Python's JSON decoder finds
//! (escaped or not) is judged, code-holding layers are dangerous wherever they hide, and a
//! module prefix no longer vouches for a class. The oracle: tests/oracle/json_classes.py.

use crate::common;

use common::pickle_gen::Rng;
use oms_scan::{scan_source, FileReport, Policy, Verdict};

const GENERATED: usize = 2000;
const CODE: &[&str] = &["Lambda", "TFSMLayer", "TorchModuleWrapper"];
const DATA: &[&str] = &["Dense", "Conv2D", "Dropout", "InputLayer"];

fn scan(name: &str, bytes: &[u8]) -> FileReport {
    scan_source(name, &bytes, &Policy::default())
}

/// A JSON string for `s` with some characters written as \u escapes.
fn json_string(rng: &mut Rng, s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if rng.chance(3) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn layer(rng: &mut Rng) -> String {
    let class = if rng.chance(4) {
        *rng.pick(CODE)
    } else {
        *rng.pick(DATA)
    };
    let module = *rng.pick(&["keras.layers", "keras.src.export", "keras.src.utils"]);
    format!(
        "{{{}: {}, {}: {}, \"config\": {{\"name\": \"l\"}}}}",
        json_string(rng, "module"),
        json_string(rng, module),
        json_string(rng, "class_name"),
        json_string(rng, class)
    )
}

fn config(rng: &mut Rng) -> String {
    let layers: Vec<String> = (0..1 + rng.below(3)).map(|_| layer(rng)).collect();
    let inner = format!(
        "{{\"class_name\": \"Sequential\", \"config\": {{\"layers\": [{}]}}}}",
        layers.join(", ")
    );
    if rng.chance(5) {
        // A config stored as a JSON string inside the document.
        serde_json::to_string(&serde_json::json!({ "model_config": inner })).unwrap()
    } else {
        inner
    }
}

#[test]
fn every_code_layer_json_loads_finds_is_dangerous() {
    let mut rng = Rng::new(0x6e7_0014);
    let inputs: Vec<(String, Vec<u8>)> = (0..GENERATED)
        .map(|i| (format!("cfg-{i:05}.json"), config(&mut rng).into_bytes()))
        .collect();
    let read = common::oracle(&common::scan_python(), "json_classes.py", &inputs);
    let mut failures = Vec::new();
    let mut with_code = 0;
    for (name, bytes) in &inputs {
        let classes = read[name.as_str()]["classes"].as_array().unwrap();
        let r = scan(name, bytes);
        let code = classes.iter().any(|c| CODE.contains(&c.as_str().unwrap()));
        let nested = String::from_utf8_lossy(bytes).contains("model_config");
        if code {
            with_code += 1;
            if r.verdict != Verdict::Dangerous {
                failures.push(format!(
                    "{name}: {:?}: {}",
                    r.verdict,
                    String::from_utf8_lossy(bytes)
                ));
            }
        } else if !nested && r.verdict == Verdict::Dangerous {
            failures.push(format!("{name}: dangerous without code: {r:?}"));
        }
    }
    assert!(
        with_code > GENERATED / 10,
        "only {with_code} configs with code"
    );
    assert!(
        failures.is_empty(),
        "{} of {GENERATED} configs misjudged:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_code_layer_under_a_keras_module_is_dangerous() {
    let cfg = br#"{"class_name": "Sequential", "config": {"layers": [{"module": "keras.src.export", "class_name": "TFSMLayer", "config": {"filepath": "/tmp/x"}}]}}"#;
    assert_eq!(scan("config.json", cfg).verdict, Verdict::Dangerous);
}

#[test]
fn an_escaped_lambda_in_an_hdf5_config_is_dangerous() {
    let mut h5 = b"\x89HDF\r\n\x1a\n".to_vec();
    h5.extend([0u8; 64]);
    h5.extend(br#"model_config{"class_name": "Sequential", "config": {"layers": [{"class_name": "\u004cambda", "config": {}}]}}"#);
    h5.extend([0u8; 64]);
    assert_eq!(scan("model.h5", &h5).verdict, Verdict::Dangerous);
}

#[test]
fn a_plain_keras_config_is_safe() {
    let cfg = br#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [{"module": "keras.layers", "class_name": "Dense", "config": {"units": 2, "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {}, "registered_name": null}}, "registered_name": null}]}, "registered_name": null}"#;
    let r = scan("config.json", cfg);
    assert_eq!(r.verdict, Verdict::Safe, "{r:?}");
}
