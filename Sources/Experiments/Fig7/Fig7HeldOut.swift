import Envs
import Foundation
import KMPS
import RL

/// After training: every trained actor and every reference on the same held-out episodes
/// (episode seeds of phase 3, never trained on), with sampled and with greedy (argmax)
/// decisions; a series that learned GPO keeps its trained orchestrator (deterministic
/// actions, as fig16 scores it). Written to `heldout.csv` and to summary.json.
enum Fig7HeldOut {
  /// The seed stream of the held-out episodes (the one `--eval-only` uses too).
  static let phase = Fig7Evaluation.phase

  /// One row of heldout.csv.
  struct Row {
    var series: String
    var acting: String
    var seed: UInt64
    var episode: Int
    var throughput: Double
  }

  /// Scores the trained series and the references.
  static func run(
    results: [DispatchRunResult], seeds: [UInt64], config: Fig7Config, trace: AlibabaTrace
  ) throws -> [Row] {
    let episodes = config.evaluationEpisodes
    guard episodes > 0 else { return [] }
    var rows: [Row] = []
    for result in results {
      for acting in [ActingMode.sample, .greedy] {
        let ys = try DispatchTraining.evaluate(
          policy: result.trainer.policy, series: result.series, seed: result.seed,
          config: config.training, trace: trace, episodes: episodes, phase: phase, acting: acting,
          orchestrator: result.orchestrator)
        for (i, y) in ys.enumerated() {
          rows.append(
            Row(
              series: result.series.name, acting: acting.rawValue, seed: result.seed,
              episode: i + 1, throughput: y))
        }
      }
    }
    for reference in HeuristicReference.allCases {
      let curves = try reference.run(
        seeds: seeds, config: config.training, trace: trace, phase: phase, episodes: episodes)
      for (seed, ys) in curves {
        for (i, y) in ys.enumerated() {
          rows.append(
            Row(
              series: reference.name, acting: "heuristic", seed: seed, episode: i + 1,
              throughput: y))
        }
      }
    }
    return rows
  }

  /// heldout.csv.
  static func csv(_ rows: [Row]) -> String {
    var text = "series,acting,seed,episode,throughput\n"
    for r in rows {
      text +=
        "\(CSV.escape(r.series)),\(r.acting),\(r.seed),\(r.episode),\(CSV.number(r.throughput))\n"
    }
    return text
  }

  /// The key of a row's (series, acting): the reference's name, or `"<series> [<acting>]"`.
  static func key(_ row: Row) -> String {
    row.acting == "heuristic" ? row.series : "\(row.series) [\(row.acting)]"
  }

  /// Mean throughput of (series, acting) over all seeds and episodes.
  static func means(_ rows: [Row]) -> [String: Double] {
    var sums: [String: (Double, Int)] = [:]
    for r in rows {
      sums[key(r), default: (0, 0)].0 += r.throughput
      sums[key(r), default: (0, 0)].1 += 1
    }
    return sums.mapValues { $0.0 / Double($0.1) }
  }

  /// Mean throughput of (series, acting) per seed, over its episodes.
  static func meansBySeed(_ rows: [Row]) -> [String: [UInt64: Double]] {
    var sums: [String: [UInt64: (Double, Int)]] = [:]
    for r in rows {
      sums[key(r), default: [:]][r.seed, default: (0, 0)].0 += r.throughput
      sums[key(r), default: [:]][r.seed, default: (0, 0)].1 += 1
    }
    return sums.mapValues { $0.mapValues { $0.0 / Double($0.1) } }
  }

  /// Records the means in `summary` and checks the held-out claim.
  static func record(
    _ summary: inout FigureSummary, rows: [Row], config: Fig7Config, quick: Bool
  ) {
    guard !rows.isEmpty else { return }
    let m = means(rows)
    for series in config.series {
      for acting in ["sample", "greedy"] {
        if let v = m["\(series.name) [\(acting)]"] {
          summary.set("heldout_\(acting)_throughput", .number(v), series: series.name)
        }
      }
    }
    for reference in HeuristicReference.allCases {
      if let v = m[reference.name] {
        summary.set("heldout_throughput", .number(v), series: reference.name)
      }
    }
    summary.notes.append(
      "held-out evaluation (heldout.csv): after training, each trained actor and each "
        + "reference on the same \(config.evaluationEpisodes) episode(s) per seed that no "
        + "series trained on, with sampled and with greedy (argmax) decisions")
    let kmps = DispatchSeries.kmps.name
    guard let sample = m["\(kmps) [sample]"], let greedy = m["\(kmps) [greedy]"] else { return }
    let references = HeuristicReference.inLearnedEnvironment.compactMap { r in
      m[r.name].map { (r.name, $0) }
    }
    guard let strongest = references.max(by: { $0.1 < $1.1 }) else { return }
    // The better acting mode (by its mean), against the strongest reference seed by seed.
    let acting = greedy > sample ? "greedy" : "sample"
    let bySeed = meansBySeed(rows)
    let lead = Fig7Claims.Lead(
      bySeed["\(kmps) [\(acting)]"] ?? [:], over: bySeed[strongest.0] ?? [:])
    summary.check(
      "KMPS beats the strongest heuristic on held-out episodes (better of sampled and greedy "
        + "decisions) " + Fig7Claims.Lead.rule,
      agrees: quick ? nil : lead.agrees,
      evidence: "KMPS sampled \(Format.percent(sample)), greedy \(Format.percent(greedy)); "
        + references.map { "\($0.0) \(Format.percent($0.1))" }.joined(separator: ", ")
        + "; KMPS [\(acting)]'s lead over \(strongest.0) "
        + "(mean of each seed's held-out episodes): " + lead.evidence)
  }
}
