//! caprun's global allocator: dlmalloc behind a spin lock.
//!
//! musl's own `malloc`/`free` made loading a 10,000-entry config twice as slow as glibc's
//! (BENCHMARKS.md); dlmalloc brings it back. The `dlmalloc` crate's `GlobalDlmalloc` takes
//! a pthread mutex around every call, which was ≈ 60 k of the ≈ 430 k instructions of a
//! `strict` launch; caprun allocates from one thread only (the launch is single-threaded
//! until exec, the supervisor too), so an uncontended atomic flag does. The one
//! multi-threaded process, `--net-allow`'s egress proxy, is served correctly too (the
//! flag is a lock); its threads allocate when a connection starts, not while bytes flow.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};

use dlmalloc::Dlmalloc;

/// A [`GlobalAlloc`] over one dlmalloc heap, serialized by a spin lock.
pub struct Allocator {
    locked: AtomicBool,
    heap: UnsafeCell<Dlmalloc>,
}

// SAFETY: every access to `heap` happens with `locked` held (see `with`).
unsafe impl Sync for Allocator {}

impl Allocator {
    /// A new, empty heap.
    pub const fn new() -> Allocator {
        Allocator {
            locked: AtomicBool::new(false),
            heap: UnsafeCell::new(Dlmalloc::new()),
        }
    }

    /// Run `f` on the heap with the lock held.
    fn with<T>(&self, f: impl FnOnce(&mut Dlmalloc) -> T) -> T {
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::hint::spin_loop();
        }
        // SAFETY: the lock is held, so this is the only reference to the heap until it
        // is released below.
        let result = f(unsafe { &mut *self.heap.get() });
        self.locked.store(false, Ordering::Release);
        result
    }
}

impl Default for Allocator {
    fn default() -> Allocator {
        Allocator::new()
    }
}

// SAFETY: dlmalloc returns blocks of at least the requested size and alignment (or null),
// and `free`/`realloc` receive the pointer and layout the caller got them with, as
// `GlobalAlloc` requires of its callers.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        self.with(|h| unsafe { h.malloc(layout.size(), layout.align()) })
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        self.with(|h| unsafe { h.calloc(layout.size(), layout.align()) })
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: see the impl.
        self.with(|h| unsafe { h.free(ptr, layout.size(), layout.align()) })
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl.
        self.with(|h| unsafe { h.realloc(ptr, layout.size(), layout.align(), new_size) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_frees_and_grows_aligned_blocks() {
        let a = Allocator::new();
        for align in [1, 8, 64, 4096] {
            let layout = Layout::from_size_align(100, align).unwrap();
            // SAFETY: a non-zero-size layout; the block is written within its size, then
            // grown and freed with the layout it has.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % align, 0);
                p.write_bytes(0xa5, 100);
                let q = a.realloc(p, layout, 10_000);
                assert!(!q.is_null());
                assert_eq!(q as usize % align, 0);
                assert_eq!(*q.add(99), 0xa5);
                a.dealloc(q, Layout::from_size_align(10_000, align).unwrap());
                let z = a.alloc_zeroed(layout);
                assert!((0..100).all(|i| *z.add(i) == 0));
                a.dealloc(z, layout);
            }
        }
    }
}
