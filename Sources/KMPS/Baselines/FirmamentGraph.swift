/// One pending request as Firmament's flow network sees it.
public struct FirmamentTask: Sendable, Equatable {
  /// Origin eAP (= cluster).
  public var eap: Int
  /// Service index.
  public var service: Int
  /// Cost of leaving it unscheduled this round (grows with its waiting time); nil = the
  /// request must be placed (no "unscheduled" arc).
  public var unscheduledCost: Int?

  /// Creates a value from all its fields.
  public init(eap: Int, service: Int, unscheduledCost: Int?) {
    self.eap = eap
    self.service = service
    self.unscheduledCost = unscheduledCost
  }
}

/// Firmament's scheduling flow network for one round (Schwarzkopf et al., Gog et al. OSDI'16),
/// specialised to request dispatch:
///
/// ```
/// request ─(1, 0)→ class (w, b) ─(∞, c(b,a))→ (w, a) ─(slots(w,a), 0)→ sink
///    └─(1, u(request))→ unscheduled ─(∞, 0)→ sink
/// ```
///
/// Every request is a unit of supply; the sink demands them all. A request reaches the sink
/// either through its class and a target hosting its service (an edge node, or the cloud,
/// whose replicas form one pool), paying the arc cost `c(b, a)` (latency and load), bounded
/// by the target's free slots for that service; or through the "unscheduled" vertex, paying
/// `u(request)`, which grows with its waiting time so long-waiting requests are placed first.
/// The min-cost flow is the round's assignment.
public struct FirmamentGraph: Sendable {
  /// The flow problem.
  public private(set) var network: MinCostFlow
  /// The requests, in input order.
  public let tasks: [FirmamentTask]
  /// Number of dispatch targets.
  public let targetCount: Int
  /// Arc of each class → (service, target) edge: `(class vertex, target, arc index)`.
  var placementArcs: [(classVertex: Int, target: Int, arc: Int)] = []
  /// Class vertex of each request.
  var taskClass: [Int] = []
  /// Arc request → unscheduled of each request, or -1.
  var unscheduledArc: [Int] = []
  /// Arc request → class of each request.
  var classArc: [Int] = []

  /// Builds the network.
  ///
  /// - Parameters:
  ///   - tasks: the pending requests.
  ///   - targetCount: dispatch targets (edge nodes, cloud last).
  ///   - slots: free slots of `service` at `target` (≤ 0: none; no arc is built).
  ///   - cost: the cost of placing a request of `service` from `eap` at `target`, or nil when
  ///     `target` is not a valid placement for it (not reachable, no replica).
  public init(
    tasks: [FirmamentTask], targetCount: Int,
    slots: (_ service: Int, _ target: Int) -> Int,
    cost: (_ eap: Int, _ service: Int, _ target: Int) -> Int?
  ) {
    self.tasks = tasks
    self.targetCount = targetCount
    var net = MinCostFlow(vertexCount: 0)
    let sink = net.addVertex(supply: -tasks.count)
    let unscheduled = net.addVertex()
    var unscheduledUsed = 0
    // Classes (service, eAP) and (service, target) vertices, created on first use.
    var classVertex: [Int: Int] = [:]
    var targetVertex: [Int: Int] = [:]
    let eaps = (tasks.map(\.eap).max() ?? 0) + 1
    for task in tasks {
      let request = net.addVertex(supply: 1)
      let key = task.service * eaps + task.eap
      let c: Int
      if let existing = classVertex[key] {
        c = existing
      } else {
        c = net.addVertex()
        classVertex[key] = c
        for a in 0..<targetCount {
          guard let arcCost = cost(task.eap, task.service, a) else { continue }
          let free = slots(task.service, a)
          guard free > 0 else { continue }
          let tKey = task.service * targetCount + a
          let t: Int
          if let existing = targetVertex[tKey] {
            t = existing
          } else {
            t = net.addVertex()
            targetVertex[tKey] = t
            net.addArc(from: t, to: sink, capacity: free, cost: 0)
          }
          let arc = net.addArc(from: c, to: t, capacity: tasks.count, cost: arcCost)
          placementArcs.append((c, a, arc))
        }
      }
      taskClass.append(c)
      classArc.append(net.addArc(from: request, to: c, capacity: 1, cost: 0))
      if let u = task.unscheduledCost {
        unscheduledArc.append(net.addArc(from: request, to: unscheduled, capacity: 1, cost: u))
        unscheduledUsed += 1
      } else {
        unscheduledArc.append(-1)
      }
    }
    if unscheduledUsed > 0 {
      net.addArc(from: unscheduled, to: sink, capacity: unscheduledUsed, cost: 0)
    }
    network = net
  }

  /// Solves the round and turns the flow into one target per request (`-1`: unscheduled).
  /// Within a class, requests are handed the class's placements in input order, cheapest
  /// placement first (all of a class's placed requests are interchangeable for the cost).
  ///
  /// - Throws: `MinCostFlowError` when the network has no feasible flow or GLPK fails.
  public func solve() throws(MinCostFlowError) -> (assignment: [Int], cost: Int) {
    let solution = try network.solve()
    // Units of flow per class vertex and target, cheapest placement first.
    var perClass: [Int: [(target: Int, units: Int, cost: Int)]] = [:]
    for p in placementArcs where solution.flow[p.arc] > 0 {
      perClass[p.classVertex, default: []].append(
        (p.target, solution.flow[p.arc], network.arcCost[p.arc]))
    }
    for key in perClass.keys { perClass[key]!.sort { ($0.cost, $0.target) < ($1.cost, $1.target) } }
    var assignment = [Int](repeating: -1, count: tasks.count)
    for i in tasks.indices where solution.flow[classArc[i]] > 0 {
      let c = taskClass[i]
      guard var list = perClass[c], !list.isEmpty else { continue }
      assignment[i] = list[0].target
      list[0].units -= 1
      if list[0].units == 0 { list.removeFirst() }
      perClass[c] = list
    }
    return (assignment, solution.cost)
  }
}
