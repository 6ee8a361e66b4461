import Testing
@testable import TaskFile

@Suite("TaskFile: workflow fields")
struct WorkflowCheckTests {
    @Test(
        "dependencies, pools and sizes are checked over the whole file",
        arguments: [
            (#"{"tasks": [{"id": "a", "exec": ["x"], "after": ["b"]}]}"#,
             [#"bad.json:1: task "a", field "after": no task has the id "b"; "after" names tasks of this file"#]),
            (#"{"tasks": [{"id": "a", "exec": ["x"], "after": ["b"]}, {"id": "b", "exec": ["x"], "after": ["a"]}]}"#,
             [#"bad.json:1: task "a", field "after": dependency cycle: "a" after "b" after "a"; none of them could ever start, remove one of these "after" entries"#]),
            (#"{"tasks": [{"id": "a", "exec": ["x"], "after": ["a"]}]}"#,
             [#"bad.json:1: task "a", field "after": dependency cycle: "a" after "a"; none of them could ever start, remove one of these "after" entries"#]),
            (#"{"tasks": [{"id": "a", "exec": ["x"], "pool": "api"}]}"#,
             [#"bad.json:1: task "a", field "pool": unknown pool "api"; declare it in the file's "pools" or with --pool api=LIMIT"#]),
            (#"{"pools": {"api": {"limit": 0}}, "tasks": []}"#,
             [#"bad.json:1:11: field "pools.api.limit": expected a whole number from 1 to 1000000, got number 0"#]),
            (#"{"tasks": [{"id": "b", "exec": ["x"], "after": ["a"]}, {"id": "a", "exec": ["x"], "pool": "api"}], "pools": {"api": 2}}"#,
             []),
        ])
    func wholeFile(text: String, expected: [String]) throws {
        let directory = try TemporaryDirectory()
        #expect(try problems("bad.json", text, in: directory) == expected)
    }

    @Test("a valid file hands the scheduler its pools and the task positions")
    func facts() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "ok.json", #"{"pools": {"api": {"limit": 3, "per_second": 10}}, "tasks": [{"id": "x", "exec": ["a"]}, {"exec": ["b"], "after": ["x"], "cpus": 2}]}"#)
        let check = TaskFile(path: path, validateKind: testKinds).check(knownPools: [])
        #expect(check.isValid)
        #expect(check.pools == ["api": PoolLimit(limit: 3, perSecond: 10)])
        #expect(check.taskPositions?.firstUse(of: "x")?.position == 0)
        #expect(check.taskPositions?.firstUse(of: "1")?.position == 1)
        #expect(check.taskPositions?.count == 2)
        #expect(check.largestCPUs?.cpus == 2)
    }

    @Test("--pool values", arguments: [
        ("api=3", "api", PoolLimit(limit: 3)), ("api=3/10", "api", PoolLimit(limit: 3, perSecond: 10)),
    ])
    func poolOptions(text: String, name: String, limit: PoolLimit) throws {
        let parsed = try PoolLimit.parse(option: text).get()
        #expect(parsed.name == name && parsed.limit == limit)
    }

    @Test("bad --pool values", arguments: ["api", "=3", "api=0", "api=3/0", "api=3/x", "api=1/2/3"])
    func badPoolOptions(text: String) {
        #expect((try? PoolLimit.parse(option: text).get()) == nil)
    }
}
