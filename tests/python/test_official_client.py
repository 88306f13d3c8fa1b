"""The official GraceDB client (ligo-gracedb), unchanged, against the graceflow sandbox."""

import hashlib
import os

import pytest
from ligo.gracedb.exceptions import HTTPError

from conftest import USER


def test_service_root_and_vocabulary(client, sandbox):
    assert client.ping().status_code == 200
    assert client.links["events"] == sandbox + "events/"
    assert "Test" in client.groups
    assert "gstlal" in client.pipelines
    assert "AllSky" in client.searches
    assert "EM_READY" in client.allowed_labels
    assert client.superevent_categories["T"] == "Test"
    assert client.signoff_types["ADV"] == "advocate"
    assert client.server_version.startswith("graceflow-sandbox/")


def test_user_info_sees_the_token(client):
    info = client.get_user_info().json()
    assert info["username"] == USER
    assert info["is_internal_user"] is True


def test_create_event_from_a_coinc_file(client, coinc):
    r = client.create_event("Test", "gstlal", str(coinc), search="AllSky", labels=["INJ"])
    assert r.status_code == 201
    e = r.json()
    assert e["graceid"].startswith("T")
    assert e["gpstime"] == 1400123456.789013
    assert e["far"] == 1.2087635429874553e-08
    assert e["instruments"] == "H1,L1"
    assert e["likelihood"] == pytest.approx(21.394728119264532)
    assert e["nevents"] == 2
    assert e["labels"] == ["INJ"]
    singles = e["extra_attributes"]["SingleInspiral"]
    assert sorted(s["ifo"] for s in singles) == ["H1", "L1"]
    assert e["extra_attributes"]["CoincInspiral"]["snr"] == pytest.approx(14.584365515825953)
    got = client.event(e["graceid"]).json()
    assert got["gpstime"] == e["gpstime"]


def test_replace_event(client, coinc, shifted_coinc):
    e = client.create_event("Test", "gstlal", str(coinc), search="AllSky").json()
    r = client.replace_event(e["graceid"], str(shifted_coinc(50)))
    assert r.status_code == 202
    assert client.event(e["graceid"]).json()["gpstime"] == 1400123506.789013


@pytest.fixture
def superevent(client, coinc):
    e = client.create_event("Test", "gstlal", str(coinc), search="AllSky").json()
    r = client.create_superevent(1400123455.5, 1400123456.5, 1400123457.5, e["graceid"], category="test")
    assert r.status_code == 201
    return r.json()


def test_create_and_update_a_test_superevent(client, superevent):
    sid = superevent["superevent_id"]
    assert sid.startswith("TS240519")
    assert superevent["category"] == "Test"
    assert superevent["t_0"] == 1400123456.5
    r = client.update_superevent(sid, t_0=1400123456.75)
    assert r.status_code == 200
    assert r.json()["t_0"] == 1400123456.75
    with pytest.raises(HTTPError) as err:
        client.update_superevent(sid, t_0=1400123456.75)
    assert err.value.status_code == 400
    assert "would not modify" in err.value.text


def test_confirm_as_gw(client, superevent):
    sid = superevent["superevent_id"]
    r = client.confirm_superevent_as_gw(sid)
    assert r.status_code == 200
    gw = r.json()["gw_id"]
    assert gw.startswith("TGW240519")
    assert client.superevent(gw).json()["superevent_id"] == sid


@pytest.mark.parametrize("kind", ["event", "superevent"])
def test_logs_with_files_download_back_byte_for_byte_by_version(client, coinc, superevent, tmp_path, kind):
    oid = superevent["preferred_event"] if kind == "event" else superevent["superevent_id"]
    v0 = tmp_path / "v0" / "skymap.fits.gz"
    v1 = tmp_path / "v1" / "skymap.fits.gz"
    for path, content in [(v0, os.urandom(4096)), (v1, os.urandom(200_000))]:
        path.parent.mkdir()
        path.write_bytes(content)
    a = client.write_log(oid, "first sky map", filename=str(v0), tag_name=["sky_loc"]).json()
    b = client.write_log(oid, "second sky map", filename=str(v1), tag_name="sky_loc").json()
    assert (a["filename"], a["file_version"]) == ("skymap.fits.gz", 0)
    assert (b["filename"], b["file_version"]) == ("skymap.fits.gz", 1)
    assert a["tag_names"] == ["sky_loc"]
    assert client.files(oid, "skymap.fits.gz,0").read() == v0.read_bytes()
    assert client.files(oid, "skymap.fits.gz,1").read() == v1.read_bytes()
    assert client.files(oid, "skymap.fits.gz").read() == v1.read_bytes()
    listing = client.files(oid).json()
    assert {"skymap.fits.gz", "skymap.fits.gz,0", "skymap.fits.gz,1"} <= set(listing)
    logs = client.logs(oid).json()["log"]
    assert any(l["N"] == b["N"] and l["comment"] == "second sky map" for l in logs)
    assert client.logs(oid, a["N"]).json()["comment"] == "first sky map"


@pytest.mark.parametrize("kind", ["event", "superevent"])
def test_labels(client, superevent, kind):
    oid = superevent["preferred_event"] if kind == "event" else superevent["superevent_id"]
    assert client.write_label(oid, "DQV").status_code == 201
    assert client.write_label(oid, "EM_READY").status_code == 201
    names = sorted(l["name"] for l in client.labels(oid).json()["labels"])
    assert names == ["DQV", "EM_READY"]
    assert client.labels(oid, "DQV").json()["name"] == "DQV"
    assert client.remove_label(oid, "DQV").status_code == 204
    assert [l["name"] for l in client.labels(oid).json()["labels"]] == ["EM_READY"]
    with pytest.raises(NameError):
        client.write_label(oid, "NOT_A_LABEL")


@pytest.mark.parametrize("kind", ["event", "superevent"])
def test_tags(client, superevent, kind):
    oid = superevent["preferred_event"] if kind == "event" else superevent["superevent_id"]
    n = client.write_log(oid, "to be tagged").json()["N"]
    assert client.add_tag(oid, n, "analyst_comments", displayName="Analyst comments").status_code == 201
    tags = client.tags(oid, n).json()["tags"]
    assert [t["name"] for t in tags] == ["analyst_comments"]
    assert client.remove_tag(oid, n, "analyst_comments").status_code == 204
    assert client.tags(oid, n).json()["tags"] == []


def test_searches_span_several_pages(client, shifted_coinc):
    made = set()
    for i in range(7):
        path = shifted_coinc(10_000 + i, name=f"page{i}.xml")
        made.add(client.create_event("Test", "spiir", str(path), search="AllSky").json()["graceid"])
    found = {e["graceid"] for e in client.events("Test spiir", count=2)}
    assert found == made
    assert client.num_events("Test spiir") == 7
    assert len(list(client.events("Test spiir", count=3, max_results=4))) == 4
    in_range = {e["graceid"] for e in client.events("spiir gpstime: 1400133456 .. 1400133459 Test", count=2)}
    assert len(in_range) == 3


def test_superevent_search_pages(client, coinc):
    made = set()
    for i in range(5):
        e = client.create_event("Test", "pycbc", str(coinc), search="AllSky").json()
        t0 = 1500000000 + i
        made.add(client.create_superevent(t0 - 1, t0, t0 + 1, e["graceid"], category="T").json()["superevent_id"])
    found = {s["superevent_id"] for s in client.superevents("category: Test t_0: 1500000000 .. 1500000010", count=2)}
    assert found == made


def test_errors_come_back_as_the_server_gives_them(client, coinc, superevent):
    with pytest.raises(HTTPError) as err:
        client.event("T999999")
    assert err.value.status_code == 404
    with pytest.raises(HTTPError) as err:
        client.create_superevent(1, 2, 3, superevent["preferred_event"], category="test")
    assert err.value.status_code == 400
    assert "already assigned to a Superevent" in err.value.text
    e = client.create_event("Test", "gstlal", str(coinc)).json()
    with pytest.raises(HTTPError) as err:
        client.create_superevent(1, 2, 3, e["graceid"], category="production")
    assert err.value.status_code == 403
