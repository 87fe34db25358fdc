#if canImport(Glibc)
import Glibc
#endif
import BackpropCore
import Foundation

/// Why MPI cannot be used.
public enum MPIError: BackpropError, Equatable {
    /// No Open MPI library could be opened, or it lacks a symbol of the binding; `attempts`
    /// lists each file tried and its problem.
    case unavailable(attempts: [String])
    /// An MPI call returned an error code.
    case callFailed(function: String, code: Int32, text: String)

    public var message: String {
        switch self {
        case let .unavailable(attempts):
            return "MPI is unavailable (the binding loads Open MPI's libmpi.so.40 at run time and needs its ABI; install openmpi-bin and libopenmpi-dev): tried " + attempts.joined(separator: "; ")
        case let .callFailed(function, code, text):
            return "\(function) failed with MPI error \(code): \(text)"
        }
    }
}

/// The processes of an `mpirun` job as a `DataParallelGroup`, through Open MPI opened at
/// run time with `dlopen` (so neither the build nor `swift test` needs MPI).
///
/// The binding targets **Open MPI's ABI**: handles are pointers, and `MPI_COMM_WORLD`,
/// `MPI_DOUBLE`, `MPI_SUM` and `MPI_ERRORS_RETURN` are the addresses of the global symbols
/// `ompi_mpi_comm_world`, `ompi_mpi_double`, `ompi_mpi_op_sum` and `ompi_mpi_errors_return`,
/// found with `dlsym`. Another MPI (MPICH, Intel MPI) has none of them and fails with
/// ``MPIError/unavailable(attempts:)``.
///
/// Errors return instead of aborting (`MPI_ERRORS_RETURN`); a failed all-reduce, or one
/// that has not completed after ``timeoutSeconds`` (a peer died or hangs), ends the process
/// with a message on standard error rather than hang.
public final class MPIGroup: DataParallelGroup, @unchecked Sendable {
    /// The environment variable that overrides ``timeoutSeconds``.
    public static let timeoutEnvironmentVariable = "BACKPROP_MPI_TIMEOUT"
    /// Environment variables that `mpirun` sets in the processes it starts (Open MPI's, then
    /// PMI's).
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"]

    /// Whether this process was started by `mpirun` (one of ``launcherVariables`` is set).
    public static var isLaunchedByMPI: Bool {
        launcherVariables.contains { ProcessInfo.processInfo.environment[$0] != nil }
    }

    /// The files tried, in order.
    public static let candidates = ["libmpi.so.40", "/usr/lib/x86_64-linux-gnu/libmpi.so.40", "/usr/lib/aarch64-linux-gnu/libmpi.so.40", "/usr/lib64/openmpi/lib/libmpi.so.40"]

    public let rank: Int
    public let size: Int
    /// Seconds an all-reduce may take before the process gives up (default 120).
    public let timeoutSeconds: Double
    /// The library file in use.
    public let library: String

    private typealias Handle = UnsafeMutableRawPointer
    private typealias Allreduce = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    private typealias ErrorString = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<Int32>?) -> Int32
    private let allreduce: Allreduce
    private let errorString: ErrorString
    private let world: Handle, double: Handle, sum: Handle
    private let watchdog = NSCondition()
    private var pendingSince: Double?

    nonisolated(unsafe) private static var shared: MPIGroup?
    nonisolated(unsafe) private static var finalizer: (@convention(c) () -> Int32)?

    /// The group of this job, initialising MPI on first use (once per process).
    ///
    /// - Throws: ``MPIError`` when Open MPI cannot be loaded or initialised.
    public static func world() throws(MPIError) -> MPIGroup {
        if let shared { return shared }
        let group = try MPIGroup()
        shared = group
        return group
    }

    /// The library file that opens, or why none does, without initialising MPI (for `backprop info`).
    public static func availability() -> Result<String, MPIError> {
        var attempts: [String] = []
        for file in candidates {
            guard let handle = dlopen(file, RTLD_NOW | RTLD_GLOBAL) else {
                attempts.append("\(file) (\(dlerror().map { String(cString: $0) } ?? "cannot be opened"))")
                continue
            }
            if dlsym(handle, "ompi_mpi_comm_world") != nil { return .success(file) }
            attempts.append("\(file) (no ompi_mpi_comm_world: not Open MPI)")
        }
        return .failure(.unavailable(attempts: attempts))
    }

    private init() throws(MPIError) {
        var attempts: [String] = []
        var opened: (UnsafeMutableRawPointer, String)?
        for file in Self.candidates {
            if let handle = dlopen(file, RTLD_NOW | RTLD_GLOBAL) { opened = (handle, file); break }
            attempts.append("\(file) (\(dlerror().map { String(cString: $0) } ?? "cannot be opened"))")
        }
        guard let (handle, file) = opened else { throw .unavailable(attempts: attempts) }
        func symbol(_ name: String) throws(MPIError) -> UnsafeMutableRawPointer {
            guard let address = dlsym(handle, name) else { throw .unavailable(attempts: attempts + ["\(file) (no symbol \(name): not Open MPI's ABI)"]) }
            return address
        }
        typealias Initialized = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
        typealias Initialize = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
        typealias CommInt = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
        typealias SetHandler = @convention(c) (Handle, Handle) -> Int32
        typealias Finalize = @convention(c) () -> Int32
        let initialized = unsafeBitCast(try symbol("MPI_Initialized"), to: Initialized.self)
        let initialize = unsafeBitCast(try symbol("MPI_Init"), to: Initialize.self)
        let commRank = unsafeBitCast(try symbol("MPI_Comm_rank"), to: CommInt.self)
        let commSize = unsafeBitCast(try symbol("MPI_Comm_size"), to: CommInt.self)
        let setHandler = unsafeBitCast(try symbol("MPI_Comm_set_errhandler"), to: SetHandler.self)
        let finalize = unsafeBitCast(try symbol("MPI_Finalize"), to: Finalize.self)
        allreduce = unsafeBitCast(try symbol("MPI_Allreduce"), to: Allreduce.self)
        errorString = unsafeBitCast(try symbol("MPI_Error_string"), to: ErrorString.self)
        world = try symbol("ompi_mpi_comm_world")
        double = try symbol("ompi_mpi_double")
        sum = try symbol("ompi_mpi_op_sum")
        let errorsReturn = try symbol("ompi_mpi_errors_return")
        library = file

        var flag: Int32 = 0
        _ = initialized(&flag)
        if flag == 0 {
            let code = initialize(nil, nil)
            guard code == 0 else { throw .callFailed(function: "MPI_Init", code: code, text: "") }
            Self.finalizer = finalize
            atexit { _ = MPIGroup.finalizer?() }
        }
        _ = setHandler(world, errorsReturn)
        var value: Int32 = 0
        _ = commRank(world, &value)
        rank = Int(value)
        _ = commSize(world, &value)
        size = Int(value)
        timeoutSeconds = ProcessInfo.processInfo.environment[Self.timeoutEnvironmentVariable].flatMap(Double.init) ?? 120
        startWatchdog()
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {
        guard size > 1, buffer.count > 0 else { return }
        watchdog.lock(); pendingSince = Self.now(); watchdog.unlock()
        // MPI_IN_PLACE is (void *) 1 in Open MPI.
        let code = allreduce(UnsafeRawPointer(bitPattern: 1), buffer.baseAddress, Int32(buffer.count), double, sum, world)
        watchdog.lock(); pendingSince = nil; watchdog.unlock()
        if code != 0 {
            var text = [CChar](repeating: 0, count: 512)
            var length: Int32 = 0
            _ = errorString(code, &text, &length)
            stop("MPI_Allreduce failed (\(String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))); another process has probably died")
        }
    }

    private func startWatchdog() {
        guard size > 1 else { return }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: min(1, timeoutSeconds / 4))
                watchdog.lock()
                let since = pendingSince
                watchdog.unlock()
                if let since, Self.now() - since > timeoutSeconds {
                    stop("no answer from the other processes for \(timeoutSeconds) s in an all-reduce; another process has probably died (\(Self.timeoutEnvironmentVariable) sets the limit)")
                }
            }
        }
        thread.start()
    }

    private func stop(_ reason: String) -> Never {
        FileHandle.standardError.write(Data("backprop: rank \(rank) of \(size): \(reason); stopping\n".utf8))
        _exit(75)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
