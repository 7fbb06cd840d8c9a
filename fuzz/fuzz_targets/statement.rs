//! `SignedStatement::parse`, `Credentials::parse` and `Credentials::parse_file` on arbitrary
//! bytes (issue 12): whatever parses is exactly the bytes it came from (`to_bytes`,
//! `to_file_bytes`), and a statement rebuilt from its kind, body and signatures is the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tamizdat::format::statement::{
    CREDENTIALS_FILE_MAGIC, Credentials, STATEMENT_PREAMBLE_LEN, SignedStatement,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(statement) = SignedStatement::parse(data) {
        assert_eq!(statement.to_bytes(), data, "a statement is the bytes it was parsed from");
        let kind = statement.kind();
        let _ = kind.noun();
        assert_eq!(data[8], kind.byte());
        assert!(statement.signed_message().starts_with(kind.context()));
        assert_eq!(
            &statement.signed_message()[kind.context().len()..],
            &data[..STATEMENT_PREAMBLE_LEN + statement.unverified_body().len()]
        );
        let signatures = statement.signatures();
        assert!(!signatures.is_empty());
        assert!(signatures.windows(2).all(|pair| pair[0].0 < pair[1].0));
        let mut rebuilt = SignedStatement::unsigned(kind, statement.unverified_body())
            .expect("a parsed body fits a statement");
        for (id, signature) in signatures.iter().rev() {
            rebuilt.add_signature(*id, *signature).expect("at most 255 signatures");
        }
        assert_eq!(rebuilt, statement);
    }

    if let Ok(credentials) = Credentials::parse(data) {
        assert_eq!(credentials.to_bytes(), data, "a block is the bytes it was parsed from");
        let file = credentials.to_file_bytes();
        assert_eq!(Credentials::parse_file(&file).as_ref(), Ok(&credentials));
    }

    if let Ok(credentials) = Credentials::parse_file(data) {
        assert_eq!(credentials.to_file_bytes(), data, "a file is the bytes it was parsed from");
        assert_eq!(
            Credentials::parse(&data[CREDENTIALS_FILE_MAGIC.len()..]).as_ref(),
            Ok(&credentials)
        );
    }
});
