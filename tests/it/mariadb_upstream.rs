//! A real MySQL server behind the simulated chain: MariaDB (Debian's `mariadb-server-core`,
//! installed by `scripts/test`) on 127.0.0.1 with a throwaway data directory, the simulator
//! started with `rds_upstream` pointing at it, a setup to ACTIVE, then `tilink doctor
//! --probe` through the simulated NLB: a real greeting, a real login, a real `SELECT 1`,
//! and a real 1045 for a wrong password.
//!
//! Where MariaDB is not installed the test says so and skips, except under CI, where the
//! test command installs it and a missing server is a failure.

use crate::common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    let dirs = path
        .split(':')
        .map(PathBuf::from)
        .chain(["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"].map(PathBuf::from));
    for d in dirs {
        for n in names {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Initialises a data directory and starts mariadbd on `port` with one account.
fn start_mariadb(dir: &Path, port: u16, user: &str, password: &str) -> Result<Server, String> {
    let install =
        find(&["mariadb-install-db", "mysql_install_db"]).ok_or("mariadb-install-db not found")?;
    let server = find(&["mariadbd", "mysqld"]).ok_or("mariadbd not found")?;
    let data = dir.join("data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let mut c = Command::new(&install);
    c.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args(["--skip-test-db", "--skip-name-resolve"]);
    if is_root() {
        c.arg("--user=root");
    }
    let out = c.output().map_err(|e| format!("mariadb-install-db: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let init = dir.join("init.sql");
    std::fs::write(
        &init,
        format!(
            "CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}';\nGRANT USAGE ON *.* TO '{user}'@'127.0.0.1';\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let mut c = Command::new(&server);
    c.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", dir.join("sock").display()))
        .arg(format!("--pid-file={}", dir.join("pid").display()))
        .arg(format!("--port={port}"))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--skip-log-bin",
        ])
        .arg(format!("--init-file={}", init.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(dir.join("err.log")).map_err(|e| e.to_string())?,
        ));
    if is_root() {
        c.arg("--user=root");
    }
    let child = Server(c.spawn().map_err(|e| format!("mariadbd: {e}"))?);
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t0.elapsed() > Duration::from_secs(60) {
            let log = std::fs::read_to_string(dir.join("err.log")).unwrap_or_default();
            return Err(format!("mariadbd did not listen within 60 s:\n{log}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(child)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_mariadb_answers_through_the_simulated_chain() {
    if find(&["mariadbd", "mysqld"]).is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "mariadbd is not installed: scripts/test installs mariadb-server-core"
        );
        println!("SKIPPED: mariadbd is not installed (scripts/test installs it)");
        return;
    }
    let port = free_port();
    let w = common::world_with(tilink::sim::SimOptions {
        time_scale: 0.01,
        rds_upstream: Some(format!("127.0.0.1:{port}").parse().unwrap()),
        ..Default::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (user, pw) = (w.m.rds_user.clone(), w.m.rds_password.clone());
    let _db = {
        let (d, u, p) = (dir.path().to_path_buf(), user.clone(), pw.clone());
        tokio::task::spawn_blocking(move || start_mariadb(&d, port, &u, &p))
            .await
            .unwrap()
            .expect("MariaDB starts")
    };
    let m = w.setup_active().await;
    let lb = m.journal.resources.load_balancer_id.clone().unwrap();
    let resolve = w.resolve_for(&lb).await;
    let probe = |password: &str| {
        let out = w
            .bin()
            .env("TILINK_MYSQL_PASSWORD", password)
            .args(["doctor", "--cluster-id", &w.m.cluster_id, "--probe"])
            .args(["--mysql-user", &user, "--resolve", &resolve, "-o", "json"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!text.contains(password), "the password was printed");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(password));
        let v: serde_json::Value = serde_json::from_str(&text).expect("doctor JSON");
        v["chains"][0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "data-path")
            .cloned()
            .expect("data-path")
    };
    let ok = probe(&pw);
    assert_eq!(ok["status"], "pass", "{ok}");
    let version = ok["evidence"]["server_version"].as_str().unwrap();
    assert!(
        version.contains("MariaDB"),
        "a real MariaDB greeting: {version}"
    );
    assert!(ok["evidence"]["select_1_ms"].is_number());
    let bad = probe("not-the-password");
    assert_eq!(bad["status"], "warn", "{bad}");
    assert_eq!(bad["evidence"]["auth"]["error_code"], 1045, "{bad}");
    assert_eq!(bad["evidence"]["auth"]["sqlstate"], "28000");
}
