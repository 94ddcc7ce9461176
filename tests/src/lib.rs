//! Helpers of scopekit's cross-crate tests: the CLI binary, the numpy oracle, temp dirs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `scopekit` binary under test: `$SCOPEKIT_BIN`, else `target/release/scopekit`.
///
/// # Panics
/// When the binary does not exist (build it with `cargo build --release -p scopekit-cli`).
pub fn bin() -> PathBuf {
    let path = std::env::var_os("SCOPEKIT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/release/scopekit"));
    assert!(
        path.exists(),
        "{} missing: run `cargo build --release -p scopekit-cli` or set SCOPEKIT_BIN",
        path.display()
    );
    path
}

/// Run `scopekit ARGS`.
pub fn scopekit(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("run scopekit")
}

/// Run the numpy oracle (`tests/oracle.py`) and parse its JSON output.
///
/// # Panics
/// When python3 or numpy is missing, or the oracle fails.
pub fn oracle(args: &[&str]) -> serde_json::Value {
    let out = Command::new("python3")
        .arg(repo().join("tests/oracle.py"))
        .args(args)
        .output()
        .expect("run python3 (scripts/setup.sh installs it with numpy)");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&out.stdout).expect("oracle JSON")
}

/// Run a Python snippet (numpy available as `np`, arguments in `sys.argv[1:]`) that prints
/// one JSON value.
///
/// # Panics
/// When the snippet fails.
pub fn python(code: &str, args: &[&str]) -> serde_json::Value {
    let script = format!("import sys, json\nimport numpy as np\n{code}");
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python printed JSON")
}

/// A fresh temporary directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Create one named after `name` and the process.
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("scopekit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// A path inside it.
    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
