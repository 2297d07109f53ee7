package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** {@code GET /rest/results/}'s answer: the merges and filters kept, newest first. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResultsPage(long count, List<ResultAnswer> results) {}
