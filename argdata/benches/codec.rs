//! Encode and decode throughput: a realistic ~20-node config tree and a
//! 10,000-entry map of str -> int/str.
#![allow(missing_docs)]

use std::hint::black_box;

use argdata::{Reader, Value};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn s(x: &str) -> Value {
    Value::Str(x.to_owned())
}

/// Like a web server's config: strings, ints, a nested seq of fds and a
/// nested map.
fn config() -> Value {
    Value::Map(vec![
        (s("hostname"), s("www.example.com")),
        (s("document_root"), s("/srv/www/htdocs")),
        (s("port"), Value::Int(8080)),
        (s("max_connections"), Value::Int(1024)),
        (
            s("listeners"),
            Value::Seq(vec![Value::Fd(0), Value::Fd(1), Value::Fd(2)]),
        ),
        (
            s("logging"),
            Value::Map(vec![
                (s("level"), s("info")),
                (s("file"), Value::Fd(3)),
                (s("rotate_bytes"), Value::Int(10 << 20)),
            ]),
        ),
        (s("tls"), Value::Bool(true)),
        (s("timeout"), Value::Float(30.5)),
    ])
}

fn large() -> Value {
    Value::Map(
        (0..10_000)
            .map(|i| {
                let v = if i % 2 == 0 {
                    Value::Int(i * 7919)
                } else {
                    s(&format!("value number {i}"))
                };
                (s(&format!("key-{i:05}")), v)
            })
            .collect(),
    )
}

/// Visit every node with the zero-copy reader, touching every scalar.
fn walk(r: Reader<'_>) -> usize {
    match r.type_byte() {
        Some(6) => r
            .map_iter()
            .unwrap()
            .map(|e| {
                let (k, v) = e.unwrap();
                walk(k) + walk(v)
            })
            .sum(),
        Some(7) => r.seq_iter().unwrap().map(|e| walk(e.unwrap())).sum(),
        Some(8) => r.get_str().unwrap().len(),
        Some(5) => r.get_i64().unwrap() as usize & 1,
        Some(3) => r.get_fd_index().unwrap() as usize,
        Some(4) => r.get_float().unwrap() as usize,
        Some(2) => usize::from(r.get_bool().unwrap()),
        _ => 0,
    }
}

fn bench(c: &mut Criterion) {
    for (name, value) in [("config", config()), ("large_10k", large())] {
        let bytes = value.to_bytes();
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("encode_to_bytes", |b| {
            b.iter(|| black_box(&value).to_bytes())
        });
        let mut buf = vec![0u8; bytes.len()];
        g.bench_function("encode_write_to", |b| {
            b.iter(|| black_box(&value).write_to(&mut buf))
        });
        g.bench_function("decode_reader_walk", |b| {
            b.iter(|| walk(Reader::new(black_box(&bytes))))
        });
        g.bench_function("decode_value_parse", |b| {
            b.iter(|| Value::parse(black_box(&bytes)).unwrap())
        });
        g.finish();
        println!("{name}: {} bytes serialized", bytes.len());
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
