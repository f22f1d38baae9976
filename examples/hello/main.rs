//! `hello`: the smallest argdata-aware program.
//!
//! It reads its config through `argdata::from_env()` and writes
//! `GREETING, NAME!` to every descriptor under `out` (one `!fd` or a list).
//!
//! ```yaml
//! greeting: Hello
//! name: world
//! out: !fd stdout
//! ```

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // stderr exists only if the config passed it; the exit status says it anyway.
            let _ = writeln!(std::io::stderr(), "hello: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = argdata::from_env()?;
    let root = args.root();
    let text = |key: &str, default: &'static str| -> Result<String, argdata::Error> {
        Ok(match root.map_get(key)? {
            Some(v) => v.get_str()?.to_owned(),
            None => default.to_owned(),
        })
    };
    let line = format!(
        "{}, {}!\n",
        text("greeting", "Hello")?,
        text("name", "world")?
    );
    let out = root.map_get("out")?.ok_or("no `out` in the config")?;
    let mut fds = Vec::new();
    match out.seq_iter() {
        Ok(items) => {
            for item in items {
                fds.push(args.get_fd(&item?)?);
            }
        }
        Err(_) => fds.push(args.get_fd(&out)?),
    }
    for fd in fds {
        std::fs::File::from(fd.try_clone_to_owned()?).write_all(line.as_bytes())?;
    }
    Ok(())
}
