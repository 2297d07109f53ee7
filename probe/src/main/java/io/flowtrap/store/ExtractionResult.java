package io.flowtrap.store;

/**
 * What an extraction found. {@code NOT_FOUND} means nothing matched and the store cannot tell why:
 * the query had no time and the store has rotated data out. {@code skippedPackets} counts postings
 * that did not verify (a damaged index or a hash collision): they are never written.
 * {@code segmentsSearched} counts the segment indexes looked up for this query (what the time
 * bounds left of the store), so a caller or a test can see how much of the store a carve touched.
 */
public record ExtractionResult(
        Outcome outcome, long packets, long bytes, long firstTimestampNanos, long lastTimestampNanos, long skippedPackets,
        int segmentsSearched) {

    public enum Outcome {
        FOUND,
        NEVER_STORED,
        ROTATED_OUT,
        NOT_FOUND
    }
}
