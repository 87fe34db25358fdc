import BackpropCore
import BackpropModelFiles

extension Model {
    /// The model of a finished ``TrainingRun`` with its final `metrics`.
    public convenience init(run: TrainingRun, metrics: [String: Double]) throws {
        let train = run.splits.train
        let manifest = ModelManifest(
            recipe: run.recipe, blueprint: run.blueprint, preprocessing: run.pipeline,
            classNames: train.isClassification ? train.classNames : nil, loss: run.recipe.lossName,
            regression: !train.isClassification, featureCount: run.pipeline.inputCount ?? train.featureCount,
            outputCount: train.outputCount, metrics: metrics)
        try self.init(manifest: manifest, network: run.network)
    }
}
