//! Parsing: the framer cuts the stream into responses, and nom parsers named after the ABNF
//! rules decode them.

pub mod frame;
pub mod input;
