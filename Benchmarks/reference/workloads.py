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
ACTOR_SIZES = [OBS, 256, 128, 32, ACTIONS]    # the PPO epoch workload
CRITIC_SIZES = [OBS, 256, 128, 64, 32, 1]
# The decision workloads time the KMPS dispatcher that `experiment fig7` trains. compare.py
# reads its sizes from `bench-compare-runner --print-dispatch-shapes` and passes them with
# --actor-sizes / --critic-sizes; these defaults are the sizes at the time of writing.
DISPATCH_ACTOR_SIZES = [170, 256, 128, 32, 19]
DISPATCH_CRITIC_SIZES = [350, 256, 128, 64, 32, 1]
PPO_ROWS = 3200
PPO_MINIBATCH = 800  # CleanRL's numMinibatches = 4
DECISIONS = 20
GPO_INFERENCES = 50
# GPO: the RL module's GPOPolicy (variant gpo) on the default EdgeCloud topology; see
# gpo_graph() and BenchWorkloads/GPOWorkload.swift.
EMB = 24                      # embedding width D
GNN_HIDDEN = [64, 32]         # hidden layers of every f_i, h_i
HOPS = 3                      # node-level message-passing rounds (Eq. 4)
ACTOR_HIDDEN = [128, 64, 32]  # NodeActor / ServiceActor hidden layers
SELECTED_NODES = 3            # H = the Fig. 7 environment's actions per frame
CLUSTERS = 3
EDGE_PER_CLUSTER = 6
CLOUD_NODES = 6
NODES = CLUSTERS * EDGE_PER_CLUSTER + CLOUD_NODES  # 24
EAPS = CLUSTERS + 1           # 3 eAPs + the cloud master
SERVICES = 12
NODE_FEATURES = 5 + 2 * SERVICES  # 29
EAP_FEATURES = 1 + SERVICES       # 13
SERVICE_ACTIONS = 2 * SERVICES + 1  # 25
MATMUL_SHAPES = [(1, 175, 256), (1, 256, 128), (1, 128, 32),
                 (800, 175, 256), (3200, 175, 256), (3200, 256, 128)]


def gpo_graph():
    """The GraphInput of BenchWorkloads/GPOWorkload.swift (KMPS.GPOOrchestration.graphInput on the
    Fig. 7 topology): node n's group is its cluster (cloud nodes: group 3, the cloud master);
    messages flow n' -> n for every other node n' of the same group (complete graphs, 120 edges);
    eAP of a node = its group; every eAP in one global cluster."""
    group = [n // EDGE_PER_CLUSTER if n < CLUSTERS * EDGE_PER_CLUSTER else CLUSTERS
             for n in range(NODES)]
    src, dst = [], []
    for n in range(NODES):
        for m in range(NODES):
            if m != n and group[m] == group[n]:
                src.append(m)
                dst.append(n)
    node_eap = group
    eap_cluster = [0] * EAPS  # one global cluster (GPOOrchestrationConfig.singleGlobalCluster)
    node_cluster = [eap_cluster[b] for b in node_eap]
    return src, dst, node_eap, eap_cluster, node_cluster


def gpo_param_shapes():
    """Parameter names and shapes of the Swift GPOPolicy (visitParameters order and names;
    weights are [in, out] as in TensorModule.Linear, y = x W + b)."""
    shapes = []

    def linear(name, fan_in, fan_out):
        shapes.append((f"{name}.weight", (fan_in, fan_out)))
        shapes.append((f"{name}.bias", (fan_out,)))

    def mlp(name, sizes):
        for k in range(len(sizes) - 1):
            linear(f"{name}.{k}", sizes[k], sizes[k + 1])

    linear("gnn.inputProjection", NODE_FEATURES, EMB)
    linear("gnn.eapProjection", EAP_FEATURES, EMB)
    for level in ("node", "eap", "cluster"):
        for net in ("f", "h"):
            mlp(f"gnn.{level}.{net}", [EMB] + GNN_HIDDEN + [EMB])
    mlp("nodeActor", [3 * EMB] + ACTOR_HIDDEN + [1])
    mlp("serviceActor", [3 * EMB] + ACTOR_HIDDEN + [SERVICE_ACTIONS])
    return shapes


def gpo_random_params(np, rng):
    """Glorot-uniform weights, zero biases (the values do not change the timing)."""
    params = {}
    for name, shape in gpo_param_shapes():
        if name.endswith(".weight"):
            lim = (6.0 / (shape[0] + shape[1])) ** 0.5
            params[name] = rng.uniform(-lim, lim, shape).astype(np.float32)
        else:
            params[name] = np.zeros(shape, np.float32)
    return params


def gpo_inputs(np, rng):
    """50 frames of node features [24, 29] and eAP features [4, 13] in [0, 1)."""
    return (rng.uniform(0, 1, (GPO_INFERENCES, NODES, NODE_FEATURES)).astype(np.float32),
            rng.uniform(0, 1, (GPO_INFERENCES, EAPS, EAP_FEATURES)).astype(np.float32))


def sequential_select(np, logits, count, rng):
    """SequentialSelection.sample of the RL module: count draws without replacement from one
    softmax (renormalized over what is left), in float64; returns items and the log-probability."""
    logits = np.asarray(logits, np.float64)
    available = np.ones(len(logits), bool)
    items, log_prob = [], 0.0
    for _ in range(count):
        masked = np.where(available, logits, -np.inf)
        top = masked.max()
        weights = np.exp(masked - top)
        total = weights.sum()
        i = min(int(np.searchsorted(np.cumsum(weights), rng.random() * total, side="right")),
                len(logits) - 1)
        log_prob += masked[i] - top - np.log(total)
        available[i] = False
        items.append(i)
    return items, log_prob


class NumpyGPO:
    """GPOPolicy.act (variant gpo) in numpy. The sums over neighbours / children are products
    with 0/1 matrices (A[target, source], eAP and cluster membership): the same sums as the
    Swift scatter-adds, and the fastest numpy idiom at these sizes (np.add.at is ~10x slower)."""

    def __init__(self, np, params):
        self.np = np
        self.p = params
        src, dst, node_eap, eap_cluster, node_cluster = gpo_graph()
        self.adjacency = np.zeros((NODES, NODES), np.float32)
        np.add.at(self.adjacency, (np.array(dst), np.array(src)), 1)
        self.eap_members = np.zeros((EAPS, NODES), np.float32)
        self.eap_members[np.array(node_eap), np.arange(NODES)] = 1
        self.cluster_members = np.zeros((max(eap_cluster) + 1, EAPS), np.float32)
        self.cluster_members[np.array(eap_cluster), np.arange(EAPS)] = 1
        self.node_eap = np.array(node_eap)
        self.node_cluster = np.array(node_cluster)
        self.mlps = {}
        for name in ("gnn.node.f", "gnn.node.h", "gnn.eap.f", "gnn.eap.h", "gnn.cluster.f",
                     "gnn.cluster.h", "nodeActor", "serviceActor"):
            layers, k = [], 0
            while f"{name}.{k}.weight" in params:
                layers.append((params[f"{name}.{k}.weight"], params[f"{name}.{k}.bias"]))
                k += 1
            self.mlps[name] = layers

    def mlp(self, name, x):
        layers = self.mlps[name]
        for i, (w, b) in enumerate(layers):
            x = x @ w + b
            if i < len(layers) - 1:
                x = self.np.maximum(x, 0)
        return x

    def encode(self, node_features, eap_features):
        np, p = self.np, self.p
        s = node_features @ p["gnn.inputProjection.weight"] + p["gnn.inputProjection.bias"]
        x = s
        for _ in range(HOPS):
            x = self.mlp("gnn.node.h", self.adjacency @ self.mlp("gnn.node.f", x)) + s
        y = (self.mlp("gnn.eap.h", self.eap_members @ self.mlp("gnn.eap.f", x))
             + eap_features @ p["gnn.eapProjection.weight"] + p["gnn.eapProjection.bias"])
        z = self.mlp("gnn.cluster.h", self.cluster_members @ self.mlp("gnn.cluster.f", y))
        return np.concatenate([x, y[self.node_eap], z[self.node_cluster]], axis=1)

    def act(self, node_features, eap_features, rng):
        rows = self.encode(node_features, eap_features)
        scores = self.mlp("nodeActor", rows)[:, 0]
        nodes, node_log_prob = sequential_select(self.np, scores, SELECTED_NODES, rng)
        logits = self.mlp("serviceActor", rows[nodes])
        choices, service_log_prob = [], 0.0
        for j, node in enumerate(nodes):
            action, lp = sequential_select(self.np, logits[j], 1, rng)
            choices.append((node, action[0]))
            service_log_prob += lp
        return choices, node_log_prob, service_log_prob


def torch_gpo(torch, params):
    """GPOPolicy.act (variant gpo) as a torch module, as a PyTorch user would write it:
    nn.Linear layers, index_add_ scatter sums (PyG-style), inference_mode, multinomial
    sampling over log_softmax (float32)."""
    from torch import nn

    def linear(name):
        w = torch.from_numpy(params[f"{name}.weight"])
        lin = nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(w.t())
            lin.bias.copy_(torch.from_numpy(params[f"{name}.bias"]))
        return lin

    def mlp(name):
        mods, k = [], 0
        while f"{name}.{k}.weight" in params:
            if k > 0:
                mods.append(nn.ReLU())
            mods.append(linear(f"{name}.{k}"))
            k += 1
        return nn.Sequential(*mods)

    src, dst, node_eap, eap_cluster, node_cluster = gpo_graph()

    class GPO(nn.Module):
        def __init__(self):
            super().__init__()
            self.input_projection = linear("gnn.inputProjection")
            self.eap_projection = linear("gnn.eapProjection")
            self.f1, self.h1 = mlp("gnn.node.f"), mlp("gnn.node.h")
            self.f2, self.h2 = mlp("gnn.eap.f"), mlp("gnn.eap.h")
            self.f3, self.h3 = mlp("gnn.cluster.f"), mlp("gnn.cluster.h")
            self.node_actor, self.service_actor = mlp("nodeActor"), mlp("serviceActor")
            self.src, self.dst = torch.tensor(src), torch.tensor(dst)
            self.node_eap, self.eap_cluster = torch.tensor(node_eap), torch.tensor(eap_cluster)
            self.node_cluster = torch.tensor(node_cluster)
            self.clusters = max(eap_cluster) + 1

        def encode(self, node_features, eap_features):
            s = self.input_projection(node_features)
            x = s
            for _ in range(HOPS):
                messages = self.f1(x).index_select(0, self.src)
                x = self.h1(torch.zeros(NODES, EMB).index_add_(0, self.dst, messages)) + s
            y = (self.h2(torch.zeros(EAPS, EMB).index_add_(0, self.node_eap, self.f2(x)))
                 + self.eap_projection(eap_features))
            z = self.h3(torch.zeros(self.clusters, EMB).index_add_(0, self.eap_cluster,
                                                                   self.f3(y)))
            return torch.cat([x, y.index_select(0, self.node_eap),
                              z.index_select(0, self.node_cluster)], dim=1)

        def act(self, node_features, eap_features, gen):
            with torch.inference_mode():
                rows = self.encode(node_features, eap_features)
                scores = self.node_actor(rows).reshape(-1)
                nodes, node_log_prob = [], 0.0
                for _ in range(SELECTED_NODES):
                    log_p = torch.log_softmax(scores, 0)
                    i = int(torch.multinomial(log_p.exp(), 1, generator=gen))
                    node_log_prob += float(log_p[i])
                    nodes.append(i)
                    scores = scores.index_fill(0, torch.tensor([i]), float("-inf"))
                log_p = torch.log_softmax(self.service_actor(rows[nodes]), 1)
                actions = torch.multinomial(log_p.exp(), 1, generator=gen)
                service_log_prob = float(log_p.gather(1, actions).sum())
                return ([(n, int(a)) for n, a in zip(nodes, actions.view(-1))],
                        node_log_prob, service_log_prob)

    return GPO()


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

    actor, critic = mlp(DISPATCH_ACTOR_SIZES), mlp(DISPATCH_CRITIC_SIZES)
    n_obs, n_state, n_act = DISPATCH_ACTOR_SIZES[0], DISPATCH_CRITIC_SIZES[0], DISPATCH_ACTOR_SIZES[-1]
    obs = rng.uniform(-1, 1, (DECISIONS, 1, n_obs)).astype(np.float32)
    states = rng.uniform(-1, 1, (DECISIONS, 1, n_state)).astype(np.float32)
    masks = (rng.random((DECISIONS, n_act)) < 0.7).astype(np.float32)
    masks[np.arange(DECISIONS), rng.integers(0, n_act, DECISIONS)] = 1
    srng = np.random.default_rng(1)

    def decide(i):
        p = forward(actor, obs[i], "plus1")[0]
        f = p * masks[i]
        probs = f / f.sum()
        a = int(np.searchsorted(np.cumsum(probs), srng.random(), side="right"))
        a = min(a, n_act - 1)
        v = forward(critic, states[i])[0, 0]
        return a, probs[a], v

    gpo = NumpyGPO(np, gpo_random_params(np, rng))
    gpo_nodes, gpo_eaps = gpo_inputs(np, rng)

    def infer(i):
        return gpo.act(gpo_nodes[i], gpo_eaps[i], srng)

    work = [
        ("mappo_decision_b1", lambda: decide(0)),
        ("mappo_20_decisions", lambda: [decide(i) for i in range(DECISIONS)]),
        ("critic_b1", lambda: forward(critic, states[0])),
        ("gpo_inference_b1", lambda: infer(0)),
        ("gpo_50_inferences", lambda: [infer(i) for i in range(GPO_INFERENCES)]),
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

    actor, critic = mlp(DISPATCH_ACTOR_SIZES, "plus1"), mlp(DISPATCH_CRITIC_SIZES)
    n_obs, n_state, n_act = DISPATCH_ACTOR_SIZES[0], DISPATCH_CRITIC_SIZES[0], DISPATCH_ACTOR_SIZES[-1]
    obs = torch.rand(DECISIONS, 1, n_obs) * 2 - 1
    states = torch.rand(DECISIONS, 1, n_state) * 2 - 1
    masks = (torch.rand(DECISIONS, n_act) < 0.7).float()
    masks[torch.arange(DECISIONS), torch.randint(0, n_act, (DECISIONS,))] = 1
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

    import numpy as np
    np_rng = np.random.default_rng(7)
    gpo = torch_gpo(torch, gpo_random_params(np, np_rng))
    gpo_nodes, gpo_eaps = (torch.from_numpy(a) for a in gpo_inputs(np, np_rng))

    def infer(i):
        return gpo.act(gpo_nodes[i], gpo_eaps[i], gen)

    work = [
        ("mappo_decision_b1", lambda: decide(0)),
        ("mappo_20_decisions", lambda: [decide(i) for i in range(DECISIONS)]),
        ("critic_b1", critic_only),
        ("ppo_epoch_3200x175", ppo_epoch),
        ("gpo_inference_b1", lambda: infer(0)),
        ("gpo_50_inferences", lambda: [infer(i) for i in range(GPO_INFERENCES)]),
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


def check_gpo(path):
    """Loads a `bench-compare-runner --export-gpo` file and checks that gpo_graph() is the Swift
    graph and that NumpyGPO and the torch module compute the Swift policy's values."""
    import numpy as np
    with open(path) as f:
        data = json.load(f)
    ok = True
    names = [n for n, _ in gpo_param_shapes()]
    if list(data["params"]) != names:
        print(f"check-gpo: parameter names differ:\n swift {list(data['params'])}\n ref {names}")
        return False
    params = {}
    for name, shape in gpo_param_shapes():
        entry = data["params"][name]
        if tuple(entry["shape"]) != shape:
            print(f"check-gpo: {name} has shape {entry['shape']}, reference {shape}")
            ok = False
        params[name] = np.array(entry["values"], np.float32).reshape(entry["shape"])
    g = data["graph"]
    src, dst, node_eap, eap_cluster, _ = gpo_graph()
    if sorted(zip(g["sources"], g["targets"])) != sorted(zip(src, dst)):
        print(f"check-gpo: edges differ ({len(g['sources'])} Swift, {len(src)} reference)")
        ok = False
    if g["nodeEAP"] != node_eap or g["eapCluster"] != eap_cluster:
        print("check-gpo: hierarchy differs")
        ok = False
    if (g["featureDim"], g["eapFeatureDim"]) != (NODE_FEATURES, EAP_FEATURES):
        print("check-gpo: feature sizes differ")
        ok = False
    nodes = np.array(g["nodeFeatures"], np.float32).reshape(NODES, NODE_FEATURES)
    eaps = np.array(g["eapFeatures"], np.float32).reshape(EAPS, EAP_FEATURES)
    expected = {"rows": np.array(data["rows"]).reshape(NODES, 3 * EMB),
                "nodeScores": np.array(data["nodeScores"]),
                "serviceLogits": np.array(data["serviceLogits"]).reshape(NODES, -1)}
    ref = NumpyGPO(np, params)
    rows = ref.encode(nodes, eaps)
    got = {"numpy": {"rows": rows, "nodeScores": ref.mlp("nodeActor", rows)[:, 0],
                     "serviceLogits": ref.mlp("serviceActor", rows)}}
    try:
        import torch
        model = torch_gpo(torch, params)
        with torch.inference_mode():
            t_rows = model.encode(torch.from_numpy(nodes), torch.from_numpy(eaps))
            got["torch"] = {"rows": t_rows.numpy(),
                            "nodeScores": model.node_actor(t_rows).reshape(-1).numpy(),
                            "serviceLogits": model.service_actor(t_rows).numpy()}
    except ImportError:
        print("check-gpo: torch not installed; numpy only")
    for impl, values in got.items():
        for key, want in expected.items():
            err = float(np.max(np.abs(values[key] - want)))
            scale = float(np.max(np.abs(want))) or 1.0
            status = "ok" if err <= 1e-4 * max(1.0, scale) else "MISMATCH"
            ok = ok and status == "ok"
            print(f"check-gpo: {impl:5s} {key:13s} max |diff| {err:.2e} (max |value| "
                  f"{scale:.2e}) {status}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["torch", "numpy"])
    ap.add_argument("--check-gpo", metavar="FILE",
                    help="check the GPO reference against a bench-compare-runner --export-gpo file")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--budget-ms", type=float, default=1500)
    ap.add_argument("--filter", default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--actor-sizes", default=None,
                    help="dispatch actor layer sizes, comma list (bench-compare-runner "
                         "--print-dispatch-shapes)")
    ap.add_argument("--critic-sizes", default=None, help="dispatch critic layer sizes")
    args = ap.parse_args()
    global DISPATCH_ACTOR_SIZES, DISPATCH_CRITIC_SIZES
    if args.actor_sizes:
        DISPATCH_ACTOR_SIZES = [int(x) for x in args.actor_sizes.split(",")]
    if args.critic_sizes:
        DISPATCH_CRITIC_SIZES = [int(x) for x in args.critic_sizes.split(",")]
    if args.check_gpo:
        sys.exit(0 if check_gpo(args.check_gpo) else 1)
    if not args.backend:
        ap.error("--backend is required")
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
