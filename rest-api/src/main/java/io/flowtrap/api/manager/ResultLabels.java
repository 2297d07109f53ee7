package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of {@code PATCH /rest/results/<kind>/<id>/}: the result's tags (replaced whole; absent:
 * kept) and comment (absent: kept; empty: removed).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultLabels(List<String> tags, String comment) {}
