package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code status}'s answer: {@code {"status": "pending" | "available" | "failed" | "expired"}}, or
 * with 404 {@code "unknown"} and the error's {@code error} and {@code detail}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record StatusAnswer(String status, String error, String detail) {
    public static StatusAnswer of(String status) {
        return new StatusAnswer(status, null, null);
    }

    public static StatusAnswer unknown(String job) {
        return new StatusAnswer("unknown", "unknown job", "no extraction job " + job);
    }
}
