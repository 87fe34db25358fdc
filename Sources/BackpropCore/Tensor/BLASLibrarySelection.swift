import Foundation

/// Which BLAS library products use, chosen once from the environment and changeable with
/// ``BLASLibrary/select(_:)``.
///
/// The selection is process-wide, unlike the rest of the engine's settings
/// (``ComputeEngine``): a library is loaded once per process and every network in it
/// multiplies through the same one. Its thread count follows the engine of each product.
extension BLASLibrary {
    // MARK: - Selection

    /// The environment variable read at the first product: `BACKPROP_BLAS=openblas|blis`
    /// (`accelerate` on Apple platforms). Unset or empty means ``platformDefault``.
    public static let environmentVariable = "BACKPROP_BLAS"

    /// The library used when nothing else is asked for: OpenBLAS on Linux, Accelerate on
    /// Apple platforms.
    public static var platformDefault: Kind {
        #if canImport(Accelerate)
        return .accelerate
        #else
        return .openBLAS
        #endif
    }

    /// The libraries that can be asked for on this platform, whether or not they load:
    /// OpenBLAS and BLIS on Linux, Accelerate and BLIS (always unavailable) on Apple platforms.
    public static var selectableKinds: [Kind] {
        #if canImport(Accelerate)
        return [.accelerate, .blis]
        #else
        return [.openBLAS, .blis]
        #endif
    }

    /// The library products use now, in the whole process.
    public static var current: BLASLibrary { selection.library }

    /// Why ``environmentVariable`` could not be honoured (an unknown name, or a library that
    /// does not load here), in which case ``platformDefault`` is in use; `nil` otherwise, and
    /// after a successful ``select(_:)``.
    public static var selectionProblem: String? { selection.problem }

    /// The library `kind`, without selecting it. Loading BLIS happens once per process; later
    /// calls return the same library or the same error.
    /// - Throws: ``LoadError`` naming every file tried when the library cannot be used here.
    public static func load(_ kind: Kind) throws(LoadError) -> BLASLibrary {
        switch kind {
        case platformDefault:
            return linkedLibrary
        case .blis:
            return try loadedBLIS.get()
        default:
            #if canImport(Accelerate)
            throw LoadError(kind: kind, attempts: [], reason: "not available on Apple platforms (Accelerate is used)")
            #else
            throw LoadError(kind: kind, attempts: [], reason: "only available on Apple platforms")
            #endif
        }
    }

    /// Makes every product of the process use `kind` from now on (and clears
    /// ``selectionProblem``). The next product sets the new library's thread count from its
    /// ``ComputeEngine``. Selecting the library already in use changes nothing.
    /// - Throws: ``LoadError`` naming every file tried when the library cannot be used here;
    ///   the selection is then unchanged.
    public static func select(_ kind: Kind) throws(LoadError) {
        let library = try load(kind)
        if library.kind == selection.library.kind {
            selection.problem = nil
            return
        }
        selection = Selection(library: library, problem: nil)
        BLASThreading.forgetLibraryThreadCount()
    }

    // MARK: - State

    struct Selection {
        var library: BLASLibrary
        var problem: String?
    }

    /// Read by every BLAS product; written only by ``select(_:)``.
    nonisolated(unsafe) static var selection = Selection.fromEnvironment()

    fileprivate static let linkedLibrary = BLASLibrary.linked()

    private static let loadedBLIS: Result<BLASLibrary, LoadError> = {
        #if canImport(Glibc)
        return Result { () throws(LoadError) in try BLISLoader.load() }
        #else
        return .failure(LoadError(kind: .blis, attempts: [], reason: "not available on Apple platforms (Accelerate is used)"))
        #endif
    }()
}

extension BLASLibrary.Selection {
    /// The selection asked for by ``BLASLibrary/environmentVariable``.
    static func fromEnvironment() -> Self {
        fromEnvironmentValue(ProcessInfo.processInfo.environment[BLASLibrary.environmentVariable])
    }

    /// The selection for a value of ``BLASLibrary/environmentVariable``: the named library
    /// when it loads, else the platform default with the reason in `problem`.
    static func fromEnvironmentValue(_ value: String?) -> Self {
        let fallback = BLASLibrary.linkedLibrary
        let variable = BLASLibrary.environmentVariable
        let name = (value ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if name.isEmpty { return Self(library: fallback, problem: nil) }
        guard let kind = BLASLibrary.Kind(rawValue: name), BLASLibrary.selectableKinds.contains(kind) else {
            let known = BLASLibrary.selectableKinds.map(\.rawValue).joined(separator: ", ")
            let problem = "\(variable)=\(value ?? "") is not a BLAS library Backprop can use (\(known)); using \(fallback.name)"
            return Self(library: fallback, problem: problem)
        }
        do {
            return Self(library: try BLASLibrary.load(kind), problem: nil)
        } catch {
            return Self(library: fallback, problem: "\(variable)=\(name): \(error); using \(fallback.name)")
        }
    }
}
