//! GGUF chat templates: Jinja a runtime renders. Published template-injection gadgets are
//! dangerous, escapes that can spell them unknown, an ordinary ChatML template safe.

use oms_scan::{scan_source, Format, Policy, Verdict};

fn gguf_string(s: &str) -> Vec<u8> {
    let mut out = (s.len() as u64).to_le_bytes().to_vec();
    out.extend(s.as_bytes());
    out
}

/// A GGUF v3 file with no tensors and one metadata key: the chat template.
fn gguf_with_template(template: &str) -> Vec<u8> {
    let mut out = b"GGUF".to_vec();
    out.extend(3u32.to_le_bytes());
    out.extend(0u64.to_le_bytes());
    out.extend(1u64.to_le_bytes());
    out.extend(gguf_string("tokenizer.chat_template"));
    out.extend(8u32.to_le_bytes());
    out.extend(gguf_string(template));
    out
}

fn verdict(template: &str) -> Verdict {
    let r = scan_source(
        "m.gguf",
        &gguf_with_template(template).as_slice(),
        &Policy::default(),
    );
    assert_eq!(r.format, Format::Gguf);
    r.verdict
}

#[test]
fn chatml_is_safe() {
    let chatml = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
    assert_eq!(verdict(chatml), Verdict::Safe);
}

#[test]
fn injection_gadgets_are_dangerous() {
    for t in [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ cycler.__init__.__globals__.os.popen('id') }}",
        "{{ ''|attr('x') }}",
    ] {
        assert_eq!(verdict(t), Verdict::Dangerous, "{t}");
    }
}

#[test]
fn names_spelled_with_escapes_are_unknown() {
    assert_eq!(
        verdict("{{ ''['\\x5f\\x5fclass\\x5f\\x5f'] }}"),
        Verdict::Unknown
    );
}
