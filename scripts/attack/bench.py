"""Attack cases against one running `eseal serve` (see scripts/attack-bench.sh).

Usage: bench.py CASE BASE_PORT SERVER_PID TOKEN GENUINE_APPLICATION_ID
Prints one line of figures for the case: the server's peak RSS (VmHWM),
the slowest /healthz answer and the genuine clerk approval's time during
the attack, and how many attack attempts the server evaluated.
"""
import asyncio
import json
import multiprocessing
import os
import random
import resource
import sys
import time

HOST = "127.0.0.1"


def vm_hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
    return -1


async def request(port, method, path, body=b"", headers=None, src="127.0.0.1", timeout=60):
    """One HTTP/1.1 request on its own connection: (status, body bytes)."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(HOST, port, local_addr=(src, 0)), timeout)
    try:
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close",
                f"Content-Length: {len(body)}"]
        for k, v in (headers or {}).items():
            head.append(f"{k}: {v}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            if body:
                writer.write(body)
            await asyncio.wait_for(writer.drain(), timeout)
        except (ConnectionError, BrokenPipeError):
            pass  # the server answered early and closed; read what it said
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    if not data:
        return 0, b""
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[-1]


class Monitor:
    """Polls /healthz every 0.25 s and approves the genuine application once."""

    def __init__(self, port, token, app_id):
        self.port, self.token, self.app_id = port, token, app_id
        self.health_worst = 0.0
        self.health_fail = 0
        self.approval = None
        self.stop = False

    async def health(self):
        while not self.stop:
            t = time.monotonic()
            try:
                s, _ = await request(self.port, "GET", "/healthz", src="127.0.0.250", timeout=5)
                ok = s == 200
            except Exception:
                ok = False
            dt = time.monotonic() - t
            self.health_worst = max(self.health_worst, dt)
            self.health_fail += 0 if ok else 1
            await asyncio.sleep(0.25)

    async def approve(self, delay):
        await asyncio.sleep(delay)
        t = time.monotonic()
        try:
            s, b = await request(self.port, "POST", f"/api/v1/applications/{self.app_id}/approve",
                                 headers={"Authorization": f"Bearer {self.token}"}, src="127.0.0.251")
        except Exception:
            s = 0  # refused or reset
        self.approval = (s, time.monotonic() - t)

    def report(self):
        s, dt = self.approval or (0, 99)
        ok = self.health_fail == 0 and self.health_worst < 1 and s == 201 and dt < 1
        return (f"healthz worst {self.health_worst * 1000:.0f} ms ({self.health_fail} failed), "
                f"approval {s} in {dt * 1000:.0f} ms -> {'within 1 s' if ok else 'NOT within 1 s'}")


def monitor_process(port, token, app_id, approve_after, stop, out):
    """The monitor in a process of its own, so the attacking client's work
    never delays its measurements."""
    async def run():
        m = Monitor(port, token, app_id)
        h = asyncio.create_task(m.health())
        await m.approve(approve_after)
        while not stop.is_set():
            await asyncio.sleep(0.05)
        m.stop = True
        await h
        out.put((m.health_worst, m.health_fail, m.approval))
    asyncio.run(run())


async def with_monitor(port, token, app_id, attack, approve_after=0.5):
    ctx = multiprocessing.get_context("fork")
    stop, out = ctx.Event(), ctx.Queue()
    p = ctx.Process(target=monitor_process, args=(port, token, app_id, approve_after, stop, out))
    p.start()
    result = await attack()
    await asyncio.sleep(max(0.0, approve_after + 1.0))
    stop.set()
    m = Monitor(port, token, app_id)
    m.health_worst, m.health_fail, m.approval = out.get()
    p.join()
    return result, m


def count(statuses):
    out = {}
    for s in statuses:
        out[s] = out.get(s, 0) + 1
    return " ".join(f"{k}x{v}" for k, v in sorted(out.items()))


async def logins(port, n, sources, username):
    async def one(i):
        user = username or f"clerk{i % 40}"
        body = json.dumps({"username": user, "password": f"wrong password {i}"}).encode()
        try:
            s, _ = await request(port, "POST", "/api/v1/session", body,
                                 {"Content-Type": "application/json"}, src=sources[i % len(sources)])
        except Exception:
            s = 0
        return s
    return await asyncio.gather(*(one(i) for i in range(n)))


async def uploads(port, n, size):
    blob = b"%PDF-1.7\n" + os.urandom(size - 9)

    async def one(i):
        try:
            s, _ = await request(port, "POST", "/api/v1/verify", blob,
                                 {"Content-Type": "application/pdf"}, src=f"127.0.0.{10 + i % 40}", timeout=120)
        except Exception:
            s = 0
        return s
    return await asyncio.gather(*(one(i) for i in range(n)))


def idle_worker(args):
    """Open `n` connections from `src` and hold them for `secs`; half of them
    send an unfinished request head (slowloris). Returns (opened, closed by the server)."""
    port, n, src, secs = args
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    async def run():
        conns = []
        for i in range(n):
            try:
                r, w = await asyncio.open_connection(HOST, port, local_addr=(src, 0))
            except OSError:
                continue
            if i % 2:
                w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            conns.append((r, w))
        await asyncio.sleep(secs)
        closed = 0
        for r, w in conns:
            try:
                data = await asyncio.wait_for(r.read(1), 0.001)
                closed += 1 if data == b"" else 0
            except (asyncio.TimeoutError, ConnectionError):
                pass
            w.close()
        return len(conns), closed
    return asyncio.run(run())


async def junk(port, n, id_numbers):
    body_of = lambda idn: json.dumps({
        "kind": "business_premises", "seal_id": SEAL, "fields": dict(FIELDS, applicant_id=idn,
                                                                      applicant_name="垃圾申请")},
        ensure_ascii=False).encode()
    sem = asyncio.Semaphore(50)

    async def one(i):
        async with sem:
            try:
                s, _ = await request(port, "POST", "/api/v1/applications", body_of(id_numbers[i]),
                                     {"Content-Type": "application/json"}, src=f"127.0.0.{10 + i % 4}")
            except Exception:
                s = 0
            return s
    return await asyncio.gather(*(one(i) for i in range(n)))


def id_number(i):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    body = f"320707{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
    return body + check


async def queue_has(port, token, app_id):
    page = 1
    while True:
        s, b = await request(port, "GET", f"/api/v1/applications?status=submitted&page={page}&per_page=100",
                             headers={"Authorization": f"Bearer {token}"})
        items = json.loads(b)
        if any(a["application_id"] == app_id for a in items):
            return True, page
        if len(items) < 100:
            return False, page
        page += 1


SEAL = os.environ.get("ATTACK_SEAL", "")
FIELDS = json.loads(os.environ.get("ATTACK_FIELDS", "{}"))


def main():
    case, port, pid, token, app_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    extra = sys.argv[6] if len(sys.argv) > 6 else ""
    started = time.monotonic()
    if case == "logins":
        sources = [f"127.0.0.{10 + i}" for i in range(40)]
        st, m = asyncio.run(with_monitor(port, token, app_id, lambda: logins(port, 300, sources, None)))
        evaluated = st.count(401)
        what = f"300 concurrent logins from 40 addresses: {count(st)}; password hashes evaluated: {evaluated}"
    elif case == "guesses":
        st, m = asyncio.run(with_monitor(port, token, app_id, lambda: logins(port, 60, ["127.0.0.9"], "victim")))
        evaluated = st.count(401)
        what = (f"60 parallel wrong passwords at one account: {count(st)}; wrong passwords evaluated: "
                f"{evaluated} (target <= 5)")
    elif case == "uploads":
        st, m = asyncio.run(with_monitor(port, token, app_id, lambda: uploads(port, 100, 30 * 1024 * 1024),
                                         approve_after=1.0))
        evaluated = sum(1 for s in st if s in (200, 400, 422))
        what = f"100 concurrent 30 MiB verify uploads: {count(st)}; uploads read and verified: {evaluated}"
    elif case == "idle":
        async def attack():
            loop = asyncio.get_running_loop()
            with multiprocessing.Pool(4) as pool:
                args = [(port, 5000, f"127.0.0.{20 + k}", 15) for k in range(4)]
                return await loop.run_in_executor(None, pool.map, idle_worker, args)
        res, m = asyncio.run(with_monitor(port, token, app_id, attack, approve_after=8))
        opened = sum(o for o, _ in res)
        closed = sum(c for _, c in res)
        what = (f"20,000 idle connections (half with an unfinished request head): {opened} opened, "
                f"{closed} closed by the server while held")
    elif case == "junk":
        ids = [id_number(i) for i in range(1000)]
        st, m = asyncio.run(with_monitor(port, token, app_id, lambda: junk(port, 1000, ids)))
        evaluated = st.count(201)
        found, page = asyncio.run(queue_has(port, token, extra))
        what = (f"1,000 junk applications from 4 addresses: {count(st)}; accepted: {evaluated}; "
                f"genuine application {'in the queue (page ' + str(page) + ')' if found else 'MISSING from the queue'}")
    else:
        raise SystemExit(f"unknown case {case}")
    print(f"{case}: {what}; {m.report()}; peak RSS {vm_hwm(pid)} MB (target < 400); "
          f"{time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
