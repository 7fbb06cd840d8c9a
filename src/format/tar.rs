//! The tar headers of a bundle's payload, as bytes: written field by field so that a second
//! writer following FORMAT.md section 5 produces the same bytes. The read side checks the same
//! fields in `read::tar_walk`.

/// Length of a PAX record `"<len> path=<value>\n"`, whose length counts its own digits.
pub fn pax_record_len(value_len: usize) -> usize {
    let base = " path=\n".len() + value_len;
    let mut len = base + 1;
    while base + len.to_string().len() != len {
        len += 1;
    }
    len
}

/// One 512-byte ustar header block, written field by field so that every byte is the one
/// FORMAT.md section 5 gives: numbers in zero-padded octal ending in a NUL (sizes and times of
/// 8^11 or more in base-256), names NUL-padded, user and group names, link name and device
/// numbers all NUL, checksum as seven octal digits and a NUL, computed as POSIX says.
fn ustar_block(name: &[u8], prefix: &[u8], typeflag: u8, size: u64, mtime: u64) -> [u8; 512] {
    fn octal(field: &mut [u8], value: u64) {
        let digits = field.len() - 1;
        let text = format!("{value:0digits$o}");
        field[..digits].copy_from_slice(&text.as_bytes()[text.len() - digits..]);
        field[digits] = 0;
    }
    /// 12-byte size and time fields: octal below 8^11, else the base-256 form GNU tar and
    /// bsdtar read (first byte 0x80, three zero bytes, the value as 8 bytes big-endian).
    fn number(field: &mut [u8], value: u64) {
        if value < 1 << 33 {
            octal(field, value);
        } else {
            field.fill(0);
            field[0] = 0x80;
            field[4..].copy_from_slice(&value.to_be_bytes());
        }
    }
    let mut block = [0u8; 512];
    block[..name.len()].copy_from_slice(name);
    octal(&mut block[100..108], 0o644);
    octal(&mut block[108..116], 0);
    octal(&mut block[116..124], 0);
    number(&mut block[124..136], size);
    number(&mut block[136..148], mtime);
    block[156] = typeflag;
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    block[345..345 + prefix.len()].copy_from_slice(prefix);
    // The checksum counts its own field as eight spaces.
    block[148..156].fill(b' ');
    let sum: u64 = block.iter().map(|&b| u64::from(b)).sum();
    octal(&mut block[148..156], sum);
    block
}

/// How a path is stored in ustar's `name` (100 bytes) and `prefix` (155 bytes): whole in
/// `name` when it fits; else split at the last `/` that leaves at most 155 bytes before it,
/// if what follows fits `name`. `None`: it needs a PAX header.
pub fn ustar_split(path: &str) -> Option<(&str, &str)> {
    if path.len() <= 100 {
        return Some((path, ""));
    }
    // '/' is ASCII, so the cut is at a character boundary.
    let cut = path.as_bytes()[..path.len().min(156)]
        .iter()
        .rposition(|&b| b == b'/')?;
    let (prefix, name) = (&path[..cut], &path[cut + 1..]);
    (name.len() <= 100).then_some((name, prefix))
}

/// The ustar header of a file entry, with fixed metadata so packs are reproducible; returns
/// the PAX record to write first if the path does not fit ustar's name and prefix fields.
pub fn file_header(path: &str, size: u64, mtime: u64) -> ([u8; 512], Option<Vec<u8>>) {
    let (name, prefix, pax) = match ustar_split(path) {
        Some((name, prefix)) => (name, prefix, None),
        None => {
            // Stock tars show the ustar name when they ignore PAX; keep it a readable prefix.
            let mut cut = 100.min(path.len());
            while !path.is_char_boundary(cut) {
                cut -= 1;
            }
            let record = format!("{} path={path}\n", pax_record_len(path.len()));
            (&path[..cut], "", Some(record.into_bytes()))
        }
    };
    let header = ustar_block(name.as_bytes(), prefix.as_bytes(), b'0', size, mtime);
    (header, pax)
}

/// The ustar header of the PAX extended header that carries a long path.
pub fn pax_header(record_len: usize, mtime: u64) -> [u8; 512] {
    ustar_block(b"PaxHeader", b"", b'x', record_len as u64, mtime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_length_counts_its_own_digits() {
        for value_len in [1usize, 50, 88, 89, 90, 991, 992, 1024] {
            let len = pax_record_len(value_len);
            let record = format!("{len} path={}\n", "x".repeat(value_len));
            assert_eq!(record.len(), len, "value of {value_len} bytes");
        }
    }

    #[test]
    fn tar_headers_are_the_bytes_format_md_gives() {
        // Where the tar crate's ustar writer is exact (a path in `name`, or split into prefix
        // and name), our header is byte for byte what it writes.
        let long_folder = "f".repeat(120);
        for path in ["hello.txt", "a/b/c.md", &format!("{long_folder}/index.md")] {
            let (ours, pax) = file_header(path, 14, 1_764_063_000);
            assert!(pax.is_none(), "{path}");
            let mut theirs = tar::Header::new_ustar();
            theirs.set_entry_type(tar::EntryType::Regular);
            theirs.set_size(14);
            theirs.set_mode(0o644);
            theirs.set_uid(0);
            theirs.set_gid(0);
            theirs.set_mtime(1_764_063_000);
            theirs.set_path(path).unwrap();
            theirs.set_cksum();
            assert_eq!(&ours[..], theirs.as_bytes(), "{path}");
        }
        let (header, _) = file_header("hello.txt", 14, 1_764_063_000);
        assert_eq!(&header[100..108], b"0000644\0");
        assert_eq!(&header[108..124], b"0000000\x000000000\x00");
        assert_eq!(&header[124..136], b"00000000016\0");
        assert_eq!(&header[136..148], b"15111273430\0");
        assert_eq!(&header[148..156], b"0007642\0");
        assert_eq!(&header[329..345], &[0u8; 16], "device numbers are all NUL");
        assert_eq!(
            &header[265..329],
            &[0u8; 64],
            "user and group names are all NUL"
        );
    }

    #[test]
    fn long_paths_get_a_pax_header_and_a_clean_ustar_name() {
        // 150 bytes of folder names, then a 120-byte file name: no split fits.
        let path = format!(
            "{}/{}/{}.md",
            "a".repeat(70),
            "b".repeat(79),
            "c".repeat(117)
        );
        let (header, pax) = file_header(&path, 3, 0);
        let record = pax.unwrap();
        assert_eq!(
            record,
            format!("{} path={path}\n", record.len()).into_bytes()
        );
        assert_eq!(&header[..100], &path.as_bytes()[..100]);
        assert_eq!(
            &header[345..500],
            &[0u8; 155],
            "prefix stays empty beside PAX"
        );
        let pax_block = pax_header(record.len(), 0);
        assert_eq!(&pax_block[..10], b"PaxHeader\0");
        assert_eq!(pax_block[156], b'x');
        assert_eq!(&pax_block[108..124], b"0000000\x000000000\x00");
        // A cut inside a character moves back to its start.
        let path = format!("{}\u{e9}{}.md", "a".repeat(99), "b".repeat(10));
        let (header, pax) = file_header(&path, 3, 0);
        assert!(pax.is_some());
        assert_eq!(&header[..100], format!("{}\0", "a".repeat(99)).as_bytes());
    }

    #[test]
    fn sizes_of_8_gib_or_more_are_base_256() {
        let (header, _) = file_header("big.bin", 8 << 30, 0);
        assert_eq!(&header[124..136], &[0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]);
        let (header, _) = file_header("big.bin", (8 << 30) - 1, 0);
        assert_eq!(&header[124..136], b"77777777777\0");
    }
}
