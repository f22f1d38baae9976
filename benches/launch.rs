//! Placeholder: the launch benchmark is being written.
fn main() {}
