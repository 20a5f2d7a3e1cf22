"""--metrics end to end: real signals, counted by procsnoop, scraped and stored by a real
Prometheus server (Debian's package, installed when missing), read back through its HTTP API."""
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import PROCSNOOP, ROOT, Trace, tool, usage_error

ACTOR = tool("sigactor")
# Again against the ASan+UBSan build and under valgrind: the exporter's threads and parser.
SANITIZED = ("test_metrics_table_output_and_counters_agree", "test_metrics_http_errors_keep_serving",
             "test_metrics_series_cap_overflow", "test_metrics_http_methods_paths_and_heads",
             "test_metrics_http_oversized_request_head",
             "test_metrics_http_silent_and_slow_clients_do_not_hold_it",
             "test_metrics_http_many_concurrent_connections",
             "test_metrics_http_clients_that_leave_early")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, method="GET", timeout=5):
    """(status, headers, body) of one request."""
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def raw_http(port, payload, timeout=8):
    """Sends raw bytes; returns the status line of the answer ('' when closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        try:
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            raise AssertionError(f"no answer nor close within {timeout}s to {payload[:40]!r}")
        return data.split(b"\r\n")[0].decode("latin-1")


class Exporter(Trace):
    """procsnoop with --metrics on a port it picks itself (port 0), read from its stderr."""

    def __init__(self, *args, **kw):
        super().__init__(*args, "--metrics", "127.0.0.1:0", json_output=False, **kw)
        m = re.search(r"serving metrics at (http://127\.0\.0\.1:(\d+)/metrics)", self.stderr())
        assert m, self.stderr()
        self.url, self.port = m.group(1), int(m.group(2))

    def samples(self):
        """{'name{labels}': value} of one scrape."""
        status, headers, body = http(self.url)
        assert status == 200, (status, body)
        assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8", headers
        out = {}
        for line in body.splitlines():
            if line and not line.startswith("#"):
                key, value = line.rsplit(" ", 1)
                out[key] = float(value)
        return out


def actor(*steps):
    p = subprocess.run([ACTOR, *steps], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, f"sigactor {steps}: {p.returncode} {p.stderr!r}"


class Target:
    """A process that blocks every signal: each one sent stays pending."""

    def __enter__(self):
        self.proc = subprocess.Popen([ACTOR, "block"], stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        assert self.proc.stdout.readline() == b"ready\n"
        self.pid = self.proc.pid
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def ensure_prometheus():
    if shutil.which("prometheus"):
        return shutil.which("prometheus")
    p = subprocess.run([os.path.join(ROOT, "scripts", "install-deps.sh"), "prometheus"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=900)
    assert p.returncode == 0, f"installing prometheus failed: {p.stderr.decode()[-2000:]}"
    path = shutil.which("prometheus")
    assert path, "the prometheus package installed no prometheus binary"
    return path


class Prometheus:
    """A Prometheus server on a free loopback port, scraping `target` every second, with its
    own storage; stopped and removed on exit whatever happens."""

    def __init__(self, target):
        self.target = target

    def __enter__(self):
        binary = ensure_prometheus()
        self.dir = tempfile.mkdtemp(prefix="procsnoop-prom-")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: procsnoop\n    static_configs:\n"
                    f"      - targets: ['{self.target}']\n")
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                assert self.proc.poll() is None, f"prometheus exited: {self.log_text()}"
                try:
                    if http(f"{self.base}/-/ready", timeout=1)[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"prometheus not ready: {self.log_text()}"
                time.sleep(0.2)
        except BaseException:
            self.__exit__()
            raise
        return self

    def log_text(self):
        self.log.flush()
        with open(os.path.join(self.dir, "log"), "rb") as f:
            return f.read().decode("utf-8", "replace")[-2000:]

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, expr):
        """{frozenset(labels without __name__, job, instance): value} of an instant query."""
        status, _, body = http(f"{self.base}/api/v1/query?" +
                               urllib.parse.urlencode({"query": expr}))
        assert status == 200, (status, body)
        doc = json.loads(body)
        assert doc["status"] == "success", doc
        out = {}
        for r in doc["data"]["result"]:
            labels = {k: v for k, v in r["metric"].items()
                      if k not in ("__name__", "job", "instance")}
            out[frozenset(labels.items())] = float(r["value"][1])
        return out

    def wait_for(self, expr, expected, timeout=30):
        """Polls until the query's result equals expected; returns the last result."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.query(expr)
            if got == expected or time.monotonic() > deadline:
                return got
            time.sleep(0.5)


def series(**labels):
    return frozenset(labels.items())


def test_metrics_prometheus_stores_signal_counts():
    with Target() as target, \
            Exporter("sig", "-k", "-q", "--comm", "mtest", "--metrics-labels", "comm") as ex, \
            Prometheus(f"127.0.0.1:{ex.port}") as prom:
        assert prom.wait_for("up", {series(): 1.0}) == {series(): 1.0}, prom.log_text()
        t = target.pid
        # Known signals: 7 SIGUSR1 to a target that blocks it (1 delivered, 6 already
        # pending), a kill(pid, 0), 3 SIGTERM to no such process, 1 SIGUSR2 by tkill.  -k:
        # the SIGCHLD of the actor's exit comes from the kernel, not from a syscall.
        actor("comm:mtest", f"killn:{t}:10:7", f"kill:{t}:0", "killn:4194000:15:3",
              f"tkill:{t}:12")
        expected = {
            series(sig="SIGUSR1", source="kill", result="delivered", comm="mtest"): 1.0,
            series(sig="SIGUSR1", source="kill", result="already_pending", comm="mtest"): 6.0,
            series(sig="0", source="kill", comm="mtest"): 1.0,
            series(sig="SIGTERM", source="kill", error="ESRCH", comm="mtest"): 3.0,
            series(sig="SIGUSR2", source="tkill", result="delivered", comm="mtest"): 1.0,
        }
        got = prom.wait_for("procsnoop_sig_events_total", expected)
        assert got == expected, f"stored {got}"
        assert prom.wait_for('procsnoop_events_total{type="sig"}',
                             {series(type="sig"): 12.0}) == {series(type="sig"): 12.0}
        lost = prom.query("procsnoop_lost_events_total")
        assert lost == {series(type="sig", where="kernel"): 0.0,
                        series(type="sig", where="user"): 0.0}, lost
        assert prom.query("procsnoop_events_read_total") == {series(): 12.0}
        # Process health reached Prometheus too.
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_start_time_seconds", "procsnoop_poll_batches_total",
                     "procsnoop_ringbuf_size_bytes", "procsnoop_ringbuf_used_bytes"):
            assert len(prom.query(name)) == 1, name
        check_dashboard(prom)
        assert ex.text() == "", "-q: no event output"
        assert ex.stop() == 0


def check_dashboard(prom):
    """Every query of contrib/grafana-dashboard.json runs on the real server; those of the
    tracers that ran return data."""
    with open(os.path.join(ROOT, "contrib", "grafana-dashboard.json")) as f:
        dash = json.load(f)
    names = {v["name"] for v in dash["templating"]["list"]}
    assert names == {"datasource", "job", "instance"}, names
    for panel in dash["panels"]:
        for target in panel["targets"]:
            expr = (target["expr"].replace("$__rate_interval", "1m")
                    .replace("$instance", ".*").replace("$job", ".*"))
            needs_data = any(m in expr for m in ("procsnoop_sig_", "procsnoop_events_total",
                                                  "lost_events", "ringbuf", "process_cpu"))
            # A rate needs two samples of a series: new series get them within seconds.
            deadline = time.monotonic() + 10
            while not prom.query(expr) and needs_data:
                assert time.monotonic() < deadline, (panel["title"], expr)
                time.sleep(0.5)


def test_metrics_table_output_and_counters_agree():
    with Target() as target, Exporter("sig", "-k", "--comm", "mtable", "-b", "1M") as ex:
        actor("comm:mtable", f"killn:{target.pid}:10:4", f"tkill:{target.pid}:10")
        rows = ex.wait_for(lambda l: " mtable " in l, count=5, timeout=10)
        assert len(rows) == 5
        deadline = time.monotonic() + 10
        while True:
            s = ex.samples()
            if s.get('procsnoop_events_total{type="sig"}') == 5 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert s['procsnoop_events_total{type="sig"}'] == 5, s
        assert s['procsnoop_sig_events_total{sig="SIGUSR1",source="kill",error="",'
                 'result="delivered"}'] == 1, s
        assert s['procsnoop_sig_events_total{sig="SIGUSR1",source="kill",error="",'
                 'result="already_pending"}'] == 3, s
        # tkill queues on the thread, where no SIGUSR1 is pending yet.
        assert s['procsnoop_sig_events_total{sig="SIGUSR1",source="tkill",error="",'
                 'result="delivered"}'] == 1, s
        assert s["procsnoop_ringbuf_size_bytes"] == 1 << 20, s
        assert 0 <= s["procsnoop_ringbuf_used_bytes"] <= 1 << 20, s
        assert abs(s["process_start_time_seconds"] - time.time()) < 120, s
        assert s["process_resident_memory_bytes"] > 1 << 20, s
        assert s["procsnoop_poll_batches_total"] >= 1, s
        assert ex.stop() == 0


def test_metrics_memory_gauges_and_a_backlog_that_goes_back():
    """procsnoop_memory_*: the ring buffer's mapping, the heap, the series table, and the
    output backlog, which grows behind a reader that stopped and shrinks once it caught up."""
    n, page = 20000, os.sysconf("SC_PAGESIZE")
    r, w = os.pipe()
    with Target() as target:
        # A ring buffer that holds the whole burst (2.2 MB): the backlog is what this is about.
        ex = Exporter("sig", "-k", "-s", "0", "--target", str(target.pid), "-b", "4M", stdout=w)
        os.close(w)
        try:
            s = ex.samples()
            assert s["procsnoop_memory_ringbuf_mapped_bytes"] == 2 * (4 << 20) + 2 * page, s
            assert s["procsnoop_memory_heap_bytes"] > 0, s
            assert s["procsnoop_memory_output_backlog_bytes"] <= 64 << 10, s
            actor(f"killn:{target.pid}:0:{n}")  # ~2 MB of rows; the pipe holds 64 KiB
            deadline = time.monotonic() + 20
            while True:
                s = ex.samples()
                if s.get('procsnoop_events_total{type="sig"}') == n or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert s['procsnoop_events_total{type="sig"}'] == n, s
            assert s["procsnoop_memory_output_backlog_bytes"] > 1 << 20, s
            assert s["procsnoop_memory_metrics_series_bytes"] > 0, s
            got = 0
            while got < n + 1:  # the header and a row for each
                got += os.read(r, 1 << 16).count(b"\n")
            deadline = time.monotonic() + 10
            while True:
                s = ex.samples()
                if s["procsnoop_memory_output_backlog_bytes"] <= 64 << 10 or \
                        time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            assert s["procsnoop_memory_output_backlog_bytes"] <= 64 << 10, s
        finally:
            ex.stop()
            os.close(r)
        assert "0 lost" in ex.stderr() and "not written" not in ex.stderr(), ex.stderr()


def test_metrics_series_cap_overflow():
    with Exporter("sig", "-q", "--metrics-labels", "comm", "--metrics-max-series", "3",
                  "--target", "4194000") as ex:
        names = [f"cap{i}" for i in range(8)]
        for n in names:
            actor(f"comm:{n}", "killn:4194000:15:2")
        deadline = time.monotonic() + 10
        while True:
            s = ex.samples()
            if s.get('procsnoop_events_total{type="sig"}') == 16 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        fam = {k: v for k, v in s.items() if k.startswith("procsnoop_sig_events_total")}
        # The first three label sets, then one overflow series for the rest.
        assert fam == {
            **{f'procsnoop_sig_events_total{{sig="SIGTERM",source="kill",error="ESRCH",'
               f'result="",comm="{n}"}}': 2 for n in names[:3]},
            'procsnoop_sig_events_total{overflow="true"}': 10,
        }, fam
        assert s['procsnoop_metrics_overflow_events_total{type="sig"}'] == 10, s
        assert s["procsnoop_metrics_series"] == 3, s
        assert ex.stop() == 0


def test_metrics_http_errors_keep_serving():
    with Exporter("sig", "-q", "--target", "4194000") as ex:
        base = f"http://127.0.0.1:{ex.port}"
        assert http(base + "/nope")[0] == 404
        assert http(base + "/metrics/x")[0] == 404
        status, headers, _ = http(base + "/metrics", method="POST")
        assert status == 405 and "GET" in headers.get("Allow", ""), (status, headers)
        assert http(base + "/metrics", method="DELETE")[0] == 405
        assert http(base + "/metrics", method="HEAD")[0] == 200
        assert http(base + "/")[0] == 200
        bad = [
            (b"GET /metrics HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n", "400"),
            (b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n", "400"),
            (b"GET /metrics HTTP/1.1\r\n\r\n", "400"),  # HTTP/1.1 without Host
            (b"NOT HTTP AT ALL\r\n\r\n", "400"),
            (b"GET /metrics HTTP/7.1\r\nHost: x\r\n\r\n", "505"),
            (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "414"),
            (b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "405"),
        ]
        for payload, code in bad:
            line = raw_http(ex.port, payload)
            assert line.startswith("HTTP/1.1 " + code), (payload[:60], line)
            assert http(ex.url)[0] == 200
        # Not HTTP at all (no request line): the connection is closed unanswered, and the
        # exporter goes on.
        for payload in (b"\x00\x01\x02\xff\xfe\r\n\r\n", b"GARBAGE\r\n\r\n"):
            assert raw_http(ex.port, payload, timeout=10) in ("", ), payload
            assert http(ex.url)[0] == 200
        # Idle connections do not stop a scrape.
        idle = [socket.create_connection(("127.0.0.1", ex.port)) for _ in range(20)]
        try:
            assert http(ex.url, timeout=2)[0] == 200
        finally:
            for s in idle:
                s.close()
        actor("kill:4194000:15")
        deadline = time.monotonic() + 10
        while ex.samples().get('procsnoop_events_total{type="sig"}') != 1:
            assert time.monotonic() < deadline, ex.samples()
            time.sleep(0.1)
        assert ex.stop() == 0


def test_metrics_sigterm_stops_and_frees_the_port():
    with Exporter("sig", "-q") as ex:
        assert http(ex.url)[0] == 200
        assert ex.stop(sig=15) == 0
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", ex.port))


def test_metrics_bad_input():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        line = usage_error("sig", "--metrics", str(port))
        assert f"127.0.0.1:{port}" in line and "in use" in line, line
    for addr in ("foo:9100", "1.2.3:9100", "::1:9100", "[::1", "65536", "9100x", ""):
        line = usage_error("sig", "--metrics", addr)
        assert "metrics address" in line, line
    line = usage_error("sig", "--metrics", "192.0.2.1:9100")  # TEST-NET: not on this host
    assert "not an address of this host" in line, line
    line = usage_error("sig", "--metrics", "0", "--metrics-labels", "comm,nosuch")
    assert "unknown metrics label 'nosuch'" in line and "comm" in line, line
    line = usage_error("sig", "--metrics", "0", "--metrics-labels", "comm,,uid")
    assert "metrics labels" in line, line
    line = usage_error("sig", "--metrics-labels", "comm")
    assert "need --metrics" in line, line
    for n in ("0", "-1", "x", "99999999999"):
        line = usage_error("sig", "--metrics", "0", "--metrics-max-series", n)
        assert "max series" in line, line


# ---- the exporter's HTTP server, byte by byte ----

TEXT = "text/plain; charset=utf-8"
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"
INDEX = b"procsnoop exporter: the metrics are at /metrics\n"
NOT_FOUND = b"not found: the metrics are at /metrics\n"
NOT_ALLOWED = b"only GET and HEAD\n"
DATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|"
                  r"Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT")


def request(path, method="GET", version="HTTP/1.1", extra=b""):
    return f"{method} {path} {version}\r\nHost: 127.0.0.1\r\n".encode() + extra + b"\r\n"


def exchange(port, payload, timeout=8, rcvbuf=None):
    """Sends payload on a new connection and reads until the server closes it: (status line,
    [(name, value), ...], body); ('', [], b'') when it closed without answering."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    with s:
        s.connect(("127.0.0.1", port))
        s.sendall(payload)
        data = b""
        while True:
            try:
                chunk = s.recv(1 << 16)
            except socket.timeout:
                raise AssertionError(f"no close within {timeout}s of {payload[:40]!r}: "
                                     f"{data[:200]!r}")
            if not chunk:
                break
            data += chunk
    if not data:
        return "", [], b""
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, data[:300]
    lines = head.decode("latin-1").split("\r\n")
    return lines[0], [tuple(l.split(": ", 1)) for l in lines[1:]], body


def check_answer(answer, status, content_type, body=None, allow=False, head=False):
    """The exact status line and header fields of an answer; returns (headers, body)."""
    line, fields, got = answer
    assert line == "HTTP/1.1 " + status, answer
    names = ["Date", "Content-Type", "Content-Length", "Allow", "Connection"]
    if not allow:
        names.remove("Allow")
    assert [f[0] for f in fields] == names, fields
    h = dict(fields)
    assert DATE.fullmatch(h["Date"]), h
    assert h["Content-Type"] == content_type, h
    assert h["Connection"] == "close", h
    if allow:
        assert h["Allow"] == "GET, HEAD", h
    if head:
        assert got == b"", got[:100]
    else:
        assert int(h["Content-Length"]) == len(got), (h, len(got))
    if body is not None:
        assert got == body, got[:200]
    return h, got


def test_metrics_http_methods_paths_and_heads():
    with Exporter("sig", "-q", "--target", "4194000") as ex:
        p = ex.port
        _, body = check_answer(exchange(p, request("/metrics")), "200 OK", EXPOSITION)
        assert body.startswith(b"# HELP procsnoop_events_total "), body[:100]
        # A query string changes nothing.
        for path in ("/metrics?x=y", "/metrics?", "/metrics?a=1&b=%20&c"):
            _, body = check_answer(exchange(p, request(path)), "200 OK", EXPOSITION)
            assert b'\nprocsnoop_events_total{type="sig"} 0\n' in body, body[:300]
        # HEAD: the fields a GET gets, no body.
        h, _ = check_answer(exchange(p, request("/metrics", "HEAD")), "200 OK", EXPOSITION,
                            head=True)
        assert int(h["Content-Length"]) > 1000, h
        check_answer(exchange(p, request("/")), "200 OK", TEXT, INDEX)
        h, _ = check_answer(exchange(p, request("/", "HEAD")), "200 OK", TEXT, head=True)
        assert h["Content-Length"] == str(len(INDEX)), h
        for path in ("/nope", "/metrics/x", "/Metrics", "//metrics", "/metrics%3Fx", "*"):
            check_answer(exchange(p, request(path)), "404 Not Found", TEXT, NOT_FOUND)
        h, _ = check_answer(exchange(p, request("/nope", "HEAD")), "404 Not Found", TEXT,
                            head=True)
        assert h["Content-Length"] == str(len(NOT_FOUND)), h
        # Other methods, whatever the path; methods are case-sensitive.
        for method, path in (("POST", "/metrics"), ("PUT", "/metrics"), ("DELETE", "/"),
                             ("PATCH", "/nope"), ("OPTIONS", "*"), ("get", "/metrics"),
                             ("BREW", "/metrics")):
            check_answer(exchange(p, request(path, method)), "405 Method Not Allowed", TEXT,
                         NOT_ALLOWED, allow=True)
        # A body is never read; a large one does not keep the answer from its client.
        check_answer(exchange(p, request("/metrics", "POST", extra=b"Content-Length: 200000\r\n")
                              + b"x" * 200000), "405 Method Not Allowed", TEXT, NOT_ALLOWED,
                     allow=True)
        # HTTP/1.0 needs no Host; lines may end in LF; the absolute form; empty lines first.
        check_answer(exchange(p, b"GET /metrics HTTP/1.0\r\n\r\n"), "200 OK", EXPOSITION)
        check_answer(exchange(p, b"GET / HTTP/1.0\n\n"), "200 OK", TEXT, INDEX)
        check_answer(exchange(p, f"GET http://127.0.0.1:{p}/?q HTTP/1.1\r\n"
                                 f"Host: 127.0.0.1:{p}\r\n\r\n".encode()), "200 OK", TEXT, INDEX)
        check_answer(exchange(p, b"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), "200 OK", TEXT,
                     INDEX)
        # Malformed heads: 400, each on its own connection, and the exporter goes on.
        for payload in (
                b"GET /metrics HTTP/1.1\r\n\r\n",  # no Host
                b"GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\nHost : x\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n",
                b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n",
                b"GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /metrics HTTP/1.1 \r\nHost: x\r\n\r\n",
                b"GET /met rics HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /metrics\xff HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /metrics%zz HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /metrics http/1.1\r\nHost: x\r\n\r\n",
                b"GET /metrics\r\n\r\n"):
            check_answer(exchange(p, payload), "400 Bad Request", TEXT, b"400 Bad Request\n")
        unsupported = "505 HTTP Version Not Supported"
        # A HEAD refused gets no body either.
        h, _ = check_answer(exchange(p, b"HEAD /metrics HTTP/1.1\r\n\r\n"), "400 Bad Request",
                            TEXT, head=True)
        assert h["Content-Length"] == str(len(b"400 Bad Request\n")), h
        for version in ("HTTP/2.0", "HTTP/0.9", "HTTP/3.1"):
            check_answer(exchange(p, request("/metrics", version=version)), unsupported, TEXT,
                         (unsupported + "\n").encode())
        assert exchange(p, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n") == ("", [], b"")
        assert http(ex.url)[0] == 200
        assert ex.stop() == 0


def head_of(size, path="/metrics"):
    """A well-formed request head of exactly size bytes."""
    base = f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Pad: \r\n\r\n".encode()
    return base.replace(b"X-Pad: ", b"X-Pad: " + b"p" * (size - len(base)))


def test_metrics_http_oversized_request_head():
    too_large = "431 Request Header Fields Too Large"
    too_long = "414 URI Too Long"
    with Exporter("sig", "-q", "--target", "4194000") as ex:
        p = ex.port
        # 8 KiB fit, one byte more does not.
        check_answer(exchange(p, head_of(8192)), "200 OK", EXPOSITION)
        check_answer(exchange(p, head_of(8193)), too_large, TEXT, (too_large + "\n").encode())
        many = (b"GET /metrics HTTP/1.1\r\nHost: x\r\n" +
                b"".join(b"X-%d: %s\r\n" % (i, b"v" * 40) for i in range(200)) + b"\r\n")
        check_answer(exchange(p, many), too_large, TEXT)
        check_answer(exchange(p, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
                     too_long, TEXT, (too_long + "\n").encode())
        # Far more than is read: the answer still comes, whole, before the close.
        check_answer(exchange(p, b"GET /" + b"a" * 200000), too_long, TEXT)
        check_answer(exchange(p, head_of(8000) + b"x" * 200000), "200 OK", EXPOSITION)
        # 8 KiB with no request line in them: closed unanswered.
        assert exchange(p, b"A" * 9000) == ("", [], b"")
        check_answer(exchange(p, request("/metrics")), "200 OK", EXPOSITION)
        assert ex.stop() == 0


def closed_within(sock, seconds):
    """Seconds until the server closed sock (EOF or reset); fails if it sent anything."""
    start = time.monotonic()
    sock.settimeout(seconds)
    try:
        data = sock.recv(4096)
    except ConnectionResetError:
        data = b""
    except socket.timeout:
        raise AssertionError(f"still open after {seconds}s")
    assert data == b"", data[:200]
    return time.monotonic() - start


def test_metrics_http_silent_and_slow_clients_do_not_hold_it():
    with Exporter("sig", "-q", "--target", "4194000") as ex:
        p = ex.port
        start = time.monotonic()
        silent = socket.create_connection(("127.0.0.1", p))
        slow = socket.create_connection(("127.0.0.1", p))
        try:
            slow.sendall(b"GET /metrics HTTP/1.1\r\n")
            # While both wait, others are answered at once.
            for _ in range(5):
                t = time.monotonic()
                check_answer(exchange(p, request("/metrics"), timeout=3), "200 OK", EXPOSITION)
                assert time.monotonic() - t < 2, time.monotonic() - t
            # The slow one drips a header line every 0.3 s: it still gets 5 s from its
            # connect in all, and no answer.
            while time.monotonic() - start < 3.5:
                slow.sendall(b"X-Drip: 1\r\n")
                time.sleep(0.3)
            waited = time.monotonic() - start + closed_within(slow, 5)
            assert 4.5 <= waited < 7, waited
            waited = time.monotonic() - start + closed_within(silent, 3)
            assert 4.5 <= waited < 7, waited
        finally:
            silent.close()
            slow.close()
        check_answer(exchange(p, request("/metrics")), "200 OK", EXPOSITION)
        assert ex.stop() == 0


def test_metrics_http_many_concurrent_connections():
    with Exporter("sig", "-q", "--target", "4194000") as ex:
        results = []
        lock = threading.Lock()

        def scrape():
            try:
                status, headers, body = http(ex.url, timeout=30)
                got = (status, headers["Content-Type"], len(body) > 1000)
            except Exception as e:  # noqa: BLE001 - reported in the assertion
                got = repr(e)
            with lock:
                results.append(got)

        threads = [threading.Thread(target=scrape) for _ in range(150)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert results == [(200, EXPOSITION, True)] * 150, [r for r in results if r[0] != 200][:5]
        # Idle clients take all 64 slots and more wait in the backlog: once they have had
        # 1 s, new connections take their places, so a scrape still gets through.
        idle = [socket.create_connection(("127.0.0.1", ex.port)) for _ in range(80)]
        try:
            time.sleep(0.2)
            t = time.monotonic()
            check_answer(exchange(ex.port, request("/metrics"), timeout=6), "200 OK", EXPOSITION)
            took = time.monotonic() - t
            assert took < 3.5, took
            # The evicted ones were closed, unanswered.
            evicted = 0
            for s in idle:
                if select.select([s], [], [], 0)[0]:
                    closed_within(s, 1)
                    evicted += 1
            assert evicted >= 1, evicted
        finally:
            for s in idle:
                s.close()
        assert ex.proc.poll() is None
        assert ex.stop() == 0


def make_series(ex, comm, n):
    """n series of procsnoop_sig_events_total (one per target pid), so /metrics is large."""
    # Signal 0 to pids that are most likely free: an existence check, harmless either way.
    actor(f"comm:{comm}", *[f"kill:{3000000 + i}:0" for i in range(n)])
    deadline = time.monotonic() + 20
    while ex.samples().get('procsnoop_events_total{type="sig"}') != n:
        assert time.monotonic() < deadline, ex.samples().get('procsnoop_events_total{type="sig"}')
        time.sleep(0.2)


def test_metrics_http_clients_that_leave_early():
    with Exporter("sig", "-k", "-q", "--comm", "mleave", "--metrics-labels", "target_pid") as ex:
        make_series(ex, "mleave", 900)
        p = ex.port
        # A reader with a small window that waits before it reads: the answer (about 90 KB)
        # goes out in many partial writes, and arrives whole.
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        with s:
            s.connect(("127.0.0.1", p))
            s.sendall(request("/metrics"))
            time.sleep(0.5)
            data = b""
            while True:
                chunk = s.recv(2048)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"\r\nContent-Length: (\d+)\r\n", head).group(1))
        assert length == len(body) > 1 << 16, (length, len(body))
        assert body.endswith(b"\n") and body.count(b'target_pid="') == 900
        # Clients that close at once, reset, or read a little of a large answer and go.
        for i in range(40):
            c = socket.create_connection(("127.0.0.1", p))
            if i % 2:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.sendall(request("/metrics", "HEAD" if i % 4 == 3 else "GET"))
            if i % 3 == 0:
                c.recv(100)
            c.close()
        for _ in range(10):
            c = socket.socket()
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            c.connect(("127.0.0.1", p))
            c.sendall(request("/metrics"))
            c.recv(100)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        time.sleep(0.3)
        assert ex.proc.poll() is None, ex.stderr()
        _, body = check_answer(exchange(p, request("/metrics")), "200 OK", EXPOSITION)
        assert body.count(b'target_pid="') == 900
        # Stopped with connections still open (one silent, one half-way through its
        # answer): every connection is freed (the sanitized runs check) and the exit is clean.
        silent = socket.create_connection(("127.0.0.1", p))
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect(("127.0.0.1", p))
        stuck.sendall(request("/metrics"))
        try:
            time.sleep(0.3)
            t = time.monotonic()
            assert ex.stop() == 0, ex.stderr()
            assert time.monotonic() - t < 5
        finally:
            silent.close()
            stuck.close()


def test_metrics_fuzz_http():
    """The request parser under libFuzzer for a few seconds (fuzz/fuzz_http.c)."""
    from test_run import fuzz
    fuzz("http")
