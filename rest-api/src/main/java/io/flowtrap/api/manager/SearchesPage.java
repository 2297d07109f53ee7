package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** {@code GET /rest/searches/}'s answer: every search kept, newest first. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SearchesPage(long count, List<SearchAnswer> results) {}
