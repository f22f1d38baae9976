//! Property tests: round trips, a reader that never panics, and YAML that a
//! YAML 1.2 core-schema parser reads back as the same tree.

use argdata::{Reader, Value};
use proptest::prelude::*;
use saphyr_parser::{Event, Parser, ScalarStyle};

/// Timestamps the reader accepts: seconds within `i64`.
const TS_MIN: i128 = i64::MIN as i128 * 1_000_000_000;
const TS_MAX: i128 = i64::MAX as i128 * 1_000_000_000 + 999_999_999;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(Value::Binary),
        any::<bool>().prop_map(Value::Bool),
        any::<u32>().prop_map(Value::Fd),
        any::<u64>().prop_map(|b| Value::Float(f64::from_bits(b))),
        any::<f64>().prop_map(Value::Float),
        (i128::from(i64::MIN)..=i128::from(u64::MAX)).prop_map(Value::Int),
        any::<i64>().prop_map(|i| Value::Int(i.into())),
        any::<String>().prop_map(Value::Str),
        "[a-z0-9 .:#_-]{0,12}".prop_map(Value::Str),
        prop_oneof![
            Just("null"),
            Just("true"),
            Just("~"),
            Just("1e3"),
            Just(".inf"),
            Just("0x1F"),
            Just("-12"),
            Just("yes"),
            Just(""),
            Just(" a"),
        ]
        .prop_map(|s| Value::Str(s.into())),
        (TS_MIN..=TS_MAX).prop_map(Value::Timestamp),
        (-10i128.pow(20)..10i128.pow(20)).prop_map(Value::Timestamp),
    ]
}

fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Seq),
            proptest::collection::vec((inner.clone(), inner), 0..8).prop_map(Value::Map),
        ]
    })
}

/// Apply every getter to every node; returns the number of nodes visited.
fn walk(r: Reader<'_>) -> usize {
    let _ = (
        r.kind(),
        r.get_binary(),
        r.get_bool(),
        r.get_fd(),
        r.get_fd_index(),
    );
    let _ = (
        r.get_float(),
        r.get_i64(),
        r.get_u64(),
        r.get_int::<i16>(),
        r.get_int::<usize>(),
    );
    let _ = (
        r.get_str(),
        r.get_str_c(),
        r.get_cstr(),
        r.get_timestamp(),
        r.map_get("x"),
    );
    let mut n = 1;
    if let Ok(it) = r.map_iter() {
        for (k, v) in it.map_while(Result::ok) {
            n += walk(k) + walk(v);
        }
    }
    if let Ok(it) = r.seq_iter() {
        for e in it.map_while(Result::ok) {
            n += walk(e);
        }
    }
    n
}

proptest! {
    #[test]
    fn round_trip(v in tree()) {
        let bytes = v.to_bytes();
        prop_assert_eq!(bytes.len(), v.serialized_len());
        let mut buf = vec![0u8; bytes.len() + 5];
        prop_assert_eq!(v.write_to(&mut buf), bytes.len());
        prop_assert_eq!(&buf[..bytes.len()], &bytes[..]);
        prop_assert_eq!(Value::parse(&bytes), Ok(v.clone()));
        // The zero-copy reader sees every node.
        prop_assert!(walk(Reader::new(&bytes)) >= 1);
    }

    #[test]
    fn reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let table = |i: u32| (i < 2).then_some(i as i32);
        walk(Reader::with_fds(&bytes, &table));
        if let Ok(v) = Value::parse(&bytes) {
            prop_assert_eq!(Value::parse(&v.to_bytes()), Ok(v.clone()));
            let _ = v.to_yaml();
        }
    }

    #[test]
    fn reader_never_panics_on_mutated_trees(v in tree(), edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4), cut in any::<prop::sample::Index>()) {
        let mut bytes = v.to_bytes();
        if bytes.is_empty() { return Ok(()); }
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let cut = cut.index(bytes.len() + 1);
        walk(Reader::new(&bytes[..cut]));
        walk(Reader::new(&bytes));
        let _ = Value::parse(&bytes).map(|v| v.to_yaml());
    }

    #[test]
    fn yaml_reads_back(v in tree()) {
        let yaml = v.to_yaml();
        let back = load_yaml(&yaml).map_err(|e| TestCaseError::fail(format!("{e}\n--- yaml:\n{yaml}")))?;
        prop_assert_eq!(normalize(&back), normalize(&v), "yaml:\n{}", yaml);
    }
}

/// NaN compares equal whatever its payload (YAML has one `.nan`).
fn normalize(v: &Value) -> Value {
    match v {
        Value::Float(f) if f.is_nan() => Value::Float(f64::NAN),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (normalize(k), normalize(v)))
                .collect(),
        ),
        Value::Seq(s) => Value::Seq(s.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// A minimal YAML 1.2 core-schema loader for what `to_yaml` emits, plus
/// the `!fd`, `!!binary` and `!!timestamp` tags.
fn load_yaml(text: &str) -> Result<Value, String> {
    let mut events =
        Parser::new_from_str(text).map(|r| r.map(|(e, _)| e).map_err(|e| e.to_string()));
    let mut stack: Vec<Value> = Vec::new();
    let mut pending_key: Vec<Option<Value>> = Vec::new();
    let mut root = None;
    let push = |stack: &mut Vec<Value>,
                keys: &mut Vec<Option<Value>>,
                root: &mut Option<Value>,
                v: Value| {
        match stack.last_mut() {
            None => *root = Some(v),
            Some(Value::Seq(s)) => s.push(v),
            Some(Value::Map(m)) => match keys.last_mut().unwrap().take() {
                None => *keys.last_mut().unwrap() = Some(v),
                Some(k) => m.push((k, v)),
            },
            _ => unreachable!(),
        }
    };
    for ev in events.by_ref() {
        match ev? {
            Event::Scalar(s, style, _, tag) => {
                let v = scalar(
                    &s,
                    style,
                    tag.as_ref().map(|t| (t.handle.as_str(), t.suffix.as_str())),
                )?;
                push(&mut stack, &mut pending_key, &mut root, v);
            }
            Event::SequenceStart(..) => stack.push(Value::Seq(vec![])),
            Event::MappingStart(..) => {
                stack.push(Value::Map(vec![]));
                pending_key.push(None);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let v = stack.pop().unwrap();
                if matches!(v, Value::Map(_)) {
                    pending_key.pop();
                }
                push(&mut stack, &mut pending_key, &mut root, v);
            }
            Event::Alias(_) => return Err("alias".into()),
            _ => {}
        }
    }
    root.ok_or_else(|| "no document".into())
}

fn scalar(s: &str, style: ScalarStyle, tag: Option<(&str, &str)>) -> Result<Value, String> {
    if let Some((handle, suffix)) = tag {
        return match (handle, suffix) {
            ("!", "fd") => s.parse().map(Value::Fd).map_err(|e| format!("fd {s}: {e}")),
            ("tag:yaml.org,2002:" | "!!", "binary") => unbase64(s).map(Value::Binary),
            ("tag:yaml.org,2002:" | "!!", "timestamp") => parse_ts(s).map(Value::Timestamp),
            _ => Err(format!("unexpected tag {handle}{suffix}")),
        };
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::Str(s.to_string()));
    }
    let s: &str = s;
    Ok(match s {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        ".inf" | "+.inf" | ".Inf" | "+.Inf" | ".INF" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        _ if is_int(s) => Value::Int(s.parse().map_err(|e| format!("int {s}: {e}"))?),
        _ if s.starts_with("0x") || s.starts_with("0o") => return Err(format!("unexpected {s}")),
        _ if is_float(s) => Value::Float(s.parse().map_err(|e| format!("float {s}: {e}"))?),
        _ => Value::Str(s.to_string()),
    })
}

fn is_int(s: &str) -> bool {
    let d = s.strip_prefix(['-', '+']).unwrap_or(s);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some(("", f)) => digits(f),
        Some((i, f)) => digits(i) && (f.is_empty() || digits(f)),
        None => digits(mant),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mant_ok && exp_ok
}

fn unbase64(s: &str) -> Result<Vec<u8>, String> {
    let val = |c: u8| -> Result<u32, String> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("base64 {s}")),
        } as u32)
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let mut n = 0u32;
        for &c in chunk {
            n = n << 6 | if c == b'=' { 0 } else { val(c)? };
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    Ok(out)
}

/// Parse `[-]YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ` back to nanoseconds.
fn parse_ts(s: &str) -> Result<i128, String> {
    let err = || format!("timestamp {s}");
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (date, time) = rest.split_once('T').ok_or_else(err)?;
    let mut d = date.rsplitn(3, '-');
    let day: i128 = d.next().ok_or_else(err)?.parse().map_err(|_| err())?;
    let month: i128 = d.next().ok_or_else(err)?.parse().map_err(|_| err())?;
    let mut year: i128 = d.next().ok_or_else(err)?.parse().map_err(|_| err())?;
    if neg {
        year = -year;
    }
    let time = time.strip_suffix('Z').ok_or_else(err)?;
    let (hms, frac) = time.split_once('.').ok_or_else(err)?;
    let f: Vec<i128> = hms
        .split(':')
        .map(|x| x.parse().map_err(|_| err()))
        .collect::<Result<_, _>>()?;
    let nanos: i128 = frac.parse().map_err(|_| err())?;
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(((days * 86_400 + f[0] * 3600 + f[1] * 60 + f[2]) * 1_000_000_000) + nanos)
}

#[test]
fn yaml_loader_sanity() {
    assert_eq!(parse_ts("1970-01-01T00:00:00.000000001Z"), Ok(1));
    assert_eq!(parse_ts("1969-12-31T23:59:59.999999999Z"), Ok(-1));
    assert_eq!(unbase64("AAE="), Ok(vec![0, 1]));
    assert!(is_float("1.5") && is_float("1e300") && is_float("-0.0") && !is_float("1.2.3"));
}
