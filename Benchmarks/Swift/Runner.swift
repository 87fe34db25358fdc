import Backprop

/// The highest peak FMA rate measured so far in this process for each thread count: load
/// from other processes can only lower a measurement, so every case is judged against the
/// best one seen (a share of a peak measured in a busy moment would flatter the case).
final class PeakTracker {
    private var best: [Int: PeakFMARate] = [:]

    func measure(for engine: ComputeEngine, seconds: Double) -> PeakFMARate {
        let rate = PeakFMARate.measure(for: engine, seconds: seconds)
        if rate.gflops > best[rate.threads]?.gflops ?? 0 { best[rate.threads] = rate }
        return best[rate.threads] ?? rate
    }
}

/// Runs the cases and prints one result line per measurement.
struct Runner {
    let peakTracker = PeakTracker()
    let data: BenchmarkData
    let budget: Budget
    /// The kernel and threads every network, optimiser and product probe uses.
    let engine: ComputeEngine
    /// When set, each training case only runs this many steps and reports nothing (profiling).
    var profileSteps: Int?

    // MARK: - Training

    func run(_ trainingCase: TrainingCase) throws {
        let batch = trainingCase.batch, engine = trainingCase.engine(from: engine)
        let network = try Sequential<Float>.mlp(trainingCase.sizes, hiddenActivation: .function(trainingCase.activation))
        network.engine = engine
        initializeUniformly(network)
        let parameters = network.parameters
        let optimizer = makeOptimizer(trainingCase.optimizer, for: parameters)
        (optimizer as? any EngineConfigurable)?.engine = engine
        let learningRate = trainingCase.optimizer.learningRate
        let loss = SoftmaxCrossEntropy<Float>()
        let batches = makeBatches(data, batch: batch)
        // The step `backprop train` runs; as `Trainer` does, the data set is checked for
        // NaN/Inf once, not batch by batch.
        let trainingStep = TrainingStep(network: network, loss: loss, optimizer: optimizer,
                                        penaltyExampleCount: BenchmarkData.sampleCount, batchCapacity: batch)
        trainingStep.foldsFirstLayerDescent = true  // as `Trainer` runs every batch but an epoch's last
        for (x, _) in batches where x.firstNonFinite() != nil { throw NetworkError.nonFinite(place: "benchmark data", row: 0, column: 0) }

        func step(_ index: Int) throws {
            let (x, y) = batches[index]
            try trainingStep.run(features: x, targets: y, learningRate: Double(learningRate), checksFiniteInput: false)
        }

        let stepsPerEpoch = batches.count
        if let profileSteps {
            let firstCost = loss.cost(logits: try network.forward(batches[0].x, mode: .inference), targets: batches[0].y, gradient: nil)
            let start = now()
            for index in 0..<profileSteps { try step(index % stepsPerEpoch) }
            let elapsed = now() - start
            let lastCost = loss.cost(logits: try network.forward(batches[0].x, mode: .inference), targets: batches[0].y, gradient: nil)
            log("\(trainingCase.identifier): \(profileSteps) steps in \(elapsed) s; cost on batch 0 \(firstCost) → \(lastCost)")
            return
        }
        for index in 0..<budget.warmupSteps { try step(index % stepsPerEpoch) }
        var best = Double.infinity, bestCount = 0, bestAllocations: UInt64?
        for _ in 0..<budget.repeats {
            let allocationsBefore = AllocationCounter.count()
            var count = 0
            let start = now()
            while true {
                try step(count % stepsPerEpoch)
                count += 1
                if count >= stepsPerEpoch { break }
                if let limit = budget.trainingRepeatSeconds, count >= 5, now() - start >= limit { break }
            }
            let elapsed = now() - start
            let allocationsAfter = AllocationCounter.count()
            if elapsed / Double(count) < best {
                best = elapsed / Double(count)
                bestCount = count
                if let before = allocationsBefore, let after = allocationsAfter { bestAllocations = after - before }
            }
        }

        let shapes = ProductShape.step(sizes: trainingCase.sizes, batch: batch)
        let products = GEMMProbe.measure(shapes, budget: budget.productSeconds, engine: engine)
        let flops = shapes.reduce(0) { $0 + $1.flops }
        let gemmSeconds = products.reduce(0) { $0 + $1.seconds }
        let trainer = try trainerSecondsPerEpoch(trainingCase)
        let peak = peakTracker.measure(for: engine, seconds: budget.peakSeconds)

        // The value is the time per epoch through `Trainer`, as `backprop train` runs it; the
        // step loop's figure is beside it.
        let stepSecondsPerEpoch = best * Double(BenchmarkData.sampleCount) / Double(batch)
        var line = ResultLine(case: trainingCase.identifier, metric: "seconds_per_epoch",
                              value: trainer.perEpoch, unit: "s/epoch")
        line.add("path", "trainer")
        line.add("step_seconds_per_epoch", stepSecondsPerEpoch)
        line.add("trainer_seconds_1_epoch", trainer.one)
        line.add("trainer_seconds_4_epochs", trainer.four)
        line.add("trainer_allocations_per_step", trainer.allocationsPerStep)
        line.add("trainer_over_step", trainer.perEpoch / stepSecondsPerEpoch)
        line.add("peak_gflops", peak.gflops)
        line.add("peak", peak.description)
        line.add("peak_fraction", flops / best / 1e9 / peak.gflops)
        line.add("gemm_peak_fraction", flops / gemmSeconds / 1e9 / peak.gflops)
        line.add("seconds_per_step", best)
        line.add("steps_timed", bestCount)
        line.add("steps_per_epoch", Double(BenchmarkData.sampleCount) / Double(batch))
        line.add("extrapolated", bestCount < stepsPerEpoch)
        line.add("repeats", budget.repeats)
        line.add("flops_per_step", flops)
        line.add("achieved_gflops", flops / best / 1e9)
        line.add("gemm_gflops", flops / gemmSeconds / 1e9)
        line.add("gemm_seconds_per_step", gemmSeconds)
        line.add("gemm_share", gemmSeconds / best)
        line.add("allocations_per_step", bestAllocations.map { Double($0) / Double(bestCount) })
        line.emit()
        emitProducts(products, caseIdentifier: trainingCase.identifier)
    }

    // MARK: - Through the Trainer

    /// Seconds per epoch of `Trainer.fit` with its default per-epoch reporting (running
    /// means, no extra pass), as `backprop train` trains: shuffled batches gathered every
    /// step, the NaN/Inf checks, the epoch records. Taken as (time of 4 epochs − time of 1
    /// epoch) / 3 from two fresh runs, so that set-up costs cancel.
    func trainerSecondsPerEpoch(_ trainingCase: TrainingCase) throws
        -> (perEpoch: Double, one: Double, four: Double, allocationsPerStep: Double?) {
        let engine = trainingCase.engine(from: engine)
        let labels = (0..<BenchmarkData.sampleCount).map { row in
            (0..<BenchmarkData.classCount).first { data.targets[row, $0] == 1 } ?? 0
        }
        let dataset = try Dataset(features: data.features, labels: labels, classCount: BenchmarkData.classCount)
        func fit(epochs: Int) throws -> (seconds: Double, allocations: UInt64?) {
            let network = try Sequential<Float>.mlp(trainingCase.sizes, hiddenActivation: .function(trainingCase.activation))
            network.engine = engine
            initializeUniformly(network)
            let optimizer = makeOptimizer(trainingCase.optimizer, for: network.parameters)
            let trainer = Trainer(network: network, loss: SoftmaxCrossEntropy<Float>(), optimizer: optimizer,
                                  schedule: ConstantSchedule(Double(trainingCase.optimizer.learningRate)),
                                  options: TrainingOptions(epochs: epochs, batchSize: trainingCase.batch, seed: 1))
            let allocationsBefore = AllocationCounter.count()
            let start = now()
            try trainer.fit(dataset)
            let seconds = now() - start
            return (seconds, AllocationCounter.count().flatMap { after in allocationsBefore.map { after - $0 } })
        }
        let one = try fit(epochs: 1), four = try fit(epochs: 4)
        let steps = 3 * Double(BenchmarkData.sampleCount / trainingCase.batch)
        let allocations = one.allocations.flatMap { one in four.allocations.map { (Double($0) - Double(one)) / steps } }
        return ((four.seconds - one.seconds) / 3, one.seconds, four.seconds, allocations)
    }

    // MARK: - Inference

    func run(_ inferenceCase: InferenceCase) throws {
        let batch = inferenceCase.batch
        let network = try Sequential<Float>.mlp(inferenceCase.sizes, hiddenActivation: .function(.relu))
        network.engine = engine
        initializeUniformly(network)
        let batches = makeBatches(data, batch: batch)
        var sink: Float = 0
        func run(_ index: Int) throws { sink += try network.forward(batches[index].x, mode: .inference).base[0] }

        if let profileSteps {
            let start = now()
            for index in 0..<profileSteps { try run(index % batches.count) }
            log("\(inferenceCase.identifier): \(profileSteps) batches in \(now() - start) s (sink \(sink))")
            return
        }
        for index in 0..<min(50, batches.count) { try run(index) }
        var best = Double.infinity, bestCount = 0, bestAllocations: UInt64?
        for _ in 0..<budget.repeats {
            let allocationsBefore = AllocationCounter.count()
            var count = 0
            let start = now()
            var elapsed = 0.0
            repeat {
                for _ in 0..<10 { try run(count % batches.count); count += 1 }
                elapsed = now() - start
            } while elapsed < budget.inferenceRepeatSeconds
            let allocationsAfter = AllocationCounter.count()
            if elapsed / Double(count) < best {
                best = elapsed / Double(count)
                bestCount = count
                if let before = allocationsBefore, let after = allocationsAfter { bestAllocations = after - before }
            }
        }
        let shapes = ProductShape.step(sizes: inferenceCase.sizes, batch: batch, trainingStep: false)
        let products = GEMMProbe.measure(shapes, budget: budget.productSeconds, engine: engine)
        let flops = shapes.reduce(0) { $0 + $1.flops }
        let gemmSeconds = products.reduce(0) { $0 + $1.seconds }
        let peak = peakTracker.measure(for: engine, seconds: budget.peakSeconds)

        var line = ResultLine(case: inferenceCase.identifier, metric: "samples_per_second",
                              value: Double(batch) / best, unit: "samples/s")
        line.add("peak_gflops", peak.gflops)
        line.add("peak", peak.description)
        line.add("peak_fraction", flops / best / 1e9 / peak.gflops)
        line.add("gemm_peak_fraction", flops / gemmSeconds / 1e9 / peak.gflops)
        line.add("seconds_per_batch", best)
        line.add("batches_timed", bestCount)
        line.add("achieved_gflops", flops / best / 1e9)
        line.add("gemm_gflops", flops / gemmSeconds / 1e9)
        line.add("gemm_seconds_per_step", gemmSeconds)
        line.add("gemm_share", gemmSeconds / best)
        line.add("allocations_per_step", bestAllocations.map { Double($0) / Double(bestCount) })
        line.add("checksum", Double(sink))
        line.emit()
        emitProducts(products, caseIdentifier: inferenceCase.identifier)
    }

    private func emitProducts(_ products: [(shape: ProductShape, seconds: Double)], caseIdentifier: String) {
        for (shape, seconds) in products {
            var line = ResultLine(case: caseIdentifier, metric: "gemm_shape_gflops", value: shape.flops / seconds / 1e9, unit: "GFLOP/s")
            line.add("product", shape.description)
            line.add("seconds_per_call", seconds)
            line.emit()
        }
    }
}
