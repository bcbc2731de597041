import Testing

@testable import Experiments

/// The first-line warning of a debug build.
struct BuildCheckTests {
  @Test func debugBuildOfAFigureNamesTheReleaseCommandAndMakeTarget() throws {
    let line = try #require(
      BuildCheck.warning(
        arguments: ["/w/.build/debug/experiment", "fig7", "--seeds", "1,2"], optimized: false,
        environment: [:]))
    #expect(line.hasPrefix("warning: this `experiment` is an unoptimized debug build"))
    #expect(line.contains("swift run -c release experiment fig7 --seeds 1,2"))
    #expect(line.contains("make fig7 ARGS='--seeds 1,2'"))
    #expect(!line.contains("\n"))
    let all = try #require(
      BuildCheck.warning(arguments: ["e", "all", "--quick"], optimized: false, environment: [:]))
    #expect(all.contains("swift run -c release experiment all --quick"))
    #expect(all.contains("make report ARGS=--quick"))
    let fig16 = try #require(
      BuildCheck.warning(arguments: ["e", "fig16"], optimized: false, environment: [:]))
    #expect(!fig16.contains("make"))
  }

  @Test func silentWhenOptimizedOrNotTrainingOrSilenced() {
    #expect(BuildCheck.warning(arguments: ["e", "fig7"], optimized: true, environment: [:]) == nil)
    for arguments in [["e"], ["e", "list"], ["e", "demo"], ["e", "fig7", "--help"]] {
      #expect(BuildCheck.warning(arguments: arguments, optimized: false, environment: [:]) == nil)
    }
    #expect(
      BuildCheck.warning(
        arguments: ["e", "fig7"], optimized: false,
        environment: [BuildCheck.silenceVariable: "1"]) == nil)
  }

  /// The test binary is a debug build.
  @Test func thisTestBuildIsUnoptimized() {
    #expect(!BuildCheck.isOptimized)
  }
}
