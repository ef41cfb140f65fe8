"""A small sweep shared by the sweep, executor, resume and Dask tests: 4 points of a few
simulated seconds each, where stale reuse and eviction both show."""

BASE = {
    "sim": {"duration": "3s", "warmup": "1s"},
    "clients": {"count": 10, "arrival": {"rate": 20.0}, "pool": {"max_size": 1}},
    "proxy": {"timeout": {"http_keep_alive": "1s"}},
    "backends": {"servers": 2},
}
GRID = {"proxy.timeout.http_keep_alive": ["500ms", "2s"], "clients.pool.idle_evict": ["off", "250ms"]}
