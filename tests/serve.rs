//! `scopekit serve`: embedded assets with the right types and cross-origin isolation.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use scopekit_tests::bin;

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start() -> Server {
    let mut child = Command::new(bin())
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start scopekit serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("serving on http://")
        .trim_end_matches('/')
        .to_string();
    assert!(
        addr.starts_with("127.0.0.1:"),
        "loopback by default: {line}"
    );
    Server(child, addr)
}

fn get(addr: &str, path: &str) -> (String, Vec<u8>) {
    get_with(addr, path, "")
}

/// GET `path` with `extra` header lines (each ending in CRLF).
fn get_with(addr: &str, path: &str, extra: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase(),
        raw[split + 4..].to_vec(),
    )
}

#[test]
fn serves_the_page_and_wasm_with_isolation_headers() {
    let server = start();
    let (head, body) = get(&server.1, "/");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/html"));
    assert!(head.contains("cross-origin-opener-policy: same-origin"));
    assert!(head.contains("cross-origin-embedder-policy: require-corp"));
    assert!(String::from_utf8_lossy(&body).contains("data-testid=\"file-input\""));
    let (head, body) = get(&server.1, "/pkg/scopekit_wasm_bg.wasm");
    assert!(head.contains("content-type: application/wasm"), "{head}");
    assert_eq!(&body[..4], b"\0asm");
    let (head, _) = get(&server.1, "/worker.js");
    assert!(head.contains("content-type: text/javascript"), "{head}");
    let (head, _) = get(&server.1, "/nope");
    assert!(head.starts_with("http/1.1 404"), "{head}");
}

#[test]
fn assets_revalidate_by_entity_tag() {
    let server = start();
    let wasm = "/pkg/scopekit_wasm_bg.wasm";
    let (head, body) = get(&server.1, wasm);
    let tag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .expect("an etag")
        .to_string();
    assert!(head.contains("cache-control: no-cache"), "{head}");
    let (again, _) = get(&server.1, wasm);
    assert!(
        again.contains(&format!("etag: {tag}")),
        "the same tag: {again}"
    );
    let (head, empty) = get_with(&server.1, wasm, &format!("If-None-Match: {tag}\r\n"));
    assert!(head.starts_with("http/1.1 304"), "{head}");
    assert!(empty.is_empty());
    assert!(
        head.contains("cross-origin-embedder-policy: require-corp"),
        "{head}"
    );
    let (head, full) = get_with(&server.1, wasm, "If-None-Match: \"0\"\r\n");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(full, body);
    let (_, page) = get(&server.1, "/");
    let (head, _) = get(&server.1, "/index.html");
    assert!(
        !head.contains(&format!("etag: {tag}")),
        "tags differ per asset"
    );
    assert!(!page.is_empty());
}
