import JSONValue

/// Runs `JSONParser.validate` over bytes.
func validate(_ bytes: [UInt8]) throws(JSONSyntaxError) {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONSyntaxError) in try JSONParser.validate(buffer) }
    }
    try result.get()
}

/// Runs `JSONParser.validate` over text.
func validate(_ text: String) throws(JSONSyntaxError) {
    try validate(Array(text.utf8))
}

/// Runs the raw-buffer `JSONParser.parse` over bytes.
func parseBuffer(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONSyntaxError) in try JSONParser.parse(buffer) }
    }
    return try result.get()
}

/// Runs `JSONParser.parsePrefix` over bytes.
func parsePrefix(_ bytes: [UInt8], isFinal: Bool) throws(JSONSyntaxError) -> (value: JSONValue, end: Int) {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONSyntaxError) in try JSONParser.parsePrefix(buffer, isFinal: isFinal) }
    }
    return try result.get()
}

/// Runs `JSONParser.skipPrefix` over bytes.
func skipPrefix(_ bytes: [UInt8], isFinal: Bool) throws(JSONSyntaxError) -> Int {
    let result = bytes.withUnsafeBytes { buffer in
        Result { () throws(JSONSyntaxError) in try JSONParser.skipPrefix(buffer, isFinal: isFinal) }
    }
    return try result.get()
}
