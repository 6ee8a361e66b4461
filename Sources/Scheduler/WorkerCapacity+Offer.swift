public import WireProtocol

extension WorkerCapacity {
    /// What a worker on `host` declared when it registered (`HostOffer`).
    public init(host: String, offer: HostOffer) {
        self.init(
            host: host, labels: offer.labels, gpus: Int(offer.gpus), resources: offer.resources.mapValues { Int($0) },
            memoryBytes: offer.memoryBytes)
    }
}
