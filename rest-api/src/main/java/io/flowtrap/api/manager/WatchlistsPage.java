package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** {@code GET /rest/watchlists/}: the watchlists loaded, by name, without their sessions. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WatchlistsPage(long count, List<WatchlistAnswer> results) {}
