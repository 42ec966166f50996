//! Running `eseal serve` as a child process for tests.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Stdio};

use super::{TestEnv, eseal, repo, run};

pub const SEAL_A: &str = "320707100002-01";
pub const PASSWORD: &str = "correct horse battery staple";

/// A running `eseal serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(env: &TestEnv) -> Self {
        Self::start_with(env, &["serve", "--listen", "127.0.0.1:0"])
    }

    /// Start `eseal ARGS...` (which must end up serving).
    pub fn start_with(env: &TestEnv, args: &[&str]) -> Self {
        let mut child = eseal(env)
            .args(args)
            .env("ESEAL_LOG", "warn")
            // The tests submit dozens of applications from one client with
            // the template's example ID number (tests/api/flood.rs checks
            // the default limits).
            .env("ESEAL_APPLICATIONS_PER_CLIENT_HOUR", "100000")
            .env("ESEAL_APPLICATIONS_PER_ID_NUMBER_DAY", "100000")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn eseal serve");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .expect("read");
            if let Some(url) = line.strip_prefix("eseal listening on ") {
                break url.trim().to_string();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self { child, base }
    }

    pub fn kill9(&mut self) {
        // SIGKILL: no graceful shutdown, no destructors.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn setup(env: &TestEnv, clerks: &[&str]) {
    let (ok, _, err) = run(eseal(env).arg("init"));
    assert!(ok, "init: {err}");
    let roster = repo().join("keys-example/roster.csv");
    let (ok, _, err) = run(eseal(env)
        .args(["seals", "provision", "--roster"])
        .arg(&roster));
    assert!(ok, "provision: {err}");
    for c in clerks {
        let mut child = eseal(env)
            .args([
                "users",
                "add",
                "--username",
                c,
                "--role",
                "clerk",
                "--seal",
                SEAL_A,
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("users add");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{PASSWORD}\n").as_bytes())
            .expect("write");
        assert!(child.wait().expect("wait").success(), "users add {c}");
    }
}
