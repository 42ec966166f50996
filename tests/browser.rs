//! The pages in a real browser: Chromium (Debian's) driven by Playwright
//! from the test virtualenv runs `tests/browser/flow.py` against a real
//! `eseal serve` on a 375 px phone screen. Screenshots go to `artifacts/`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use common::server::{PASSWORD, Server, setup};
use common::{Backend, TestEnv, repo, tool};

#[tokio::test]
async fn resident_clerk_and_verifier_in_a_real_browser() {
    let Some(python) = tool("python3") else {
        return;
    };
    let venv_python = repo().join(".venv/bin/python");
    let python = if venv_python.exists() {
        venv_python
    } else {
        python
    };
    let has_playwright = std::process::Command::new(&python)
        .args(["-c", "import playwright"])
        .status()
        .is_ok_and(|s| s.success());
    let chromium = std::env::var("ESEAL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !has_playwright || !std::path::Path::new(&chromium).exists() {
        if common::is_ci() {
            panic!("CI=true and Playwright or Chromium is missing (scripts/test.sh installs them)");
        }
        eprintln!(
            "note: Playwright or Chromium not installed: the browser test is skipped (run scripts/test.sh)"
        );
        return;
    }
    let env = TestEnv::new(Backend::Sqlite).await;
    setup(&env, &["fanrong-clerk"]);
    let server = Server::start(&env);
    let artifacts = repo().join("artifacts");
    let out = std::process::Command::new(&python)
        .arg(repo().join("tests/browser/flow.py"))
        .args([server.base.as_str(), "fanrong-clerk", PASSWORD])
        .arg(&artifacts)
        .env("ESEAL_CHROMIUM", &chromium)
        .output()
        .expect("run the browser flow");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser flow failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("browser flow: ok"));
    drop(server);
    env.cleanup().await;
}
