/// Adam (Kingma & Ba 2015) with bias correction and optional L2 weight decay.
///
/// Moments are kept per `ParameterID`; parameters without a gradient in an update are left
/// untouched (their moments too), as in PyTorch.
public struct Adam: Sendable {
  /// Step size.
  public var learningRate: Float
  /// Decay of the first-moment average.
  public var beta1: Float
  /// Decay of the second-moment average.
  public var beta2: Float
  /// Added to `√v̂` in the denominator.
  public var epsilon: Float
  /// L2 penalty coefficient added to the gradient (`g + weightDecay · θ`).
  public var weightDecay: Float
  /// Number of `update` calls so far (the `t` of the bias correction).
  public private(set) var step: Int = 0
  private var firstMoments: [ParameterID: [Float]] = [:]
  private var secondMoments: [ParameterID: [Float]] = [:]

  /// An optimizer with fresh (zero) state.
  public init(
    learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
    weightDecay: Float = 0
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  /// One Adam step on every parameter of `model` that has a gradient in `grads`.
  ///
  /// Drop the loss graph before calling, or the update copies each parameter buffer.
  public mutating func update<M: ParameterVisitable>(_ model: inout M, along grads: Gradients) {
    step += 1
    let t = Double(step)
    // PyTorch's arrangement: θ -= (lr / c1) · m / (√v / √c2 + ε), one square root and one
    // division per element.
    let stepSize = Float(Double(learningRate) / (1 - cPow(Double(beta1), t)))
    let sqrtCorrection2 = Float((1 - cPow(Double(beta2), t)).squareRoot())
    let (b1, b2, eps, wd) = (beta1, beta2, epsilon, weightDecay)
    model.updateParameters { name, p in
      guard let id = p.parameterID, let g = grads[id: id] else { return }
      precondition(g.shape == p.shape, "Adam: gradient \(g.shape) for \(name) \(p.shape)")
      let count = p.scalarCount
      var m = firstMoments.removeValue(forKey: id) ?? [Float](repeating: 0, count: count)
      var v = secondMoments.removeValue(forKey: id) ?? [Float](repeating: 0, count: count)
      p.withMutableScalars { buffer in
        guard let theta = buffer.baseAddress else { return }
        g.scalars.withUnsafeBufferPointer { gb in
          m.withUnsafeMutableBufferPointer { mb in
            v.withUnsafeMutableBufferPointer { vb in
              let (gp, mp, vp) = (gb.baseAddress!, mb.baseAddress!, vb.baseAddress!)
              for i in 0..<count {
                let gi = gp[i] + wd * theta[i]
                mp[i] = b1 * mp[i] + (1 - b1) * gi
                vp[i] = b2 * vp[i] + (1 - b2) * gi * gi
                theta[i] -= stepSize * mp[i] / (vp[i].squareRoot() / sqrtCorrection2 + eps)
              }
            }
          }
        }
      }
      firstMoments[id] = m
      secondMoments[id] = v
    }
  }
}

/// Stochastic gradient descent with (heavy-ball) momentum, PyTorch convention:
/// `b ← μ·b + g`, `θ ← θ − lr·b`.
public struct SGD: Sendable {
  /// Step size.
  public var learningRate: Float
  /// Momentum coefficient `μ` (0 for plain SGD).
  public var momentum: Float
  /// L2 penalty coefficient added to the gradient.
  public var weightDecay: Float
  private var buffers: [ParameterID: [Float]] = [:]

  /// An optimizer with empty momentum buffers.
  public init(learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
  }

  /// One step on every parameter of `model` that has a gradient in `grads`.
  public mutating func update<M: ParameterVisitable>(_ model: inout M, along grads: Gradients) {
    let (lr, mu, wd) = (learningRate, momentum, weightDecay)
    model.updateParameters { name, p in
      guard let id = p.parameterID, let g = grads[id: id] else { return }
      precondition(g.shape == p.shape, "SGD: gradient \(g.shape) for \(name) \(p.shape)")
      let count = p.scalarCount
      var b = buffers.removeValue(forKey: id) ?? [Float](repeating: 0, count: count)
      p.withMutableScalars { theta in
        g.scalars.withUnsafeBufferPointer { gp in
          b.withUnsafeMutableBufferPointer { bp in
            for i in 0..<count {
              let gi = gp[i] + wd * theta[i]
              bp[i] = mu * bp[i] + gi
              theta[i] -= lr * bp[i]
            }
          }
        }
      }
      if mu != 0 { buffers[id] = b }
    }
  }
}
