import Backprop

/// Runs the cases and prints one result line per measurement.
struct Runner {
    let data: BenchmarkData
    let budget: Budget
    /// The kernel and threads every network, optimiser and product probe uses.
    let engine: ComputeEngine
    /// When set, each training case only runs this many steps and reports nothing (profiling).
    var profileSteps: Int?

    // MARK: - Training

    func run(_ trainingCase: TrainingCase) throws {
        let batch = trainingCase.batch
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

        var line = ResultLine(case: trainingCase.identifier, metric: "seconds_per_epoch",
                              value: best * Double(BenchmarkData.sampleCount) / Double(batch), unit: "s/epoch")
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

        var line = ResultLine(case: inferenceCase.identifier, metric: "samples_per_second",
                              value: Double(batch) / best, unit: "samples/s")
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
