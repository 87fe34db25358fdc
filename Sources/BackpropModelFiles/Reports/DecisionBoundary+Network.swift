import Foundation
import BackpropCore
import BackpropData

extension DecisionBoundaryChart {
    /// The decision regions of a trained classifier with 2-D inputs, drawn in **raw feature
    /// units**: the data points are mapped back through the inverse of the fitted
    /// `pipeline`, a `resolution × resolution` grid over their range (padded by 10 %) is mapped
    /// forward through `pipeline` and classified by `network`.
    ///
    /// When a step of the pipeline cannot be inverted (a projection that is not 2 × 2 and
    /// invertible), the chart is drawn in preprocessed units and the axis titles say so.
    ///
    /// - Parameters:
    ///   - network: the trained classifier; it must take 2 inputs.
    ///   - loss: the loss it was trained with, which decides how outputs become classes.
    ///   - pipeline: the preprocessing fitted on the training data, used to map between
    ///     raw and preprocessed feature units.
    ///   - data: preprocessed examples with labels (at most `maximumPoints` are drawn, evenly spaced).
    ///   - title: the chart's title.
    ///   - resolution: grid cells per axis; the grid has `resolution²` cells, each classified.
    ///   - maximumPoints: the most data points drawn.
    /// - Returns: `nil` unless the data have 2 features and labels.
    /// - Throws: `NetworkError` from the forward pass.
    public static func make<Scalar: NetworkScalar>(
        network: Sequential<Scalar>, loss: any Loss<Scalar>, pipeline: PreprocessingPipeline, data: Dataset<Scalar>,
        title: String = "Decision boundary (training data)", resolution: Int = 90, maximumPoints: Int = 1500
    ) throws -> DecisionBoundaryChart? {
        guard data.featureCount == 2, network.inputCount == 2, let labels = data.labels, data.count > 0 else { return nil }
        let shown = min(data.count, maximumPoints)
        let indices = (0..<shown).map { $0 * data.count / shown }
        let processed = indices.map { (Double(data.features[$0, 0]), Double(data.features[$0, 1])) }
        let raw = PlaneMapping.invert(processed, through: pipeline)
        let points = raw ?? processed
        let xs = points.map(\.0), ys = points.map(\.1)
        func padded(_ values: [Double]) -> ClosedRange<Double> {
            let low = values.min() ?? 0, high = values.max() ?? 1
            let margin = max((high - low) * 0.1, 1e-6)
            return (low - margin)...(high + margin)
        }
        let xRange = padded(xs), yRange = padded(ys)
        let centres = gridCentres(xRange: xRange, yRange: yRange, resolution: resolution)
        let grid = Matrix<Scalar>(rows: centres.count, columns: 2)
        for (row, centre) in centres.enumerated() {
            grid[row, 0] = Scalar(centre.x)
            grid[row, 1] = Scalar(centre.y)
        }
        let inputs = raw == nil ? grid : try pipeline.transform(grid)
        let classes = try network.predictClasses(inputs, loss: loss)
        let rows = (0..<resolution).map { Array(classes[($0 * resolution)..<(($0 + 1) * resolution)]) }
        let classCount = max(network.outputCount, 2)
        let names = data.classNames ?? (0..<classCount).map(String.init)
        let suffix = raw == nil ? " (preprocessed)" : ""
        return DecisionBoundaryChart(
            title: title, xLabel: "feature 1" + suffix, yLabel: "feature 2" + suffix, xRange: xRange, yRange: yRange,
            grid: rows, points: zip(points, indices).map { (x: $0.0.0, y: $0.0.1, label: labels[$0.1]) }, classNames: names)
    }
}

/// Maps 2-D points back through a fitted preprocessing pipeline.
enum PlaneMapping {
    /// The raw points whose preprocessed images are `points`, or `nil` when a step cannot
    /// be inverted. Element-wise steps invert as `x = (y − offset)/scale + shift`; a 2 × 2
    /// projection `y = (x − shift)·P` as `x = y·P⁻¹ + shift`.
    static func invert(_ points: [(Double, Double)], through pipeline: PreprocessingPipeline) -> [(Double, Double)]? {
        var result = points
        for step in pipeline.steps.reversed() {
            guard step.inputCount == 2, step.outputCount == 2 else { return nil }
            if step.projection.isEmpty {
                guard step.scale.count == 2, step.shift.count == 2, step.offset.count == 2, !step.scale.contains(0) else { return nil }
                result = result.map { y in
                    ((y.0 - step.offset[0]) / step.scale[0] + step.shift[0], (y.1 - step.offset[1]) / step.scale[1] + step.shift[1])
                }
            } else {
                guard step.projection.count == 4, step.shift.count == 2 else { return nil }
                let p = step.projection  // row-major 2 × 2: [p00, p01, p10, p11]
                let determinant = p[0] * p[3] - p[1] * p[2]
                guard abs(determinant) > 1e-12 else { return nil }
                let inverse = [p[3] / determinant, -p[1] / determinant, -p[2] / determinant, p[0] / determinant]
                result = result.map { y in
                    (y.0 * inverse[0] + y.1 * inverse[2] + step.shift[0], y.0 * inverse[1] + y.1 * inverse[3] + step.shift[1])
                }
            }
        }
        return result
    }
}
