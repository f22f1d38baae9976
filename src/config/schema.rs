//! Scalar grammars for `config`: the YAML 1.2 core schema, `!!binary`, `!!timestamp`,
//! socket addresses, and the edit distance used for "did you mean" hints.
//!
//! Every function here is pure and returns a short lowercase message on error; the
//! caller attaches the position.

/// `~`, `null`, `Null`, `NULL` or empty.
pub(super) fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// The core schema booleans.
pub(super) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// The core schema integers: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
/// `None` when `s` is not an integer at all; `Some(Err)` when it is one outside
/// `i64::MIN..=u64::MAX`.
pub(super) fn parse_int(s: &str) -> Option<Result<i128, String>> {
    let (negative, digits, radix) = if let Some(d) = s.strip_prefix("0o") {
        (false, d, 8)
    } else if let Some(d) = s.strip_prefix("0x") {
        (false, d, 16)
    } else if let Some(d) = s.strip_prefix('-') {
        (true, d, 10)
    } else {
        (false, s.strip_prefix('+').unwrap_or(s), 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mut value: i128 = 0;
    for c in digits.chars() {
        let d = i128::from(c.to_digit(radix).expect("checked above"));
        value = value * i128::from(radix) + d;
        if value > i128::from(u64::MAX) + 1 {
            return Some(Err(out_of_range(s)));
        }
    }
    let value = if negative { -value } else { value };
    if value < i128::from(i64::MIN) || value > i128::from(u64::MAX) {
        return Some(Err(out_of_range(s)));
    }
    Some(Ok(value))
}

fn out_of_range(s: &str) -> String {
    format!("integer {s} is out of range (from -2^63 to 2^64-1)")
}

/// The core schema floats: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`,
/// `[-+]?.inf` and `.nan` in their three spellings.
pub(super) fn parse_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let sign = if s.starts_with('-') { -1.0 } else { 1.0 };
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return Some(sign * f64::INFINITY);
    }
    if matches!(s, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    let b = unsigned.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = if b.first() == Some(&b'.') {
        let end = digits(1);
        if end == 1 {
            return None;
        }
        end
    } else {
        let end = digits(0);
        if end == 0 {
            return None;
        }
        if b.get(end) == Some(&b'.') {
            digits(end + 1)
        } else {
            end
        }
    };
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let end = digits(j);
        if end == j {
            return None;
        }
        i = end;
    }
    if i != b.len() {
        return None;
    }
    // Rust's grammar is a superset of this one; "1." and ".5" parse.
    s.parse().ok()
}

/// Decode standard base64 (`A-Za-z0-9+/`, `=` padding optional); whitespace is ignored.
pub(super) fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut count = 0usize;
    let mut padding = 0usize;
    for c in s.chars() {
        if c.is_whitespace() {
            continue;
        }
        if c == '=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return Err("invalid base64: data after '=' padding".into());
        }
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' => 62,
            '/' => 63,
            _ => return Err(format!("invalid base64: unexpected character {c:?}")),
        };
        count += 1;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if count % 4 == 1 {
        return Err("invalid base64: truncated data".into());
    }
    if padding > 0 && (count + padding) % 4 != 0 || padding > 2 {
        return Err("invalid base64: wrong '=' padding".into());
    }
    Ok(out)
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
pub(super) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// A tiny cursor over ASCII text for the timestamp grammar.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Between `min` and `max` digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        while self.i - start < max {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => {
                    v = v * 10 + u32::from(c - b'0');
                    self.i += 1;
                }
                _ => break,
            }
        }
        (self.i - start >= min).then_some(v)
    }

    fn spaces(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        self.i - start
    }
}

/// Parse the YAML timestamp grammar into nanoseconds since the epoch (UTC):
/// `YYYY-MM-DD`, or `YYYY-M-D` followed by `T`/`t`/spaces, `h:mm:ss`, an optional
/// fraction of up to 9 digits and an optional zone (`Z` or `±h[h][:mm]`, spaces allowed
/// before it). Without a zone the time is UTC.
pub(super) fn parse_timestamp(s: &str) -> Result<i128, String> {
    let bad = || {
        format!(
            "bad timestamp {s:?} (expected e.g. 2001-12-14, 2001-12-14T21:59:43.10Z or 2001-12-14 21:59:43 -5)"
        )
    };
    let mut c = Cursor {
        b: s.trim().as_bytes(),
        i: 0,
    };
    let year = c.digits(4, 4).ok_or_else(bad)?;
    if !c.eat(b'-') {
        return Err(bad());
    }
    let month = c.digits(1, 2).ok_or_else(bad)?;
    let month_len = c.i - 5;
    if !c.eat(b'-') {
        return Err(bad());
    }
    let day_start = c.i;
    let day = c.digits(1, 2).ok_or_else(bad)?;
    let date_only = month_len == 2 && c.i - day_start == 2;
    let year = i64::from(year);
    if !(1..=12).contains(&month) {
        return Err(format!("bad timestamp {s:?}: month {month} out of range"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(format!("bad timestamp {s:?}: day {day} out of range"));
    }
    let days = i128::from(days_from_civil(year, month, day));
    let mut seconds = days * 86_400;
    let mut nanos: i128 = 0;
    if c.peek().is_none() {
        return if date_only {
            Ok(seconds * 1_000_000_000)
        } else {
            Err(bad())
        };
    }
    if !(c.eat(b'T') || c.eat(b't') || c.spaces() > 0) {
        return Err(bad());
    }
    let hour = c.digits(1, 2).ok_or_else(bad)?;
    if !c.eat(b':') {
        return Err(bad());
    }
    let minute = c.digits(2, 2).ok_or_else(bad)?;
    if !c.eat(b':') {
        return Err(bad());
    }
    let second = c.digits(2, 2).ok_or_else(bad)?;
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!("bad timestamp {s:?}: time out of range"));
    }
    seconds += i128::from(hour * 3600 + minute * 60 + second);
    if c.eat(b'.') {
        let start = c.i;
        while matches!(c.peek(), Some(d) if d.is_ascii_digit()) {
            c.i += 1;
        }
        let frac = &c.b[start..c.i];
        if frac.len() > 9 {
            return Err(format!(
                "bad timestamp {s:?}: more than 9 fractional digits"
            ));
        }
        for k in 0..9 {
            nanos = nanos * 10 + frac.get(k).map_or(0, |d| i128::from(d - b'0'));
        }
    }
    c.spaces();
    match c.peek() {
        None => {}
        Some(b'Z') => c.i += 1,
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let h = c.digits(1, 2).ok_or_else(bad)?;
            let m = if c.eat(b':') {
                c.digits(2, 2).ok_or_else(bad)?
            } else {
                0
            };
            if h > 23 || m > 59 {
                return Err(format!("bad timestamp {s:?}: time zone out of range"));
            }
            let offset = i128::from(h * 3600 + m * 60);
            // Local time = UTC + offset.
            seconds -= if sign == b'+' { offset } else { -offset };
        }
        Some(_) => return Err(bad()),
    }
    if c.peek().is_some() {
        return Err(bad());
    }
    Ok(seconds * 1_000_000_000 + nanos)
}

/// Longest `sun_path` content (108 bytes including the terminating NUL).
const UNIX_PATH_MAX: usize = 107;

/// Check a socket address as written: `host:port`, `[v6]:port`, `/path` or `@name`.
pub(super) fn check_address(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("socket address is empty".into());
    }
    if s.contains('\0') {
        return Err("socket address contains a NUL byte".into());
    }
    if s.starts_with('/') || s.starts_with('@') {
        let what = if s.starts_with('/') {
            "unix socket path"
        } else {
            if s.len() == 1 {
                return Err("abstract socket name after '@' is empty".into());
            }
            "abstract socket name"
        };
        if s.len() > UNIX_PATH_MAX {
            return Err(format!(
                "{what} is {} bytes long (at most {UNIX_PATH_MAX})",
                s.len()
            ));
        }
        return Ok(());
    }
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (v6, port) = rest
            .split_once(']')
            .ok_or_else(|| format!("socket address {s:?} lacks a closing ']'"))?;
        let addr = v6.split_once('%').map_or(v6, |(a, _)| a);
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("{v6:?} is not an IPv6 address"));
        }
        let port = port
            .strip_prefix(':')
            .ok_or_else(|| format!("socket address {s:?} needs a port ([addr]:port)"))?;
        (v6, port)
    } else {
        let (host, port) = s.rsplit_once(':').ok_or_else(|| {
            format!("socket address {s:?} needs a port (host:port, [v6]:port, /path or @name)")
        })?;
        if host.contains(':') {
            return Err(format!(
                "write the IPv6 address in {s:?} in brackets: [addr]:port"
            ));
        }
        (host, port)
    };
    if host.is_empty() {
        return Err(format!("socket address {s:?} has an empty host"));
    }
    if host.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(format!("{host:?} is not a host name or address"));
    }
    // cloudabi-run looked service names up (getaddrinfo); caprun does not read the
    // host's /etc/services: a number means the same on every host.
    if !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !port.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(format!(
            "port {port:?} is a service name: write its number (caprun does not look service names up)"
        ));
    }
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port {port:?} is not a number from 0 to 65535"));
    }
    if port.len() > 5 || port.parse::<u32>().map_or(true, |p| p > 65_535) {
        return Err(format!("port {port} is out of range (0 to 65535)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(parse_int("0"), Some(Ok(0)));
        assert_eq!(parse_int("-0"), Some(Ok(0)));
        assert_eq!(parse_int("+12"), Some(Ok(12)));
        assert_eq!(parse_int("0644"), Some(Ok(644)));
        assert_eq!(parse_int("0o644"), Some(Ok(0o644)));
        assert_eq!(parse_int("0x1F"), Some(Ok(31)));
        assert_eq!(parse_int("0xff"), Some(Ok(255)));
        assert_eq!(parse_int("-9223372036854775808"), Some(Ok(i64::MIN.into())));
        assert_eq!(parse_int("18446744073709551615"), Some(Ok(u64::MAX.into())));
        assert_eq!(parse_int("0xffffffffffffffff"), Some(Ok(u64::MAX.into())));
        assert!(matches!(parse_int("18446744073709551616"), Some(Err(_))));
        assert!(matches!(parse_int("-9223372036854775809"), Some(Err(_))));
        assert!(matches!(parse_int(&"9".repeat(500)), Some(Err(_))));
        assert!(matches!(parse_int("0x10000000000000000"), Some(Err(_))));
        for not in [
            "", "-", "+", "0x", "0o", "0o8", "0xg", "1_000", "1.0", "-0x1", "+0o7", "12a", " 1",
        ] {
            assert_eq!(parse_int(not), None, "{not:?}");
        }
    }

    #[test]
    fn floats() {
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float("-1.5"), Some(-1.5));
        assert_eq!(parse_float("+.5"), Some(0.5));
        assert_eq!(parse_float("1."), Some(1.0));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float("1.e3"), Some(1000.0));
        assert_eq!(parse_float("6.02E+23"), Some(6.02e23));
        assert_eq!(parse_float("2.5e-1"), Some(0.25));
        assert_eq!(parse_float(".inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("+.Inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("-.INF"), Some(f64::NEG_INFINITY));
        for nan in [".nan", ".NaN", ".NAN"] {
            assert!(parse_float(nan).unwrap().is_nan());
        }
        for not in [
            "", ".", "-.", "e3", "1e", "1e+", ".e3", "inf", "nan", "-.nan", ".Nan", "1.2.3",
            "0x1p3", "1_0.0", "infinity", "1.5 ",
        ] {
            assert_eq!(parse_float(not), None, "{not:?}");
        }
    }

    #[test]
    fn nulls_and_bools() {
        for n in ["", "~", "null", "Null", "NULL"] {
            assert!(is_null(n));
        }
        assert!(!is_null("nULL"));
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("FALSE"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_bool("tRUE"), None);
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("aGk").unwrap(), b"hi");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert_eq!(decode_base64("aGVsbG8gd29ybGQ=").unwrap(), b"hello world");
        assert_eq!(
            decode_base64("aGVs\n bG8g\n\td29y bGQ=\n").unwrap(),
            b"hello world"
        );
        assert_eq!(decode_base64("+/+/").unwrap(), [0xfb, 0xff, 0xbf]);
        assert_eq!(decode_base64("AA==").unwrap(), [0]);
        assert!(decode_base64("aGk*").is_err());
        assert!(decode_base64("a").is_err());
        assert!(decode_base64("aG=k").is_err());
        assert!(decode_base64("aGk==").is_err());
        assert!(decode_base64("A===").is_err());
        assert!(decode_base64("aGVsbG8_").is_err());
    }

    const NS: i128 = 1_000_000_000;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2000, 2, 29), 11_016);
        assert_eq!(days_from_civil(1900, 3, 1), -25_508);
        assert_eq!(days_from_civil(2038, 1, 19), 24_855);
        assert_eq!(days_from_civil(0, 1, 1), -719_528);
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01"), Ok(0));
        assert_eq!(parse_timestamp("2001-12-14"), Ok(1_008_288_000 * NS));
        let instant = 1_008_385_183 * NS + 100_000_000;
        assert_eq!(parse_timestamp("2001-12-15T02:59:43.1Z"), Ok(instant));
        assert_eq!(parse_timestamp("2001-12-14t21:59:43.10-05:00"), Ok(instant));
        assert_eq!(parse_timestamp("2001-12-14 21:59:43.10 -5"), Ok(instant));
        assert_eq!(parse_timestamp("2001-12-15 2:59:43.10"), Ok(instant));
        assert_eq!(parse_timestamp("2001-12-15T02:59:43.1 Z"), Ok(instant));
        assert_eq!(parse_timestamp("2001-12-15T08:29:43.1+05:30"), Ok(instant));
        assert_eq!(parse_timestamp("2002-12-14"), Ok(1_039_824_000 * NS));
        assert_eq!(
            parse_timestamp("2038-01-19T03:14:07Z"),
            Ok(i128::from(i32::MAX) * NS)
        );
        assert_eq!(parse_timestamp("1969-12-31T23:59:59Z"), Ok(-NS));
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.123456789Z"),
            Ok(123_456_789)
        );
        assert_eq!(parse_timestamp("2000-02-29"), Ok(951_782_400 * NS));
        assert_eq!(
            parse_timestamp("2001-1-2T00:00:00Z"),
            Ok((978_307_200 + 86_400) * NS)
        );
    }

    #[test]
    fn bad_timestamps() {
        for bad in [
            "",
            "2001",
            "2001-12",
            "2001-1-2",
            "01-12-14",
            "2001-13-01",
            "2001-02-29",
            "2001-12-32",
            "2001-12-00",
            "2001-12-14T",
            "2001-12-14T25:00:00",
            "2001-12-14T21:60:00",
            "2001-12-14T21:59",
            "2001-12-14T21:59:43.1234567891Z",
            "2001-12-14T21:59:43Q",
            "2001-12-14T21:59:43+24",
            "2001-12-14T21:59:43+05:3",
            "2001-12-14T21:59:43Z junk",
            "2001-12-14x",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn addresses() {
        for ok in [
            "localhost:80",
            "127.0.0.1:0",
            "*:8080",
            "example.com:65535",
            "[::1]:443",
            "[fe80::1%eth0]:22",
            "/run/app.sock",
            "@abstract",
        ] {
            assert_eq!(check_address(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "localhost",
            "localhost:",
            "localhost:65536",
            "localhost:99999999",
            "localhost:-1",
            "localhost:http",
            ":80",
            "::1:80",
            "[::1]",
            "[::1]80",
            "[nope]:80",
            "[::1:80",
            "@",
            "a b:80",
        ] {
            assert!(check_address(bad).is_err(), "{bad:?}");
        }
        assert!(check_address(&format!("/{}", "a".repeat(106))).is_ok());
        assert!(check_address(&format!("/{}", "a".repeat(107))).is_err());
        assert!(check_address(&format!("@{}", "a".repeat(107))).is_err());
    }
}
