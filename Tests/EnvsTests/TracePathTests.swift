import Envs
import Foundation
import Testing

/// The default trace path works from any folder: a relative path missing from the current
/// folder is looked up in the package's folder.
struct TracePathTests {
  @Test func defaultTraceIsFoundInThePackageFolder() throws {
    let bundled = AlibabaTrace.packagePath(WorkloadConfig().tracePath)
    #expect(FileManager.default.fileExists(atPath: bundled.path))
    #expect(bundled.path.hasSuffix("data/traces/alibaba-v2018-batch-task-sample.csv"))
    // Relative: found in the current folder or, from elsewhere, in the package folder.
    let trace = try AlibabaTrace.load(path: WorkloadConfig().tracePath)
    #expect(trace.stats.rowsKept > 1000)
  }

  @Test func aMissingFileNamesBothPlacesSearched() {
    do {
      _ = try AlibabaTrace.load(path: "no/such/trace.csv")
      Issue.record("a missing trace loaded")
    } catch {
      let text = "\(error)"
      #expect(text.contains("no/such/trace.csv"))
      #expect(text.contains("package folder"))
    }
  }
}
