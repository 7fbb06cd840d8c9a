mod common;
use common::mirror::*;
#[test]
fn smoke() {
    let dir = tempfile::tempdir().unwrap();
    let publisher = publisher_in(&dir.path().join("p"), 3);
    publisher.publish(
        "news",
        &[1, 2],
        10_000,
        &["http://127.0.0.1:1/m/"],
        "2026-12-05T00:00:00Z",
    );
    let home = publisher.trusting_home(&dir.path().join("home"));
    let dst = dir.path().join("dst");
    sync(&home, publisher.mirror.to_str().unwrap(), &dst, &[]).expect_code(0);
    check(&home, &dst).expect_code(0).expect_text("OK news");
}
