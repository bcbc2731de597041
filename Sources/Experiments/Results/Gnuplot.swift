import Foundation

/// How each series is drawn on top of its min–max band.
public enum PlotStyle: String, Sendable, Codable {
  /// Mean line.
  case lines
  /// Mean line with point markers (good for few x values, e.g. load sweeps).
  case linesPoints
  /// Markers only.
  case points
}

/// A labelled tick on the x axis (categorical settings such as "0.25 s").
public struct TicLabel: Sendable, Equatable, Codable {
  /// Position on the x axis.
  public var x: Double
  /// Text shown at `x`.
  public var label: String

  /// A tick label.
  public init(x: Double, label: String) {
    self.x = x
    self.label = label
  }
}

/// What the plot shows; the data come from the aggregated results table.
public struct PlotSpec: Sendable, Equatable, Codable {
  /// Plot title.
  public var title: String
  /// x-axis label (with unit).
  public var xLabel: String
  /// y-axis label (with unit).
  public var yLabel: String
  /// Mean-curve style.
  public var style: PlotStyle
  /// Draw the min–max band over seeds.
  public var showBand: Bool
  /// Fixed x range, or `nil` for autoscale.
  public var xRange: ClosedRange<Double>?
  /// Fixed y range, or `nil` for autoscale.
  public var yRange: ClosedRange<Double>?
  /// Logarithmic x axis.
  public var logScaleX: Bool
  /// Logarithmic y axis.
  public var logScaleY: Bool
  /// Custom x tick labels (replace the numeric ticks when non-empty).
  public var xTicLabels: [TicLabel]
  /// Arguments of gnuplot's `set key`, e.g. `"bottom right"` or `"outside right top"`.
  public var keyPosition: String
  /// Image width in pixels.
  public var widthPx: Int
  /// Image height in pixels.
  public var heightPx: Int
  /// Series drawn as dashed lines without a band (references, bounds).
  public var dashedSeries: [String] = []

  /// A spec with sensible defaults: lines with a band, autoscaled axes, key bottom right,
  /// 1000×600 px.
  public init(
    title: String, xLabel: String, yLabel: String, style: PlotStyle = .lines,
    showBand: Bool = true, xRange: ClosedRange<Double>? = nil,
    yRange: ClosedRange<Double>? = nil, logScaleX: Bool = false, logScaleY: Bool = false,
    xTicLabels: [TicLabel] = [], keyPosition: String = "bottom right",
    widthPx: Int = 1000, heightPx: Int = 600, dashedSeries: [String] = []
  ) {
    self.dashedSeries = dashedSeries
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.style = style
    self.showBand = showBand
    self.xRange = xRange
    self.yRange = yRange
    self.logScaleX = logScaleX
    self.logScaleY = logScaleY
    self.xTicLabels = xTicLabels
    self.keyPosition = keyPosition
    self.widthPx = widthPx
    self.heightPx = heightPx
  }
}

/// Builds self-contained gnuplot scripts: each series' aggregate (x, mean, min, max) is embedded
/// as a data block, drawn as a translucent min–max band (`filledcurves`) under its mean line.
public enum GnuplotScript {
  /// Default output image name, next to the script.
  public static let imageName = "plot.png"

  /// Line colours cycled over series (matplotlib's tab10).
  public static let palette = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ]

  /// The script text. It picks `pngcairo` when this gnuplot has it, else `png`, and writes to
  /// the gnuplot variable `outfile` when set (`gnuplot -e "outfile='x.png'" plot.gp`), else to
  /// `plot.png` in the current folder.
  public static func make(spec: PlotSpec, aggregates: [SeriesAggregate], header: String = "")
    -> String
  {
    var lines: [String] = []
    lines.append("# gnuplot script written by `experiment`; render with: gnuplot plot.gp")
    for line in header.split(separator: "\n", omittingEmptySubsequences: false) {
      lines.append("# \(line)")
    }
    lines.append("# Each series: mean over seeds (line) and min-max over seeds (band).")
    lines.append("if (!exists(\"outfile\")) outfile = '\(imageName)'")
    let size = "size \(spec.widthPx),\(spec.heightPx)"
    lines.append("if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {")
    lines.append("  set terminal pngcairo noenhanced \(size) font ',11'")
    lines.append("} else {")
    lines.append("  set terminal png noenhanced truecolor \(size)")
    lines.append("}")
    lines.append("set output outfile")
    lines.append("set title \(quoted(spec.title))")
    lines.append("set xlabel \(quoted(spec.xLabel))")
    lines.append("set ylabel \(quoted(spec.yLabel))")
    lines.append("set key \(spec.keyPosition)")
    lines.append("set grid")
    lines.append("set style fill transparent solid 0.20 noborder")
    if let range = spec.xRange {
      lines.append("set xrange [\(number(range.lowerBound)):\(number(range.upperBound))]")
    }
    if let range = spec.yRange {
      lines.append("set yrange [\(number(range.lowerBound)):\(number(range.upperBound))]")
    }
    if spec.logScaleX { lines.append("set logscale x") }
    if spec.logScaleY { lines.append("set logscale y") }
    if !spec.xTicLabels.isEmpty {
      let tics = spec.xTicLabels.map { "\(quoted($0.label)) \(number($0.x))" }
      lines.append("set xtics (\(tics.joined(separator: ", ")))")
    }
    for (index, aggregate) in aggregates.enumerated() {
      lines.append(
        "# series \(index): \(aggregate.series.replacingOccurrences(of: "\n", with: " "))")
      lines.append("$series\(index) << EOD")
      lines.append("# x mean min max")
      for point in aggregate.points {
        lines.append(
          "\(number(point.x)) \(number(point.mean)) \(number(point.min)) \(number(point.max))")
      }
      lines.append("EOD")
    }
    var plots: [String] = []
    for (index, aggregate) in aggregates.enumerated() {
      let color = "lc rgb '\(palette[index % palette.count])'"
      if spec.dashedSeries.contains(aggregate.series) {
        plots.append(
          "$series\(index) using 1:2 with lines lw 2 dt 2 \(color) title "
            + quoted(aggregate.series))
        continue
      }
      if spec.showBand {
        plots.append(
          "$series\(index) using 1:3:4 with filledcurves fc rgb "
            + "'\(palette[index % palette.count])' notitle")
      }
      let style: String
      switch spec.style {
      case .lines: style = "with lines lw 2 \(color)"
      case .linesPoints: style = "with linespoints lw 2 pt 7 ps 0.8 \(color)"
      case .points: style = "with points pt 7 ps 0.8 \(color)"
      }
      plots.append("$series\(index) using 1:2 \(style) title \(quoted(aggregate.series))")
    }
    if plots.isEmpty {
      lines.append("set label 1 'no data' at graph 0.5, graph 0.5 center")
      lines.append("plot [0:1] [0:1] NaN notitle")
    } else {
      lines.append("plot " + plots.joined(separator: ", \\\n     "))
    }
    lines.append("unset output")
    return lines.joined(separator: "\n") + "\n"
  }

  /// A gnuplot double-quoted string (backslashes and quotes escaped, line breaks as spaces).
  static func quoted(_ text: String) -> String {
    let escaped =
      text
      .replacingOccurrences(of: "\\", with: "\\\\")
      .replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: " ")
      .replacingOccurrences(of: "\r", with: " ")
    return "\"\(escaped)\""
  }

  /// A number gnuplot parses (`NaN` for non-finite values, which it skips).
  static func number(_ value: Double) -> String {
    value.isFinite ? CSV.number(value) : "NaN"
  }
}

/// What happened when rendering `plot.png`.
public enum PlotOutcome: Sendable, Equatable {
  /// The image was written here.
  case rendered(URL)
  /// Rendering was skipped (e.g. gnuplot not installed); the script is still written.
  case skipped(String)
  /// gnuplot ran and failed; the reason includes its error output.
  case failed(String)

  /// One line for logs and `summary.json`.
  public var summary: String {
    switch self {
    case .rendered(let url): return "rendered \(url.lastPathComponent)"
    case .skipped(let reason): return "skipped: \(reason)"
    case .failed(let reason): return "failed: \(reason)"
    }
  }
}

/// Renders gnuplot scripts to PNG with the `gnuplot` found on `PATH`, if any.
public struct GnuplotRenderer: Sendable {
  /// The gnuplot executable, or `nil` when it is not installed (rendering is then skipped).
  public var executable: URL?

  /// A renderer using `executable` (pass `nil` to always skip).
  public init(executable: URL?) { self.executable = executable }

  /// A renderer using `gnuplot` from `PATH`.
  public static func detect(
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> GnuplotRenderer {
    GnuplotRenderer(executable: ProcessRunner.findExecutable("gnuplot", environment: environment))
  }

  /// Runs `script` (in its own folder) to produce `image`, atomically: gnuplot writes a hidden
  /// temporary file that is renamed into place only on success. Never throws.
  public func render(script: URL, image: URL) -> PlotOutcome {
    guard let executable else {
      return .skipped("gnuplot not found on PATH; run `gnuplot \(script.lastPathComponent)` later")
    }
    let temporary = FileIO.temporarySibling(of: image)
    let escapedPath = temporary.path.replacingOccurrences(of: "'", with: "''")
    do {
      let result = try ProcessRunner.run(
        executable, ["-e", "outfile='\(escapedPath)'", script.path],
        in: script.deletingLastPathComponent(), capture: .standardError)
      let size = (try? FileManager.default.attributesOfItem(atPath: temporary.path)[.size]) as? Int
      guard result.status == 0, (size ?? 0) > 0 else {
        try? FileManager.default.removeItem(at: temporary)
        let message = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return .failed("gnuplot exited with status \(result.status): \(message)")
      }
      try FileIO.moveAtomically(from: temporary, to: image)
      return .rendered(image)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      return .failed("\(error)")
    }
  }
}
