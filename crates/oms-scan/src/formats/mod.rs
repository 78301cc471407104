//! Validators for the formats that carry no code but whose headers can still be abused.

pub mod chat_template;
pub mod gguf;
pub mod graph_proto;
pub mod hydra;
pub mod keras;
pub mod npy;
pub mod protobuf;
pub mod pyliteral;
pub mod safetensors;
pub mod text;
