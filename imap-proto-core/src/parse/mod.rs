//! Parsing: the framer cuts the stream into responses, and nom parsers named after the ABNF
//! rules decode them.

pub mod core;
mod error;
pub mod fetch;
pub mod input;

pub use error::{PErr, PResult, ParseError, ParseErrorKind};
