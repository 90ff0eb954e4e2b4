//! A real SMTP server for tests, not one of ours: Debian's `python3-aiosmtpd` with its Mailbox
//! handler, started on a free loopback port and writing every message it accepts to a maildir,
//! whose files the tests parse with `mailparse`. [`SmtpServer::stop`] and
//! [`SmtpServer::restart`] (same port, same maildir) simulate an outage.
//!
//! `.ci/run` installs the package. The server runs under Debian's `/usr/bin/python3` (where the
//! package lives) unless `SUYUAN_TEST_PYTHON` names another interpreter.

use std::path::PathBuf;
use std::time::Duration;
use tokio::process::{Child, Command};

/// A running (or stopped) aiosmtpd.
pub struct SmtpServer {
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

fn python() -> String {
    std::env::var("SUYUAN_TEST_PYTHON").unwrap_or_else(|_| {
        if std::path::Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3".to_owned()
        } else {
            "python3".to_owned()
        }
    })
}

impl SmtpServer {
    /// Starts aiosmtpd on a free loopback port and waits until it accepts connections.
    pub async fn start() -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut server = SmtpServer {
            port,
            dir: tempfile::tempdir().expect("maildir"),
            child: None,
        };
        server.run().await;
        server
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("maildir")
    }

    async fn run(&mut self) {
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.maildir())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd (apt-get install python3-aiosmtpd; .ci/run does)");
        self.child = Some(child);
        for _ in 0..200 {
            if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await {
                // Read the greeting, so the server is really speaking SMTP.
                use tokio::io::AsyncReadExt as _;
                let mut greeting = [0u8; 3];
                if s.read_exact(&mut greeting).await.is_ok() && &greeting == b"220" {
                    return;
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("aiosmtpd exited at start: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not accept connections on port {}", self.port);
    }

    /// `smtp://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server (kills it); connections are refused until [`SmtpServer::restart`].
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.expect("kill aiosmtpd");
        }
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("aiosmtpd still accepts connections after it was killed");
    }

    /// Starts the server again on the same port and maildir.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "stop it first");
        self.run().await;
    }

    /// Every message in the maildir, oldest first.
    pub fn messages(&self) -> Vec<Received> {
        let mut files = Vec::new();
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(self.maildir().join(sub)) else {
                continue;
            };
            for e in entries.flatten() {
                let modified = e.metadata().and_then(|m| m.modified()).ok();
                files.push((modified, e.file_name(), e.path()));
            }
        }
        files.sort();
        files
            .into_iter()
            .map(|(_, _, path)| Received::new(std::fs::read(&path).expect("read a maildir file")))
            .collect()
    }

    /// Waits (up to 10 s) until the maildir holds at least `n` messages; answers them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = self.messages();
        assert!(got.len() >= n, "expected {n} messages, got {}", got.len());
        got
    }
}

/// A message as the server stored it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The raw message (headers and body), as in the maildir file.
    pub raw: Vec<u8>,
}

/// A MIME part that is not text: its content type, `Content-ID` (without angle brackets),
/// disposition and decoded bytes.
#[derive(Clone, Debug)]
pub struct Part {
    /// `image/png`.
    pub mime: String,
    /// The `Content-ID`, without `<>`.
    pub content_id: Option<String>,
    /// `inline` or `attachment`.
    pub disposition: String,
    /// The decoded body.
    pub bytes: Vec<u8>,
}

impl Received {
    fn new(raw: Vec<u8>) -> Received {
        Received { raw }
    }

    fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("a MIME message")
    }

    /// The first header `name` (RFC 2047 decoded), if any.
    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap as _;
        self.parsed().headers.get_first_value(name)
    }

    /// The envelope recipients (aiosmtpd's `X-RcptTo`).
    pub fn rcpt_to(&self) -> Vec<String> {
        self.header("X-RcptTo")
            .map(|v| v.split(',').map(|r| r.trim().to_owned()).collect())
            .unwrap_or_default()
    }

    /// The envelope sender (aiosmtpd's `X-MailFrom`).
    pub fn mail_from(&self) -> String {
        self.header("X-MailFrom").unwrap_or_default()
    }

    /// The `To` header's addresses.
    pub fn to(&self) -> Vec<String> {
        use mailparse::MailAddr;
        let Some(raw) = self.header("To") else {
            return Vec::new();
        };
        mailparse::addrparse(&raw)
            .map(|list| {
                list.iter()
                    .flat_map(|a| match a {
                        MailAddr::Single(s) => vec![s.addr.clone()],
                        MailAddr::Group(g) => g.addrs.iter().map(|s| s.addr.clone()).collect(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `Subject`, RFC 2047 decoded.
    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The `Message-ID`.
    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap_or_default()
    }

    /// The top-level content type (`multipart/related`).
    pub fn content_type(&self) -> String {
        self.parsed().ctype.mimetype
    }

    /// The content types of every part, depth first, indented by depth (`multipart/related`,
    /// ` multipart/alternative`, `  text/plain`, …).
    pub fn structure(&self) -> Vec<String> {
        fn walk(p: &mailparse::ParsedMail<'_>, depth: usize, out: &mut Vec<String>) {
            out.push(format!("{}{}", " ".repeat(depth), p.ctype.mimetype));
            for s in &p.subparts {
                walk(s, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.parsed(), 0, &mut out);
        out
    }

    fn first_of(&self, mime: &str) -> Option<String> {
        fn find(p: &mailparse::ParsedMail<'_>, mime: &str) -> Option<String> {
            if p.subparts.is_empty() {
                return (p.ctype.mimetype == mime)
                    .then(|| p.get_body().expect("a decodable text part"));
            }
            p.subparts.iter().find_map(|s| find(s, mime))
        }
        find(&self.parsed(), mime)
    }

    /// The plain-text part (decoded).
    pub fn text(&self) -> Option<String> {
        self.first_of("text/plain")
    }

    /// The HTML part (decoded).
    pub fn html(&self) -> Option<String> {
        self.first_of("text/html")
    }

    /// The body a reader sees first: the plain-text part.
    pub fn body(&self) -> String {
        self.text().unwrap_or_default()
    }

    /// Every part that is not text or multipart (images, attachments).
    pub fn binary_parts(&self) -> Vec<Part> {
        fn walk(p: &mailparse::ParsedMail<'_>, out: &mut Vec<Part>) {
            use mailparse::MailHeaderMap as _;
            if p.subparts.is_empty() {
                if !p.ctype.mimetype.starts_with("text/") {
                    out.push(Part {
                        mime: p.ctype.mimetype.clone(),
                        content_id: p.headers.get_first_value("Content-ID").map(|id| {
                            id.trim()
                                .trim_start_matches('<')
                                .trim_end_matches('>')
                                .to_owned()
                        }),
                        disposition: format!("{:?}", p.get_content_disposition().disposition)
                            .to_lowercase(),
                        bytes: p.get_body_raw().expect("a decodable part"),
                    });
                }
                return;
            }
            for s in &p.subparts {
                walk(s, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.parsed(), &mut out);
        out
    }
}
