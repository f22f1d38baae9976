//! Fuzz the zero-copy reader, Value::parse, to_yaml and re-serialization.
#![no_main]

use argdata::{Reader, Value};
use libfuzzer_sys::fuzz_target;

/// Apply every getter to every node reachable from `r`.
fn walk(r: Reader<'_>, depth: usize) {
    let _ = r.kind();
    let _ = r.get_binary();
    let _ = r.get_bool();
    let _ = r.get_fd();
    let _ = r.get_fd_index();
    let _ = r.get_float();
    let _ = r.get_i64();
    let _ = r.get_u64();
    let _ = r.get_int::<i8>();
    let _ = r.get_int::<u32>();
    let _ = r.get_str();
    let _ = r.get_str_c();
    let _ = r.get_cstr();
    let _ = r.get_timestamp();
    let _ = r.map_get("key");
    if depth > 10_000 {
        return;
    }
    if let Ok(it) = r.map_iter() {
        for entry in it {
            match entry {
                Ok((k, v)) => {
                    walk(k, depth + 1);
                    walk(v, depth + 1);
                }
                Err(_) => break,
            }
        }
    }
    if let Ok(it) = r.seq_iter() {
        for entry in it.flatten() {
            walk(entry, depth + 1);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let table = |i: u32| (i < 3).then_some(100 + i as i32);
    walk(Reader::with_fds(data, &table), 0);
    if let Ok(v) = Value::parse(data) {
        let bytes = v.to_bytes();
        assert_eq!(bytes.len(), v.serialized_len());
        assert_eq!(
            Value::parse(&bytes).as_ref(),
            Ok(&v),
            "canonical re-encoding must round-trip"
        );
        let _ = v.to_yaml();
    }
});
