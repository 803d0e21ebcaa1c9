//! The commands of `am` that change or list a home's state (or another
//! machine's, `switch`), each from parsed arguments to a result `main.rs`
//! maps to an exit code.

pub mod activation;
pub mod diff;
pub mod generations;
pub mod switch;
