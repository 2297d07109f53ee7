package io.flowtrap.manager.results;

/**
 * An application event: result {@code kind}/{@code id} is gone (a capture or a search deleted where it was made, a merge
 * or a filter deleted, any of them by a user or past a retention limit), with its per-probe parts ({@code id:probe}),
 * by {@code by} for {@code reason}. {@link Results} publishes it, outside its lock, once it has dropped the result's
 * labels, for what else is kept of a result (its share links) to go too.
 */
public record ResultDeleted(String kind, String id, String by, String reason) {

    /** Whether {@code resultId} of {@code resultKind} is this result or one probe's part of it. */
    public boolean covers(String resultKind, String resultId) {
        return kind.equals(resultKind) && (resultId.equals(id) || resultId.startsWith(id + ":"));
    }
}
