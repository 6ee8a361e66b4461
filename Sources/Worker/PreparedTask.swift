import JSONValue
import JobRunKit
import TaskFile
import WireProtocol

/// An assigned task with its spec decoded once, on arrival, and the resources it needs.
struct PreparedTask: Sendable {
    let assignment: TaskAssignment
    /// The decoded spec, or why the coordinator's bytes could not be read.
    let spec: Result<TaskSpec, TaskSpecError>

    var sequence: UInt64 { assignment.sequence }

    init(_ assignment: TaskAssignment) {
        self.assignment = assignment
        do throws(TaskSpecError) {
            let json: JSONValue
            do {
                json = try JSONParser.parse(assignment.spec)
            } catch {
                throw TaskSpecError(field: nil, message: "not JSON: \(error)")
            }
            spec = .success(try TaskSpec(json: json))
        } catch {
            spec = .failure(error)
        }
    }

    /// Whether the task mostly waits (it then runs beside others, up to the IO limit) or computes (it waits for one
    /// of the worker's slot runners).
    func resources(_ handlers: HandlerRegistry) -> TaskResources {
        guard case .success(let spec) = spec else { return .cpu }
        switch spec.command {
        case .run(let kind, _): return handlers[kind]?.resources ?? .cpu
        case .exec, .shell: return spec.io ? .io : .cpu
        }
    }
}
