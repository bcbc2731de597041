#!/usr/bin/env python3
"""Reference implementations of the Swift benchmark workloads in PyTorch (CPU) and numpy.

Same shapes, same computation, same timing protocol as Sources/bench-compare-runner:
warm up for 20% of the budget (at least 3 runs), then time single runs until the budget is
spent (at least 5, at most 20000 samples); report median, p25, p75, min, max in microseconds.

    python3 workloads.py --backend torch --threads 1 --json
    python3 workloads.py --backend numpy --threads 2 --json

Thread pinning: torch.set_num_threads(N) (and 1 interop thread); for numpy the BLAS pool is
limited through OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS, which compare.py sets
before this process starts (they are read at import), and through threadpoolctl when installed.
A missing backend prints a message on stderr and exits with status 3 (compare.py skips it).

numpy has no autograd, so the PPO epoch is torch only.
"""
import argparse
import json
import os
import sys
import time

OBS = 175
ACTIONS = 13
ACTOR_SIZES = [OBS, 256, 128, 32, ACTIONS]
CRITIC_SIZES = [OBS, 256, 128, 64, 32, 1]
PPO_ROWS = 3200
PPO_MINIBATCH = 800  # CleanRL's numMinibatches = 4
DECISIONS = 20
GPO_INFERENCES = 50
EMB = 24
NODES = 24
EDGE_NODES = 18
GROUPS = 7
SERVICE_ACTIONS = 25
MATMUL_SHAPES = [(1, 175, 256), (1, 256, 128), (1, 128, 32),
                 (800, 175, 256), (3200, 175, 256), (3200, 256, 128)]


def graph():
    """The GPOBenchGraph of BenchWorkloads/GPOWorkload.swift, built with the same rules."""
    src, dst = [], []
    for cluster in range(3):
        members = range(cluster * 6, cluster * 6 + 6)
        for s in members:
            for d in members:
                if d != s:
                    src.append(s)
                    dst.append(d)
    for node in range(EDGE_NODES):
        c = node // 6
        for cloud in (EDGE_NODES + 2 * c, EDGE_NODES + 2 * c + 1):
            src += [node, cloud]
            dst += [cloud, node]
    for s in range(EDGE_NODES, NODES):
        for d in range(EDGE_NODES, NODES):
            if d != s:
                src.append(s)
                dst.append(d)
    groups = [n // 3 if n < EDGE_NODES else 6 for n in range(NODES)]
    return src, dst, groups


def measure(body, budget_ms):
    budget = budget_ms / 1000.0
    warm_end = time.perf_counter() + budget / 5
    n = 0
    while n < 3 or time.perf_counter() < warm_end:
        body()
        n += 1
    times = []
    end = time.perf_counter() + budget
    while len(times) < 5 or (time.perf_counter() < end and len(times) < 20000):
        t0 = time.perf_counter_ns()
        body()
        times.append((time.perf_counter_ns() - t0) / 1000.0)
    times.sort()

    def q(p):
        pos = p * (len(times) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(times) - 1)
        return times[lo] + (times[hi] - times[lo]) * (pos - lo)

    return {"median_us": q(0.5), "p25_us": q(0.25), "p75_us": q(0.75),
            "min_us": times[0], "max_us": times[-1], "samples": len(times)}


# ----------------------------------------------------------------------------------------------
# numpy

def numpy_workloads(threads):
    import numpy as np
    rng = np.random.default_rng(7)

    def mlp(sizes):
        layers = []
        for i in range(len(sizes) - 1):
            lim = (6.0 / (sizes[i] + sizes[i + 1])) ** 0.5
            layers.append((rng.uniform(-lim, lim, (sizes[i], sizes[i + 1])).astype(np.float32),
                           np.zeros(sizes[i + 1], np.float32)))
        return layers

    def forward(layers, x, out="none"):
        for i, (w, b) in enumerate(layers):
            x = x @ w + b
            if i < len(layers) - 1:
                x = np.maximum(x, 0)
        if out == "plus1":
            x = np.maximum(x, 0) + 1
        return x

    actor, critic = mlp(ACTOR_SIZES), mlp(CRITIC_SIZES)
    obs = rng.uniform(-1, 1, (DECISIONS, 1, OBS)).astype(np.float32)
    states = rng.uniform(-1, 1, (DECISIONS, 1, OBS)).astype(np.float32)
    masks = (rng.random((DECISIONS, ACTIONS)) < 0.7).astype(np.float32)
    masks[np.arange(DECISIONS), rng.integers(0, ACTIONS, DECISIONS)] = 1
    srng = np.random.default_rng(1)

    def decide(i):
        p = forward(actor, obs[i], "plus1")[0]
        f = p * masks[i]
        probs = f / f.sum()
        a = int(np.searchsorted(np.cumsum(probs), srng.random(), side="right"))
        a = min(a, ACTIONS - 1)
        v = forward(critic, states[i])[0, 0]
        return a, probs[a], v

    src, dst, groups = graph()
    src, dst, groups = np.array(src), np.array(dst), np.array(groups)
    f1, h1, f2, h2, f3, h3 = (mlp([EMB, 64, 32, EMB]) for _ in range(6))
    node_actor = mlp([3 * EMB, 128, 64, 32, 1])
    service_actor = mlp([EMB + GROUPS * EMB, 128, 64, 32, SERVICE_ACTIONS])
    node_states = rng.uniform(0, 1, (GPO_INFERENCES, NODES, EMB)).astype(np.float32)

    def softmax(x):
        e = np.exp(x - x.max())
        return e / e.sum()

    def scatter(x, index, count):
        out = np.zeros((count, x.shape[1]), np.float32)
        np.add.at(out, index, x)
        return out

    def infer(i, per_node=False):
        s = node_states[i]
        x = s
        for _ in range(3):
            msg = forward(f1, x)[src] if per_node else forward(f1, x[src])
            x = forward(h1, scatter(msg, dst, NODES)) + s
        y = forward(h2, scatter(forward(f2, x), groups, GROUPS))
        z = forward(h3, forward(f3, y).sum(axis=0, keepdims=True))
        node_in = np.concatenate([x, y[groups], np.repeat(z, NODES, axis=0)], axis=1)
        pn = softmax(forward(node_actor, node_in).reshape(-1))
        ps = softmax(forward(service_actor, np.concatenate([z, y.reshape(1, -1)], axis=1))[0])
        node = min(int(np.searchsorted(np.cumsum(pn), srng.random(), side="right")), NODES - 1)
        svc = min(int(np.searchsorted(np.cumsum(ps), srng.random(), side="right")),
                  SERVICE_ACTIONS - 1)
        return node, svc

    work = [
        ("mappo_decision_b1", lambda: decide(0)),
        ("mappo_20_decisions", lambda: [decide(i) for i in range(DECISIONS)]),
        ("critic_b1", lambda: forward(critic, states[0])),
        ("gpo_inference_b1", lambda: infer(0)),
        ("gpo_50_inferences", lambda: [infer(i) for i in range(GPO_INFERENCES)]),
        ("gpo_50_inferences_nodewise_f",
         lambda: [infer(i, True) for i in range(GPO_INFERENCES)]),
    ]
    for m, k, n in MATMUL_SHAPES:
        a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
        work.append((f"{'sgemv' if m == 1 else 'sgemm'}_{m}x{k}x{n}", lambda a=a, b=b: a @ b))
    info = {"numpy": np.__version__}
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        threadpool_limits(threads)
        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "num_threads",
                                                "architecture")} for d in threadpool_info()]
    except ImportError:
        info["blas"] = "threadpoolctl not installed; threads set via OPENBLAS_NUM_THREADS"
    return work, info


# ----------------------------------------------------------------------------------------------
# torch

def torch_workloads(threads):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(7)

    def mlp(sizes, out=None):
        mods = []
        for i in range(len(sizes) - 1):
            lin = nn.Linear(sizes[i], sizes[i + 1])
            nn.init.xavier_uniform_(lin.weight)
            nn.init.zeros_(lin.bias)
            mods.append(lin)
            if i < len(sizes) - 2:
                mods.append(nn.ReLU())
        if out == "plus1":
            mods.append(PlusOne())
        return nn.Sequential(*mods)

    class PlusOne(nn.Module):
        def forward(self, x):
            return torch.relu(x) + 1

    actor, critic = mlp(ACTOR_SIZES, "plus1"), mlp(CRITIC_SIZES)
    obs = torch.rand(DECISIONS, 1, OBS) * 2 - 1
    states = torch.rand(DECISIONS, 1, OBS) * 2 - 1
    masks = (torch.rand(DECISIONS, ACTIONS) < 0.7).float()
    masks[torch.arange(DECISIONS), torch.randint(0, ACTIONS, (DECISIONS,))] = 1
    gen = torch.Generator().manual_seed(1)

    def decide(i):
        with torch.inference_mode():
            p = actor(obs[i])[0]
            f = p * masks[i]
            probs = f / f.sum()
            a = int(torch.multinomial(probs, 1, generator=gen))
            v = critic(states[i])[0, 0]
            return a, float(probs[a]), float(v)

    def critic_only():
        with torch.inference_mode():
            return float(critic(states[0])[0, 0])

    # PPO epoch: identical loss to PPOEpochWorkload.swift.
    train_actor, train_critic = mlp(ACTOR_SIZES, "plus1"), mlp(CRITIC_SIZES)
    opt_a = torch.optim.Adam(train_actor.parameters(), lr=5e-4)
    opt_c = torch.optim.Adam(train_critic.parameters(), lr=5e-4)
    params = list(train_actor.parameters()) + list(train_critic.parameters())
    b_obs = torch.rand(PPO_ROWS, OBS) * 2 - 1
    b_states = torch.rand(PPO_ROWS, OBS) * 2 - 1
    b_mask = (torch.rand(PPO_ROWS, ACTIONS) < 0.7).float()
    taken = torch.randint(0, ACTIONS, (PPO_ROWS,))
    b_mask[torch.arange(PPO_ROWS), taken] = 1
    b_onehot = torch.zeros(PPO_ROWS, ACTIONS)
    b_onehot[torch.arange(PPO_ROWS), taken] = 1
    b_old = torch.rand(PPO_ROWS, 1) - 2.5
    b_adv = torch.randn(PPO_ROWS, 1)
    b_ret = torch.randn(PPO_ROWS, 1)

    def ppo_epoch():
        order = torch.randperm(PPO_ROWS)
        for start in range(0, PPO_ROWS, PPO_MINIBATCH):
            idx = order[start:start + PPO_MINIBATCH]
            o, st, m, oh = b_obs[idx], b_states[idx], b_mask[idx], b_onehot[idx]
            old, adv, ret = b_old[idx], b_adv[idx], b_ret[idx]
            filtered = train_actor(o) * m
            total = filtered.sum(1, keepdim=True)
            log_all = (filtered + (1 - m)).log() - total.log()
            probs = filtered / total
            logp = (log_all * oh).sum(1, keepdim=True)
            ratio = (logp - old).exp()
            policy_loss = -torch.minimum(ratio * adv, ratio.clamp(0.8, 1.2) * adv).mean()
            entropy = -(probs * log_all).sum(1).mean()
            value_loss = nn.functional.huber_loss(train_critic(st), ret, delta=1.0)
            loss = policy_loss - 0.01 * entropy + 0.5 * value_loss
            opt_a.zero_grad(set_to_none=True)
            opt_c.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(params, 0.5)
            opt_a.step()
            opt_c.step()
        return float(loss.detach())

    src, dst, groups = graph()
    src, dst, groups = torch.tensor(src), torch.tensor(dst), torch.tensor(groups)
    f1, h1, f2, h2, f3, h3 = (mlp([EMB, 64, 32, EMB]) for _ in range(6))
    node_actor = mlp([3 * EMB, 128, 64, 32, 1])
    service_actor = mlp([EMB + GROUPS * EMB, 128, 64, 32, SERVICE_ACTIONS])
    node_states = torch.rand(GPO_INFERENCES, NODES, EMB)

    def scatter(x, index, count):
        return torch.zeros(count, x.shape[1]).index_add_(0, index, x)

    def infer(i, per_node=False):
        with torch.inference_mode():
            s = node_states[i]
            x = s
            for _ in range(3):
                msg = f1(x)[src] if per_node else f1(x[src])
                x = h1(scatter(msg, dst, NODES)) + s
            y = h2(scatter(f2(x), groups, GROUPS))
            z = h3(f3(y).sum(0, keepdim=True))
            node_in = torch.cat([x, y[groups], z.expand(NODES, EMB)], dim=1)
            pn = torch.softmax(node_actor(node_in).reshape(-1), 0)
            ps = torch.softmax(service_actor(torch.cat([z, y.reshape(1, -1)], dim=1))[0], 0)
            return (int(torch.multinomial(pn, 1, generator=gen)),
                    int(torch.multinomial(ps, 1, generator=gen)))

    work = [
        ("mappo_decision_b1", lambda: decide(0)),
        ("mappo_20_decisions", lambda: [decide(i) for i in range(DECISIONS)]),
        ("critic_b1", critic_only),
        ("ppo_epoch_3200x175", ppo_epoch),
        ("gpo_inference_b1", lambda: infer(0)),
        ("gpo_50_inferences", lambda: [infer(i) for i in range(GPO_INFERENCES)]),
        ("gpo_50_inferences_nodewise_f",
         lambda: [infer(i, True) for i in range(GPO_INFERENCES)]),
    ]
    for m, k, n in MATMUL_SHAPES:
        a = torch.rand(m, k) * 2 - 1
        b = torch.rand(k, n) * 2 - 1

        def product(a=a, b=b):
            with torch.inference_mode():
                return a @ b
        work.append((f"{'sgemv' if m == 1 else 'sgemm'}_{m}x{k}x{n}", product))
    info = {"torch": torch.__version__, "threads": torch.get_num_threads()}
    return work, info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["torch", "numpy"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget-ms", type=float, default=1500)
    ap.add_argument("--filter", default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    try:
        builder = torch_workloads if args.backend == "torch" else numpy_workloads
        work, info = builder(args.threads)
    except ImportError as error:
        print(f"workloads.py: {args.backend} is not installed ({error}); skipping",
              file=sys.stderr)
        sys.exit(3)
    results = {}
    for name, body in work:
        if args.filter and args.filter not in name:
            continue
        results[name] = measure(body, args.budget_ms)
    out = {"impl": args.backend, "threads": args.threads, "info": info,
           "env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                  "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
           "workloads": results}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        for name, r in results.items():
            print(f"{name:22s} median {r['median_us']:.2f} µs  "
                  f"p25–p75 {r['p25_us']:.2f}–{r['p75_us']:.2f}  n {r['samples']}")


if __name__ == "__main__":
    main()
