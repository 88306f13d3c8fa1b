"""`graceflow condor` output read by HTCondor's own Python bindings (htcondor.Submit).

The bindings parse and expand submit descriptions without a pool, so these tests check what
condor_submit would see: the executable, the arguments as the job's argv, the files
transferred, the journal's handling, the retry policy and the token lines. DAGs are checked
by the Rust tests (tests/it/condor.rs) against the DAGMan grammar: the bindings have no DAG
reader (htcondor.dags only writes DAGs). Skipped when htcondor is not installed.
"""

import re
import shutil
import subprocess

import pytest

from conftest import BIN, ROOT

try:
    import htcondor2 as htcondor  # htcondor >= 24 ships the bindings under this name
except ImportError:
    htcondor = pytest.importorskip("htcondor")


def new_syntax_argv(value):
    """The argv of an `arguments = "…"` value in the new syntax (condor_submit manual)."""
    assert value.startswith('"') and value.endswith('"'), value
    s, argv, cur, quoted, have = value[1:-1].replace('""', '"'), [], "", False, False
    i = 0
    while i < len(s):
        c = s[i]
        if quoted and c == "'" and s[i + 1:i + 2] == "'":
            cur, i = cur + "'", i + 2
            continue
        if c == "'":
            quoted, have = not quoted, True
        elif c in " \t" and not quoted:
            if cur or have:
                argv.append(cur)
            cur, have = "", False
        else:
            cur += c
        i += 1
    if cur or have:
        argv.append(cur)
    return argv


def file_list(value):
    return [f.strip() for f in value.split(",") if f.strip()]


@pytest.fixture
def work(tmp_path):
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return tmp_path


def condor(work, *args):
    return subprocess.run([str(BIN), "condor", *args], cwd=work, check=True,
                          capture_output=True, text=True)


def submit_of(path, **macros):
    sub = htcondor.Submit(path.read_text())
    for k, v in macros.items():
        sub[k] = v
    return sub


def test_submit_for_a_robot_transfers_every_input_and_the_journal(work):
    condor(work, "submit", "workflows/inject-test-event.yaml", "--server", "playground",
           "--set", "half_window=1.5", "--robot", "pipe", "--robot-host", "ap.ligo.org",
           "--executable", "/opt/graceflow")
    sub = submit_of(work / "inject-test-event.sub")
    assert sub.expand("executable") == "/opt/graceflow"
    assert new_syntax_argv(sub.expand("arguments")) == [
        "run", "workflows/inject-test-event.yaml", "--journal",
        "inject-test-event.journal.jsonl", "--server", "playground", "--set", "half_window=1.5"]
    assert file_list(sub.expand("transfer_input_files")) == [
        "workflows/inject-test-event.yaml", "workflows/data/bayestar.multiorder.fits.gz",
        "workflows/data/coinc.xml", "workflows/data/p_astro.json",
        "inject-test-event.journal.jsonl"]
    assert (work / "inject-test-event.journal.jsonl").read_text() == ""
    assert sub["should_transfer_files"] == "YES"
    assert sub["preserve_relative_paths"] == "true"
    assert sub["when_to_transfer_output"] == "ON_EXIT_OR_EVICT"
    assert file_list(sub["transfer_output_files"]) == ["inject-test-event.journal.jsonl"]
    assert sub["max_retries"] == "5"
    assert sub["retry_until"] == "(ExitBySignal == false) && (ExitCode != 75)"
    assert sub["use_oauth_services"] == "igwn"
    assert sub["igwn_oauth_options"] == (
        "--nooidc --vaultserver vault.ligo.org --issuer igwn --role pipe-scitoken "
        "--credkey pipe-scitoken/robot/ap.ligo.org --outfile /tmp/bt_u${UID}-igwn")
    assert sub["igwn_oauth_permissions_limited"] == "gracedb.read read:/ligo"
    assert sub.expand("environment") == (
        '"BEARER_TOKEN_FILE=$$(CondorScratchDir)/.condor_creds/igwn_limited.use"')
    assert {"log", "output", "error", "request_memory", "request_disk"} <= set(sub.keys())


def test_personal_token_without_handle_and_a_shared_journal(work):
    shared = work / "shared"
    condor(work, "submit", "workflows/annotate-superevent.yaml", "--server", "test",
           "--personal", "--handle", "none", "--journal-dir", str(shared))
    sub = submit_of(work / "annotate-superevent.sub")
    assert "igwn_oauth_options" not in sub
    assert sub["igwn_oauth_permissions"] == "gracedb.read read:/ligo"
    assert "igwn.use" in sub["environment"] and "_limited" not in sub["environment"]
    argv = new_syntax_argv(sub.expand("arguments"))
    assert argv[argv.index("--journal") + 1] == str(shared / "annotate-superevent.journal.jsonl")
    assert "transfer_output_files" not in sub and "when_to_transfer_output" not in sub
    inputs = file_list(sub.expand("transfer_input_files"))
    assert inputs[0] == "workflows/annotate-superevent.yaml"
    assert sorted(inputs[1:]) == [f"workflows/data/annotations/{n}"
                                  for n in ("data-quality.txt", "em-bright.json", "notes.md")]


def test_dag_rows_become_arguments_through_vars_macros(work):
    (work / "rows.csv").write_text(
        'superevent,comment_prefix\nS1,"a ""quoted"" note"\nS2,it\'s $5\n')
    condor(work, "dag", "workflows/annotate-superevent.yaml", "--each", "rows.csv",
           "--server", "test", "--final-report")
    dag = (work / "annotate-superevent.dag").read_text()
    rows = {}
    for line in dag.splitlines():
        if line.startswith("VARS "):
            _, node, rest = line.split(" ", 2)
            rows[node] = {k: v.replace('\\"', '"').replace("\\\\", "\\")
                          for k, v in re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', rest)}
    assert sorted(rows) == ["annotate-superevent_001", "annotate-superevent_002"]
    expected = {"annotate-superevent_001": ("S1", 'a "quoted" note'),
                "annotate-superevent_002": ("S2", "it's $5")}
    for node, macros in rows.items():
        sub = submit_of(work / "annotate-superevent.sub", **macros)
        argv = new_syntax_argv(sub.expand("arguments"))
        superevent, prefix = expected[node]
        assert argv == ["run", "workflows/annotate-superevent.yaml", "--journal",
                        f"{node}.journal.jsonl", "--server", "test",
                        "--set", f"superevent={superevent}", "--set", f"comment_prefix={prefix}"]
        assert file_list(sub.expand("transfer_output_files")) == [f"{node}.journal.jsonl"]
        assert f"{node}.journal.jsonl" in file_list(sub.expand("transfer_input_files"))
        assert "max_retries" not in sub  # DAGMan's RETRY is the one retry layer
    final = submit_of(work / "annotate-superevent.report.sub")
    assert final["universe"] == "local"
    assert new_syntax_argv(final.expand("arguments")) == [
        "report", "annotate-superevent_001.journal.jsonl", "annotate-superevent_002.journal.jsonl"]
