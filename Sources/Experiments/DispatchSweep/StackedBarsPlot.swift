import Foundation

/// A gnuplot script for Fig. 9: one panel per series, each a row-stacked histogram over the
/// loads of the mean latency parts (mean over seeds).
enum StackedBarsPlot {
  /// One panel: its title and, per x, the part values (in `parts` order).
  struct Panel {
    var title: String
    var rows: [(x: Double, values: [Double])]
  }

  static func script(title: String, yLabel: String, parts: [String], panels: [Panel]) -> String {
    let top = panels.flatMap { $0.rows.map { $0.values.reduce(0, +) } }.max() ?? 1
    var lines: [String] = [
      "# gnuplot script written by `experiment`; render with: gnuplot plot.gp",
      "# One panel per series: mean over seeds of each latency part, stacked per load.",
      "if (!exists(\"outfile\")) outfile = 'plot.png'",
      "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {",
      "  set terminal pngcairo noenhanced size \(400 * max(1, panels.count)),600 font ',11'",
      "} else {",
      "  set terminal png noenhanced truecolor size \(400 * max(1, panels.count)),600",
      "}",
      "set output outfile",
      "set style data histograms",
      "set style histogram rowstacked",
      "set style fill solid 0.85 border -1",
      "set boxwidth 0.75",
      "set grid ytics",
      "set key top left",
      "set yrange [0:\(GnuplotScript.number(top * 1.15 + 1e-9))]",
      "set xlabel 'load (req/s)'",
      "set ylabel \(GnuplotScript.quoted(yLabel))",
      "set multiplot layout 1,\(max(1, panels.count)) title \(GnuplotScript.quoted(title))",
    ]
    for (index, panel) in panels.enumerated() {
      lines.append("$panel\(index) << EOD")
      for row in panel.rows {
        lines.append(
          ([GnuplotScript.number(row.x)] + row.values.map(GnuplotScript.number))
            .joined(separator: " "))
      }
      lines.append("EOD")
      lines.append("set title \(GnuplotScript.quoted(panel.title))")
      var plots: [String] = []
      for (k, part) in parts.enumerated() {
        let source = k == 0 ? "$panel\(index)" : "''"
        let xtic = k == 0 ? ":xtic(1)" : ""
        plots.append(
          "\(source) using \(k + 2)\(xtic) lc rgb '\(GnuplotScript.palette[k % 10])' "
            + "title \(GnuplotScript.quoted(index == 0 ? part : ""))")
      }
      lines.append("plot " + plots.joined(separator: ", \\\n     "))
      if index == 0 { lines.append("unset key") }
    }
    lines.append("unset multiplot")
    lines.append("unset output")
    return lines.joined(separator: "\n") + "\n"
  }
}
