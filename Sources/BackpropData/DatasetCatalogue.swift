import Foundation

/// One file of a catalogued data set, as published by its mirrors.
public struct RemoteFile: Sendable, Equatable {
    /// The file name, the same on every mirror (`train-images-idx3-ubyte.gz`).
    public var name: String
    /// The accepted SHA-256 digests, lower-case hexadecimal; a download matching none is
    /// deleted.
    public var sha256: [String]
    /// The size in bytes when known (for the progress bar before the server says it).
    public var size: Int?

    /// A file with its accepted digests.
    public init(_ name: String, sha256: String..., size: Int? = nil) {
        self.init(name, digests: sha256, size: size)
    }

    /// A file with its accepted digests, as a list.
    public init(_ name: String, digests: [String], size: Int?) {
        self.name = name
        self.sha256 = digests
        self.size = size
    }
}

/// How the verified downloads of a data set become the files its loader reads.
public enum CataloguePreparation: Sendable, Equatable {
    /// The downloads are read as they are (the four MNIST IDX files).
    case none
    /// Members of a `.tar.gz` or `.zip` download are extracted, each under a new name in
    /// the data set's folder: `(archive member path, file name)`.
    case extract(archive: String, members: [ArchiveMember])
    /// A delimited text download is rewritten as the CSV file `NAME.csv`.
    case table(TabularLayout)

    /// A member of an archive and the name it is saved under.
    public struct ArchiveMember: Sendable, Equatable {
        /// The path inside the archive.
        public var path: String
        /// The file name in the data set's folder.
        public var savedAs: String

        /// A member saved under `savedAs`.
        public init(_ path: String, as savedAs: String) {
            self.path = path
            self.savedAs = savedAs
        }
    }
}

/// What a catalogued data set's files hold, which decides its loader.
public enum CatalogueFormat: String, Sendable, Equatable {
    /// The four MNIST-style IDX files (``MNISTLoader``).
    case idx
    /// CIFAR-10 binary batches (``CIFARLoader``).
    case cifar10
    /// One CSV file with a header, features first and the class index last (``CSVLoader``).
    case csv
}

/// A data set that `backprop data fetch NAME` downloads, verifies and caches, and that
/// `--data NAME` reads from the cache.
public struct CatalogueDataset: Sendable, Equatable {
    /// The name after `--data` (`fashion-mnist`).
    public var name: String
    /// A one-line description.
    public var title: String
    /// What the files hold.
    public var format: CatalogueFormat
    /// Classes.
    public var classCount: Int
    /// Features per example.
    public var featureCount: Int
    /// Training examples (for the CSV sets: all of them).
    public var trainCount: Int
    /// Test examples shipped separately, `0` when the set has no test part.
    public var testCount: Int
    /// The base URLs tried in order; a file is fetched from `base + "/" + file.name`.
    public var mirrors: [String]
    /// The files to download.
    public var files: [RemoteFile]
    /// What happens to the downloads once verified.
    public var preparation: CataloguePreparation
    /// The licence, as its publisher states it.
    public var licence: String
    /// The reference to cite.
    public var citation: String
    /// The publisher's page.
    public var homepage: String

    /// A data set with every field given.
    public init(name: String, title: String, format: CatalogueFormat, classCount: Int, featureCount: Int, trainCount: Int, testCount: Int,
                mirrors: [String], files: [RemoteFile], preparation: CataloguePreparation = .none,
                licence: String, citation: String, homepage: String) {
        self.name = name
        self.title = title
        self.format = format
        self.classCount = classCount
        self.featureCount = featureCount
        self.trainCount = trainCount
        self.testCount = testCount
        self.mirrors = mirrors
        self.files = files
        self.preparation = preparation
        self.licence = licence
        self.citation = citation
        self.homepage = homepage
    }

    /// The total size of the downloads in bytes, when every size is known.
    public var downloadSize: Int? {
        files.reduce(0 as Int?) { total, file in file.size.flatMap { size in total.map { $0 + size } } }
    }
}

/// The data sets Backprop knows by name.
///
/// Each lists its mirrors in the order they are tried, the SHA-256 of every file, its
/// licence and its citation. The digests are those published with TensorFlow Datasets,
/// torchvision and the UCI loaders of other toolkits; MNIST's training images accept a
/// second digest, that of another circulating copy of the same size.
public enum DatasetCatalogue {
    /// Every catalogued data set, in the order `backprop data list` shows them.
    public static let all: [CatalogueDataset] = [mnist, fashionMNIST, kmnist, emnistDigits, cifar10, iris, wine, breastCancer, digits]

    /// The names, in the order of ``all``.
    public static var names: [String] { all.map(\.name) }

    /// The data set called `name` (case-insensitive), or `nil`.
    public static func named(_ name: String) -> CatalogueDataset? {
        all.first { $0.name == name.lowercased() }
    }

    private static let idxFiles = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    private static let uci = "https://archive.ics.uci.edu/ml/machine-learning-databases"

    /// A UCI table: one file in the UCI folder `folder`, rewritten as CSV by `layout`; the
    /// feature and class counts come from the layout.
    private static func uciTable(_ name: String, _ title: String, folder: String, sha256: String, size: Int?, examples: Int,
                                 layout: TabularLayout, citation: String, homepage: String) -> CatalogueDataset {
        CatalogueDataset(
            name: name, title: title, format: .csv, classCount: layout.classes.count, featureCount: layout.featureNames.count,
            trainCount: examples, testCount: 0, mirrors: [uci + "/" + folder],
            files: [RemoteFile(layout.source, sha256: sha256, size: size)], preparation: .table(layout),
            licence: "CC BY 4.0 (UCI Machine Learning Repository)", citation: citation, homepage: homepage)
    }

    /// A set of the MNIST family: 28×28 grey images of 10 classes, 60000 for training and
    /// 10000 for testing, in the four standard IDX files (whose digests and sizes are given
    /// in the order train images, train labels, test images, test labels).
    private static func mnistFamily(_ name: String, _ title: String, mirrors: [String], digests: [[String]], sizes: [Int?],
                                    licence: String, citation: String, homepage: String) -> CatalogueDataset {
        CatalogueDataset(
            name: name, title: title, format: .idx, classCount: 10, featureCount: 784, trainCount: 60_000, testCount: 10_000,
            mirrors: mirrors, files: idxFiles.indices.map { RemoteFile(idxFiles[$0], digests: digests[$0], size: sizes[$0]) },
            licence: licence, citation: citation, homepage: homepage)
    }

    /// MNIST handwritten digits.
    public static let mnist = mnistFamily(
        "mnist", "MNIST handwritten digits, 28×28 grey",
        mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist", "https://storage.googleapis.com/cvdf-datasets/mnist"],
        digests: [["440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", "ae46c4f260ac4905871204038b01a6c0a113631ad2d5a23f68961fc8b88747cb"],
                  ["3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"],
                  ["8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"],
                  ["f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"]],
        sizes: [9_912_422, 28_881, 1_648_877, 4_542],
        licence: "CC BY-SA 3.0",
        citation: "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, \"Gradient-based learning applied to document recognition\", Proceedings of the IEEE 86(11):2278–2324, 1998.",
        homepage: "http://yann.lecun.com/exdb/mnist/")

    /// Fashion-MNIST: Zalando article images in MNIST's format.
    public static let fashionMNIST = mnistFamily(
        "fashion-mnist", "Zalando article images, 28×28 grey",
        mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
                  "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion"],
        digests: [["3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"],
                  ["a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"],
                  ["346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"],
                  ["67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"]],
        sizes: [26_421_880, 29_515, 4_422_102, 5_148],
        licence: "MIT",
        citation: "H. Xiao, K. Rasul, R. Vollgraf, \"Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms\", arXiv:1708.07747, 2017.",
        homepage: "https://github.com/zalandoresearch/fashion-mnist")

    /// Kuzushiji-MNIST: cursive Japanese characters in MNIST's format.
    public static let kmnist = mnistFamily(
        "kmnist", "Kuzushiji-MNIST cursive Japanese, 28×28 grey",
        mirrors: ["https://codh.rois.ac.jp/kmnist/dataset/kmnist", "http://codh.rois.ac.jp/kmnist/dataset/kmnist"],
        digests: [["51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"],
                  ["e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"],
                  ["edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"],
                  ["20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"]],
        sizes: [18_165_135, nil, nil, nil],
        licence: "CC BY-SA 4.0",
        citation: "T. Clanuwat, M. Bober-Irizar, A. Kitamoto, A. Lamb, K. Yamamoto, D. Ha, \"Deep Learning for Classical Japanese Literature\", arXiv:1812.01718, 2018.",
        homepage: "https://github.com/rois-codh/kmnist")

    /// EMNIST Digits, taken from the EMNIST gzip archive. Its images are stored transposed
    /// (column by column); a fully-connected network does not mind.
    public static let emnistDigits = CatalogueDataset(
        name: "emnist-digits", title: "EMNIST handwritten digits, 28×28 grey (transposed)", format: .idx,
        classCount: 10, featureCount: 784, trainCount: 240_000, testCount: 40_000,
        mirrors: ["https://biometrics.nist.gov/cs_links/EMNIST", "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST"],
        files: [RemoteFile("gzip.zip", sha256: "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e", size: 561_753_746)],
        preparation: .extract(archive: "gzip.zip", members: [
            .init("gzip/emnist-digits-train-images-idx3-ubyte.gz", as: idxFiles[0]),
            .init("gzip/emnist-digits-train-labels-idx1-ubyte.gz", as: idxFiles[1]),
            .init("gzip/emnist-digits-test-images-idx3-ubyte.gz", as: idxFiles[2]),
            .init("gzip/emnist-digits-test-labels-idx1-ubyte.gz", as: idxFiles[3]),
        ]),
        licence: "NIST Special Database 19 terms (no licence stated)",
        citation: "G. Cohen, S. Afshar, J. Tapson, A. van Schaik, \"EMNIST: an extension of MNIST to handwritten letters\", arXiv:1702.05373, 2017.",
        homepage: "https://www.nist.gov/itl/products-and-services/emnist-dataset")

    /// CIFAR-10, binary version: 32×32 colour images flattened to 3072 features.
    public static let cifar10 = CatalogueDataset(
        name: "cifar-10", title: "CIFAR-10 tiny colour images, 32×32×3", format: .cifar10,
        classCount: 10, featureCount: 3072, trainCount: 50_000, testCount: 10_000,
        mirrors: ["https://www.cs.toronto.edu/~kriz"],
        files: [RemoteFile("cifar-10-binary.tar.gz", sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", size: 170_052_171)],
        preparation: .extract(archive: "cifar-10-binary.tar.gz", members:
            (CIFARLoader.trainFiles + [CIFARLoader.testFile]).map { .init("cifar-10-batches-bin/" + $0, as: $0) }),
        licence: "no licence stated; cite the report",
        citation: "A. Krizhevsky, \"Learning Multiple Layers of Features from Tiny Images\", technical report, University of Toronto, 2009.",
        homepage: "https://www.cs.toronto.edu/~kriz/cifar.html")

    /// Fisher's iris flowers.
    public static let iris = uciTable(
        "iris", "Fisher's iris flowers, 4 measurements", folder: "iris", sha256: "6f608b71a7317216319b4d27b4d9bc84e6abd734eda7872b71a458569e2656c0", size: 4_551, examples: 150,
        layout: TabularLayout(
            source: "iris.data", labelColumn: 4, classes: ["Iris-setosa", "Iris-versicolor", "Iris-virginica"],
            featureNames: ["sepal_length", "sepal_width", "petal_length", "petal_width"]),
        citation: "R. A. Fisher, \"The use of multiple measurements in taxonomic problems\", Annals of Eugenics 7(2):179–188, 1936.",
        homepage: "https://archive.ics.uci.edu/dataset/53/iris")

    /// Wines of three cultivars, 13 chemical measurements.
    public static let wine = uciTable(
        "wine", "Italian wines of three cultivars, 13 chemical measurements", folder: "wine", sha256: "6be6b1203f3d51df0b553a70e57b8a723cd405683958204f96d23d7cd6aea659", size: 10_782, examples: 178,
        layout: TabularLayout(
            source: "wine.data", labelColumn: 0, classes: ["1", "2", "3"],
            featureNames: ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
                           "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline"]),
        citation: "S. Aeberhard, M. Forina, \"Wine\", UCI Machine Learning Repository, 1991, doi:10.24432/C5PC7J.",
        homepage: "https://archive.ics.uci.edu/dataset/109/wine")

    /// Breast Cancer Wisconsin (Diagnostic): 30 features of cell nuclei, benign (0) or
    /// malignant (1).
    public static let breastCancer = uciTable(
        "breast-cancer", "Breast Cancer Wisconsin (Diagnostic), 30 cell-nucleus features", folder: "breast-cancer-wisconsin", sha256: "d606af411f3e5be8a317a5a8b652b425aaf0ff38ca683d5327ffff94c3695f4a", size: 124_103, examples: 569,
        layout: TabularLayout(
            source: "wdbc.data", labelColumn: 1, dropColumns: [0], classes: ["B", "M"],
            featureNames: ["mean", "se", "worst"].flatMap { kind in
                ["radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave_points",
                 "symmetry", "fractal_dimension"].map { "\($0)_\(kind)" }
            }),
        citation: "W. N. Street, W. H. Wolberg, O. L. Mangasarian, \"Nuclear feature extraction for breast tumor diagnosis\", IS&T/SPIE Electronic Imaging 1905:861–870, 1993.",
        homepage: "https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic")

    /// Optical recognition of handwritten digits: 8×8 blocks counting 0–16 pixels (the
    /// UCI training file).
    public static let digits = uciTable(
        "digits", "handwritten digits, 8×8 counts 0–16 (UCI optdigits)", folder: "optdigits", sha256: "e1b683cc211604fe8fd8c4417e6a69f31380e0c61d4af22e93cc21e9257ffedd", size: nil, examples: 3_823,
        layout: TabularLayout(
            source: "optdigits.tra", labelColumn: 64, classes: (0...9).map(String.init),
            featureNames: (0..<64).map { "pixel_\($0 / 8)_\($0 % 8)" }),
        citation: "E. Alpaydin, C. Kaynak, \"Optical Recognition of Handwritten Digits\", UCI Machine Learning Repository, 1998, doi:10.24432/C50P49.",
        homepage: "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits")
}
