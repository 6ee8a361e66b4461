import CChildProcess

/// Tells the C allocator to keep memory it was given instead of handing it back after every large free.
///
/// The coordinator fills and empties big buffers (result lines, events, task batches) many times a second; with
/// the allocator's defaults each round returns the pages to the kernel and faults them in again, which costs
/// about as much as building the lines. The memory is the kernel's again when the process ends.
enum HeapTuning {
    static func keepFreedMemory() {
        cchildprocess_keep_freed_memory()
    }
}
