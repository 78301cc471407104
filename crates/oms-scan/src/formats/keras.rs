//! Keras model configs (`config.json` in a `.keras` zip, the `model_config` attribute of an
//! `.h5`), decoded as JSON the way `json.loads` decodes them (escapes such as `\u004c`
//! included), then every object with a `class_name` checked against the classes Keras
//! ships that hold no code. Layers that hold or load code (`Lambda`, `TFSMLayer`,
//! `TorchModuleWrapper`, JAX/Flax wrappers, serialized lambdas) are dangerous; any other
//! class, a module outside keras or a registered custom object is unknown.

use serde_json::Value;

use crate::verdict::{Finding, Verdict};

const CODE: &[&str] = &[
    "Lambda",
    "TFSMLayer",
    "TorchModuleWrapper",
    "JaxLayer",
    "FlaxLayer",
    "__lambda__",
];

/// Keras classes that are data (layers, initializers, regularizers, constraints, optimizers,
/// schedules, dtype policies, the functional graph's tensors).
const ALLOWED: &[&str] = &[
    "Sequential",
    "Functional",
    "Model",
    "InputLayer",
    "__keras_tensor__",
    "__tensor__",
    "__numpy__",
    "__bytes__",
    "__tuple__",
    "Dense",
    "EinsumDense",
    "Embedding",
    "Masking",
    "Activation",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "Conv3DTranspose",
    "SeparableConv1D",
    "SeparableConv2D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "SimpleRNNCell",
    "LSTMCell",
    "GRUCell",
    "StackedRNNCells",
    "RNN",
    "Bidirectional",
    "TimeDistributed",
    "ConvLSTM1D",
    "ConvLSTM2D",
    "ConvLSTM3D",
    "Attention",
    "AdditiveAttention",
    "MultiHeadAttention",
    "GroupQueryAttention",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Softmax",
    "Identity",
    "Rescaling",
    "Normalization",
    "Resizing",
    "CenterCrop",
    "GlorotUniform",
    "GlorotNormal",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Zeros",
    "Ones",
    "Constant",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "Orthogonal",
    "VarianceScaling",
    "L1",
    "L2",
    "L1L2",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "DTypePolicy",
    "FloatDTypePolicy",
    "Adam",
    "AdamW",
    "SGD",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Adamax",
    "Nadam",
    "Ftrl",
    "Lion",
    "ExponentialDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "InverseTimeDecay",
    "CosineDecay",
    "CosineDecayRestarts",
];

/// Nesting of configs (and configs inside JSON strings), at most.
const MAX_DEPTH: usize = 128;

/// Findings for a JSON document; `None` when the bytes are not JSON to serde (a loader's
/// `json.loads` may still read them: NaN, Infinity).
pub fn config_findings(bytes: &[u8]) -> Option<Vec<Finding>> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let mut out = Vec::new();
    walk(&value, 0, &mut out);
    Some(out)
}

/// Keras configs inside an HDF5 file (its attributes hold the JSON as plain bytes): every
/// `{"class_name"` is decoded from there on; one that does not decode is unknown.
pub fn hdf5_findings(bytes: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let marker = b"\"class_name\"";
    let mut from = 0;
    while let Some(at) = find(bytes.get(from..).unwrap_or_default(), marker) {
        let at = from + at;
        // The object starts at the last '{' before the key.
        let start = bytes
            .get(..at)
            .and_then(|b| b.iter().rposition(|&c| c == b'{'))
            .unwrap_or(at);
        let mut stream =
            serde_json::Deserializer::from_slice(bytes.get(start..).unwrap_or_default())
                .into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                if start + stream.byte_offset() <= at {
                    out.push(Finding::new(
                        Verdict::Unknown,
                        "keras config",
                        "a class_name in the HDF5 file outside any JSON object the scanner decodes",
                    ));
                }
                walk(&value, 0, &mut out);
                // Past this key at least (the '{' found may close before it).
                from = (start + stream.byte_offset()).max(at + marker.len());
            }
            _ => {
                out.push(Finding::new(
                    Verdict::Unknown,
                    "keras config",
                    "a Keras config in the HDF5 file does not decode as JSON",
                ));
                from = at + marker.len();
            }
        }
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn walk(v: &Value, depth: usize, out: &mut Vec<Finding>) {
    if depth > MAX_DEPTH {
        out.push(Finding::new(
            Verdict::Unknown,
            "keras config",
            "config nested too deep",
        ));
        return;
    }
    match v {
        Value::Object(map) => {
            if let Some(class) = map.get("class_name") {
                check_object(map, class, out);
            }
            for child in map.values() {
                walk(child, depth + 1, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|c| walk(c, depth + 1, out)),
        // Configs are sometimes stored as JSON inside a string.
        Value::String(s) if s.contains("class_name") => match serde_json::from_str(s) {
            Ok(inner) => walk(&inner, depth + 1, out),
            Err(_) => out.push(Finding::new(
                Verdict::Unknown,
                "keras config",
                "a string naming a class_name does not decode as JSON",
            )),
        },
        _ => {}
    }
}

fn check_object(map: &serde_json::Map<String, Value>, class: &Value, out: &mut Vec<Finding>) {
    let Some(class) = class.as_str() else {
        out.push(Finding::new(
            Verdict::Unknown,
            "keras config",
            "class_name is not a string",
        ));
        return;
    };
    if CODE.contains(&class) {
        out.push(Finding::new(
            Verdict::Dangerous,
            format!("keras {class}"),
            format!("a Keras {class} layer holds or loads code that runs when the model is loaded"),
        ));
        return;
    }
    let module = map.get("module").and_then(Value::as_str);
    let registered = map.get("registered_name").and_then(Value::as_str);
    let keras_module = module.is_none_or(|m| m == "keras" || m.starts_with("keras."));
    let builtin = registered.is_none_or(|r| r == class);
    if !ALLOWED.contains(&class) || !keras_module || !builtin {
        let what = match (module, registered) {
            (Some(m), _) if !keras_module => format!("module {m:?} (CVE-2025-1550 pattern)"),
            (_, Some(r)) if !builtin => format!("registered custom object {r:?}"),
            _ => format!("class {class:?}, not on the Keras allow-list"),
        };
        out.push(Finding::new(
            Verdict::Unknown,
            module.map_or_else(|| class.to_string(), |m| format!("{m}.{class}")),
            format!("the Keras config names {what}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdicts(cfg: &str) -> Vec<Verdict> {
        config_findings(cfg.as_bytes())
            .unwrap()
            .iter()
            .map(|f| f.verdict)
            .collect()
    }

    #[test]
    fn escapes_and_modules() {
        let escaped = r#"{"class_name": "Sequential", "config": {"layers": [{"class_name": "\u004cambda"}]}}"#;
        assert_eq!(verdicts(escaped), vec![Verdict::Dangerous]);
        let foreign = r#"{"module": "\u006fs", "class_name": "Dense"}"#;
        assert_eq!(verdicts(foreign), vec![Verdict::Unknown]);
        let custom =
            r#"{"module": "keras.layers", "class_name": "Dense", "registered_name": "pkg>Dense"}"#;
        assert_eq!(verdicts(custom), vec![Verdict::Unknown]);
        let plain = r#"{"module": "keras.layers", "class_name": "Dense", "registered_name": null}"#;
        assert!(verdicts(plain).is_empty());
        let nested = r#"{"config": "{\"class_name\": \"TFSMLayer\"}"}"#;
        assert_eq!(verdicts(nested), vec![Verdict::Dangerous]);
        // A '{' that closes before the key: the search still moves on.
        let h5 = hdf5_findings(br#"{} "class_name": "Lambda"}"#);
        assert_eq!(h5.len(), 1);
    }
}
