//! Wall time of a fan-out workflow against the sandbox with injected latency, next to its
//! critical-path lower bound. A program that prints numbers, not a test:
//!
//! ```text
//! cargo bench --bench workflow                        # defaults: 50 ms latency, 5 runs each
//! GRACEFLOW_BENCH_LATENCY_MS=100 GRACEFLOW_BENCH_RUNS=9 cargo bench --bench workflow
//! ```
//!
//! The sandbox runs as its own process (`graceflow sandbox --latency 50`), and so does every
//! run (`graceflow run … --jobs N`), timed from spawn to exit. The manifest creates a Test
//! event, a superevent around it, and 64 log entries, each attaching a 4 kB file
//! (`for_each: ${{ glob("files/*.dat") }}`). Each run has a fresh journal.
//!
//! The bound: the plan has 3 levels, and the client's first request also fetches the service
//! root, so no run can take less than (levels + 1) × latency = 200 ms; with `--jobs N` the
//! 64 uploads need ⌈64 / N⌉ round trips instead of one. The sandbox logs every request
//! (`GRACEFLOW_LOG=tower_http=debug`) with microsecond timestamps, from which the time of the
//! median `--jobs 64` run is broken down: start-up, each round trip, the client's time
//! between them, and exit.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use graceflow::analyze::{Options, analyze};
use graceflow::auth::{Credential, Token};
use graceflow::gracedb::{Category, CreateEvent, CreateSuperevent, GraceDb, ObjectId, WriteLog};
use graceflow::manifest::{Source, model};

const BIN: &str = env!("CARGO_BIN_EXE_graceflow");
const FILES: usize = 64;
const FILE_BYTES: usize = 4096;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// How far the request log has been written.
    fn mark(&self) -> u64 {
        std::fs::metadata(&self.log).map_or(0, |m| m.len())
    }

    /// The requests logged since `mark`.
    fn requests_since(&self, mark: u64) -> Vec<Logged> {
        let bytes = std::fs::read(&self.log).unwrap_or_default();
        let tail = bytes.get(mark as usize..).unwrap_or_default();
        String::from_utf8_lossy(tail)
            .lines()
            .filter_map(parse_log_line)
            .collect()
    }
}

/// The sandbox, logging every request to a file.
fn start_server(data: &Path, log: &Path, latency_ms: u64) -> Server {
    let mut child = Command::new(BIN)
        .args(["sandbox", "--addr", "127.0.0.1:0", "--latency"])
        .arg(latency_ms.to_string())
        .arg("--data")
        .arg(data)
        .env("GRACEFLOW_LOG", "tower_http=debug")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("sandbox log"))
        .spawn()
        .expect("start the sandbox");
    let mut url = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut url)
        .expect("read the sandbox URL");
    Server {
        child,
        url: url.trim().to_owned(),
        log: log.to_owned(),
    }
}

/// One line of the sandbox's request log (tower-http's trace layer).
#[derive(Debug, Clone)]
struct Logged {
    /// Unix seconds.
    at: f64,
    method: String,
    uri: String,
    /// Started (the request arrived) or finished (the answer is ready).
    finished: bool,
    /// For finished requests: the server's own measure, injected latency included.
    latency_ms: Option<f64>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-25T20:26:33.800368Z` as Unix seconds.
fn parse_rfc3339(s: &str) -> Option<f64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let mut t = time.split(':');
    let (h, mi) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let sec: f64 = t.next()?.parse().ok()?;
    Some((days_from_civil(y, m, day) * 86_400 + h * 3_600 + mi * 60) as f64 + sec)
}

fn parse_log_line(line: &str) -> Option<Logged> {
    let finished = if line.contains("started processing request") {
        false
    } else if line.contains("finished processing request") {
        true
    } else {
        return None;
    };
    let at = parse_rfc3339(line.split_whitespace().next()?)?;
    let field = |name: &str| {
        let rest = &line[line.find(name)? + name.len()..];
        Some(rest[..rest.find([' ', '}'])?].to_owned())
    };
    let latency_ms = field("latency=").and_then(|v| v.parse().ok());
    Some(Logged {
        at,
        method: field("method=")?,
        uri: field("uri=")?,
        finished,
        latency_ms,
    })
}

/// The request as the breakdown names it: IDs replaced by a placeholder.
fn route(r: &Logged) -> String {
    let uri: Vec<String> = r
        .uri
        .split('/')
        .map(|seg| {
            let id = seg.len() > 1
                && seg.chars().skip(1).any(|c| c.is_ascii_digit())
                && seg.chars().all(|c| c.is_ascii_alphanumeric());
            if id { "{id}".into() } else { seg.into() }
        })
        .collect();
    format!("{} {}", r.method, uri.join("/"))
}

/// How one process run went.
struct Run {
    /// Its journal (none for library runs).
    journal: Option<PathBuf>,
    wall: Duration,
    spawned_at: f64,
    exited_at: f64,
    requests: Vec<Logged>,
}

fn graceflow_run(
    server: &Server,
    manifest: &Path,
    token: &Path,
    journal: &Path,
    jobs: usize,
) -> Run {
    let mark = server.mark();
    let spawned_at = unix_now();
    let t = Instant::now();
    let out = Command::new(BIN)
        .arg("run")
        .arg(manifest)
        .args(["--server", &server.url, "--token-file"])
        .arg(token)
        .args(["--jobs", &jobs.to_string(), "--journal"])
        .arg(journal)
        .arg("--quiet")
        .output()
        .expect("run graceflow");
    let wall = t.elapsed();
    let exited_at = unix_now();
    assert!(
        out.status.success(),
        "graceflow run failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        journal: Some(journal.to_owned()),
        wall,
        spawned_at,
        exited_at,
        requests: server.requests_since(mark),
    }
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

/// The journal's records as JSON.
fn journal_records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// One requests-per-route phase of a run, from the server's log.
struct Phase {
    route: String,
    count: usize,
    first_in: f64,
    last_in: f64,
    last_out: f64,
    latencies: Vec<f64>,
}

fn phases(requests: &[Logged]) -> Vec<Phase> {
    let mut by: BTreeMap<String, Phase> = BTreeMap::new();
    for r in requests {
        let p = by.entry(route(r)).or_insert_with(|| Phase {
            route: route(r),
            count: 0,
            first_in: f64::MAX,
            last_in: f64::MIN,
            last_out: f64::MIN,
            latencies: vec![],
        });
        if r.finished {
            p.last_out = p.last_out.max(r.at);
            p.latencies.extend(r.latency_ms);
        } else {
            p.count += 1;
            p.first_in = p.first_in.min(r.at);
            p.last_in = p.last_in.max(r.at);
        }
    }
    let mut v: Vec<Phase> = by.into_values().filter(|p| p.count > 0).collect();
    v.sort_by(|a, b| a.first_in.total_cmp(&b.first_in));
    v
}

fn print_breakdown(run: &Run, latency_ms: u64) {
    // What the client does in each gap: a process run journals, the library client does not.
    let process = run.journal.is_some();
    let (start_what, gap_what, exit_what) = if process {
        (
            "exec, parse + analyse, journal header (fsync), token, first connection",
            "answer read, outcome + next intent journaled (fsync), next request sent",
            "last outcomes + the step's outcome journaled (fsync), exit",
        )
    } else {
        (
            "client built, first connection",
            "answer read, next request sent",
            "last answer read",
        )
    };
    let ps = phases(&run.requests);
    let Some(first) = ps.first() else {
        println!("  (no request in the sandbox's log)");
        return;
    };
    let rel = |t: f64| (t - run.spawned_at) * 1e3;
    println!("  {:<46} {:>9} {:>9}  what", "component", "ms", "at ms");
    println!(
        "  {:<46} {:>9.1} {:>9.1}  {start_what}",
        "start-up: start → first request in",
        rel(first.first_in),
        rel(first.first_in)
    );
    let mut prev_out: Option<f64> = None;
    let mut injected = 0.0;
    for p in &ps {
        if let Some(o) = prev_out {
            println!(
                "  {:<46} {:>9.1} {:>9.1}  {gap_what}",
                "  client: answer → next request in",
                (p.first_in - o) * 1e3,
                rel(p.first_in)
            );
        }
        let mut lat = p.latencies.clone();
        lat.sort_by(f64::total_cmp);
        let lat_text = match lat.as_slice() {
            [] => String::new(),
            [one] => format!("server {one:.0} ms"),
            l => format!(
                "server {:.0}–{:.0} ms each (median {:.0})",
                l[0],
                l[l.len() - 1],
                l[l.len() / 2]
            ),
        };
        if p.count == 1 {
            println!(
                "  {:<46} {:>9.1} {:>9.1}  {lat_text}, {latency_ms} injected",
                format!("{} ×1", p.route),
                (p.last_out - p.first_in) * 1e3,
                rel(p.last_out)
            );
        } else {
            println!(
                "  {:<46} {:>9.1} {:>9.1}  the {} requests arrive spread over this",
                format!("{} ×{}: arrivals", p.route, p.count),
                (p.last_in - p.first_in) * 1e3,
                rel(p.last_in),
                p.count
            );
            println!(
                "  {:<46} {:>9.1} {:>9.1}  {lat_text}, {latency_ms} injected",
                "  last arrival → last answer",
                (p.last_out - p.last_in) * 1e3,
                rel(p.last_out)
            );
        }
        injected += latency_ms as f64;
        prev_out = Some(p.last_out);
    }
    let last = prev_out.unwrap_or(run.spawned_at);
    println!(
        "  {:<46} {:>9.1} {:>9.1}  {exit_what}",
        "exit: last answer → process exit",
        (run.exited_at - last) * 1e3,
        rel(run.exited_at)
    );
    println!(
        "  {:<46} {:>9.1}            of which injected latency on the critical path {injected:.0} ms",
        "total",
        ms(run.wall)
    );
}

/// The cost of one appended, synced journal-sized line in `dir`.
fn fsync_cost(dir: &Path) -> Duration {
    use std::io::Write;
    let path = dir.join("fsync-probe.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .expect("probe file");
    let line = format!("{}\n", "x".repeat(400));
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        f.write_all(line.as_bytes()).expect("write");
        f.sync_data().expect("sync");
        times.push(t.elapsed());
    }
    let _ = std::fs::remove_file(&path);
    median(&times)
}

/// The same requests sent by the library client from this process: a fresh client (so the
/// root document is fetched again), no journal, no process start.
async fn library_fanout(url: &str, token: &str, coinc: &Path, files: &[PathBuf]) {
    let c = GraceDb::builder(url)
        .credential(Credential::Bearer(Token::new(token)))
        .build()
        .expect("client");
    let e = c
        .create_event(&CreateEvent {
            group: "Test".into(),
            pipeline: "gstlal".into(),
            search: Some("AllSky".into()),
            labels: vec![],
            offline: false,
            file: coinc.to_owned(),
        })
        .await
        .expect("create event");
    let t0 = e.gpstime.unwrap_or(1_400_123_456.0);
    let s = c
        .create_superevent(&CreateSuperevent {
            t_start: t0 - 1.0,
            t_0: t0,
            t_end: t0 + 1.0,
            preferred_event: e.graceid.clone(),
            category: Category::Test,
            events: vec![],
            labels: vec![],
        })
        .await
        .expect("create superevent");
    let sid = ObjectId::Superevent(s.superevent_id);
    let uploads = files.iter().map(|f| {
        let (c, sid) = (c.clone(), sid.clone());
        async move {
            c.write_log(
                &sid,
                &WriteLog {
                    comment: "file".into(),
                    file: Some(f.clone()),
                    ..Default::default()
                },
            )
            .await
            .expect("write log")
        }
    });
    futures_util::future::join_all(uploads).await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let latency_ms = env_u64("GRACEFLOW_BENCH_LATENCY_MS", 50);
    let runs = env_u64("GRACEFLOW_BENCH_RUNS", 5).max(1) as usize;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let coinc = repo.join("workflows/data/coinc.xml");
    let work = tempfile::tempdir().expect("temp dir");
    let dir = work.path();
    std::fs::create_dir(dir.join("files")).expect("files dir");
    let mut files = Vec::new();
    for i in 0..FILES {
        let path = dir.join(format!("files/product-{i:02}.dat"));
        let body: Vec<u8> = (0..FILE_BYTES)
            .map(|j| ((i * 31 + j) % 251) as u8)
            .collect();
        std::fs::write(&path, body).expect("write a file");
        files.push(path);
    }
    let manifest = dir.join("fanout.yaml");
    std::fs::write(
        &manifest,
        format!(
            r#"version: 1
name: fanout
steps:
  - id: event
    create_event: {{ group: Test, pipeline: gstlal, search: AllSky, file: "{}" }}
  - id: superevent
    create_superevent:
      category: test
      preferred_event: ${{{{ steps.event.graceid }}}}
      t_start: ${{{{ steps.event.gpstime - 1 }}}}
      t_0: ${{{{ steps.event.gpstime }}}}
      t_end: ${{{{ steps.event.gpstime + 1 }}}}
  - id: uploads
    for_each: ${{{{ glob("files/*.dat") }}}}
    write_log:
      object: ${{{{ steps.superevent.superevent_id }}}}
      comment: "product ${{{{ basename(item) }}}}"
      file: ${{{{ item }}}}
"#,
            coinc.display()
        ),
    )
    .expect("write the manifest");

    // The plan's depth, from the analysis itself.
    let source = Source::new(&manifest, std::fs::read_to_string(&manifest).expect("read"));
    let (m, d) = model::parse(source);
    let (analysis, d2) = analyze(m.expect("the manifest parses"), &Options::default());
    let analysis = analysis.unwrap_or_else(|| panic!("the manifest is valid: {d:?} {d2:?}"));
    let levels = analysis.levels.len() as u64;
    let width = analysis
        .levels
        .iter()
        .map(|l| {
            l.iter()
                .map(|&s| {
                    if analysis.manifest.steps[s].for_each.is_some() {
                        FILES
                    } else {
                        1
                    }
                })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(1);
    // With --jobs N, a level of W requests takes ⌈W / N⌉ round trips.
    let bound = |jobs: usize| -> u64 {
        let trips: u64 = analysis
            .levels
            .iter()
            .map(|l| {
                let w: usize = l
                    .iter()
                    .map(|&s| {
                        if analysis.manifest.steps[s].for_each.is_some() {
                            FILES
                        } else {
                            1
                        }
                    })
                    .sum();
                w.div_ceil(jobs) as u64
            })
            .sum();
        (trips + 1) * latency_ms
    };

    let server = start_server(&dir.join("sandbox"), &dir.join("sandbox.log"), latency_ms);
    let out = Command::new(BIN)
        .args(["sandbox", "token", "--aud", "ANY", "--data"])
        .arg(dir.join("sandbox"))
        .output()
        .expect("mint a token");
    let token_text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let token = dir.join("token");
    std::fs::write(&token, &token_text).expect("write the token");

    println!(
        "graceflow fan-out workflow benchmark: 1 event, 1 superevent, {FILES} log entries with a {} kB file each; sandbox latency {latency_ms} ms; {runs} runs per configuration",
        FILE_BYTES / 1024
    );
    println!(
        "  {} CPUs, load average {} at the start",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    println!(
        "  bound: the plan has {levels} levels (widest {width} requests): {levels} × {latency_ms} = {} ms; with the client's first request also fetching the service root, ({levels} + 1) × {latency_ms} = {} ms. Ratios use the second, with ⌈{width} / jobs⌉ round trips for the widest level",
        levels * latency_ms,
        bound(FILES)
    );

    // A warm-up run (page cache, the sandbox's first connections); its journal is reused
    // below to show what a rerun sends.
    let mut n = 0;
    let mut journal = || {
        n += 1;
        dir.join(format!("j{n:03}.jsonl"))
    };
    let warm_journal = journal();
    let _ = graceflow_run(&server, &manifest, &token, &warm_journal, FILES);
    let graceid = journal_records(&warm_journal)
        .iter()
        .find(|r| r["type"] == "outcome" && r["step"] == "event")
        .and_then(|r| r["outputs"]["graceid"].as_str().map(str::to_owned))
        .expect("the event's graceid in the journal");

    println!();
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>8}",
        "configuration", "median ms", "min ms", "bound ms", "ratio"
    );
    let mut median_runs = Vec::new();
    for jobs in [FILES, 8, 1] {
        let mut all: Vec<Run> = (0..runs)
            .map(|_| graceflow_run(&server, &manifest, &token, &journal(), jobs))
            .collect();
        all.sort_by_key(|r| r.wall);
        let walls: Vec<Duration> = all.iter().map(|r| r.wall).collect();
        let med = median(&walls);
        let b = bound(jobs);
        println!(
            "{:<44} {:>9.1} {:>9.1} {:>9} {:>8.2}",
            format!("graceflow run --jobs {jobs}"),
            ms(med),
            ms(walls[0]),
            b,
            ms(med) / b as f64
        );
        median_runs.push((jobs, all.remove(all.len() / 2)));
    }

    // The same requests from the library client in this process.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut lib = Vec::new();
    let mut lib_median_run = None;
    for _ in 0..runs {
        let mark = server.mark();
        let spawned_at = unix_now();
        let t = Instant::now();
        rt.block_on(library_fanout(&server.url, &token_text, &coinc, &files));
        let wall = t.elapsed();
        lib.push(Run {
            journal: None,
            wall,
            spawned_at,
            exited_at: unix_now(),
            requests: server.requests_since(mark),
        });
    }
    lib.sort_by_key(|r| r.wall);
    let walls: Vec<Duration> = lib.iter().map(|r| r.wall).collect();
    println!(
        "{:<44} {:>9.1} {:>9.1} {:>9} {:>8.2}",
        format!("library client, {FILES} in flight, no journal"),
        ms(median(&walls)),
        ms(walls[0]),
        bound(FILES),
        ms(median(&walls)) / bound(FILES) as f64
    );
    if !lib.is_empty() {
        lib_median_run = Some(lib.remove(lib.len() / 2));
    }

    // Start-up: a run of one read-only step (2 round trips: the root, then the event).
    let one = dir.join("one-read.yaml");
    std::fs::write(
        &one,
        format!("version: 1\nname: one-read\nsteps:\n  - id: read\n    get_event: {{ graceid: {graceid} }}\n"),
    )
    .expect("write the one-step manifest");
    let reads: Vec<Run> = (0..runs)
        .map(|_| graceflow_run(&server, &one, &token, &journal(), 1))
        .collect();
    let read_walls: Vec<Duration> = reads.iter().map(|r| r.wall).collect();
    let read_med = median(&read_walls);
    let first_in: Vec<f64> = reads
        .iter()
        .filter_map(|r| {
            r.requests
                .iter()
                .filter(|q| !q.finished)
                .map(|q| q.at)
                .min_by(f64::total_cmp)
                .map(|t| (t - r.spawned_at) * 1e3)
        })
        .collect();
    let mut sorted_first = first_in.clone();
    sorted_first.sort_by(f64::total_cmp);
    println!();
    println!(
        "process start-up: `graceflow run` of one get_event: median {:.1} ms, min {:.1} ms; minus its 2 round trips ({} ms): {:.1} ms of overhead",
        ms(read_med),
        ms(read_walls.iter().copied().min().unwrap_or_default()),
        2 * latency_ms,
        ms(read_med) - (2 * latency_ms) as f64
    );
    if let Some(m) = sorted_first.get(sorted_first.len() / 2) {
        println!("  of which spawn → first request at the sandbox: median {m:.1} ms");
    }

    // A rerun with a finished run's journal: everything is replayed from it.
    let mark = server.mark();
    let t = Instant::now();
    let out = Command::new(BIN)
        .arg("run")
        .arg(&manifest)
        .args(["--server", &server.url, "--token-file"])
        .arg(&token)
        .args(["--jobs", "64", "--journal"])
        .arg(&warm_journal)
        .arg("--quiet")
        .output()
        .expect("rerun graceflow");
    let rerun = t.elapsed();
    assert!(out.status.success(), "rerun failed");
    let sent = server
        .requests_since(mark)
        .iter()
        .filter(|r| !r.finished)
        .count();
    println!(
        "rerun with the same journal: {sent} requests, {:.1} ms",
        ms(rerun)
    );

    // Where the time of the median --jobs 64 run goes.
    println!();
    println!(
        "one journal line appended + fsync'd in this directory: {:.2} ms (median of 50)",
        ms(fsync_cost(dir))
    );
    if let Some((jobs, run)) = median_runs.first() {
        println!();
        println!(
            "breakdown of the median `--jobs {jobs}` run ({:.1} ms), from the sandbox's request log:",
            ms(run.wall)
        );
        print_breakdown(run, latency_ms);
        // The journal's view of the same run: per item, from before the intent to the answer.
        let items: Vec<f64> = run
            .journal
            .as_deref()
            .map(journal_records)
            .unwrap_or_default()
            .iter()
            .filter(|r| r["type"] == "outcome" && r["step"] == "uploads" && !r["item"].is_null())
            .filter_map(|r| r["duration_ms"].as_f64())
            .collect();
        if !items.is_empty() {
            let mut s = items.clone();
            s.sort_by(f64::total_cmp);
            println!(
                "  journal: {} upload items took {:.0}–{:.0} ms each (median {:.0}) from intent to answer",
                s.len(),
                s[0],
                s[s.len() - 1],
                s[s.len() / 2]
            );
        }
    }
    if let Some(run) = &lib_median_run {
        println!();
        println!(
            "breakdown of the median library-client run ({:.1} ms; no process, no journal):",
            ms(run.wall)
        );
        print_breakdown(run, latency_ms);
    }
    println!();
    let (_, med64) = &median_runs[0];
    let ratio = ms(med64.wall) / bound(FILES) as f64;
    println!(
        "target: the fan-out run within 1.2× its bound with --jobs {FILES}: {} ({ratio:.2}×); load average {} at the end",
        if ratio <= 1.2 { "met" } else { "NOT met" },
        load_average()
    );
}
