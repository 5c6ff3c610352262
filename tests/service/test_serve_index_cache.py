"""A restart does not rebuild the index: it is read back from the cache, keyed by the lists' checksums."""

from __future__ import annotations

from conftest import FIXTURE_LISTS


def test_second_start_loads_the_index_from_the_cache(start_server, tmp_path) -> None:
    lists = [
        "--list",
        f"ofac={FIXTURE_LISTS / 'ofac'}",
        "--list",
        f"un={FIXTURE_LISTS / 'un' / 'consolidated.xml'}",
    ]
    env = {"ORINOCO_CACHE_DIR": str(tmp_path)}
    first = start_server(*lists, env=env)
    assert "index built in" in first.log()
    assert len(list((tmp_path / "index").glob("index-*.npz"))) == 1
    first.stop()
    second = start_server(*lists, env=env)
    assert "index loaded from cache" in second.log()
    body = second.post("/v1/screen", json={"name": "x", "threshold": 0}).json()
    assert len(body["results"]) == 1
