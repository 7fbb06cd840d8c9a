use super::*;

use crate::format::statement::{Credentials, SignedStatement, StatementKind};

fn at(text: &str) -> time::OffsetDateTime {
    crate::format::manifest::parse_created(text).unwrap()
}

fn editor(seed: u8) -> SecretKey {
    SecretKey::from_seed(&format!("editor {seed}"), &[seed; 32]).unwrap()
}

fn signed_by(mut statement: SignedStatement, editors: &[&SecretKey]) -> SignedStatement {
    for editor in editors {
        sign(&mut statement, editor);
    }
    // As carried: through bytes, so the parser is part of every test.
    SignedStatement::parse(&statement.to_bytes()).unwrap()
}

fn root(version: u64, threshold: u64, editors: &[&SecretKey]) -> SignedStatement {
    let public: Vec<PublicKey> = editors.iter().map(|e| e.public()).collect();
    root_statement(
        "Example News",
        version,
        threshold,
        &public,
        at("2026-12-01T00:00:00Z"),
    )
    .unwrap()
}

fn one_editor_chain() -> (RootChain, SecretKey) {
    let e = editor(1);
    let anchor = signed_by(root(1, 1, &[&e]), &[&e]);
    (RootChain::from_anchor(&anchor).unwrap(), e)
}

fn certificate(chain: &RootChain, key: &PublicKey, channels: &[&str]) -> SignedStatement {
    certificate_statement(
        chain,
        &CertificateRequest {
            key,
            channels: channels.iter().map(|c| c.to_string()).collect(),
            valid_from: at("2026-12-01T00:00:00Z"),
            valid_until: at("2027-12-01T00:00:00Z"),
            cadence_hours: 24,
            issued: at("2026-12-01T00:00:00Z"),
        },
    )
    .unwrap()
}

#[test]
fn a_two_of_three_root_needs_two_editors() {
    let (a, b, c) = (editor(1), editor(2), editor(3));
    let alone = signed_by(root(1, 2, &[&a, &b, &c]), &[&a]);
    assert!(matches!(
        RootChain::from_anchor(&alone),
        Err(AuthorityError::UnderThreshold {
            valid: 1,
            needed: 2,
            ..
        })
    ));
    let two = signed_by(root(1, 2, &[&a, &b, &c]), &[&a, &c]);
    let chain = RootChain::from_anchor(&two).unwrap();
    assert_eq!(chain.newest().threshold, 2);
    assert_eq!(chain.newest().editors.len(), 3);
}

#[test]
fn key_compromise_under_threshold_one_editor_cannot_rotate_alone() {
    let (a, b, c) = (editor(1), editor(2), editor(3));
    let mut chain =
        RootChain::from_anchor(&signed_by(root(1, 2, &[&a, &b, &c]), &[&a, &b])).unwrap();
    let thief = editor(9);
    // The thief holds editor a's key and makes a root of its own, signed by a and itself.
    let rotation = signed_by(root(2, 1, &[&thief]), &[&a, &thief]);
    assert!(matches!(
        chain.extend(&rotation),
        Err(AuthorityError::UnderThreshold {
            valid: 1,
            needed: 2,
            ..
        })
    ));
    assert_eq!(chain.newest().version, 1);
    // Two of the old editors and the new one: accepted.
    let rotation = signed_by(root(2, 1, &[&thief]), &[&a, &b, &thief]);
    chain.extend(&rotation).unwrap();
    assert_eq!(chain.newest().version, 2);
}

#[test]
fn root_chain_gap_and_a_version_signed_only_by_its_own_keys_are_refused() {
    let (mut chain, old) = one_editor_chain();
    let new = editor(2);
    let skipped = signed_by(root(3, 1, &[&new]), &[&old, &new]);
    assert_eq!(
        chain.extend(&skipped).unwrap_err(),
        AuthorityError::ChainGap { known: 1, found: 3 }
    );
    let own_only = signed_by(root(2, 1, &[&new]), &[&new]);
    assert!(matches!(
        chain.extend(&own_only),
        Err(AuthorityError::UnderThreshold { .. })
    ));
    // Signed by the old root but not by its own editors: refused too.
    let old_only = signed_by(root(2, 1, &[&new]), &[&old]);
    assert!(matches!(
        chain.extend(&old_only),
        Err(AuthorityError::UnderThreshold { .. })
    ));
    let proper = signed_by(root(2, 1, &[&new]), &[&old, &new]);
    chain.extend(&proper).unwrap();
}

#[test]
fn a_reader_years_behind_catches_up_and_refuses_a_fork() {
    let (keys, anchor) = {
        let keys: Vec<SecretKey> = (1..=6).map(editor).collect();
        let anchor = signed_by(root(1, 1, &[&keys[0]]), &[&keys[0]]);
        (keys, anchor)
    };
    let mut carried = vec![anchor.clone()];
    for version in 2..=6u64 {
        let (old, new) = (&keys[version as usize - 2], &keys[version as usize - 1]);
        carried.push(signed_by(root(version, 1, &[new]), &[old, new]));
    }
    let mut reader = RootChain::from_anchor(&anchor).unwrap();
    assert_eq!(reader.catch_up(&carried).unwrap(), 5);
    assert_eq!(reader.newest().version, 6);
    assert_eq!(reader.catch_up(&carried[..3]).unwrap(), 0);
    // A different version 3, properly signed by version 2's editor: not the chain the reader holds.
    let other = editor(40);
    let mut fork = carried[..2].to_vec();
    fork.push(signed_by(root(3, 1, &[&other]), &[&keys[1], &other]));
    assert_eq!(
        reader.catch_up(&fork).unwrap_err(),
        AuthorityError::ChainFork(3)
    );
    assert_eq!(reader.newest().version, 6);
}

#[test]
fn a_chain_longer_than_256_is_refused_before_parsing() {
    let (_, e) = one_editor_chain();
    let one = signed_by(root(1, 1, &[&e]), &[&e]);
    let block = Credentials {
        roots: vec![one; 257],
        others: Vec::new(),
    }
    .to_bytes();
    assert_eq!(
        Credentials::parse(&block).unwrap_err(),
        crate::format::statement::StatementError::ChainTooLong(257)
    );
}

#[test]
fn certificates_scope_channels_and_are_checked_against_the_newest_root() {
    let (mut chain, old) = one_editor_chain();
    let signing = editor(7).public();
    let statement = signed_by(
        certificate(&chain, &signing, &["news-ru-*", "weekly"]),
        &[&old],
    );
    let cert = chain.verify_certificate(&statement).unwrap();
    assert!(cert.allows_channel("news-ru-moscow"));
    assert!(cert.allows_channel("weekly"));
    assert!(!cert.allows_channel("weekly-extra"));
    assert!(!cert.allows_channel("news-en"));
    assert_eq!(cert.key_id(), Some(signing.key_id()));
    // After a rotation, a certificate signed only by the replaced root is refused.
    let new = editor(2);
    chain
        .extend(&signed_by(root(2, 1, &[&new]), &[&old, &new]))
        .unwrap();
    assert!(matches!(
        chain.verify_certificate(&statement),
        Err(AuthorityError::UnderThreshold { .. })
    ));
}

#[test]
fn a_statement_with_another_objects_context_string_is_refused() {
    let (chain, e) = one_editor_chain();
    let signing = editor(7).public();
    let cert = certificate(&chain, &signing, &["news-ru"]);
    // The certificate's body and bytes, signed under the revocation context, then relabelled.
    let mut bytes = cert.to_bytes();
    bytes[8] = StatementKind::Revocation.byte();
    let mut relabelled = SignedStatement::parse(&{
        let mut b = bytes.clone();
        b.push(0);
        b.truncate(b.len() - 1);
        b.extend_from_slice(&[0u8; 0]);
        b
    })
    .unwrap_or_else(|_| {
        let mut s =
            SignedStatement::unsigned(StatementKind::Revocation, cert.unverified_body()).unwrap();
        sign(&mut s, &e);
        s
    });
    sign(&mut relabelled, &e);
    // Now signed under the revocation context: as a certificate it is the wrong kind, and
    // its signature does not verify under the certificate context.
    assert!(matches!(
        chain.verify_certificate(&relabelled),
        Err(AuthorityError::WrongKind { .. })
    ));
    let mut back = relabelled.to_bytes();
    back[8] = StatementKind::Certificate.byte();
    let back = SignedStatement::parse(&back).unwrap();
    assert!(matches!(
        chain.verify_certificate(&back),
        Err(AuthorityError::UnderThreshold { valid: 0, .. })
    ));
    // And as a revocation its body says it is a certificate: refused once verified.
    assert!(matches!(
        chain.verify_revocation(&relabelled),
        Err(AuthorityError::InvalidBody { .. })
    ));
    // A bundle-header signature over the same bytes never verifies as a statement either.
    let mut header_signed =
        SignedStatement::unsigned(StatementKind::Certificate, cert.unverified_body()).unwrap();
    let mut message = b"tamizdat/v1/bundle-header\0".to_vec();
    message.extend_from_slice(
        &header_signed.signed_message()[StatementKind::Certificate.context().len()..],
    );
    header_signed
        .add_signature(e.public().key_id(), e.sign(&message))
        .unwrap();
    assert!(matches!(
        chain.verify_certificate(&header_signed),
        Err(AuthorityError::UnderThreshold { valid: 0, .. })
    ));
}

#[test]
fn a_certificate_from_another_root_is_refused() {
    let (chain, _) = one_editor_chain();
    let other_editor = editor(5);
    let other =
        RootChain::from_anchor(&signed_by(root(1, 1, &[&other_editor]), &[&other_editor])).unwrap();
    let signing = editor(7).public();
    let foreign = signed_by(
        certificate(&other, &signing, &["news-ru"]),
        &[&other_editor],
    );
    // Signed by another root's editor: no valid signature here.
    assert!(matches!(
        chain.verify_certificate(&foreign),
        Err(AuthorityError::UnderThreshold { .. })
    ));
}

#[test]
fn revocations_refuse_from_their_sequence_and_need_the_newest_editors() {
    let (mut chain, old) = one_editor_chain();
    let stolen = editor(7).public();
    let mut from = BTreeMap::new();
    from.insert("news-ru".to_string(), 143);
    let statement = signed_by(
        revocation_statement(
            &chain,
            &stolen,
            from,
            "laptop seized",
            at("2026-12-01T00:00:00Z"),
        )
        .unwrap(),
        &[&old],
    );
    let new = editor(2);
    // Read under version 1, it is a revocation.
    let revocation = chain.verify_revocation(&statement).unwrap();
    assert!(revocation.refuses(&stolen.to_bytes(), "news-ru", 143));
    assert!(revocation.refuses(&stolen.to_bytes(), "news-ru", u64::MAX));
    assert!(!revocation.refuses(&stolen.to_bytes(), "news-ru", 142));
    assert!(!revocation.refuses(&stolen.to_bytes(), "news-en", 500));
    assert!(!revocation.refuses(&editor(8).public().to_bytes(), "news-ru", 500));
    assert_eq!(revocation.reason, "laptop seized");
    // After the rotation, version 1's editor (rotated out, perhaps stolen) revokes no more:
    // a new revocation needs version 2's editors.
    chain
        .extend(&signed_by(root(2, 1, &[&new]), &[&old, &new]))
        .unwrap();
    assert!(matches!(
        chain.verify_revocation(&statement),
        Err(AuthorityError::UnderThreshold { valid: 0, .. })
    ));
}

#[test]
fn bodies_are_checked_after_their_signatures() {
    let (chain, e) = one_editor_chain();
    for body in [
        &b"not json"[..],
        b"{\"kind\":\"certificate\"}",
        b"{\"kind\":\"certificate\",\"kind\":\"certificate\"}",
    ] {
        let mut statement = SignedStatement::unsigned(StatementKind::Certificate, body).unwrap();
        sign(&mut statement, &e);
        assert!(
            matches!(
                chain.verify_certificate(&statement),
                Err(AuthorityError::InvalidBody { .. })
            ),
            "{body:?}"
        );
    }
}

#[test]
fn a_member_name_twice_is_refused_even_where_a_map_would_keep_the_last() {
    let (chain, e) = one_editor_chain();
    let root = chain.id().to_hex();
    let key = hex_of(&editor(9).public().to_bytes());
    let body = format!(
        "{{\"kind\":\"revocation\",\"root\":\"{root}\",\"key\":\"{key}\",\"from_sequence\":{{\"news\":1,\"n\\u0065ws\":900}},\"reason\":\"r\",\"issued\":\"2026-12-01T00:00:00Z\"}}"
    );
    let statement = signed_by(
        SignedStatement::unsigned(StatementKind::Revocation, body.as_bytes()).unwrap(),
        &[&e],
    );
    let error = chain.verify_revocation(&statement).unwrap_err();
    assert!(error.to_string().contains("appears twice"), "{error}");
    let once = body.replace(",\"n\\u0065ws\":900", "");
    let statement = signed_by(
        SignedStatement::unsigned(StatementKind::Revocation, once.as_bytes()).unwrap(),
        &[&e],
    );
    assert_eq!(
        chain
            .verify_revocation(&statement)
            .unwrap()
            .refused_from("news"),
        Some(1)
    );
}
