import TensorModule
import TestSupport
import Testing

@Suite("Autograd semantics")
struct AutogradTests {
  @Test func noGraphWithoutParameters() {
    let x = Tensor([1, 2, 3])
    let y = (x * 2 + 1).exp().sum()
    #expect(!y.requiresGradient)
    #expect(y.backward().isEmpty)
  }

  @Test func parametersAndDetach() {
    let p = Tensor.parameter(Tensor([1, 2]))
    #expect(p.parameterID != nil)
    #expect(p.requiresGradient)
    let q = Tensor.parameter(Tensor([1, 2]))
    #expect(p.parameterID != q.parameterID)
    let d = p.detached()
    #expect(d.parameterID == nil)
    #expect(!d.requiresGradient)
    #expect(d == p)
    let y = (p * 3).sum()
    #expect(y.requiresGradient)
    #expect(y.parameterID == nil)
    // A detached branch contributes nothing.
    let g = ((p * p).detached() * p).sum().backward()
    #expect(g[p]!.scalars == [1, 4])
  }

  @Test func sharedSubexpressionsAccumulate() {
    // y = Σ (x·x + x)·x = Σ x³ + x² → dy/dx = 3x² + 2x.
    let x = Tensor.parameter(Tensor([1, -2, 0.5]))
    let h = x * x + x
    let y = (h * x).sum()
    let g = y.backward()[x]!
    #expect(TestSupport.allClose(g.scalars, [5, 8, 1.75]))
  }

  @Test func gradientsOfSeveralParameters() {
    let w = Tensor.parameter(Tensor([[1, 2], [3, 4]]))
    let b = Tensor.parameter(Tensor([0.5, -0.5]))
    let x = Tensor([[1, 1]])
    let y = (matmul(x, w) + b).sum()
    let grads = y.backward()
    #expect(grads.count == 2)
    #expect(grads[w]!.scalars == [1, 1, 1, 1])
    #expect(grads[b]!.scalars == [1, 1])
    #expect(grads[x] == nil)
    #expect(grads[id: w.parameterID!] == grads[w])
  }

  @Test func backwardWithSeed() {
    let x = Tensor.parameter(Tensor([1, 2, 3]))
    let g = (x * x).backward(seed: Tensor([1, 0, 2]))[x]!
    #expect(g.scalars == [2, 0, 12])
  }

  @Test func longChainIsLinear() {
    // 20k nodes: the backward pass must not be quadratic nor recursive (stack overflow).
    let x = Tensor.parameter(Tensor(1))
    var y = x
    for _ in 0..<20_000 { y = y + 0.0 }
    let g = (y * 3).backward()[x]!
    #expect(g.scalar == 3)
  }

  @Test func gradientsAccumulateAndScale() {
    let x = Tensor.parameter(Tensor([1, 2]))
    var a = (x * 2).sum().backward()
    let b = (x * x).sum().backward()
    a.accumulate(b)
    #expect(a[x]!.scalars == [4, 6])
    a.scale(by: 0.5)
    #expect(a[x]!.scalars == [2, 3])
  }

  @Test func graphNodesCrossTasks() async {
    let p = Tensor.parameter(Tensor([1, 2, 3]))
    let loss = (p * p).sum()
    let g = await Task.detached { loss.backward() }.value
    #expect(g[p]!.scalars == [2, 4, 6])
  }
}
