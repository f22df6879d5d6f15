//! One bit per word of 4 KiB physical pages, for the sparse sets of words the
//! memory paths ask about on every slow access: words that hold decoded code,
//! words with a planted software breakpoint.
//!
//! A lookup is one hash of the page number (Fx, not SipHash: the keys are page
//! addresses, not attacker-chosen strings) and a bit test per word touched.

use rustc_hash::FxHashMap;

/// Words per page.
const WORDS: usize = 1024;

/// A set of word addresses, grouped by page.
#[derive(Default, Clone)]
pub(crate) struct PageBits {
    pages: FxHashMap<u64, Box<[u64; WORDS / 64]>>,
}

/// The page of `pa` and the index of its word.
#[inline]
fn split(pa: u64) -> (u64, usize) {
    (pa & !0xFFF, ((pa & 0xFFF) >> 2) as usize)
}

impl PageBits {
    /// Add the `words` words from `pa` (within its page); true if the page was new.
    pub fn insert(&mut self, pa: u64, words: usize) -> bool {
        let (page, first) = split(pa);
        let mut new = false;
        let bits = self.pages.entry(page).or_insert_with(|| {
            new = true;
            Box::new([0; WORDS / 64])
        });
        for w in first..(first + words).min(WORDS) {
            bits[w / 64] |= 1 << (w % 64);
        }
        new
    }

    /// Remove the word at `pa` (its page too when it was the last one).
    pub fn remove(&mut self, pa: u64) {
        let (page, w) = split(pa);
        if let Some(bits) = self.pages.get_mut(&page) {
            bits[w / 64] &= !(1 << (w % 64));
            if bits.iter().all(|&b| b == 0) {
                self.pages.remove(&page);
            }
        }
    }

    /// Whether any word of `[pa, pa + len)` (within one page, `len` > 0) is in the set.
    #[inline]
    pub fn touches(&self, pa: u64, len: usize) -> bool {
        let (page, first) = split(pa);
        let Some(bits) = self.pages.get(&page) else {
            return false;
        };
        let last = (((pa & 0xFFF) + len as u64 - 1) >> 2).min(WORDS as u64 - 1) as usize;
        (first..=last).any(|w| bits[w / 64] & (1 << (w % 64)) != 0)
    }

    /// Whether some word of physical page `page` is in the set.
    #[inline]
    pub fn has_page(&self, page: u64) -> bool {
        self.pages.contains_key(&page)
    }

    /// Forget every word of `page`; whether it had any.
    pub fn remove_page(&mut self, page: u64) -> bool {
        self.pages.remove(&page).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_by_any_byte_range_over_them() {
        let mut s = PageBits::default();
        assert!(s.insert(0x1_0008, 1));
        assert!(!s.insert(0x1_0ffc, 1));
        assert!(s.touches(0x1_0008, 4));
        assert!(s.touches(0x1_000b, 1));
        assert!(s.touches(0x1_0004, 8));
        assert!(!s.touches(0x1_0004, 4));
        assert!(!s.touches(0x1_000c, 4));
        assert!(s.touches(0x1_0ff8, 8));
        assert!(!s.touches(0x2_0008, 4));
        s.remove(0x1_0008);
        assert!(s.has_page(0x1_0000));
        s.remove(0x1_0ffc);
        assert!(!s.has_page(0x1_0000));
    }

    #[test]
    fn a_range_of_words_stops_at_its_page_end() {
        let mut s = PageBits::default();
        s.insert(0x3ff0, 64);
        assert!(s.touches(0x3ffc, 4));
        assert!(!s.touches(0x4000, 4));
        assert!(s.remove_page(0x3000));
        assert!(!s.touches(0x3ffc, 4));
    }
}
