//! `scopekit serve`: a small static HTTP/1.1 server for the embedded web page.
//!
//! Hand-written on `std::net` (GET and HEAD of embedded files only) rather than pulling an
//! HTTP stack into the binary. Every response carries the cross-origin isolation headers
//! (`COOP: same-origin`, `COEP: require-corp`) that make the page `crossOriginIsolated`, so
//! web/wasm-loader.js loads the threaded wasm build (`--no-isolation` leaves them out: the
//! single-threaded fallback), and a Content-Security-Policy that keeps every request on the
//! origin. Assets carry an `ETag` (a hash of their bytes, computed by build.rs) and `Cache-Control: no-cache`:
//! the browser revalidates every load and gets `304 Not Modified` while the build is the
//! same, so its HTTP cache — and with it V8's cache of compiled wasm, which every new worker
//! would otherwise compile again — serves the page's workers.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use crate::error::CliError;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// The Content-Security-Policy of every response (the pages repeat it in a `<meta>`): no
/// request may leave the origin; wasm compilation is allowed, nothing else is evaluated.
/// Workers may also start from `blob:` URLs: wasm-bindgen-rayon (no-bundler) starts the
/// threaded build's pool workers from a blob of its own same-origin helper script.
const CSP: &str =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; \
                   connect-src 'self' blob:; img-src 'self' data:; style-src 'self'; \
                   object-src 'none'; base-uri 'self'; form-action 'self'";

/// Longest request head accepted.
const MAX_HEAD: usize = 16 << 10;

/// The MIME type for a path's extension.
fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

/// The cross-origin isolation headers (what `SharedArrayBuffer`, hence wasm threads, needs).
const ISOLATION: &str =
    "Cross-Origin-Opener-Policy: same-origin\r\nCross-Origin-Embedder-Policy: require-corp\r\n";

/// The value of header `name` (lower case, without the colon) in a request head.
fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Serve until the process is stopped; `isolated` sends the cross-origin isolation headers.
pub fn run(host: &str, port: u16, isolated: bool) -> Result<(), CliError> {
    let listener = TcpListener::bind((host, port))
        .map_err(|e| CliError::io(&format!("cannot listen on {host}:{port}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::io("cannot read the bound address", e))?;
    let shown = if addr.is_ipv6() {
        format!("[{}]:{}", addr.ip(), addr.port())
    } else {
        addr.to_string()
    };
    println!("serving on http://{shown}/");
    if !isolated {
        println!("not cross-origin isolated: the page runs the single-threaded wasm build");
    }
    let _ = std::io::stdout().flush();
    if !addr.ip().is_loopback() {
        eprintln!(
            "note: listening on a non-loopback address; anyone who can reach it can load the page"
        );
    }
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let _ = handle(stream, isolated);
        });
    }
    Ok(())
}

fn handle(mut stream: TcpStream, isolated: bool) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut head = Vec::new();
        let mut line = String::new();
        let mut first = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if first.is_empty() {
                first = line.trim_end().to_string();
            }
            head.extend_from_slice(line.as_bytes());
            if head.len() > MAX_HEAD {
                return respond(
                    &mut stream,
                    isolated,
                    "431 Request Header Fields Too Large",
                    "text/plain",
                    b"",
                    true,
                );
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
        }
        let head = String::from_utf8_lossy(&head);
        let keep_alive =
            !header(&head, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let mut parts = first.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let path = target.split(['?', '#']).next().unwrap_or("/");
        let path = if path == "/" { "/index.html" } else { path };
        let found = assets::ASSETS.iter().find(|(p, _, _)| *p == path);
        match (method, found) {
            ("GET" | "HEAD", Some(&(p, tag, body))) => {
                let fresh = header(&head, "if-none-match")
                    .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
                let asset = Asset {
                    mime: mime(p),
                    etag: tag,
                };
                if fresh {
                    respond_len(
                        &mut stream,
                        isolated,
                        "304 Not Modified",
                        asset,
                        b"",
                        0,
                        keep_alive,
                    )?;
                } else {
                    let sent: &[u8] = if method == "HEAD" { b"" } else { body };
                    respond_len(
                        &mut stream,
                        isolated,
                        "200 OK",
                        asset,
                        sent,
                        body.len(),
                        keep_alive,
                    )?;
                }
            }
            ("GET" | "HEAD", None) => respond(
                &mut stream,
                isolated,
                "404 Not Found",
                "text/plain",
                b"not found\n",
                keep_alive,
            )?,
            _ => respond(
                &mut stream,
                isolated,
                "405 Method Not Allowed",
                "text/plain",
                b"only GET and HEAD\n",
                keep_alive,
            )?,
        }
        if !keep_alive {
            return Ok(());
        }
    }
}

/// What a response says about its body: its type and, for an asset, its entity tag.
#[derive(Clone, Copy)]
struct Asset<'a> {
    mime: &'a str,
    etag: &'a str,
}

fn respond(
    stream: &mut TcpStream,
    isolated: bool,
    status: &str,
    mime: &str,
    body: &[u8],
    keep_alive: bool,
) -> std::io::Result<()> {
    let asset = Asset { mime, etag: "" };
    respond_len(
        stream,
        isolated,
        status,
        asset,
        body,
        body.len(),
        keep_alive,
    )
}

/// Write a response whose body is `body` (empty for HEAD and 304) of `len` bytes.
fn respond_len(
    stream: &mut TcpStream,
    isolated: bool,
    status: &str,
    asset: Asset<'_>,
    body: &[u8],
    len: usize,
    keep_alive: bool,
) -> std::io::Result<()> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let isolation = if isolated { ISOLATION } else { "" };
    let mime = asset.mime;
    let etag = if asset.etag.is_empty() {
        String::new()
    } else {
        format!("ETag: {}\r\n", asset.etag)
    };
    let length = if status.starts_with("304") {
        String::new()
    } else {
        format!("Content-Length: {len}\r\n")
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\n{length}{etag}\
         {isolation}Cross-Origin-Resource-Policy: same-origin\r\nX-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: {CSP}\r\n\
         Cache-Control: no-cache\r\nConnection: {connection}\r\n\r\n"
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}
