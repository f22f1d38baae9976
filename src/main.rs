//! The `caprun` command: see caprun(1).

/// dlmalloc instead of musl's allocator: parsing a config or policy allocates many small
/// nodes, and musl's `malloc`/`free` made a 10,000-entry config twice as slow to load
/// (BENCHMARKS.md).
#[global_allocator]
static ALLOC: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

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
