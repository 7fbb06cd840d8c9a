//! A reader adapter that hashes and counts what passes through it, so a file is hashed as
//! it streams instead of being read twice.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// A reader that hashes and counts what passes through it.
pub struct HashingReader<R> {
    inner: R,
    /// The SHA-256 of everything read so far.
    pub hasher: Sha256,
    /// The bytes read so far.
    pub count: u64,
}

impl<R> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}
