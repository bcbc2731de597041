import Envs
import Foundation

/// One figure's entry in `results/REPORT.md`.
struct FigureReport: Sendable {
  /// How the figure's results came to be in this report.
  enum Outcome: Sendable, Equatable {
    /// Ran now, taking `seconds` of wall time.
    case ran(seconds: Double)
    /// Results already current for this commit and config; not rerun.
    case reused
    /// The run failed (exit status or error text); older results, if any, are shown.
    case failed(String)
  }

  /// The catalog entry.
  var info: FigureInfo
  /// The figure's `summary.json`, if one exists.
  var summary: SummaryDocument?
  /// What happened this time.
  var outcome: Outcome
  /// The figure's results folder, relative to the report's folder (`"fig7"`).
  var folder: String
  /// Whether `plot.png` exists there.
  var hasPlot: Bool
}

/// Renders `results/REPORT.md`: a table of every claim of every figure, then per figure the
/// plot, our headline numbers beside the paper's, every claim with its verdict and evidence, and
/// the wall time.
enum ReportWriter {
  /// The verdict cell of a claim.
  static func verdict(_ agrees: Bool?) -> String {
    switch agrees {
    case true?: return "agrees"
    case false?: return "**disagrees**"
    case nil: return "not checked"
    }
  }

  /// Counts of agreeing, disagreeing and unchecked claims.
  static func tally(_ figures: [FigureReport]) -> (agree: Int, disagree: Int, unchecked: Int) {
    let claims = figures.flatMap { $0.summary?.claims ?? [] }
    return (
      claims.filter { $0.agrees == true }.count, claims.filter { $0.agrees == false }.count,
      claims.filter { $0.agrees == nil }.count
    )
  }

  /// The whole document.
  static func render(
    figures: [FigureReport], commit: String, generatedAt: String, quick: Bool
  ) -> String {
    var out = "# KMPS reproduction report\n\n"
    let counts = tally(figures)
    out +=
      "Written by `experiment all\(quick ? " --quick" : "")` at \(generatedAt) from commit "
      + "`\(commit)`. \(figures.count) figures; \(counts.agree + counts.disagree + counts.unchecked)"
      + " claims: \(counts.agree) agree, \(counts.disagree) disagree, \(counts.unchecked) not "
      + "checked.\n"
    if quick {
      out +=
        "\n> `--quick`: smoke-test budgets. The numbers show that every figure runs end to end, "
        + "not what the paper's claims come to; most claims are left unchecked.\n"
    }
    out += "\n## All claims\n\n"
    out += "| figure | claim | verdict | evidence |\n|---|---|---|---|\n"
    for figure in figures {
      let link = "[\(figure.info.id)](#\(anchor(figure.info.id)))"
      guard let summary = figure.summary else {
        out += "| \(link) | (no results) | — | \(cell(outcomeText(figure))) |\n"
        continue
      }
      if summary.claims.isEmpty { out += "| \(link) | (no claims checked) | — | |\n" }
      for claim in summary.claims {
        out +=
          "| \(link) | \(cell(claim.text)) | \(verdict(claim.agrees)) | \(cell(claim.evidence)) |\n"
      }
    }
    for figure in figures { out += "\n" + section(figure) }
    return out
  }

  /// One figure's section.
  static func section(_ figure: FigureReport) -> String {
    let info = figure.info
    var out = "## \(info.id)\n\n**\(info.title)**\n\n"
    out += "The paper: \(info.paperClaim).\n\n"
    out += "Run: \(outcomeText(figure)).\n\n"
    guard let summary = figure.summary else { return out }
    if figure.hasPlot {
      out += "![\(info.id)](\(figure.folder)/plot.png)\n\n"
    } else {
      out += "(no plot: \(summary.plot))\n\n"
    }
    out += "### Headline numbers\n\n"
    out += headlineTable(info: info, summary: summary)
    out += "\n### Claims\n\n"
    if summary.claims.isEmpty { out += "No claim was checked.\n" }
    for claim in summary.claims {
      out += "- \(verdict(claim.agrees)): \(claim.text)"
      out += claim.evidence.isEmpty ? "\n" : " — \(claim.evidence)\n"
    }
    if !summary.notes.isEmpty {
      out += "\n### Notes\n\n" + summary.notes.map { "- \($0)\n" }.joined()
    }
    out +=
      "\nFiles: [`\(figure.folder)/summary.json`](\(figure.folder)/summary.json), "
      + "[`data.csv`](\(figure.folder)/data.csv); commit `\(summary.gitCommit)`"
      + (summary.gitDirty == true ? " (with uncommitted changes)" : "")
      + ", seeds \(summary.seeds.map(String.init).joined(separator: ",")), "
      + "`\(summary.commandLine)`.\n"
    return out
  }

  /// Ours (final value over the last episodes, its seed range, the peak, convergence) beside
  /// the paper's headline, one row per series.
  static func headlineTable(info: FigureInfo, summary: SummaryDocument) -> String {
    let percent = info.yLabel.lowercased().contains("throughput")
    func format(_ value: JSONValue?) -> String {
      guard case .number(let number)? = value else { return "—" }
      return percent ? Format.percent(number) : Format.number(number, digits: 4)
    }
    var out = "| series | ours: final (min–max over seeds) | peak of the mean | converged at "
    out += "| the paper |\n|---|---|---|---|---|\n"
    for name in summary.series.keys.sorted(by: seriesOrder(info)) {
      let fields = summary.series[name]
      var final = format(fields?["finalValue"])
      if fields?["finalValueMin"] != nil {
        final += " (\(format(fields?["finalValueMin"]))–\(format(fields?["finalValueMax"])))"
      }
      var peak = format(fields?["peakMean"])
      if case .number(let x)? = fields?["peakX"] { peak += " at \(Format.number(x))" }
      var converged = "—"
      if case .number(let x)? = fields?["convergenceX"] { converged = Format.number(x) }
      let paper = PaperHeadlines.text(figure: info.id, series: name)
      out += "| \(cell(name)) | \(final) | \(peak) | \(converged) | \(cell(paper)) |\n"
    }
    return out
  }

  /// Orders series as `PaperHeadlines` lists them, then the others by name.
  static func seriesOrder(_ info: FigureInfo) -> (String, String) -> Bool {
    let known = PaperHeadlines.order(figure: info.id)
    return { a, b in
      switch (known.firstIndex(of: a), known.firstIndex(of: b)) {
      case (let ia?, let ib?): return ia < ib
      case (_?, nil): return true
      case (nil, _?): return false
      case (nil, nil): return a < b
      }
    }
  }

  /// The run line of a figure.
  static func outcomeText(_ figure: FigureReport) -> String {
    let recorded = figure.summary.map { "recorded wall time \(Format.duration($0.wallTimeSeconds))" }
    switch figure.outcome {
    case .ran(let seconds):
      return "ran now in \(Format.duration(seconds)) (wall clock)"
    case .reused:
      return "results current for this commit and config, not rerun ("
        + (recorded ?? "no wall time") + ", finished "
        + (figure.summary?.finishedAt ?? "?") + ")"
    case .failed(let reason):
      return "**failed**: \(reason)"
        + (figure.summary == nil ? "; no results" : "; showing older results (\(recorded!))")
    }
  }

  /// GitHub's heading anchor of `## text`.
  static func anchor(_ text: String) -> String {
    String(text.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
  }

  /// Text safe inside a Markdown table cell.
  static func cell(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
  }
}
