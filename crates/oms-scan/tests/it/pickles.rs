//! The pickle emulator on hand-built streams: every primitive, every published evasion.

use oms_scan::{fuzz, scan_source, FileReport, Format, Policy, Verdict};

fn scan(bytes: &[u8]) -> FileReport {
    scan_source("f", &bytes, &Policy::default())
}

fn subjects(r: &FileReport, v: Verdict) -> Vec<String> {
    r.findings
        .iter()
        .filter(|f| f.verdict == v)
        .map(|f| f.subject.clone())
        .collect()
}

fn sbu(s: &str) -> Vec<u8> {
    let mut out = vec![0x8c, s.len() as u8];
    out.extend(s.as_bytes());
    out
}

/// `module.name(arg)` via STACK_GLOBAL, protocol 4.
fn call4(module: &str, name: &str, arg: &str) -> Vec<u8> {
    let mut p = vec![0x80, 4];
    p.extend(sbu(module));
    p.extend(sbu(name));
    p.push(0x93);
    p.extend(sbu(arg));
    p.extend(b"\x85R.");
    p
}

fn dangerous(bytes: &[u8], subject: &str) {
    let r = scan(bytes);
    assert_eq!(r.verdict, Verdict::Dangerous, "{r:#?}");
    assert!(
        subjects(&r, Verdict::Dangerous)
            .iter()
            .any(|s| s == subject),
        "{subject} not in {r:#?}"
    );
}

#[test]
fn protocol_0_global_reduce_reports_import_and_offset() {
    let p = b"cos\nsystem\n(S'echo hi'\ntR.";
    let r = scan(p);
    assert_eq!(r.verdict, Verdict::Dangerous);
    assert_eq!(r.format, Format::Pickle { protocol: 0 });
    let f = &r.findings[0];
    assert_eq!(f.subject, "os.system");
    assert_eq!(f.offset, Some(0));
    assert!(
        f.detail.contains("called by REDUCE at offset 24"),
        "{}",
        f.detail
    );
}

#[test]
fn every_primitive_is_dangerous() {
    for (m, n) in [
        ("os", "system"),
        ("posix", "system"),
        ("nt", "system"),
        ("subprocess", "Popen"),
        ("subprocess", "check_output"),
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("builtins", "__import__"),
        ("builtins", "getattr"),
        ("builtins", "open"),
        ("builtins", "compile"),
        ("__builtin__", "eval"),
        ("runpy", "_run_code"),
        ("importlib", "import_module"),
        ("pty", "spawn"),
        ("code", "InteractiveInterpreter.runcode"),
        ("pickle", "loads"),
        ("_pickle", "loads"),
        ("pydoc", "locate"),
        ("operator", "attrgetter"),
        ("operator", "methodcaller"),
        ("_operator", "attrgetter"),
        ("functools", "partial"),
        ("timeit", "timeit"),
        ("cProfile", "run"),
        ("pkgutil", "resolve_name"),
        ("ctypes", "CDLL"),
        ("asyncio.unix_events", "_UnixSubprocessTransport._start"),
        ("torch.utils.collect_env", "run"),
        ("torch._inductor.codecache", "compile_file"),
        ("torch.serialization", "load"),
        ("numpy.testing._private.utils", "runstring"),
        ("types", "CodeType"),
        ("marshal", "loads"),
        ("multiprocessing.util", "spawnv_passfds"),
        ("_posixsubprocess", "fork_exec"),
        ("webbrowser", "open"),
        ("shutil", "rmtree"),
        ("socket", "create_connection"),
    ] {
        dangerous(&call4(m, n, "x"), &format!("{m}.{n}"));
    }
}

#[test]
fn names_built_through_the_memo_are_resolved() {
    // BINPUT/BINGET and MEMOIZE mixed so a scanner that models the memo from opcode
    // arguments sees different strings than the unpickler (picklescan #14, and the open
    // "MEMOIZE after BINGET" desync).
    let mut p = vec![0x80, 4];
    p.extend(sbu("posix"));
    p.push(0x94); // memo[0] = "posix"
    p.extend(sbu("system"));
    p.push(0x94); // memo[1] = "system"
    p.push(b'0'); // pop "system"
    p.push(b'0'); // pop "posix"
    p.extend(b"h\x00"); // BINGET 0 -> "posix"
    p.push(0x94); // memo[2] = "posix" (a desynced scanner stores the index 0)
    p.extend(b"h\x01");
    p.push(0x93);
    p.extend(sbu("true"));
    p.extend(b"\x85R.");
    dangerous(&p, "posix.system");

    // PUT indexes written out of order (ImaginaryCTF "Safe Pickle").
    let mut p = vec![0x80, 2];
    p.extend(b"X\x02\x00\x00\x00osq\x03X\x06\x00\x00\x00systemq\x020");
    p.extend(b"0h\x03h\x02\x93X\x02\x00\x00\x00id\x85R.");
    dangerous(&p, "os.system");
}

#[test]
fn protocol_0_strings_inst_and_obj() {
    dangerous(b"(S'id'\nios\nsystem\n.", "os.system");
    dangerous(b"(cbuiltins\neval\nS'1+1'\no.", "builtins.eval");
    dangerous(b"c__builtin__\nexec\n(Vprint(1)\ntR.", "__builtin__.exec");
    // Escapes inside STRING and UNICODE resolve to the real names.
    dangerous(b"S'\\x6fs'\nS'system'\n\x93S'id'\n\x85R.", "os.system");
    dangerous(b"Vp\\u006fsix\nVsystem\n\x93Vid\n\x85R.", "posix.system");
}

#[test]
fn base_zero_ints_do_not_hide_the_payload() {
    dangerous(b"I0x10\n0cposix\nsystem\n(S'true'\ntR.", "posix.system");
    dangerous(b"L0x10L\n0cposix\nsystem\n(S'true'\ntR.", "posix.system");
}

#[test]
fn dotted_names_and_dunders() {
    dangerous(&call4("pathlib", "os.system", "id"), "pathlib.os.system");
    // numpy allow-list gadget (modelscan #330): dunder access plus BUILD on a function.
    let mut p = vec![0x80, 4];
    p.extend(sbu("numpy"));
    p.extend(sbu("__builtins__"));
    p.extend(b"\x93.");
    dangerous(&p, "numpy.__builtins__");
    let mut p = vec![0x80, 4];
    p.extend(sbu("collections"));
    p.extend(sbu("OrderedDict"));
    p.push(0x93);
    p.extend(b"}b.");
    let r = scan(&p);
    assert_eq!(
        r.verdict,
        Verdict::Dangerous,
        "BUILD on an imported class: {r:#?}"
    );
}

#[test]
fn getattr_and_import_chains_name_the_target() {
    // getattr(__import__('os'), 'system')('id')
    let mut p = vec![0x80, 4];
    p.extend(sbu("builtins"));
    p.extend(sbu("getattr"));
    p.push(0x93);
    p.extend(sbu("builtins"));
    p.extend(sbu("__import__"));
    p.push(0x93);
    p.extend(sbu("os"));
    p.extend(b"\x85R");
    p.extend(sbu("system"));
    p.extend(b"\x86R");
    p.extend(sbu("id"));
    p.extend(b"\x85R.");
    let r = scan(&p);
    let d = subjects(&r, Verdict::Dangerous);
    for want in ["builtins.getattr", "builtins.__import__", "os", "os.system"] {
        assert!(d.iter().any(|s| s == want), "{want} missing from {d:?}");
    }
}

#[test]
fn nested_pickle_payloads_are_scanned() {
    let inner = b"cposix\nsystem\n(S'true'\ntR.";
    let mut p = vec![0x80, 4];
    p.extend(sbu("_pickle"));
    p.extend(sbu("loads"));
    p.push(0x93);
    p.push(b'C');
    p.push(inner.len() as u8);
    p.extend(inner);
    p.extend(b"\x85R.");
    let r = scan(&p);
    let nested: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.subject == "posix.system")
        .collect();
    assert_eq!(nested.len(), 1, "{r:#?}");
    assert!(nested[0]
        .detail
        .contains("nested pickle passed to _pickle.loads"));
}

#[test]
fn truncation_right_after_the_payload_keeps_the_finding() {
    let full = call4("os", "system", "id");
    // nullifAI: the stream breaks right after REDUCE.
    let cut = &full[..full.len() - 1];
    let r = scan(cut);
    assert_eq!(r.verdict, Verdict::Dangerous);
    assert!(subjects(&r, Verdict::Unknown).contains(&"malformed pickle".to_string()));
    // Broken before anything is imported: never safe.
    let r = scan(&full[..6]);
    assert_eq!(r.verdict, Verdict::Unknown);
    // Garbage after a STOP is not ignored.
    let mut p = b"\x80\x02N.".to_vec();
    p.extend(b"\xff\xff");
    assert_eq!(scan(&p).verdict, Verdict::Unknown);
}

#[test]
fn a_second_pickle_in_the_file_is_scanned() {
    let mut p = b"\x80\x02K\x01.".to_vec();
    p.extend(call4("os", "system", "id"));
    dangerous(&p, "os.system");
}

#[test]
fn frame_straddle_is_not_safe() {
    // FRAME(2) then an opcode whose argument runs past the frame (python/cpython#154848).
    let mut p = vec![0x80, 4, 0x95];
    p.extend(2u64.to_le_bytes());
    p.extend(b"B\x07\x01\x00\x00");
    p.extend(vec![b'N'; 0x107]);
    p.push(b'.');
    let r = scan(&p);
    assert_ne!(r.verdict, Verdict::Safe, "{r:#?}");
    assert!(
        r.findings.iter().any(|f| f.detail.contains("FRAME")),
        "{r:#?}"
    );
}

#[test]
fn ext_codes_buffers_and_misplaced_proto_are_unknown() {
    assert_eq!(scan(b"\x80\x02\x82\x01)R.").verdict, Verdict::Unknown);
    assert_eq!(scan(b"\x80\x05\x97.").verdict, Verdict::Unknown);
    assert_eq!(scan(b"\x80\x02]\x80\x02.").verdict, Verdict::Unknown);
}

#[test]
fn unknown_imports_are_unknown_and_user_allow_list_is_reported() {
    let p = call4("mypkg.layers", "Dense", "x");
    let r = scan(&p);
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(subjects(&r, Verdict::Unknown), vec!["mypkg.layers.Dense"]);
    let policy = Policy::with_user_allow_list("mypkg.layers.Dense\n").unwrap();
    let r = scan_source("f", &p.as_slice(), &policy);
    assert_eq!(r.verdict, Verdict::Safe);
    assert_eq!(r.user_allowed, vec!["mypkg.layers.Dense"]);
}

/// A state_dict the way torch.save's data.pkl lays it out (protocol 2).
pub fn torch_data_pkl() -> Vec<u8> {
    let mut p = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01".to_vec();
    p.extend(b"X\x06\x00\x00\x00weightq\x02ctorch._utils\n_rebuild_tensor_v2\nq\x03(");
    p.extend(b"(X\x07\x00\x00\x00storageq\x04ctorch\nFloatStorage\nq\x05X\x01\x00\x00\x000q\x06X\x03\x00\x00\x00cpuq\x07K\x04tq\x08Q");
    p.extend(b"K\x00K\x02K\x02\x86q\tK\x02K\x01\x86q\n\x89h\x00)Rq\x0btq\x0cRq\rs}q\x0eb.");
    p
}

#[test]
fn torch_weights_pickle_is_safe() {
    let r = scan(&torch_data_pkl());
    assert_eq!(r.verdict, Verdict::Safe, "{r:#?}");
    assert_eq!(r.format, Format::Pickle { protocol: 2 });
}

#[test]
fn text_that_starts_like_a_pickle_is_text() {
    for t in [
        &b"a plain sentence\n"[..],
        b"Loss went down.\n",
        b"(1, 2)\n",
        b"import os\n",
    ] {
        let r = scan(t);
        assert_eq!(r.format, Format::Text, "{t:?}");
        assert_eq!(r.verdict, Verdict::Safe);
    }
    assert_eq!(scan(b"{\"a\": 1}").format, Format::Json);
}

#[test]
fn fuzz_entry_points_survive_random_and_truncated_input() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let samples = [
        torch_data_pkl(),
        call4("os", "system", "id"),
        b"\x80\x05\x95\x10\x00".to_vec(),
    ];
    for s in &samples {
        for cut in 0..=s.len() {
            fuzz::fuzz_pickle(&s[..cut]);
            fuzz::fuzz_sniff(&s[..cut]);
        }
    }
    for _ in 0..3000 {
        let len = (next() % 300) as usize;
        let mut data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if next() % 3 == 0 {
            data.splice(0..0, [0x80, 4]);
        }
        fuzz::fuzz_pickle(&data);
        fuzz::fuzz_sniff(&data);
        fuzz::fuzz_capture(&data, 1 + (next() % 64) as usize);
    }
}
