//! The `caprun` command: see caprun(1).

fn main() {
    let status = match caprun::cli::parse_args(std::env::args_os()) {
        Ok(None) => 0,
        Ok(Some(args)) => match caprun::cli::run(args) {
            Ok(()) => 0,
            Err(f) => {
                eprint!("caprun: {}\n{}", f.error, f.excerpt.unwrap_or_default());
                f.error.exit_code()
            }
        },
        Err(e) => {
            eprintln!("caprun: {e}");
            e.exit_code()
        }
    };
    std::process::exit(status);
}
