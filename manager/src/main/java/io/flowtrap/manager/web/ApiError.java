package io.flowtrap.manager.web;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Every error the REST API answers: {@code {"error": what, "detail": why or what to do}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String detail) {
    public ApiError {
        error = error == null || error.isBlank() ? "error" : error;
        detail = detail == null || detail.isBlank() ? error : detail; // the contract: both are always there
    }
}
