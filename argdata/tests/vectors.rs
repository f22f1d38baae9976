//! Every vector produced by the reference C implementation (NuxiNL/argdata,
//! see `meta` in vectors.json) as a test.
//!
//! The crate carries its own copy (`tests/vectors.json`); when the shared
//! original exists next to the checkout, the two must be identical.
//!
//! Notes where the reference and the format description differ, or where
//! our API differs from the reference:
//! * The format text says integers are in "shortest form"; the reference
//!   reader also accepts redundant leading bytes (`05 00 01`, `05 ff ff`,
//!   `05 00`), and so do we (kind `accepted_noncanonical`).
//! * `get_int_s` rejects any payload longer than 8 bytes with ERANGE even
//!   when the value fits (`int_9_bytes_positive`), while `get_int_u` accepts
//!   9 bytes with a leading `00`; we follow the reference.
//! * A string with an interior NUL is valid for `get_str` and EILSEQ for
//!   `get_str_c` (vector `str_embedded_nul` appears as both valid and
//!   malformed).
//! * `reserialize` is the reference copying the parsed *buffer* verbatim
//!   (renumbering fds); `Value` re-encodes canonically, so we compare the
//!   decoded trees (with fds resolved to descriptors) instead of the bytes.

use std::collections::BTreeMap;
use std::os::fd::RawFd;

use argdata::{Error, Reader, Value};
use serde_json::Value as Json;

const COPY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors.json");
const SHARED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/argdata/vectors.json"
);

fn load() -> Json {
    let copy = std::fs::read(COPY).expect("read tests/vectors.json");
    if let Ok(shared) = std::fs::read(SHARED) {
        assert!(copy == shared, "tests/vectors.json differs from {SHARED}");
    }
    serde_json::from_slice(&copy).expect("parse vectors.json")
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn errno_name(e: Error) -> &'static str {
    match e {
        Error::Invalid => "EINVAL",
        Error::OutOfRange => "ERANGE",
        Error::InvalidUtf8 => "EILSEQ",
        Error::NoFd => "EBADF",
        _ => "other",
    }
}

/// The fd table the generator attached (`reader_convert_fd`).
enum Convert {
    Below(u32),
    Passthrough,
}

impl Convert {
    fn of(v: &Json) -> Convert {
        match v.get("reader_convert_fd").and_then(Json::as_str) {
            None => Convert::Below(v["fds"].as_array().unwrap().len() as u32),
            Some(s) if s.starts_with("passthrough") => Convert::Passthrough,
            Some(s) => {
                let n = s
                    .strip_prefix("indices < ")
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap();
                Convert::Below(n.parse().unwrap())
            }
        }
    }
    fn convert(&self, i: u32) -> Option<RawFd> {
        match self {
            Convert::Below(n) => (i < *n).then(|| 100 + i as RawFd),
            Convert::Passthrough => RawFd::try_from(i).ok(),
        }
    }
}

/// Our result in the vectors' notation.
fn res<T>(r: Result<T, Error>, ok: impl FnOnce(T) -> Json) -> Json {
    match r {
        Ok(v) => ok(v),
        Err(e) => Json::from(errno_name(e)),
    }
}

fn iterate<T>(it: Result<impl Iterator<Item = Result<T, Error>>, Error>) -> Json {
    let Ok(mut it) = it else {
        return serde_json::json!({"initial": "INVALID", "entries": 0, "final": "INVALID"});
    };
    let mut entries = 0;
    let fin = loop {
        match it.next() {
            None => break "END",
            Some(Ok(_)) => entries += 1,
            Some(Err(_)) => break "INVALID",
        }
    };
    assert!(
        it.next().is_none(),
        "iterator continued after its end or error"
    );
    let initial = if entries > 0 { "VALID" } else { fin };
    serde_json::json!({"initial": initial, "entries": entries, "final": fin})
}

/// Apply every getter the generator applied.
fn getters(r: &Reader<'_>) -> BTreeMap<String, Json> {
    use serde_json::json;
    let mut m = BTreeMap::new();
    m.insert(
        "get_binary".into(),
        res(r.get_binary(), |b| json!({"ok": hex(b)})),
    );
    m.insert("get_bool".into(), res(r.get_bool(), |b| json!({"ok": b})));
    m.insert("get_fd".into(), res(r.get_fd(), |f| json!({"ok": f})));
    m.insert(
        "get_float".into(),
        res(
            r.get_float(),
            |f| json!({"ok_bits": format!("{:016x}", f.to_bits())}),
        ),
    );
    m.insert(
        "get_int_s_intmax".into(),
        res(r.get_i64(), |i| json!({"ok": i.to_string()})),
    );
    m.insert(
        "get_int_u_uintmax".into(),
        res(r.get_u64(), |i| json!({"ok": i.to_string()})),
    );
    m.insert(
        "get_int_int".into(),
        res(r.get_int::<i32>(), |i| json!({"ok": i})),
    );
    m.insert(
        "get_str".into(),
        res(r.get_str(), |s| json!({"ok_hex": hex(s.as_bytes())})),
    );
    m.insert("get_str_c".into(), res(r.get_str_c(), |s| json!({"ok": s})));
    m.insert(
        "get_timestamp".into(),
        res(
            r.get_timestamp(),
            |t| json!({"sec": t.sec.to_string(), "nsec": t.nsec}),
        ),
    );
    m.insert("map_iterate".into(), iterate(r.map_iter()));
    m.insert("seq_iterate".into(), iterate(r.seq_iter()));
    m
}

/// The reference result, reduced to what `getters` produces (the float
/// result also carries a printed form, which we drop).
fn expected_getters(v: &Json) -> BTreeMap<String, Json> {
    let mut m: BTreeMap<String, Json> = serde_json::from_value(v.clone()).unwrap();
    if let Some(Json::Object(o)) = m.get_mut("get_float") {
        o.remove("ok");
    }
    m
}

/// The generator's whole-tree walk, reproduced: the first problem found
/// depth-first, or "clean".
fn walk(r: Reader<'_>, path: &str) -> Result<(), String> {
    let Some(ty) = r.type_byte() else {
        return Ok(());
    };
    let getter = |e: Error| format!("{path}: type 0x{ty:02x} getter -> {}", errno_name(e));
    match ty {
        1 => r.get_binary().map(drop).map_err(getter),
        2 => r.get_bool().map(drop).map_err(getter),
        3 => r.get_fd().map(drop).map_err(getter),
        4 => r.get_float().map(drop).map_err(getter),
        5 => r
            .get_i64()
            .map(drop)
            .or_else(|_| r.get_u64().map(drop))
            .map_err(getter),
        8 => r.get_str().map(drop).map_err(getter),
        9 => r.get_timestamp().map(drop).map_err(getter),
        6 => {
            for (i, entry) in r.map_iter().unwrap().enumerate() {
                let Ok((k, v)) = entry else {
                    return Err(format!("{path}: map iterator INVALID after {i} entries"));
                };
                walk(k, &format!("{path}/map[{i}].key"))?;
                walk(v, &format!("{path}/map[{i}].value"))?;
            }
            Ok(())
        }
        7 => {
            for (i, entry) in r.seq_iter().unwrap().enumerate() {
                let Ok(e) = entry else {
                    return Err(format!("{path}: seq iterator INVALID after {i} entries"));
                };
                walk(e, &format!("{path}/seq[{i}]"))?;
            }
            Ok(())
        }
        _ => Err(format!(
            "{path}: unknown type byte 0x{ty:02x} (every getter -> EINVAL)"
        )),
    }
}

/// The value a `valid` vector describes, from the reference's own readback
/// (collections spelled out by hand from their descriptions).
fn described_value(v: &Json) -> Value {
    let rb = &v["readback"];
    let ok = |g: &str| rb[g].get("ok").cloned();
    match v["name"].as_str().unwrap() {
        "null" => return Value::Null,
        "map_empty" => return Value::Map(vec![]),
        "seq_empty" => return Value::Seq(vec![]),
        "seq_readme_example" => {
            return Value::Seq(vec![
                Value::Int(0),
                Value::Bool(true),
                Value::Str("A".into()),
            ])
        }
        "seq_with_nulls" => return Value::Seq(vec![Value::Null, Value::Bool(false), Value::Null]),
        _ => {}
    }
    if let Some(b) = ok("get_bool") {
        Value::Bool(b.as_bool().unwrap())
    } else if let Some(i) = ok("get_int_s_intmax").or_else(|| ok("get_int_u_uintmax")) {
        Value::Int(i.as_str().unwrap().parse().unwrap())
    } else if let Some(bits) = rb["get_float"].get("ok_bits") {
        Value::Float(f64::from_bits(
            u64::from_str_radix(bits.as_str().unwrap(), 16).unwrap(),
        ))
    } else if let Some(sec) = rb["get_timestamp"].get("sec") {
        let sec: i128 = sec.as_str().unwrap().parse().unwrap();
        Value::Timestamp(
            sec * 1_000_000_000 + i128::from(rb["get_timestamp"]["nsec"].as_u64().unwrap()),
        )
    } else if let Some(s) = rb["get_str"].get("ok_hex") {
        Value::Str(String::from_utf8(unhex(s.as_str().unwrap())).unwrap())
    } else if let Some(b) = ok("get_binary") {
        Value::Binary(unhex(b.as_str().unwrap()))
    } else if rb["get_fd"].get("ok").is_some() {
        // Serialized with an fds array: the first fd gets index 0.
        Value::Fd(0)
    } else {
        panic!("no value described")
    }
}

/// `v` with each fd index replaced by the descriptor it resolves to (or
/// -1), so trees from differently numbered encodings compare.
fn resolve(v: &Value, f: &dyn Fn(u32) -> Option<RawFd>) -> Value {
    match v {
        Value::Fd(i) => Value::Str(format!("fd {}", f(*i).unwrap_or(-1))),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (resolve(k, f), resolve(v, f)))
                .collect(),
        ),
        Value::Seq(s) => Value::Seq(s.iter().map(|x| resolve(x, f)).collect()),
        other => other.clone(),
    }
}

fn check(v: &Json) -> Result<(), String> {
    let kind = v["kind"].as_str().unwrap();
    let bytes = unhex(v["hex"].as_str().unwrap());
    let fds: Vec<RawFd> = v["fds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap() as RawFd)
        .collect();

    if kind == "varint" {
        let n: usize = v["value"].as_str().unwrap().parse().unwrap();
        let mut buf = [0u8; 16];
        let len = argdata::write_length_prefix(n, &mut buf);
        if buf[..len] != bytes[..] {
            return Err(format!("encode {n}: got {}", hex(&buf[..len])));
        }
        if argdata::length_prefix_len(n) != len {
            return Err("length_prefix_len disagrees".into());
        }
        let got = argdata::read_length_prefix(&bytes);
        if got != Ok((n, bytes.len())) {
            return Err(format!("decode: got {got:?}"));
        }
        return Ok(());
    }

    // Serialization of the described value.
    if kind == "valid" {
        let value = described_value(v);
        let out = value.to_bytes();
        if out != bytes {
            return Err(format!("to_bytes: got {}, want {}", hex(&out), hex(&bytes)));
        }
        let want_len = v["serialized_length"].as_u64().unwrap() as usize;
        if value.serialized_len() != want_len {
            return Err(format!(
                "serialized_len {} != {want_len}",
                value.serialized_len()
            ));
        }
        let mut buf = vec![0xaa; want_len + 3];
        if value.write_to(&mut buf) != want_len || buf[..want_len] != bytes[..] {
            return Err("write_to differs".into());
        }
        // Literal mode: fd numbers written as they are.
        let literal = match (&value, fds.first()) {
            (Value::Fd(_), Some(&fd)) => Value::Fd(fd as u32),
            _ => value.clone(),
        };
        let want = v["hex_fds_literal"].as_str().unwrap();
        if hex(&literal.to_bytes()) != want {
            return Err(format!(
                "literal to_bytes: got {}, want {want}",
                hex(&literal.to_bytes())
            ));
        }
        match Value::parse(&bytes) {
            Ok(p) if p == value => {}
            other => return Err(format!("parse: got {other:?}, want {value:?}")),
        }
        let yaml = value.to_yaml();
        if !yaml.ends_with('\n') {
            return Err(format!("to_yaml: {yaml:?}"));
        }
    }

    // Every getter, with the fd table the generator used.
    let conv = Convert::of(v);
    let table = |i: u32| conv.convert(i);
    let reader = Reader::with_fds(&bytes, &table);
    let expected = v
        .get("readback")
        .or_else(|| v.get("reader_results"))
        .unwrap();
    let want = expected_getters(expected);
    let got = getters(&reader);
    for (getter, w) in &want {
        let g = got
            .get(getter)
            .ok_or_else(|| format!("no getter {getter}"))?;
        if g != w {
            return Err(format!("{getter}: got {g}, want {w}"));
        }
    }

    // The whole-tree walk.
    let walk_got = match walk(reader, "$") {
        Ok(()) => "clean".to_string(),
        Err(e) => e,
    };
    let walk_want = v["walk"].as_str().unwrap();
    if walk_got != walk_want {
        return Err(format!("walk: got {walk_got:?}, want {walk_want:?}"));
    }

    // Reference re-serialization of the parsed buffer: same tree once fds
    // are resolved (theirs through the fds array it filled, -1 = the
    // invalid marker; ours through the reader's table).
    if let Some(re) = v.get("reserialize") {
        let re_bytes = unhex(re["hex"].as_str().unwrap());
        let re_fds: Vec<RawFd> = re["fds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap() as RawFd)
            .collect();
        let theirs =
            Value::parse(&re_bytes).map(|t| resolve(&t, &|i| re_fds.get(i as usize).copied()));
        let ours = Value::parse(&bytes).map(|t| resolve(&t, &table));
        if theirs != ours {
            return Err(format!(
                "reserialize: reference tree {theirs:?}, ours {ours:?}"
            ));
        }
        // Our canonical re-encoding decodes to the same tree.
        if let Ok(t) = Value::parse(&bytes) {
            if Value::parse(&t.to_bytes()) != Ok(t.clone()) {
                return Err("canonical re-encoding does not round-trip".into());
            }
        }
    }
    Ok(())
}

/// Check every vector of `kind` (all kinds if `None`); the failure message
/// names each failing vector.
fn run(kind: Option<&str>) -> usize {
    let all = load();
    let vectors = all["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 111, "vector count");
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let k = v["kind"].as_str().unwrap();
        if kind.is_some_and(|want| want != k) {
            continue;
        }
        checked += 1;
        let outcome = std::panic::catch_unwind(|| check(v)).unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or(p.downcast_ref::<&str>().copied());
            Err(format!("panicked: {msg:?}"))
        });
        if let Err(e) = outcome {
            failures.push(format!("vector {name} ({k}): {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

#[test]
fn valid_vectors() {
    assert_eq!(run(Some("valid")), 48);
}

#[test]
fn accepted_noncanonical_vectors() {
    assert_eq!(run(Some("accepted_noncanonical")), 7);
}

#[test]
fn malformed_vectors() {
    assert_eq!(run(Some("malformed")), 43);
}

#[test]
fn varint_vectors() {
    assert_eq!(run(Some("varint")), 13);
}

#[test]
fn all_vectors() {
    assert_eq!(run(None), 111);
}
