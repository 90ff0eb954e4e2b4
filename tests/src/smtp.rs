//! A small, real SMTP server on loopback for tests: it speaks RFC 5321 over TCP (EHLO/HELO,
//! MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and keeps every message it accepts.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

/// A message as received.
#[derive(Clone, Debug, Default)]
pub struct Received {
    /// The envelope sender.
    pub mail_from: String,
    /// The envelope recipients.
    pub rcpt_to: Vec<String>,
    /// Headers and body, as sent (CRLF line ends, dots unstuffed).
    pub data: String,
}

impl Received {
    /// The `Subject` header, with RFC 2047 encoded words (B and Q) decoded.
    pub fn subject(&self) -> String {
        let mut lines = self.data.split("\r\n");
        let mut raw = String::new();
        while let Some(l) = lines.next() {
            if l.is_empty() {
                break;
            }
            if let Some(v) = l
                .strip_prefix("Subject:")
                .or_else(|| l.strip_prefix("subject:"))
            {
                raw.push_str(v.trim());
                for cont in lines.by_ref() {
                    if cont.starts_with(' ') || cont.starts_with('\t') {
                        raw.push(' ');
                        raw.push_str(cont.trim());
                    } else {
                        break;
                    }
                }
                break;
            }
        }
        decode_words(&raw)
    }

    /// The body after the headers, with quoted-printable or base64 transfer encoding undone.
    pub fn body(&self) -> String {
        let (head, body) = self.data.split_once("\r\n\r\n").unwrap_or(("", ""));
        let head = head.to_ascii_lowercase();
        if head.contains("content-transfer-encoding: base64") {
            use base64::Engine as _;
            let joined: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        } else if head.contains("content-transfer-encoding: quoted-printable") {
            String::from_utf8_lossy(&quoted_printable(body, false)).into_owned()
        } else {
            body.to_owned()
        }
    }
}

fn quoted_printable(s: &str, underscore_is_space: bool) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if underscore_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`); whitespace between two
/// encoded words is dropped, as the RFC says.
fn decode_words(raw: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    let mut prev_encoded = false;
    for (n, token) in raw.split(' ').enumerate() {
        let encoded = token.starts_with("=?") && token.ends_with("?=");
        if n > 0 && !(prev_encoded && encoded) {
            out.push(' ');
        }
        if encoded {
            let parts: Vec<&str> = token[2..token.len() - 2].splitn(3, '?').collect();
            if let [_, enc, text] = parts[..] {
                let bytes = if enc.eq_ignore_ascii_case("b") {
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .unwrap_or_default()
                } else {
                    quoted_printable(text, true)
                };
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        } else {
            out.push_str(token);
        }
        prev_encoded = encoded;
    }
    out
}

/// A running server and what it received.
pub struct SmtpServer {
    /// `127.0.0.1:<port>`.
    pub addr: String,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpServer {
    /// Starts a server on a free loopback port.
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let addr = listener.local_addr().expect("addr").to_string();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let store = inbox.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(stream, store).await;
                });
            }
        });
        SmtpServer { addr, inbox }
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Messages received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().expect("inbox").clone()
    }

    /// Waits (up to 10 s) until `n` messages have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    inbox: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 suyuan-test-smtp ESMTP ready\r\n").await?;
    let mut current = Received::default();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_owned();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            w.write_all(b"250-suyuan-test-smtp\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 OK\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            w.write_all(b"250 suyuan-test-smtp\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            current = Received {
                mail_from: cmd[10..].trim().to_owned(),
                ..Default::default()
            };
            w.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            current.rcpt_to.push(cmd[8..].trim().to_owned());
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                let l = line.strip_prefix('.').unwrap_or(&line);
                data.push_str(l);
            }
            current.data = data;
            inbox
                .lock()
                .expect("inbox")
                .push(std::mem::take(&mut current));
            w.write_all(b"250 OK: queued\r\n").await?;
        } else if upper == "RSET" {
            current = Received::default();
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "NOOP" {
            w.write_all(b"250 OK\r\n").await?;
        } else if upper == "QUIT" {
            w.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            w.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}
