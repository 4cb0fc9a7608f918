//! The parser input: a position inside one frame that can hand out zero-copy `Bytes`.
//!
//! nom runs over a [`Span`], which is a byte slice plus a reference to the frame's [`Bytes`]
//! and the parse limits. Leaf parsers turn the slice they matched into a `Bytes` with
//! [`Span::to_bytes`], which is `Bytes::slice_ref`: a reference-count increment, never a copy.

use std::iter::{Copied, Enumerate};
use std::slice::Iter;

use bytes::Bytes;
use nom::{AsBytes, Compare, CompareResult, FindSubstring, Input, Needed, Offset};

/// What every parser of one frame shares: the frame itself, the nesting limit and how the
/// session writes mailbox names.
#[derive(Debug)]
pub struct FrameContext {
    /// The whole frame; all output `Bytes` are slices of it.
    pub frame: Bytes,
    /// Deepest parenthesis nesting to follow (see [`crate::Limits::max_nesting_depth`]).
    pub max_depth: usize,
    /// The encoding recorded in every [`crate::types::Mailbox`] parsed from the frame.
    pub names: crate::types::NameEncoding,
}

/// A parser position: the unparsed rest of the frame, plus the shared context.
#[derive(Clone, Copy)]
pub struct Span<'a> {
    rest: &'a [u8],
    ctx: &'a FrameContext,
}

impl std::fmt::Debug for Span<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = &self.rest[..self.rest.len().min(40)];
        write!(f, "Span({:?})", String::from_utf8_lossy(shown))
    }
}

impl<'a> Span<'a> {
    /// The start of a frame.
    pub fn new(ctx: &'a FrameContext) -> Self {
        Span {
            rest: &ctx.frame,
            ctx,
        }
    }

    /// The unparsed bytes.
    pub fn as_slice(&self) -> &'a [u8] {
        self.rest
    }

    /// A zero-copy `Bytes` of exactly these bytes. The same as `Bytes::slice_ref`, whose
    /// checks that the slice lies inside the frame are already guaranteed here (a `Span` only
    /// ever holds a part of its frame), so only `Bytes::slice`'s remain.
    #[inline]
    pub fn to_bytes(self) -> Bytes {
        let start = self.offset_in_frame();
        self.ctx.frame.slice(start..start + self.rest.len())
    }

    /// The shared frame context.
    pub fn context(&self) -> &'a FrameContext {
        self.ctx
    }

    /// Offset of this position from the start of the frame (for error reports and
    /// [`Span::to_bytes`]).
    pub fn offset_in_frame(&self) -> usize {
        self.rest.as_ptr() as usize - self.ctx.frame.as_ptr() as usize
    }

    /// The same context at another slice of the frame.
    pub(crate) fn with_rest(&self, rest: &'a [u8]) -> Self {
        Span {
            rest,
            ctx: self.ctx,
        }
    }
}

impl<'a> Input for Span<'a> {
    type Item = u8;
    type Iter = Copied<Iter<'a, u8>>;
    type IterIndices = Enumerate<Self::Iter>;

    #[inline]
    fn input_len(&self) -> usize {
        self.rest.len()
    }

    #[inline]
    fn take(&self, index: usize) -> Self {
        self.with_rest(&self.rest[..index])
    }

    #[inline]
    fn take_from(&self, index: usize) -> Self {
        self.with_rest(&self.rest[index..])
    }

    #[inline]
    fn take_split(&self, index: usize) -> (Self, Self) {
        let (prefix, suffix) = self.rest.split_at(index);
        (self.with_rest(suffix), self.with_rest(prefix))
    }

    #[inline]
    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool,
    {
        self.rest.iter().position(|b| predicate(*b))
    }

    #[inline]
    fn iter_elements(&self) -> Self::Iter {
        self.rest.iter().copied()
    }

    #[inline]
    fn iter_indices(&self) -> Self::IterIndices {
        self.iter_elements().enumerate()
    }

    #[inline]
    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        if self.rest.len() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.rest.len()))
        }
    }
}

impl<'b> Compare<&'b str> for Span<'_> {
    #[inline]
    fn compare(&self, t: &'b str) -> CompareResult {
        self.rest.compare(t)
    }

    #[inline]
    fn compare_no_case(&self, t: &'b str) -> CompareResult {
        self.rest.compare_no_case(t)
    }
}

impl<'b> Compare<&'b [u8]> for Span<'_> {
    #[inline]
    fn compare(&self, t: &'b [u8]) -> CompareResult {
        self.rest.compare(t)
    }

    #[inline]
    fn compare_no_case(&self, t: &'b [u8]) -> CompareResult {
        self.rest.compare_no_case(t)
    }
}

impl<'b> FindSubstring<&'b str> for Span<'_> {
    fn find_substring(&self, substr: &'b str) -> Option<usize> {
        self.rest.find_substring(substr)
    }
}

impl Offset for Span<'_> {
    fn offset(&self, second: &Self) -> usize {
        second.rest.as_ptr() as usize - self.rest.as_ptr() as usize
    }
}

impl AsBytes for Span<'_> {
    fn as_bytes(&self) -> &[u8] {
        self.rest
    }
}
