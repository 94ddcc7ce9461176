//! Bad input: exit status 1 and a message naming the file, the byte offset and what was
//! expected; usage errors: exit status 2.

use scopekit_tests::{scopekit, TempDir};

fn fails(dir: &TempDir, name: &str, bytes: &[u8], needles: &[&str]) {
    let path = dir.path(name);
    std::fs::write(&path, bytes).unwrap();
    for cmd in ["stats", "info"] {
        let out = scopekit(&[cmd, path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name} {cmd}: {err}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        assert!(
            err.starts_with("error: ") && err.contains(name),
            "{name}: {err}"
        );
        for needle in needles {
            assert!(
                err.contains(needle),
                "{name} {cmd}: {err:?} lacks {needle:?}"
            );
        }
        assert!(!err.contains("panicked"), "{err}");
    }
}

fn header(dict: &str) -> Vec<u8> {
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

#[test]
fn bad_files_fail_clearly() {
    let dir = TempDir::new("errors");
    fails(
        &dir,
        "empty.npy",
        b"",
        &["at byte 0", "expected a capture format"],
    );
    fails(
        &dir,
        "binary.npy",
        b"\x00\x01\x02\x03 no capture here \xff\xfe\xfd\xfc\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        &["at byte 0", "expected a capture format", "byte 0x00"],
    );
    fails(
        &dir,
        "short.npy",
        b"\x93NUM",
        &["ends at byte 4", "NPY magic"],
    );
    fails(
        &dir,
        "version.npy",
        b"\x93NUMPY\x09\x00",
        &["at byte 6", "version 9"],
    );
    let mut truncated = header("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 2), }\n");
    let end = truncated.len();
    truncated.extend_from_slice(&[0; 17]);
    fails(
        &dir,
        "truncated.npy",
        &truncated,
        &[
            "truncated",
            &format!("ends at byte {}", end + 17),
            "800 data bytes",
        ],
    );
    let huge = header("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000000,), }\n");
    fails(&dir, "huge.npy", &huge, &["8000000000000000 data bytes"]);
    let overflow =
        header("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }\n");
    fails(
        &dir,
        "overflow.npy",
        &overflow,
        &["at byte 10", "overflows"],
    );
    let complex = header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n");
    fails(
        &dir,
        "complex.npy",
        &complex,
        &["at byte 20", "unsupported dtype '<c8'"],
    );
    let dims = header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }\n");
    fails(&dir, "cube.npy", &dims, &["unsupported 3-D array"]);
    let broken = header("{'descr': '<f4', 'fortran_order': Nope, 'shape': (1,), }");
    fails(
        &dir,
        "broken.npy",
        &broken,
        &["at byte 44", "expected True or False"],
    );
}

#[test]
fn missing_file_and_bad_channel_fail_with_1() {
    let out = scopekit(&["stats", "/nonexistent/capture.npy"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/capture.npy: cannot open"));
    let dir = TempDir::new("channel");
    let path = dir.path("one.npy");
    let mut bytes = header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n");
    bytes.extend_from_slice(&[0; 8]);
    std::fs::write(&path, bytes).unwrap();
    let out = scopekit(&["stats", path.to_str().unwrap(), "--channel", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("channel 1 does not exist"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["stats"][..],
        &["stats", "x.npy", "--channel", "minus"],
        &["frobnicate"],
        &[],
    ] {
        let out = scopekit(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(scopekit(&["--help"]).status.code(), Some(0));
}
