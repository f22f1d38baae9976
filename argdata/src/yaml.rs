//! YAML rendering of a [`Value`].
//!
//! Block style, 2-space indent; empty collections as `[]` / `{}`; strings
//! that a YAML 1.2 core-schema parser (or a YAML 1.1 one) would resolve as
//! another type, or that are not plain-safe, are double-quoted; binary as
//! `!!binary "base64"`; timestamps as `!!timestamp` RFC 3339 with
//! nanoseconds in UTC; fds as `!fd N`; collection keys in the `? ` form.

use std::fmt::Write as _;

use crate::Value;

pub(crate) fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    if is_block(v) {
        block(v, 0, &mut out);
    } else {
        scalar(v, &mut out);
        out.push('\n');
    }
    out
}

/// Non-empty maps and sequences are rendered in block style.
fn is_block(v: &Value) -> bool {
    match v {
        Value::Map(m) => !m.is_empty(),
        Value::Seq(s) => !s.is_empty(),
        _ => false,
    }
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// After an indicator (`-`, `?`, `:` or `key:`) written at `indent`.
fn after_indicator(v: &Value, indent: usize, out: &mut String) {
    if is_block(v) {
        out.push('\n');
        block(v, indent + 2, out);
    } else {
        out.push(' ');
        scalar(v, out);
        out.push('\n');
    }
}

fn block(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Seq(items) => {
            for item in items {
                pad(indent, out);
                out.push('-');
                after_indicator(item, indent, out);
            }
        }
        Value::Map(entries) => {
            for (k, val) in entries {
                pad(indent, out);
                let start = out.len();
                if !matches!(k, Value::Map(_) | Value::Seq(_)) {
                    scalar(k, out);
                    // YAML limits implicit keys to 1024 characters.
                    if out.len() - start < 1024 {
                        out.push(':');
                        after_indicator(val, indent, out);
                        continue;
                    }
                    out.truncate(start);
                }
                out.push('?');
                after_indicator(k, indent, out);
                pad(indent, out);
                out.push(':');
                after_indicator(val, indent, out);
            }
        }
        _ => unreachable!("block() on a scalar"),
    }
}

/// A scalar, or an empty collection in flow style; always one line.
fn scalar(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => {
            if f.is_nan() {
                out.push_str(".nan");
            } else if f.is_infinite() {
                out.push_str(if *f > 0.0 { ".inf" } else { "-.inf" });
            } else {
                // Debug always has a '.' or an exponent: "1.0", "1e300".
                let _ = write!(out, "{f:?}");
            }
        }
        Value::Fd(i) => {
            let _ = write!(out, "!fd {i}");
        }
        Value::Str(s) => string(s, out),
        Value::Binary(b) => {
            out.push_str("!!binary \"");
            base64(b, out);
            out.push('"');
        }
        Value::Timestamp(ns) => {
            out.push_str("!!timestamp ");
            timestamp(*ns, out);
        }
        Value::Map(_) => out.push_str("{}"),
        Value::Seq(_) => out.push_str("[]"),
    }
}

fn string(s: &str, out: &mut String) {
    if plain_ok(s) {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control()
                || matches!(
                    c,
                    '\u{FEFF}' | '\u{2028}' | '\u{2029}' | '\u{FFFE}' | '\u{FFFF}'
                ) =>
            {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `s` can be written as a plain scalar and still read back as this
/// string: a conservative character set, and nothing that resolves as null,
/// bool, int or float (YAML 1.2 core schema, plus YAML 1.1's extra forms).
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '_' || first == '/') {
        return false;
    }
    if s.ends_with(' ')
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' '))
    {
        return false;
    }
    !resolves_as_other(s)
}

fn resolves_as_other(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", // 1.2 core
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", // 1.1
    ];
    if WORDS.contains(&s) {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(lower.trim_start_matches(['+', '-']), ".inf" | ".nan") {
        return true;
    }
    // Anything that starts like a number (digits, sign, dot) and consists of
    // number-ish characters is quoted: covers ints (decimal, 0x, 0o, 1.1's
    // 0b and underscores), floats and sexagesimals conservatively.
    let numberish = |c: char| {
        c.is_ascii_hexdigit() || matches!(c, '_' | '.' | '+' | '-' | 'x' | 'o' | 'X' | 'O' | ':')
    };
    let starts_numeric =
        s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    // A radix prefix is quoted whatever follows (`0xg` is a string in YAML 1.2, but a
    // reader that takes `0x…` for an int would reject it).
    let radix = ["0x", "0o", "0b", "0X", "0O", "0B"]
        .iter()
        .any(|p| s.starts_with(p));
    radix || (starts_numeric && s.chars().all(numberish))
}

fn base64(data: &[u8], out: &mut String) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
}

/// RFC 3339 in UTC with nanoseconds. Years outside 0000..=9999 are written
/// with more digits or a leading `-` (RFC 3339 cannot express them).
fn timestamp(nanos: i128, out: &mut String) {
    let secs = nanos.div_euclid(1_000_000_000);
    let nsec = nanos.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    if year < 0 {
        let _ = write!(out, "-{:04}", -year);
    } else {
        let _ = write!(out, "{year:04}");
    }
    let _ = write!(
        out,
        "-{month:02}-{day:02}T{:02}:{:02}:{:02}.{nsec:09}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
}
