import Envs
import SeededRandom
import Testing

@Suite struct SpacesTests {
  @Test func maskedDiscreteSamplingIsUniformOverValidActions() {
    let space = Discrete(5)
    let mask = [false, true, false, true, true]
    var rng = Xoshiro256(seed: 42)
    var counts = [0, 0, 0, 0, 0]
    for _ in 0..<3000 { counts[space.sample(using: &rng, mask: mask)] += 1 }
    #expect(counts[0] == 0 && counts[2] == 0)
    for a in [1, 3, 4] { #expect(abs(counts[a] - 1000) < 120) }  // ±4.6 sd
  }

  @Test func seededSamplingIsReproducible() {
    let box = Box(low: [-1, 0, -.infinity], high: [1, 2, .infinity])
    let multi = MultiDiscrete([2, 3, 4])
    var a = Xoshiro256(seed: 9)
    var b = Xoshiro256(seed: 9)
    for _ in 0..<20 {
      let x = box.sample(using: &a)
      #expect(x == box.sample(using: &b))
      #expect(x[0] >= -1 && x[0] < 1 && x[1] >= 0 && x[1] < 2)
      let m = multi.sample(using: &a)
      #expect(m == multi.sample(using: &b))
      #expect(multi.contains(m))
      #expect(Discrete(3).sample(using: &a, mask: [true, false, true]) != 1)
      _ = Discrete(3).sample(using: &b, mask: [true, false, true])
    }
    #expect(!box.contains([0, 3, 0]))
    #expect(!Discrete(3).contains(3))
  }
}
