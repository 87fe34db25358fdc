#if canImport(Glibc)
import Glibc
#endif
import Foundation

// MARK: - Errors

extension BLASLibrary {
    /// A library that cannot be used on this machine, with every file that was tried.
    public struct LoadError: BackpropError {
        /// The library that was asked for.
        public let kind: Kind
        /// Each file tried and why it could not be used (the `dlopen` message, or the
        /// missing symbol), in the order tried; empty when the platform has no such library.
        public let attempts: [(file: String, problem: String)]
        /// Why the library is unavailable when no file was tried.
        public let reason: String?

        /// `"blis: no usable library; tried <file> (<problem>); …"`, or `"<kind>: <reason>"`.
        public var message: String {
            if let reason { return "\(kind.rawValue): \(reason)" }
            let tried = attempts.map { "\($0.file) (\($0.problem))" }.joined(separator: "; ")
            return "\(kind.rawValue): no usable library; tried \(tried)"
        }
    }
}

#if canImport(Glibc)

// MARK: - BLIS entry points

/// BLIS's CBLAS routines and the few `bli_` functions Backprop calls, found with `dlsym`.
///
/// CBLAS enums are C `int`s (row-major 101, no transpose 111, transpose 112); dimensions are
/// BLIS's BLAS integer (32-bit in Debian's build). `dim_t` and `gint_t` are 64-bit.
struct BLISEntryPoints: @unchecked Sendable {
    typealias SGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias DGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
        UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    typealias SGEMV = @convention(c) (
        Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias SetThreadCount = @convention(c) (Int64) -> Void

    static let rowMajor: Int32 = 101
    static func transpose(_ flag: Bool) -> Int32 { flag ? 112 : 111 }

    let sgemm: SGEMM
    let dgemm: DGEMM
    let sgemv: SGEMV
    let setThreadCount: SetThreadCount
}

// MARK: - Loading

/// Opens BLIS with `dlopen` and reads its description.
enum BLISLoader {
    /// The files tried, in order: Debian's pthread build, the soname the dynamic linker
    /// resolves (on Debian the variant chosen by `update-alternatives`, often the OpenMP
    /// build), then the OpenMP build. The pthread build comes first: next to OpenBLAS's own
    /// threads, the OpenMP build's two-thread products were seen to collapse.
    static var candidates: [String] {
        #if arch(x86_64)
        let directory = "/usr/lib/x86_64-linux-gnu"
        #elseif arch(arm64)
        let directory = "/usr/lib/aarch64-linux-gnu"
        #else
        let directory = "/usr/lib"
        #endif
        return ["\(directory)/blis-pthread/libblis.so.4", "libblis.so.4", "\(directory)/blis-openmp/libblis.so.4"]
    }

    /// BLIS from the first of `files` that opens and has every routine Backprop calls.
    ///
    /// The library is opened with `RTLD_DEEPBIND`: BLIS's CBLAS functions call its own
    /// Fortran-style `sgemm_`, which OpenBLAS (already in the process) also defines; without
    /// it they would run OpenBLAS's code. The handle stays open for the life of the process.
    static func load(from files: [String] = candidates) throws(BLASLibrary.LoadError) -> BLASLibrary {
        var attempts: [(file: String, problem: String)] = []
        for file in files {
            guard let handle = dlopen(file, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) else {
                let message = dlerror().map { String(cString: $0) } ?? "cannot be opened"
                attempts.append((file, message))
                continue
            }
            do {
                return try library(from: handle, file: file)
            } catch {
                attempts.append((file, error.message))
                dlclose(handle)
            }
        }
        throw BLASLibrary.LoadError(kind: .blis, attempts: attempts, reason: nil)
    }

    private struct MissingSymbol: Error {
        let message: String
    }

    private static func library(from handle: UnsafeMutableRawPointer, file: String) throws(MissingSymbol) -> BLASLibrary {
        func symbol<Function>(_ name: String, as type: Function.Type) throws(MissingSymbol) -> Function {
            guard let address = dlsym(handle, name) else { throw MissingSymbol(message: "no symbol \(name)") }
            return unsafeBitCast(address, to: type)
        }
        typealias Initialize = @convention(c) () -> Void
        typealias VersionString = @convention(c) () -> UnsafeMutablePointer<CChar>?
        typealias ArchitectureID = @convention(c) () -> Int32
        typealias ArchitectureString = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        typealias GetThreadCount = @convention(c) () -> Int64
        typealias Flag = @convention(c) () -> Int64

        let entryPoints = BLISEntryPoints(
            sgemm: try symbol("cblas_sgemm", as: BLISEntryPoints.SGEMM.self),
            dgemm: try symbol("cblas_dgemm", as: BLISEntryPoints.DGEMM.self),
            sgemv: try symbol("cblas_sgemv", as: BLISEntryPoints.SGEMV.self),
            setThreadCount: try symbol("bli_thread_set_num_threads", as: BLISEntryPoints.SetThreadCount.self))
        let versionString = try symbol("bli_info_get_version_str", as: VersionString.self)
        let architectureID = try symbol("bli_arch_query_id", as: ArchitectureID.self)
        let architectureString = try symbol("bli_arch_string", as: ArchitectureString.self)
        let initialize = try symbol("bli_init", as: Initialize.self)
        let getThreadCount = try? symbol("bli_thread_get_num_threads", as: GetThreadCount.self)
        let usesOpenMP = try? symbol("bli_info_get_enable_openmp", as: Flag.self)
        let usesPthreads = try? symbol("bli_info_get_enable_pthreads", as: Flag.self)

        // The architecture query needs the kernel registry, which `bli_init` builds (with
        // BLIS_ARCH_TYPE set, querying first aborts the process).
        initialize()
        let version = versionString().map { String(cString: $0) } ?? "unknown"
        let kernel = architectureString(architectureID()).map { String(cString: $0) } ?? "unknown"
        let threading: String
        if let usesOpenMP, usesOpenMP() != 0 {
            threading = "OpenMP threads"
        } else if let usesPthreads, usesPthreads() != 0 {
            threading = "pthreads"
        } else {
            threading = "single-threaded"
        }
        let requested = getThreadCount.map { Int($0()) } ?? 0
        let threads = requested > 0 ? requested : ProcessInfo.processInfo.activeProcessorCount
        return BLASLibrary(
            kind: .blis, name: "BLIS", version: version,
            configuration: "BLIS \(version), \(threading), from \(file); kernel \(kernel)",
            kernelName: kernel, defaultThreadCount: max(threads, 1), routines: .blis(entryPoints))
    }
}

#endif
