//! Fuzz the config parser: any bytes are decoded ([`caprun::yaml::decode`]) and parsed
//! ([`caprun::config::parse`]). Nothing may panic; every error has a position on a line
//! of the text; the document's bounds hold (the parser refuses what would expand past
//! them).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = match caprun::yaml::decode(data) {
        Ok(text) => text,
        Err(e) => {
            assert!(e.pos.line >= 1 && e.pos.col >= 1, "{e}");
            return;
        }
    };
    match caprun::config::parse(&text) {
        Ok(config) => {
            assert!(config.resources.len() <= caprun::yaml::MAX_NODES);
        }
        Err(e) => {
            let pos = e.pos.expect("every config error has a position");
            let line = caprun::yaml::lines(&text)
                .nth(pos.line - 1)
                .unwrap_or_else(|| panic!("{e}: line {} is not in the text", pos.line));
            assert!(pos.col >= 1 && pos.col <= line.chars().count() + 1, "{e}: {line:?}");
            assert!(
                caprun::launch::excerpt(&text, pos.line, pos.col).is_some(),
                "{e}: no excerpt"
            );
        }
    }
});
