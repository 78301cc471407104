#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oms_fuzz::oci_manifest(data));
