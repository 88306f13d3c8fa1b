use assert_cmd::Command;

fn graceflow() -> Command {
    Command::cargo_bin("graceflow").unwrap()
}

#[test]
fn help_describes_the_sandbox() {
    let out = graceflow()
        .args(["sandbox", "--help"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for flag in [
        "--addr",
        "--data",
        "--latency",
        "--fail-rate",
        "token",
        "trust",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

#[test]
fn usage_errors_exit_2() {
    graceflow()
        .args(["sandbox", "--addr", "not-an-address"])
        .assert()
        .code(2);
    graceflow().arg("nonsense").assert().code(2);
}

#[test]
fn the_sandbox_refuses_non_loopback_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let out = graceflow()
        .args(["sandbox", "--addr", "0.0.0.0:0", "--data"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(out).unwrap().contains("loopback"));
}

#[tokio::test]
async fn minted_tokens_are_accepted_by_a_sandbox_on_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = graceflow()
        .args([
            "sandbox",
            "token",
            "--sub",
            "Ada@Example.org",
            "--lifetime",
            "10m",
            "--data",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let token = String::from_utf8(out).unwrap().trim().to_owned();
    assert_eq!(token.split('.').count(), 3);
    let config = graceflow::sandbox::SandboxConfig::for_data_dir(dir.path()).unwrap();
    let sb = graceflow::sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = graceflow::gracedb::GraceDb::builder(sb.url())
        .credential(graceflow::auth::Credential::Bearer(
            graceflow::auth::Token::new(token),
        ))
        .build()
        .unwrap();
    // The server maps the subject to a lower-cased user name.
    assert_eq!(
        client.user_info().await.unwrap().username,
        "ada@example.org"
    );
}

#[test]
fn trust_seeds_the_scitokens_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    graceflow()
        .args(["sandbox", "trust", "--data"])
        .arg(dir.path().join("data"))
        .arg("--cache-home")
        .arg(&cache)
        .assert()
        .success();
    assert!(cache.join("scitokens/scitokens_keycache.sqllite").exists());
}
