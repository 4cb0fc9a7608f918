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

/// Appends one element to a tuple (the pipeline's slots). Sealed.
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

macro_rules! pushes {
    ($( ($($T:ident),*) )*) => {$(
        impl<$($T,)* X> Push<X> for ($($T,)*) {
            type Out = ($($T,)* X,);
            #[allow(non_snake_case)]
            fn push(self, x: X) -> Self::Out {
                let ($($T,)*) = self;
                ($($T,)* x,)
            }
        }
    )*};
}

// Every tuple but the largest can grow by one.
pushes! {
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
}

#[cfg(test)]
mod tests {
    use super::Push;

    #[test]
    fn push_appends_at_the_end() {
        let three = ().push(1u8).push("two").push(3.0f32);
        assert_eq!(three, (1u8, "two", 3.0f32));
    }
}
