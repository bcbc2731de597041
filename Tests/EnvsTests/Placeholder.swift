import Testing

@Test func placeholderEnvs() { #expect(Bool(true)) }
