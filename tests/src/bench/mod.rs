//! The pieces of `am-bench`: the generated workload, the inputs each tool
//! reads, the tools themselves, the timing loop and the report.

pub mod am;
pub mod args;
pub mod floor;
pub mod layout;
pub mod measure;
pub mod peers;
pub mod report;
pub mod workload;
