//! Sandbox and client throughput, and the memory a large upload takes. A program that prints
//! numbers, not a test:
//!
//! ```text
//! cargo bench --bench sandbox                       # defaults: 3 s per scenario, 1 GiB upload
//! GRACEFLOW_BENCH_SECONDS=10 GRACEFLOW_BENCH_UPLOAD_MIB=256 cargo bench --bench sandbox
//! ```
//!
//! The sandbox runs as its own process (`graceflow sandbox`), the client in this one, 32
//! requests in flight. Throughput is reported next to a baseline measured in the same run
//! (an authenticated `user-info` GET, the cheapest request with the full middleware stack);
//! peak memory of a large upload is reported next to that of a 1 MiB upload, each in a fresh
//! child process.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use graceflow::auth::{Credential, Token};
use graceflow::gracedb::{Category, CreateEvent, CreateSuperevent, GraceDb, ObjectId, WriteLog};

const BIN: &str = env!("CARGO_BIN_EXE_graceflow");
const CONCURRENCY: usize = 32;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set size of a process, from /proc (KiB).
fn peak_rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Server {
    child: Child,
    url: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(data: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--addr", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sandbox");
    let mut url = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("read the sandbox URL");
    let out = Command::new(BIN)
        .args(["sandbox", "token", "--data"])
        .arg(data)
        .output()
        .expect("mint a token");
    Server {
        child,
        url: url.trim().to_owned(),
        token: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    }
}

fn client(url: &str, token: &str) -> GraceDb {
    GraceDb::builder(url)
        .credential(Credential::Bearer(Token::new(token)))
        .build()
        .expect("client")
}

/// Requests per second and latency percentiles of `op`, run for `seconds` with
/// `CONCURRENCY` requests in flight.
async fn measure<F, Fut>(seconds: u64, op: F) -> (f64, Duration, Duration, usize)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let op = Arc::new(op);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut i = worker;
            while Instant::now() < deadline {
                let t = Instant::now();
                op(i).await;
                lat.push(t.elapsed());
                i += CONCURRENCY;
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    (all.len() as f64 / elapsed, pct(0.5), pct(0.99), all.len())
}

/// A coinc file of about 100 kB: the example padded with a comment, the size GraceDB's O4
/// design load assumed for a pipeline upload.
fn big_coinc(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows/data/coinc.xml"),
    )
    .expect("example coinc");
    let pad = format!(
        "<!-- {} -->\n",
        "x".repeat(100_000 - text.len().min(99_000))
    );
    let path = dir.join("coinc.xml");
    std::fs::write(
        &path,
        text.replacen("<LIGO_LW>", &format!("<LIGO_LW>\n{pad}"), 1),
    )
    .expect("write coinc");
    path
}

fn upload_child(path: &str, url: &str, token: &str, sid: &str) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let c = client(url, token);
    let t = Instant::now();
    let log = rt
        .block_on(c.write_log(
            &ObjectId::parse(sid).expect("sid"),
            &WriteLog {
                comment: "large upload".into(),
                file: Some(path.into()),
                ..Default::default()
            },
        ))
        .expect("upload");
    let secs = t.elapsed().as_secs_f64();
    println!("{} {secs} {}", peak_rss_kib("self"), log.n);
}

fn run_upload_child(file: &Path, server: &Server, sid: &str) -> (u64, f64) {
    let out = Command::new(std::env::current_exe().expect("self"))
        .args(["--upload-child"])
        .arg(file)
        .args([&server.url, &server.token, sid])
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let rss = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let secs = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    (rss, secs)
}

fn write_file(path: &Path, mib: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let block: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    for _ in 0..mib {
        f.write_all(&block).expect("write");
    }
    f.flush().expect("flush");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--upload-child") {
        upload_child(&args[i + 1], &args[i + 2], &args[i + 3], &args[i + 4]);
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let seconds = env_u64("GRACEFLOW_BENCH_SECONDS", 3);
    let upload_mib = env_u64("GRACEFLOW_BENCH_UPLOAD_MIB", 1024);
    let work = tempfile::tempdir().expect("temp dir");
    let server = start_server(&work.path().join("sandbox"));
    let coinc = big_coinc(work.path());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let c = client(&server.url, &server.token);

    let (sid, gid) = rt.block_on(async {
        let e = c
            .create_event(&CreateEvent {
                group: "Test".into(),
                pipeline: "gstlal".into(),
                search: Some("AllSky".into()),
                labels: vec![],
                offline: false,
                file: coinc.clone(),
            })
            .await
            .expect("seed event");
        let s = c
            .create_superevent(&CreateSuperevent {
                t_start: 1400123455.0,
                t_0: 1400123456.0,
                t_end: 1400123457.0,
                preferred_event: e.graceid.clone(),
                category: Category::Test,
                events: vec![],
                labels: vec![],
            })
            .await
            .expect("seed superevent");
        (s.superevent_id, e.graceid)
    });
    let small = work.path().join("small.txt");
    std::fs::write(&small, vec![b'a'; 10 * 1024]).expect("small file");

    println!(
        "graceflow sandbox benchmark: {seconds} s per scenario, {CONCURRENCY} requests in flight"
    );
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>9} {:>8}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    let report = |name: &str, (rate, p50, p99, n): (f64, Duration, Duration, usize), base: f64| {
        println!(
            "{name:<34} {n:>10} {rate:>9.0} {:>9.2} {:>9.2} {:>8.2}",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            rate / base
        );
    };
    let cc = c.clone();
    let baseline = rt.block_on(measure(seconds, move |_| {
        let c = cc.clone();
        async move {
            c.user_info().await.expect("user info");
        }
    }));
    report("baseline: GET user-info", baseline, baseline.0);
    let cc = c.clone();
    let g = gid.clone();
    report(
        "GET event",
        rt.block_on(measure(seconds, move |_| {
            let (c, g) = (cc.clone(), g.clone());
            async move {
                c.event(&g).await.expect("event");
            }
        })),
        baseline.0,
    );
    let cc = c.clone();
    let file = coinc.clone();
    report(
        "POST event (100 kB coinc, parsed)",
        rt.block_on(measure(seconds, move |_| {
            let (c, file) = (cc.clone(), file.clone());
            async move {
                c.create_event(&CreateEvent {
                    group: "Test".into(),
                    pipeline: "gstlal".into(),
                    search: Some("AllSky".into()),
                    labels: vec![],
                    offline: false,
                    file,
                })
                .await
                .expect("create event");
            }
        })),
        baseline.0,
    );
    let cc = c.clone();
    let s = ObjectId::Superevent(sid.clone());
    report(
        "POST log with a 10 kB file",
        rt.block_on(measure(seconds, move |_| {
            let (c, s, f) = (cc.clone(), s.clone(), small.clone());
            async move {
                c.write_log(
                    &s,
                    &WriteLog {
                        comment: "bench".into(),
                        file: Some(f),
                        ..Default::default()
                    },
                )
                .await
                .expect("write log");
            }
        })),
        baseline.0,
    );

    let server_pid = server.child.id().to_string();
    let one = work.path().join("one.data");
    write_file(&one, 1);
    let (base_rss, _) = run_upload_child(&one, &server, sid.as_str());
    let server_before = peak_rss_kib(&server_pid);
    let big = work.path().join("big.data");
    write_file(&big, upload_mib);
    let (big_rss, secs) = run_upload_child(&big, &server, sid.as_str());
    let server_after = peak_rss_kib(&server_pid);
    std::fs::remove_file(&big).ok();
    println!();
    println!(
        "upload of {upload_mib} MiB through the client: {secs:.1} s ({:.0} MiB/s)",
        upload_mib as f64 / secs
    );
    println!(
        "  client peak RSS {:.1} MiB, {:.2}× the peak of a 1 MiB upload ({:.1} MiB)",
        big_rss as f64 / 1024.0,
        big_rss as f64 / base_rss.max(1) as f64,
        base_rss as f64 / 1024.0
    );
    println!(
        "  sandbox peak RSS {:.1} MiB, {:.2}× its peak before the upload ({:.1} MiB)",
        server_after as f64 / 1024.0,
        server_after as f64 / server_before.max(1) as f64,
        server_before as f64 / 1024.0
    );
}
