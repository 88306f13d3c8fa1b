"""Start a graceflow sandbox and make the official GraceDB client trust its tokens.

The official client (ligo-gracedb, through igwn-auth-utils and scitokens) only sends a bearer
token after verifying its signature with the issuer's public key, which it looks up in the
scitokens key cache. `graceflow sandbox trust` writes the sandbox's key there, so the client
is used unchanged: nothing is patched, only its environment is set.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("GRACEFLOW_BIN", ROOT / "target" / "debug" / "graceflow"))
USER = "albert.einstein@ligo.org"

# Variables through which the client could find some other credential.
_CREDENTIAL_VARS = [
    "SCITOKEN", "SCITOKEN_FILE", "_CONDOR_CREDS", "BEARER_TOKEN", "BEARER_TOKEN_FILE",
    "XDG_RUNTIME_DIR", "IGWN_AUTH_UTILS_FIND_SCITOKEN", "IGWN_AUTH_UTILS_FIND_X509",
    "X509_USER_PROXY", "X509_USER_CERT", "X509_USER_KEY", "NETRC",
    "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
]


def graceflow(*args, **kwargs):
    return subprocess.run([str(BIN), *args], check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """A sandbox on a free loopback port; yields its API root URL."""
    if not BIN.exists():
        pytest.fail(f"{BIN} does not exist: build it first (cargo build) or set GRACEFLOW_BIN")
    home = tmp_path_factory.mktemp("home")
    data = home / "sandbox"
    for var in _CREDENTIAL_VARS:
        os.environ.pop(var, None)
    # The token library fixes its cache location at its first use in the process, so all of
    # this happens before any client exists.
    os.environ["HOME"] = str(home)
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    graceflow("sandbox", "trust", "--data", str(data), "--cache-home", str(home / "cache"))
    # The audience the official client expects is scheme://host, port dropped.
    token = graceflow("sandbox", "token", "--data", str(data), "--sub", USER,
                      "--aud", "http://127.0.0.1", "--lifetime", "2h").stdout.strip()
    token_file = home / "token"
    token_file.write_text(token + "\n")
    os.environ["BEARER_TOKEN_FILE"] = str(token_file)
    proc = subprocess.Popen(
        [str(BIN), "sandbox", "--addr", "127.0.0.1:0", "--data", str(data)],
        stdout=subprocess.PIPE, stderr=sys.stderr, text=True,
    )
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        pytest.fail(f"the sandbox did not start: {url!r}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def client(sandbox):
    from ligo.gracedb.rest import GraceDb
    return GraceDb(service_url=sandbox)


@pytest.fixture(scope="session")
def coinc():
    return ROOT / "workflows" / "data" / "coinc.xml"


@pytest.fixture
def shifted_coinc(tmp_path, coinc):
    """The example coinc file with its end times moved by `seconds`."""
    def make(seconds, name="coinc.xml"):
        path = tmp_path / name
        text = coinc.read_text().replace("1400123456", str(1400123456 + seconds))
        path.write_text(text)
        return path
    return make
