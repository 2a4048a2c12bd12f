//! A real nginx (Debian's package, installed by `.ci/run`) in front of `sockai serve` nodes,
//! started by the test on a loopback port it picked, everything it writes in a tempdir, in
//! the foreground (`daemon off`) as the current user; stopped when dropped.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::WAIT;

/// Where Debian installs it (`/usr/sbin` is not on every user's PATH).
const NGINX: &str = "/usr/sbin/nginx";

/// How the upstream picks a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// `ip_hash`: a client address always reaches the same node (sticky).
    IpHash,
    /// nginx's default round robin: each request to the next node.
    RoundRobin,
}

pub struct Nginx {
    child: Child,
    /// `127.0.0.1:PORT` it listens on.
    pub addr: String,
    pub dir: tempfile::TempDir,
}

/// The config: the WebSocket upgrade as nginx documents it (HTTP/1.1 upstream, `Upgrade` and
/// `Connection` from a map), the client's `Host`, `X-Forwarded-For` appended.
pub fn config(dir: &str, port: u16, nodes: &[&str], balance: Balance, user: &str) -> String {
    let servers: String = nodes.iter().map(|n| format!("    server {n};\n")).collect();
    let ip_hash = match balance {
        Balance::IpHash => "    ip_hash;\n",
        Balance::RoundRobin => "",
    };
    format!(
        "daemon off;
user {user};
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/client_body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  map $http_upgrade $connection_upgrade {{
    default upgrade;
    '' close;
  }}
  upstream sockai {{
{ip_hash}{servers}  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://sockai;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 1h;
      proxy_buffering off;
    }}
  }}
}}
"
    )
}

fn current_user() -> String {
    let output = Command::new("id").arg("-un").output().expect("id -un");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A free loopback port (bound, then released for nginx to take).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    /// nginx in front of `nodes` (`127.0.0.1:PORT` each).
    pub fn start(nodes: &[&str], balance: Balance) -> Self {
        assert!(
            PathBuf::from(NGINX).exists(),
            "{NGINX} is missing: install Debian's nginx (`apt-get install nginx`, as .ci/run does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap().to_owned();
        let port = free_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(&path, port, nodes, balance, &current_user())).unwrap();
        let child = Command::new(NGINX)
            .args(["-p", &path, "-e", &format!("{path}/error.log"), "-c"])
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut nginx = Self {
            child,
            addr: format!("127.0.0.1:{port}"),
            dir,
        };
        nginx.wait_listening();
        nginx
    }

    /// nginx has no line to wait for: try its port until it answers (bounded), failing with
    /// its error log if it exited.
    fn wait_listening(&mut self) {
        let deadline = Instant::now() + WAIT;
        loop {
            if TcpStream::connect(&self.addr).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("nginx exited ({status}):\n{}", self.error_log());
            }
            assert!(
                Instant::now() < deadline,
                "nginx is not listening:\n{}",
                self.error_log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGKILL of the master leaves its worker: SIGTERM is nginx's fast shutdown.
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .ok();
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.child.kill().ok();
        self.child.wait().ok();
    }
}
