//! The typed tuple behind every adapter's `Pipeline` builder (RFC 9051 §5.5), written once.
//!
//! A pipeline's type parameter is a flat tuple of result slots that grows by one element per
//! command. Growing the tuple ([`Push`]) and the list of tuple sizes a batch may have
//! ([`for_each_pipeline_tuple!`](crate::for_each_pipeline_tuple)) do not depend on the
//! runtime, so they live here; each adapter supplies only its slot type and the way it waits
//! for the slots (its `Results` trait, which has [`Tuple`] as supertrait so it stays closed).

mod sealed {
    /// Keeps [`super::Tuple`] and [`super::Push`] closed: only the tuples below implement them.
    pub trait Sealed {}
}

/// A tuple of at most 12 elements, the largest batch a pipeline holds. Sealed.
pub trait Tuple: sealed::Sealed {}

/// Appends one element to a tuple (the pipeline's slots). Sealed. A 12-element tuple does
/// not grow, so a thirteenth command does not compile:
///
/// ```compile_fail
/// use imap_proto_core::ops::pipeline_tuple::Push;
/// let full = ((), (), (), (), (), (), (), (), (), (), (), ());
/// let _ = full.push(());
/// ```
pub trait Push<X>: Tuple {
    /// The longer tuple.
    type Out;
    /// Appends `x`.
    #[doc(hidden)]
    fn push(self, x: X) -> Self::Out;
}

/// Invokes `$expand! { () (A) (A, B) .. }` with every tuple shape a batch may have (0 to 12
/// elements), so that an adapter implements its slot-collecting trait for each.
#[macro_export]
macro_rules! for_each_pipeline_tuple {
    ($expand:ident) => {
        $expand! {
            ()
            (A)
            (A, B)
            (A, B, C)
            (A, B, C, D)
            (A, B, C, D, E)
            (A, B, C, D, E, F)
            (A, B, C, D, E, F, G)
            (A, B, C, D, E, F, G, H)
            (A, B, C, D, E, F, G, H, I)
            (A, B, C, D, E, F, G, H, I, J)
            (A, B, C, D, E, F, G, H, I, J, K)
            (A, B, C, D, E, F, G, H, I, J, K, L)
        }
    };
}

macro_rules! tuples {
    ($( ($($T:ident),*) )*) => {$(
        impl<$($T,)*> sealed::Sealed for ($($T,)*) {}
        impl<$($T,)*> Tuple for ($($T,)*) {}
    )*};
}

crate::for_each_pipeline_tuple!(tuples);

// Every tuple but the largest can grow by one: each listed shape of n elements implements
// `Push` for its last n - 1 elements, which covers 0 to 11.
macro_rules! pushes {
    ($( ($($T:ident),*) )*) => {$( pushes!(@shorter $($T),*); )*};
    (@shorter) => {};
    (@shorter $first:ident $(, $T:ident)*) => {
        impl<$($T,)* X> Push<X> for ($($T,)*) {
            type Out = ($($T,)* X,);
            #[allow(non_snake_case)]
            fn push(self, x: X) -> Self::Out {
                let ($($T,)*) = self;
                ($($T,)* x,)
            }
        }
    };
}

crate::for_each_pipeline_tuple!(pushes);

#[cfg(test)]
mod tests {
    use super::Push;

    #[test]
    fn push_appends_at_the_end() {
        let three = ().push(1u8).push("two").push(3.0f32);
        assert_eq!(three, (1u8, "two", 3.0f32));
        let twelve = ().push(1).push(2).push(3).push(4).push(5).push(6);
        let twelve = twelve.push(7).push(8).push(9).push(10).push(11).push(12);
        assert_eq!(twelve.11, 12);
    }
}
