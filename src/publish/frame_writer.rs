//! Cuts the tar stream into zstd frames by the frame rule and compresses them on worker
//! threads, writing them in order with their offsets, lengths and hashes.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use sha2::{Digest, Sha256};

use crate::format::frames::FramePlanner;
use crate::format::{Frame, Payload, Sha256Digest};

type CompressResult = (usize, Vec<u8>, io::Result<Vec<u8>>);

/// Takes the tar stream, cuts it into frames and compresses them on worker threads, writing
/// the compressed frames in order. At most two frames per worker are in flight, so memory
/// stays at a few tens of MB whatever the edition's size.
pub(crate) struct FrameWriter<W: Write> {
    out: W,
    planner: FramePlanner,
    buffer: Vec<u8>,
    jobs: Option<mpsc::SyncSender<(usize, Vec<u8>)>>,
    results: mpsc::Receiver<CompressResult>,
    workers: Vec<thread::JoinHandle<()>>,
    submitted: usize,
    written: usize,
    ready: BTreeMap<usize, (Vec<u8>, io::Result<Vec<u8>>)>,
    max_in_flight: usize,
    spare_buffers: Vec<Vec<u8>>,
    frames: Vec<Frame>,
    offset: u64,
    tar_length: u64,
    payload_hasher: Sha256,
}

impl<W: Write> FrameWriter<W> {
    pub(crate) fn new(out: W, level: i32, threads: usize) -> Self {
        let threads = threads.max(1);
        let (job_sender, job_receiver) = mpsc::sync_channel::<(usize, Vec<u8>)>(threads);
        let job_receiver = Arc::new(Mutex::new(job_receiver));
        let (result_sender, results) = mpsc::channel();
        let workers = (0..threads)
            .map(|_| {
                let jobs = Arc::clone(&job_receiver);
                let results = result_sender.clone();
                thread::spawn(move || compress_worker(level, &jobs, &results))
            })
            .collect();
        FrameWriter {
            out,
            planner: FramePlanner::default(),
            buffer: Vec::new(),
            jobs: Some(job_sender),
            results,
            workers,
            submitted: 0,
            written: 0,
            ready: BTreeMap::new(),
            max_in_flight: threads * 2,
            spare_buffers: Vec::new(),
            frames: Vec::new(),
            offset: 0,
            tar_length: 0,
            payload_hasher: Sha256::new(),
        }
    }

    /// Index of the frame the next byte goes into.
    pub(crate) fn frame_index(&self) -> u32 {
        self.submitted as u32
    }

    /// Applies the frame rule before an entry of `entry_len` tar bytes.
    pub(crate) fn start_entry(&mut self, entry_len: u64) -> io::Result<()> {
        if self.planner.close_before_entry(entry_len) {
            self.close_frame()?;
        }
        Ok(())
    }

    fn close_frame(&mut self) -> io::Result<()> {
        if self.planner.is_empty() {
            return Ok(());
        }
        self.planner.closed();
        let next = self.spare_buffers.pop().unwrap_or_default();
        let data = std::mem::replace(&mut self.buffer, next);
        while self.submitted - self.written >= self.max_in_flight {
            self.receive_one()?;
        }
        let jobs = self.jobs.as_ref().ok_or_else(worker_gone)?;
        jobs.send((self.submitted, data))
            .map_err(|_| worker_gone())?;
        self.submitted += 1;
        self.write_ready()
    }

    fn receive_one(&mut self) -> io::Result<()> {
        let (index, input, output) = self.results.recv().map_err(|_| worker_gone())?;
        self.ready.insert(index, (input, output));
        self.write_ready()
    }

    fn write_ready(&mut self) -> io::Result<()> {
        while let Some((mut input, output)) = self.ready.remove(&self.written) {
            let compressed = output?;
            self.out.write_all(&compressed)?;
            self.payload_hasher.update(&compressed);
            self.frames.push(Frame {
                offset: self.offset,
                length: compressed.len() as u64,
                tar_length: input.len() as u64,
                sha256: Sha256Digest::of(&compressed),
            });
            self.offset += compressed.len() as u64;
            self.tar_length += input.len() as u64;
            self.written += 1;
            input.clear();
            self.spare_buffers.push(input);
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> io::Result<(Vec<Frame>, Payload)> {
        self.close_frame()?;
        while self.written < self.submitted {
            self.receive_one()?;
        }
        self.jobs = None;
        for worker in self.workers.drain(..) {
            worker.join().map_err(|_| worker_gone())?;
        }
        self.out.flush()?;
        let payload = Payload {
            length: self.offset,
            sha256: Sha256Digest(std::mem::take(&mut self.payload_hasher).finalize().into()),
            tar_length: self.tar_length,
        };
        Ok((std::mem::take(&mut self.frames), payload))
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = (data.len() as u64).min(self.planner.room()) as usize;
        self.buffer.extend_from_slice(&data[..n]);
        if self.planner.wrote(n as u64) {
            self.close_frame()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn worker_gone() -> io::Error {
    io::Error::other("a compression thread stopped unexpectedly")
}

fn compress_worker(
    level: i32,
    jobs: &Mutex<mpsc::Receiver<(usize, Vec<u8>)>>,
    results: &mpsc::Sender<CompressResult>,
) {
    let mut compressor = zstd::bulk::Compressor::new(level).and_then(|mut c| {
        // The frame checksum lets stock `zstd -d` users notice a damaged file too.
        c.set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))?;
        c.set_parameter(zstd::zstd_safe::CParameter::ContentSizeFlag(true))?;
        Ok(c)
    });
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok((index, input)) = job else {
            return;
        };
        let output = match &mut compressor {
            Ok(compressor) => compressor.compress(&input),
            Err(error) => Err(io::Error::new(error.kind(), error.to_string())),
        };
        if results.send((index, input, output)).is_err() {
            return;
        }
    }
}
