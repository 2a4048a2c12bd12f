//! Poison recovery, written once. Every mutex in sockai guards plain data (tables, counters,
//! queues) that a panic while it was held leaves consistent enough to go on with: carrying on
//! beats failing every later caller, and every thread that would touch it after.

use std::sync::{LockResult, Mutex, MutexGuard};

/// Lock `mutex`, taking over the data of a holder that panicked.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    unpoison(mutex.lock())
}

/// The guard of a lock result (a `Condvar` wait's among them), poisoned or not.
pub fn unpoison<G>(result: LockResult<G>) -> G {
    result.unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_mutex_still_gives_its_data() {
        let mutex = Mutex::new(1);
        let panicked = std::panic::catch_unwind(|| {
            let _guard = mutex.lock();
            panic!("while holding it");
        });
        assert!(panicked.is_err() && mutex.is_poisoned());
        *lock(&mutex) += 1;
        assert_eq!(*lock(&mutex), 2);
    }
}
