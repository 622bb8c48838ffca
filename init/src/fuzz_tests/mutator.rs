// SPDX-License-Identifier: LGPL-2.1-or-later
//! A small deterministic mutation fuzzer, shared by the fuzz tests of both
//! crates (the host's `src/fuzz_tests.rs` includes this file by path).
//!
//! Each target starts from structure-aware seeds (valid inputs), runs them
//! as they are, then runs mutants of them: bit flips, byte and interesting
//! integer overwrites (little- and big-endian, so length fields become huge,
//! zero or negative), truncations, deletions, duplications, splices of two
//! seeds, dictionary tokens and non-UTF-8 sequences. The PRNG (splitmix64)
//! is seeded from the target's name, so a run is reproducible: a failure
//! names the case number, and the same number fails again.
//!
//! Cases per target: each target's default, or
//! `LIBVIRT_SANDBOX_FUZZ_ITERATIONS` to run longer (or shorter);
//! `LIBVIRT_SANDBOX_FUZZ_SEED` (a number) changes every target's seed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// splitmix64: tiny, fast and good enough to pick mutations.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that break length and offset arithmetic.
const INTERESTING: [u64; 18] = [
    0,
    1,
    2,
    3,
    4,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    i64::MAX as u64,
    u64::MAX,
];

/// Bytes that are not UTF-8, or are unusual in text: a lone continuation
/// byte, a truncated sequence, an encoded surrogate, an overlong NUL, a NUL.
const ODD_BYTES: [&[u8]; 8] = [
    b"\x80",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\x80",
    b"\xff\xfe",
    b"\0",
    "\u{fffd}\u{202e}é".as_bytes(),
];

/// Mutates seeds.
pub struct Mutator {
    pub rng: Rng,
    seeds: Vec<Vec<u8>>,
    dictionary: Vec<Vec<u8>>,
}

impl Mutator {
    pub fn new(seed: u64, seeds: Vec<Vec<u8>>, dictionary: Vec<Vec<u8>>) -> Self {
        assert!(!seeds.is_empty(), "a fuzz target needs seeds");
        Self {
            rng: Rng::new(seed),
            seeds,
            dictionary,
        }
    }

    /// A new input: a seed with one to eight mutations (a few with many).
    pub fn next_input(&mut self) -> Vec<u8> {
        let mut data = self.rng.pick(&self.seeds).clone();
        let rounds = if self.rng.one_in(16) {
            16 + self.rng.below(48)
        } else {
            1 + self.rng.below(8)
        };
        for _ in 0..rounds {
            self.mutate(&mut data);
        }
        data
    }

    fn offset(&mut self, data: &[u8]) -> usize {
        self.rng.below(data.len() + 1)
    }

    fn mutate(&mut self, data: &mut Vec<u8>) {
        match self.rng.below(13) {
            // Flip one bit.
            0 if !data.is_empty() => {
                let i = self.rng.below(data.len());
                data[i] ^= 1 << self.rng.below(8);
            }
            // Overwrite a byte.
            1 if !data.is_empty() => {
                let i = self.rng.below(data.len());
                data[i] = self.rng.next_u64() as u8;
            }
            // Overwrite with an interesting integer of 1, 2, 4 or 8 bytes.
            2 | 3 if !data.is_empty() => {
                let value = *self.rng.pick(&INTERESTING);
                let value = if self.rng.one_in(4) {
                    value.wrapping_sub(1 + self.rng.below(4) as u64)
                } else {
                    value
                };
                let width = *self.rng.pick(&[1usize, 2, 4, 8]);
                let (le, be) = (value.to_le_bytes(), value.to_be_bytes());
                let bytes = if self.rng.one_in(2) {
                    &le[..width]
                } else {
                    &be[8 - width..]
                };
                let at = self.rng.below(data.len());
                let end = (at + bytes.len()).min(data.len());
                data[at..end].copy_from_slice(&bytes[..end - at]);
            }
            // Truncate.
            4 => {
                let at = self.offset(data);
                data.truncate(at);
            }
            // Delete a range.
            5 if !data.is_empty() => {
                let at = self.rng.below(data.len());
                let len = 1 + self.rng.below((data.len() - at).min(64));
                data.drain(at..at + len);
            }
            // Duplicate a range in place.
            6 if !data.is_empty() => {
                let at = self.rng.below(data.len());
                let len = 1 + self.rng.below((data.len() - at).min(256));
                let chunk = data[at..at + len].to_vec();
                let times = if self.rng.one_in(8) {
                    1 + self.rng.below(64)
                } else {
                    1
                };
                for _ in 0..times {
                    data.splice(at..at, chunk.iter().copied());
                }
            }
            // Splice: the head of this input, the tail of another seed.
            7 => {
                let other = self.rng.pick(&self.seeds).clone();
                let at = self.offset(data);
                let from = self.rng.below(other.len() + 1);
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
            // Insert a dictionary token.
            8 | 9 if !self.dictionary.is_empty() => {
                let token = self.rng.pick(&self.dictionary).clone();
                let at = self.offset(data);
                data.splice(at..at, token);
            }
            // Insert a non-UTF-8 or odd sequence.
            10 => {
                let odd = *self.rng.pick(&ODD_BYTES);
                let at = self.offset(data);
                data.splice(at..at, odd.iter().copied());
            }
            // Insert a long run of one byte (huge lengths, deep nesting).
            11 => {
                let byte = if self.rng.one_in(2) && !data.is_empty() {
                    data[self.rng.below(data.len())]
                } else {
                    self.rng.next_u64() as u8
                };
                let max = if self.rng.one_in(8) { 70_000 } else { 300 };
                let len = 1 + self.rng.below(max);
                let at = self.offset(data);
                data.splice(at..at, std::iter::repeat_n(byte, len));
            }
            // Swap two bytes.
            _ if data.len() >= 2 => {
                let (a, b) = (self.rng.below(data.len()), self.rng.below(data.len()));
                data.swap(a, b);
            }
            _ => data.push(self.rng.next_u64() as u8),
        }
    }
}

/// FNV-1a, to derive a target's seed from its name.
fn hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The number of mutated cases to run for a target whose default is `default`.
pub fn iterations(default: usize) -> usize {
    match std::env::var("LIBVIRT_SANDBOX_FUZZ_ITERATIONS") {
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            panic!("LIBVIRT_SANDBOX_FUZZ_ITERATIONS={v:?} is not a number of cases")
        }),
        Err(_) => default,
    }
}

fn base_seed() -> u64 {
    match std::env::var("LIBVIRT_SANDBOX_FUZZ_SEED") {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("LIBVIRT_SANDBOX_FUZZ_SEED={v:?} is not a number")),
        Err(_) => 0,
    }
}

/// Shows an input in a failure message (escaped, cut at 4 KiB).
pub fn show(data: &[u8]) -> String {
    let cut = &data[..data.len().min(4096)];
    let more = if cut.len() < data.len() {
        format!("... ({} bytes in all)", data.len())
    } else {
        String::new()
    };
    format!("b\"{}\"{more}", cut.escape_ascii())
}

/// Runs `check` on every seed, then on `default_cases` mutants (see
/// [`iterations`]). `check` panics (an assertion) when an input breaks a
/// property; a panic is reported with the case number and the input.
/// Returns the number of cases run.
pub fn fuzz(
    name: &str,
    seeds: Vec<Vec<u8>>,
    dictionary: Vec<Vec<u8>>,
    default_cases: usize,
    mut check: impl FnMut(&[u8]),
) -> usize {
    let seed = hash(name) ^ base_seed();
    let cases = iterations(default_cases);
    let started = Instant::now();
    let mut run = |case: &str, input: &[u8]| {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(input))) {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(not a string)");
            panic!(
                "fuzz target {name} (seed {seed:#x}): {case} panicked: {why}\ninput: {}",
                show(input)
            );
        }
    };
    for (i, s) in seeds.iter().enumerate() {
        run(&format!("seed {i}"), s);
    }
    let mut mutator = Mutator::new(seed, seeds, dictionary);
    for i in 0..cases {
        let input = mutator.next_input();
        run(&format!("case {i}"), &input);
    }
    eprintln!(
        "fuzz {name}: {cases} cases in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    cases
}

/// Splits `data` at random points (for incremental decoders).
pub fn chunks<'a>(rng: &mut Rng, data: &'a [u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let max = if rng.one_in(2) { 8 } else { 4096 };
        let n = 1 + rng.below(rest.len().min(max));
        let (head, tail) = rest.split_at(n);
        out.push(head);
        rest = tail;
    }
    out
}

/// The text of an input for parsers of strings (invalid UTF-8 becomes
/// U+FFFD, a multi-byte character, which is also worth feeding them).
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}
