package io.flowtrap.store;

/**
 * What an extraction found. {@code NOT_FOUND} means nothing matched and the store cannot tell why:
 * the query had no time and the store has rotated data out. {@code skippedPackets} counts postings
 * that did not verify (a damaged index or a hash collision): they are never written.
 */
public record ExtractionResult(
        Outcome outcome, long packets, long bytes, long firstTimestampNanos, long lastTimestampNanos, long skippedPackets) {

    public enum Outcome {
        FOUND,
        NEVER_STORED,
        ROTATED_OUT,
        NOT_FOUND
    }
}
