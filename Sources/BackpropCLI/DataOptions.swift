import ArgumentParser
import Backprop

/// The options that choose, split and preprocess the data: shared by `data describe` and
/// the commands that train.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The examples (\(DataSource.choiceList)): moons|circles|spiral|blobs|xor[:n=…,noise=…,classes=…,seed=…], mnist:DIR (a bare mnist reads the folder from $\(DataSource.mnistDirectoryVariable), else the cache), csv:FILE, npy:FEATURES.npy,TARGETS.npy, or a catalogued set fetched into the cache (backprop data list; NAME:DIR reads an image set's files from DIR instead).",
        valueName: "spec"), transform: DataSource.textArgument)
    var data: SettingText<DataSource>?

    @OptionGroup var fetch: FetchFlags

    @Option(name: .customLong("target-column"), help: ArgumentHelp("CSV: the target column, by header name or 0-based index (negative counts from the end, written --target-column=-1; default: the last).", valueName: "name|index"))
    var targetColumn: String?

    @Option(help: ArgumentHelp("CSV: the field separator (one character, or 'tab').", valueName: "char"))
    var delimiter: String = ","

    @Flag(name: .customLong("no-header"), help: "CSV: the first line is data, not column names.")
    var noHeader = false

    @Flag(help: "CSV/NumPy: the targets are real values (regression), not class labels.")
    var regression = false

    @Option(help: ArgumentHelp("Train,dev[,test] shares, e.g. 0.6,0.2,0.2 (default: 60/20/20 up to 10⁶ examples, 98/1/1 above; MNIST keeps its own test set).", valueName: "fractions"))
    var split: String?

    @Flag(help: "Keep each class's share in every split.")
    var stratify = false

    @Option(help: ArgumentHelp("Keep only these classes, by name or index, e.g. 0,1 (MNIST's zeros against its ones); they become classes 0, 1, … in this order.", valueName: "classes"))
    var classes: String?

    @Option(help: ArgumentHelp("Train on the first N examples of the training part only (dev and test are kept whole).", valueName: "N"))
    var limit: Int?

    @Option(help: ArgumentHelp("Fixed pixel scaling (\(PixelScale.choiceList)): mnist is x·0.99/255 + 0.01, unit is x/255, none keeps the raw values (default: unit for image data — mnist, fashion-mnist, kmnist, emnist-digits, cifar-10 — and none for the others).", valueName: "preset"),
            transform: PixelScale.argument)
    var scale: PixelScale?

    @Flag(help: "Standardise every feature with the training mean and standard deviation.")
    var standardize = false

    @Flag(help: "Scale every feature to [0, 1] with the training minimum and maximum.")
    var minmax = false

    @Flag(name: .customLong("subtract-mean"), help: "Subtract the training mean of every feature.")
    var subtractMean = false

    @Option(help: ArgumentHelp("PCA: keep K components (an integer) or a variance fraction (0 < K < 1).", valueName: "K"))
    var pca: String?

    @Flag(help: "PCA whitening: divide each principal component by √(λ + ε) (with --pca K, keep K of them).")
    var whiten = false

    @Flag(help: "ZCA whitening: PCA whitening rotated back to the original axes.")
    var zca = false

    @Option(name: .customLong("whiten-epsilon"), help: ArgumentHelp("The ε of whitening.", valueName: "ε"))
    var whitenEpsilon: Double = PreprocessingMethod.defaultEpsilon

    @Option(help: ArgumentHelp("Image augmentation per batch: a comma-separated list of \(AugmentationOptions.Kind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kinds"))
    var augment: String?

    // MARK: - Validation

    func validate() throws {
        _ = try csvOptions()
        if let data { try checkFileOptionsApply(to: data.value) }
        _ = try fractions()
        _ = try preprocessingMethods()
        _ = try augmentation()
    }

    /// Throws when a CSV or NumPy option is given with a source that would ignore it
    /// (`--regression` with `moons` trained a classifier without a word).
    func checkFileOptionsApply(to source: DataSource) throws {
        var ignored: [String] = []
        switch source {
        case .csv: return
        case .npy:
            if targetColumn != nil { ignored.append("--target-column") }
            if delimiter != "," { ignored.append("--delimiter") }
            if noHeader { ignored.append("--no-header") }
        case .synthetic, .mnist, .catalogue, .catalogueFolder:
            if targetColumn != nil { ignored.append("--target-column") }
            if delimiter != "," { ignored.append("--delimiter") }
            if noHeader { ignored.append("--no-header") }
            if regression { ignored.append("--regression") }
        }
        guard ignored.isEmpty else {
            throw ValidationError("\(ignored.joined(separator: ", ")) \(ignored.count == 1 ? "does" : "do") not apply to --data \(source): only CSV files (and NumPy files for --regression) read \(ignored.count == 1 ? "it" : "them")")
        }
    }

    /// The parsed `--data`.
    func source() throws -> DataSource {
        (data ?? TrainingRecipe().data).value
    }

    /// The CSV options from `--target-column`, `--delimiter`, `--no-header`, `--regression`.
    func csvOptions() throws -> CSVOptions {
        let separator: Character
        switch delimiter {
        case "tab", "\\t", "\t": separator = "\t"
        default:
            guard delimiter.count == 1, let character = delimiter.first, character != "\"", !character.isNewline else {
                throw ValidationError("--delimiter must be one character (or 'tab'), got \"\(delimiter)\"")
            }
            separator = character
        }
        var column = CSVOptions.TargetColumn.last
        if let targetColumn {
            column = Int(targetColumn).map { .index($0) } ?? .name(targetColumn)
        }
        return CSVOptions(delimiter: separator, hasHeader: !noHeader, targetColumn: column,
                          targetKind: regression ? .regression : .classification)
    }

    /// The parsed `--split`, or `nil` for the default.
    func fractions() throws -> SplitFractions? {
        guard let split else { return nil }
        do { return try SplitFractions(parsing: split) } catch let error as NetworkError {
            throw ValidationError("--split: \(error)")
        }
    }

    /// The preprocessing steps of `choices` (default: the switches as given) in the order
    /// they apply: pixel scale, min-max, mean subtraction, standardisation, then PCA / whitening.
    func preprocessingMethods(_ choices: PreprocessingChoices? = nil) throws -> [PreprocessingMethod] {
        do { return try (choices ?? preprocessingChoices).methods() } catch let error as NetworkError {
            throw ValidationError("--\(error)")
        }
    }

    /// The preprocessing switches as given.
    var preprocessingChoices: PreprocessingChoices {
        var choices = PreprocessingChoices()
        choices.scale = scale
        choices.standardize = standardize
        choices.minMax = minmax
        choices.subtractMean = subtractMean
        choices.pca = pca
        choices.whiten = whiten
        choices.zca = zca
        choices.whitenEpsilon = whitenEpsilon
        return choices
    }

    /// The options given on the command line as config values (keys of
    /// ``TrainingRecipe/keys``), to override a config file.
    var configurationValues: [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        if let data { values["data"] = .string(data.text) }
        if let targetColumn { values["target-column"] = .string(targetColumn) }
        if delimiter != "," { values["delimiter"] = .string(delimiter == "tab" || delimiter == "\\t" ? "\t" : delimiter) }
        if noHeader { values["header"] = .bool(false) }
        if regression { values["regression"] = .bool(true) }
        if let split { values["split"] = .string(split) }
        if stratify { values["stratify"] = .bool(true) }
        if let classes { values["classes"] = .string(classes) }
        if let limit { values["limit"] = .int(limit) }
        if let scale { values["scale"] = .string(scale.rawValue) }
        if standardize { values["standardize"] = .bool(true) }
        if minmax { values["minmax"] = .bool(true) }
        if subtractMean { values["subtract-mean"] = .bool(true) }
        if let pca { values["pca"] = .string(pca) }
        if whiten { values["whiten"] = .bool(true) }
        if zca { values["zca"] = .bool(true) }
        if whitenEpsilon != PreprocessingMethod.defaultEpsilon { values["whiten-epsilon"] = .double(whitenEpsilon) }
        if let augment { values["augment"] = .string(augment) }
        return values
    }

    /// The parsed `--augment`, or `nil` when absent.
    func augmentation() throws -> AugmentationOptions? {
        guard let augment else { return nil }
        do { return try AugmentationOptions(parsing: augment) } catch let error as DataError {
            throw ValidationError("--augment: \(error.reason)")
        }
    }

    /// The loading options with the given seed (the command's `--seed`).
    func loadingOptions(seed: UInt64) throws -> DataLoadingOptions {
        DataLoadingOptions(csv: try csvOptions(), fractions: try fractions(), stratified: stratify, seed: seed)
    }

    // MARK: - Loading

    /// Loads and splits the data, fits the preprocessing (with the source's default pixel
    /// scaling when `--scale` is absent, as `train` does) on the training part and applies
    /// it to every part.
    func load<Scalar: NetworkScalar>(seed: UInt64, as _: Scalar.Type = Scalar.self) throws -> (splits: DatasetSplits<Scalar>, pipeline: PreprocessingPipeline) {
        let source = try source()
        try fetch.prepare(source)
        let splits: DatasetSplits<Scalar> = try source.load(options: loadingOptions(seed: seed))
        return try splits.preprocessed(with: preprocessingMethods(preprocessingChoices.withDefaultScale(for: source).choices))
    }

    /// The per-batch augmenter for `--augment`, or `nil` when absent; images are rows of
    /// `featureCount` = side² pixels.
    func augmenter<Scalar: NetworkScalar>(featureCount: Int, seed: UInt64, as _: Scalar.Type = Scalar.self) throws -> Augmenter<Scalar>? {
        guard let options = try augmentation() else { return nil }
        do {
            return try Augmenter<Scalar>(featureCount: featureCount, options: options, random: RandomGenerator(seed: seed))
        } catch let error as NetworkError {
            throw ValidationError("--augment: \(error)")
        }
    }
}
