public import JSONValue

/// The verdict of a `KindValidator` on a `run` kind and its `args`.
public enum KindValidation: Sendable {
    /// The kind exists and the arguments are acceptable.
    case valid
    /// No kind has this name; `known` lists the kinds that exist, for the message.
    case unknownKind(known: [String])
    /// The arguments are wrong. `field` is the path inside `args` (`rounds`, `input.path`, `[0]`), or the full
    /// path starting with `args` (`args.rounds`), or empty when the arguments as a whole are wrong; problems
    /// always show the full path. `message` says what was expected and found.
    case invalid(field: String, message: String)
}

/// Checks a `run` task's kind name and arguments. Called from whichever thread reads the task file.
public typealias KindValidator = @Sendable (_ kind: String, _ args: JSONValue) -> KindValidation
