//! A tiny bundle whose one frame would decompress to gigabytes, validly signed by a trusted
//! key: the reader stops at the first byte beyond what the signed manifest declares, and its
//! memory stays under 64 MB. Kept in a test binary of its own so that the peak memory of its
//! child processes, which the kernel reports for all children together, is theirs alone.

use std::io::Write;
use std::process::Command;

use serde_json::json;
use tamizdat::format::Sha256Digest;
use tamizdat::format::header::unsigned_header;
use tamizdat::keys::SecretKey;

const GIB: u64 = 1 << 30;

/// The largest resident set of any child process this test has waited for, in bytes.
fn peak_child_memory() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole rusage into the pointer it is given and nothing else.
    let usage = unsafe {
        assert_eq!(
            libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()),
            0
        );
        usage.assume_init()
    };
    usage.ru_maxrss as u64 * 1024 // Linux reports kilobytes
}

/// One zstd frame holding a tar entry of `size` zero bytes, with a 4 MiB window and no content
/// size in its header (as a streaming compressor writes it), so nothing but decoding it tells
/// how large it is.
fn zero_bomb(size: u64) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_path("bomb.txt").unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    let mut encoder = zstd::stream::Encoder::new(Vec::new(), 1).unwrap();
    encoder.window_log(22).unwrap();
    encoder.include_contentsize(false).unwrap();
    encoder.write_all(header.as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..size / zeros.len() as u64 {
        encoder.write_all(&zeros).unwrap();
    }
    encoder.write_all(&[0u8; 1024]).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn tiny_bundle_that_would_decompress_to_gigabytes_stops_at_the_first_excess_byte() {
    let work = tempfile::tempdir().unwrap();
    let key = SecretKey::from_seed("Stolen Newsroom Key", &[0x67; 32]).unwrap();
    let public = work.path().join("trusted.pub");
    std::fs::write(&public, key.public().to_file_text()).unwrap();

    let frame = zero_bomb(2 * GIB);
    assert!(
        frame.len() < 1 << 20,
        "the bomb is tiny: {} bytes",
        frame.len()
    );
    // The signer declares a 100-byte file in one 2,048-byte tar stream.
    let declared_tar = 2048u64;
    let hash = Sha256Digest::of(&frame).to_hex();
    let manifest = json!({
        "publisher": {"key_id": key.public().key_id().to_hex(), "name": "x"},
        "channel": "attack", "sequence": 1, "created": "2026-11-25T00:00:00Z",
        "title": "t", "language": "en",
        "payload": {"length": frame.len(), "sha256": hash, "tar_length": declared_tar},
        "frames": [{"offset": 0, "length": frame.len(), "tar_length": declared_tar, "sha256": hash}],
        "files": [{"path": "bomb.txt", "size": 100, "media_type": "text/plain", "frame": 0,
                   "sha256": Sha256Digest::of(&[0u8; 100]).to_hex()}],
        "articles": [],
    });
    let (mut bundle, message) = unsigned_header(
        key.public().key_id(),
        &serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    bundle.extend_from_slice(&key.sign(&message));
    bundle.extend_from_slice(&frame);
    let path = work.path().join("bomb.tar.zst");
    std::fs::write(&path, &bundle).unwrap();

    let room = work.path().join("room");
    std::fs::create_dir(&room).unwrap();
    for command in ["verify", "unpack"] {
        let mut run = Command::new(env!("CARGO_BIN_EXE_tamizdat"));
        run.arg(command).arg(&path);
        if command == "unpack" {
            run.arg("--to").arg(room.join("out"));
        }
        let started = std::time::Instant::now();
        let output = run
            .arg("--public-key")
            .arg(&public)
            .env("TAMIZDAT_HOME", work.path().join("home"))
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.code(), Some(1), "{command}: {text}");
        assert!(
            text.contains("does not decompress to the 2048 bytes it declares"),
            "{command}: {text}"
        );
        // Decoding 2.1 GB of zeros takes seconds; stopping at the declared size takes none.
        eprintln!("{command} refused the bomb in {:?}", started.elapsed());
    }
    let peak = peak_child_memory();
    let shown = tamizdat::format::text::human_bytes(peak);
    eprintln!("peak memory of the reader: {shown}");
    assert!(peak < 64_000_000, "the reader used {shown}");
    assert_eq!(
        std::fs::read_dir(&room).unwrap().count(),
        0,
        "nothing written"
    );
}
