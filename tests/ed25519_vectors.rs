//! Ed25519 edge cases, table-driven: every Wycheproof vector (C2SP/wycheproof,
//! `ed25519_test.json`) and the twelve cases of "Taming the many EdDSAs"
//! (novifinancial/ed25519-speccheck), through the same key parsing and verification that
//! bundle headers use. The tables live in `tests/vectors/*-ed25519.tsv` with their sources.

use tamizdat::keys::PublicKey;

fn hex(text: &str) -> Vec<u8> {
    data_encoding::HEXLOWER_PERMISSIVE
        .decode(text.as_bytes())
        .unwrap_or_else(|e| panic!("bad hex {text:?}: {e}"))
}

/// What tamizdat decides for a key, message and signature given as raw bytes: a key must be a
/// valid, non-weak point and a signature exactly 64 bytes that passes strict verification.
fn tamizdat_accepts(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(key_bytes) = <[u8; 32]>::try_from(public_key) else {
        return false;
    };
    let Ok(key) = PublicKey::new("vector", &key_bytes) else {
        return false;
    };
    let Ok(signature) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    key.verify(message, &signature)
}

/// The data lines of a vector table, split on tabs.
fn table(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
        .collect()
}

#[test]
fn every_wycheproof_ed25519_vector_gets_its_expected_verdict() {
    let rows = table(include_str!("vectors/wycheproof-ed25519.tsv"));
    assert_eq!(rows.len(), 151, "the whole Wycheproof file");
    let mut wrong = Vec::new();
    for row in &rows {
        let (id, result, key, message, signature) = (row[0], row[1], row[2], row[3], row[4]);
        let expected = match result {
            "valid" => true,
            "invalid" => false,
            other => panic!("test {id}: unexpected result {other:?}"),
        };
        if tamizdat_accepts(&hex(key), &hex(message), &hex(signature)) != expected {
            wrong.push(format!("{id} ({result}): {}", row.get(5).unwrap_or(&"")));
        }
    }
    assert!(wrong.is_empty(), "wrong verdicts: {wrong:#?}");
}

#[test]
fn speccheck_edge_cases_are_refused_except_the_one_strict_verification_accepts() {
    // Strict verification (RFC 8032 with canonical encodings, no small-order key or R) accepts
    // only case 3, a mixed-order key with a signature that holds with and without the
    // cofactor. The others have a small-order key (0-1, and 10-11 whose key is also
    // non-canonically encoded) or a small-order R (0-2),
    // signatures that only hold with the cofactor (4-5), S not reduced (6-7) and non-canonical
    // R (8-9): each lets one signature mean different things to different verifiers.
    let rows = table(include_str!("vectors/speccheck-ed25519.tsv"));
    assert_eq!(rows.len(), 12);
    let verdicts: Vec<(usize, bool)> = rows
        .iter()
        .map(|row| {
            (
                row[0].parse().unwrap(),
                tamizdat_accepts(&hex(row[1]), &hex(row[2]), &hex(row[3])),
            )
        })
        .collect();
    let accepted: Vec<usize> = verdicts.iter().filter(|v| v.1).map(|v| v.0).collect();
    assert_eq!(accepted, [3], "accepted cases");
}

#[test]
fn small_order_keys_from_the_edge_cases_are_refused_as_keys() {
    // The keys of cases 0-1 and 10-11 are points of small order: anyone can forge a signature
    // for them, so tamizdat refuses them before any signature is looked at.
    let rows = table(include_str!("vectors/speccheck-ed25519.tsv"));
    for case in [0, 1, 10, 11] {
        let key: [u8; 32] = hex(rows[case][1]).try_into().unwrap();
        assert!(
            PublicKey::new("vector", &key).is_err(),
            "case {case}: the key was accepted"
        );
    }
}
