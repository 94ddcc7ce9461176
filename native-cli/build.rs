//! Embeds the web page (`../web`, including the generated `pkg/`) into the binary: writes
//! `assets.rs` with one `(path, entity tag, bytes)` entry per file. The tag (the FNV-1a hash
//! of the bytes, quoted) is computed here, so `scopekit serve` never hashes at run time.

use std::fmt::Write as _;
use std::path::Path;

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "node_modules" {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            out.push((
                url,
                path.canonicalize()
                    .unwrap_or(path)
                    .to_string_lossy()
                    .into_owned(),
            ));
        }
    }
}

/// FNV-1a, 64 bits: a cheap, stable hash for the assets' entity tags.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn main() {
    // Read at run time: `env!` would freeze the path of whichever checkout first compiled
    // this build script into a shared target directory.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let web = Path::new(&manifest).join("../web");
    println!("cargo:rerun-if-changed={}", web.display());
    println!("cargo:rerun-if-changed={}", web.join("pkg").display());
    let mut files = Vec::new();
    collect(&web, &web, &mut files);
    if !files.iter().any(|(url, _)| url.ends_with(".wasm")) {
        println!("cargo:warning=web/pkg has no wasm module: `scopekit serve` will lack it (run scripts/build-wasm.sh first)");
    }
    let mut code = String::from(
        "/// The embedded web assets: (URL path, entity tag, contents).\n\
         pub static ASSETS: &[(&str, &str, &[u8])] = &[\n",
    );
    for (url, path) in &files {
        println!("cargo:rerun-if-changed={path}");
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        let tag = format!("\"{:016x}\"", fnv1a(&bytes));
        let _ = writeln!(code, "    ({url:?}, {tag:?}, include_bytes!({path:?})),");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("assets.rs");
    std::fs::write(out, code).expect("write assets.rs");
}
