#if canImport(Glibc)
import Glibc
#endif

/// The process environment, read one variable at a time.
///
/// Functions that depend on the environment take a lookup as a parameter and default to `EnvironmentVariable.value`,
/// so tests pass a dictionary instead of changing the test process's own environment (which every child started
/// meanwhile, by any test, would inherit).
public enum EnvironmentVariable {
    /// The value of `name`, `nil` when it is not set.
    public static func value(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}
