/// The library's version.
public enum BackpropVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
