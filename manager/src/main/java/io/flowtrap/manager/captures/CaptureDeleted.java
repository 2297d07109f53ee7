package io.flowtrap.manager.captures;

/**
 * An application event: capture {@code id}'s pcaps were deleted, by {@code by} (a user, or {@code system} for
 * retention) for {@code reason}. Published by {@link Captures} outside its lock, after the capture's own audit entry,
 * so that what others keep of the capture (its results' labels, share links) goes with it.
 */
public record CaptureDeleted(String id, String by, String reason) {}
