//! Unit tests of the public API beyond the reference vectors: YAML output,
//! reader details, serialization edge cases.

use argdata::{Error, MaxFds, Reader, Timespec, Type, Value};

fn s(x: &str) -> Value {
    Value::Str(x.into())
}

#[test]
fn yaml_scalars() {
    let cases: &[(Value, &str)] = &[
        (Value::Null, "null\n"),
        (Value::Bool(true), "true\n"),
        (Value::Int(-5), "-5\n"),
        (Value::Int(u64::MAX.into()), "18446744073709551615\n"),
        (Value::Float(1.0), "1.0\n"),
        (Value::Float(-0.0), "-0.0\n"),
        (Value::Float(f64::NAN), ".nan\n"),
        (Value::Float(f64::NEG_INFINITY), "-.inf\n"),
        (Value::Float(1e300), "1e300\n"),
        (Value::Fd(3), "!fd 3\n"),
        (s("hello world"), "hello world\n"),
        (s(""), "\"\"\n"),
        (s("true"), "\"true\"\n"),
        (s("null"), "\"null\"\n"),
        (s("~"), "\"~\"\n"),
        (s("123"), "\"123\"\n"),
        // Found by the property test: a radix prefix is quoted even when not an int.
        (s("0xg"), "\"0xg\"\n"),
        (s("0o9"), "\"0o9\"\n"),
        (s("1.5e3"), "\"1.5e3\"\n"),
        (s(".inf"), "\".inf\"\n"),
        (s("0x1F"), "\"0x1F\"\n"),
        (s("yes"), "\"yes\"\n"),
        (s("a: b"), "\"a: b\"\n"),
        (s("- x"), "\"- x\"\n"),
        (s("tab\there\n\"q\"\\"), "\"tab\\there\\n\\\"q\\\"\\\\\"\n"),
        (s("a\0b"), "\"a\\0b\"\n"),
        (s("\u{1b}"), "\"\\u001B\"\n"),
        (s("héllo"), "\"héllo\"\n"),
        (Value::Binary(vec![]), "!!binary \"\"\n"),
        (Value::Binary(b"hello".to_vec()), "!!binary \"aGVsbG8=\"\n"),
        (Value::Binary(vec![0, 1]), "!!binary \"AAE=\"\n"),
        (
            Value::Timestamp(0),
            "!!timestamp 1970-01-01T00:00:00.000000000Z\n",
        ),
        (
            Value::Timestamp(-1),
            "!!timestamp 1969-12-31T23:59:59.999999999Z\n",
        ),
        (
            Value::Timestamp(1_436_855_999_073_238_121),
            "!!timestamp 2015-07-14T06:39:59.073238121Z\n",
        ),
        (
            Value::Timestamp(951_782_400_000_000_000),
            "!!timestamp 2000-02-29T00:00:00.000000000Z\n",
        ),
        (Value::Seq(vec![]), "[]\n"),
        (Value::Map(vec![]), "{}\n"),
    ];
    for (v, want) in cases {
        assert_eq!(&v.to_yaml(), want, "{v:?}");
    }
}

#[test]
fn yaml_block_structure() {
    let v = Value::Map(vec![
        (s("name"), s("web")),
        (s("fds"), Value::Seq(vec![Value::Fd(0), Value::Fd(1)])),
        (
            s("nested"),
            Value::Map(vec![
                (s("a"), Value::Int(1)),
                (s("empty"), Value::Seq(vec![])),
            ]),
        ),
        (Value::Seq(vec![Value::Int(1), Value::Int(2)]), s("seq key")),
        (Value::Int(7), Value::Map(vec![])),
        (
            s("deep"),
            Value::Seq(vec![
                Value::Seq(vec![Value::Null]),
                Value::Map(vec![(s("k"), s("v"))]),
            ]),
        ),
    ]);
    let want = "\
name: web
fds:
  - !fd 0
  - !fd 1
nested:
  a: 1
  empty: []
?
  - 1
  - 2
: seq key
7: {}
deep:
  -
    - null
  -
    k: v
";
    assert_eq!(v.to_yaml(), want);
}

#[test]
fn yaml_long_key_uses_explicit_form() {
    let key = "k".repeat(2000);
    let v = Value::Map(vec![(s(&key), Value::Int(1))]);
    assert_eq!(v.to_yaml(), format!("? {key}\n: 1\n"));
}

#[test]
fn iterators_stop_after_error() {
    // seq [0, 1] then a truncated third entry.
    let bytes = [0x07, 0x81, 0x05, 0x82, 0x05, 0x01, 0x83, 0x05, 0x02];
    let r = Reader::new(&bytes);
    let items: Vec<_> = r.seq_iter().unwrap().collect();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0].unwrap().get_i64(), Ok(0));
    assert_eq!(items[1].unwrap().get_i64(), Ok(1));
    assert_eq!(items[2].unwrap_err(), Error::Invalid);
    assert_eq!(r.map_iter().unwrap_err(), Error::Invalid);
    assert_eq!(Value::parse(&bytes), Err(Error::Invalid));
}

#[test]
fn reader_accessors() {
    let v = Value::Map(vec![
        (s("port"), Value::Int(300)),
        (s("sock"), Value::Fd(1)),
        (s("when"), Value::Timestamp(-1)),
        (s("c"), s("x")),
    ]);
    let bytes = v.to_bytes();
    let table = MaxFds(2);
    let r = Reader::with_fds(&bytes, &table);
    assert_eq!(r.kind(), Some(Type::Map));
    assert_eq!(r.as_bytes(), &bytes[..]);
    let port = r.map_get("port").unwrap().unwrap();
    assert_eq!(port.get_int::<u16>(), Ok(300));
    assert_eq!(port.get_int::<i16>(), Ok(300));
    assert_eq!(port.get_int::<u8>(), Err(Error::OutOfRange));
    assert_eq!(port.get_str(), Err(Error::Invalid));
    assert_eq!(r.map_get("sock").unwrap().unwrap().get_fd(), Ok(1));
    assert_eq!(
        Reader::new(&bytes)
            .map_get("sock")
            .unwrap()
            .unwrap()
            .get_fd(),
        Err(Error::NoFd)
    );
    let when = r.map_get("when").unwrap().unwrap().get_timestamp().unwrap();
    assert_eq!(
        when,
        Timespec {
            sec: -1,
            nsec: 999_999_999
        }
    );
    assert_eq!(when.as_nanos(), -1);
    assert_eq!(
        r.map_get("c")
            .unwrap()
            .unwrap()
            .get_cstr()
            .unwrap()
            .to_bytes(),
        b"x"
    );
    assert!(matches!(r.map_get("missing"), Ok(None)));
    assert!(Reader::new(&[]).is_null());
    assert_eq!(Reader::new(&[]).kind(), None);
    assert_eq!(Error::NoFd.errno(), libc::EBADF);
}

#[test]
fn float_compares_by_bits() {
    assert_eq!(Value::Float(f64::NAN), Value::Float(f64::NAN));
    assert_ne!(Value::Float(0.0), Value::Float(-0.0));
    assert_ne!(Value::Int(1), Value::Float(1.0));
}

#[test]
fn big_values_serialize_shortest() {
    assert_eq!(
        Value::Int(i128::from(i64::MIN) - 1).to_bytes(),
        [5, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
    );
    // Beyond u64: serializes, but the reader rejects it like the reference.
    let big = Value::Int(1 << 64).to_bytes();
    assert_eq!(Value::parse(&big), Err(Error::OutOfRange));
    // A timestamp whose seconds overflow i64.
    let ts = Value::Timestamp(i128::from(i64::MAX) * 1_000_000_000 + 1_000_000_000).to_bytes();
    assert_eq!(Value::parse(&ts), Err(Error::OutOfRange));
}

#[test]
#[should_panic(expected = "buffer of 2 bytes, need 7")]
fn write_to_short_buffer_panics() {
    s("hello").write_to(&mut [0; 2]);
}

#[test]
fn deep_nesting_is_rejected_not_overflowed() {
    // 100k nested single-entry sequences: 07 prefix 07 prefix ... 07,
    // built back to front (reversed), then turned around.
    let mut rev = vec![0x07];
    for _ in 0..100_000 {
        let mut prefix = [0u8; 10];
        let n = argdata::write_length_prefix(rev.len(), &mut prefix);
        rev.extend(prefix[..n].iter().rev());
        rev.push(0x07);
    }
    rev.reverse();
    let bytes = rev;
    assert_eq!(Value::parse(&bytes), Err(Error::TooDeep));
    // The reader itself does not recurse.
    let mut r = Reader::new(&bytes);
    let mut depth = 0;
    while let Some(Ok(inner)) = r.seq_iter().ok().and_then(|mut it| it.next()) {
        r = inner;
        depth += 1;
    }
    assert_eq!(depth, 100_000);
}
