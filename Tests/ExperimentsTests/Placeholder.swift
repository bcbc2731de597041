import Testing

@Test func placeholderExperiments() { #expect(Bool(true)) }
