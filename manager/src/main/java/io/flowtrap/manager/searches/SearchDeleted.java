package io.flowtrap.manager.searches;

/**
 * An application event: search {@code id} and its pcaps were deleted, by {@code by} (a user, or {@code system} past
 * {@code flowtrap.searches.max-kept}) for {@code reason}. Published by {@link Searches} outside its lock, so that what
 * others keep of the search (its results' labels, share links) goes with it.
 */
public record SearchDeleted(String id, String by, String reason) {}
