//! STORE operations (RFC 9051 §6.4.6 `store-att-flags`).

/// How STORE changes the flags, and whether the server should answer with the new flags.
///
/// The `*Silent` variants send `.SILENT`, so the server does not return untagged FETCH
/// responses with the new flags (RFC 9051 §6.4.6). `\Recent` and `\*` are filtered out of the
/// flag list whatever the operation (RFC 3501 §2.3.2).
///
/// Exhaustive on purpose: STORE has exactly these three forms (`FLAGS`, `+FLAGS`, `-FLAGS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreOperation {
    /// `+FLAGS`: add the flags.
    Add,
    /// `-FLAGS`: remove the flags.
    Remove,
    /// `FLAGS`: replace all flags with these.
    Replace,
    /// `+FLAGS.SILENT`
    AddSilent,
    /// `-FLAGS.SILENT`
    RemoveSilent,
    /// `FLAGS.SILENT`
    ReplaceSilent,
}

impl StoreOperation {
    /// The same operation with `.SILENT`.
    pub fn silent(self) -> Self {
        match self {
            StoreOperation::Add | StoreOperation::AddSilent => StoreOperation::AddSilent,
            StoreOperation::Remove | StoreOperation::RemoveSilent => StoreOperation::RemoveSilent,
            StoreOperation::Replace | StoreOperation::ReplaceSilent => {
                StoreOperation::ReplaceSilent
            }
        }
    }

    /// True for the `.SILENT` variants.
    pub fn is_silent(self) -> bool {
        matches!(
            self,
            StoreOperation::AddSilent
                | StoreOperation::RemoveSilent
                | StoreOperation::ReplaceSilent
        )
    }

    /// The data item name as sent, e.g. `+FLAGS.SILENT`.
    pub fn item_name(self) -> &'static str {
        match self {
            StoreOperation::Add => "+FLAGS",
            StoreOperation::Remove => "-FLAGS",
            StoreOperation::Replace => "FLAGS",
            StoreOperation::AddSilent => "+FLAGS.SILENT",
            StoreOperation::RemoveSilent => "-FLAGS.SILENT",
            StoreOperation::ReplaceSilent => "FLAGS.SILENT",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_silent_variants() {
        assert_eq!(StoreOperation::Add.item_name(), "+FLAGS");
        assert_eq!(StoreOperation::Remove.silent().item_name(), "-FLAGS.SILENT");
        assert_eq!(
            StoreOperation::ReplaceSilent.silent(),
            StoreOperation::ReplaceSilent
        );
        assert!(StoreOperation::Replace.silent().is_silent());
        assert!(!StoreOperation::Replace.is_silent());
    }
}
