package io.flowtrap.manager.web;

import io.flowtrap.manager.errors.DomainException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Turns every failure of a REST call into its status and an {@link ApiError} body. The one place
 * where the domain's kinds of failure ({@link DomainException.Kind}) become HTTP statuses, and where
 * {@code Retry-After} is written: each such answer is counted ({@code flowtrap.http.retry.after}).
 */
@RestControllerAdvice
class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    private final MeterRegistry meters;

    ApiExceptionHandler(MeterRegistry meters) {
        this.meters = meters;
    }

    /** The status each kind of failure is answered with (DESIGN.md, "The REST chain"). */
    public static HttpStatus status(DomainException.Kind kind) {
        return switch (kind) {
            case INVALID -> HttpStatus.BAD_REQUEST;
            case FORBIDDEN -> HttpStatus.FORBIDDEN;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case GONE -> HttpStatus.GONE;
            case TOO_LARGE -> HttpStatus.PAYLOAD_TOO_LARGE;
            case PROBE_FAILED -> HttpStatus.BAD_GATEWAY;
            case PROBE_TIMEOUT -> HttpStatus.GATEWAY_TIMEOUT;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case INTERNAL -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    @ExceptionHandler(DomainException.class)
    ResponseEntity<ApiError> domain(DomainException e) {
        HttpStatus status = status(e.kind());
        if (status.is5xxServerError()) {
            log.warn("{}: {}", e.error(), e.detail(), e.getCause());
        }
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(status);
        if (e.retryAfterSeconds() >= 0) {
            answer.header(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()));
            Counter.builder("flowtrap.http.retry.after").tag("status", Integer.toString(status.value()))
                    .description("answers that asked the client to try again later (Retry-After)").register(meters).increment();
        }
        return answer.body(new ApiError(e.error(), e.detail()));
    }

    @ExceptionHandler(MaxUploadSizeExceededException.class)
    ResponseEntity<ApiError> tooLarge(MaxUploadSizeExceededException e) {
        return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE)
                .body(new ApiError("upload too large", "an alert is a few kilobytes; the limit is " + maxSize(e)));
    }

    @ExceptionHandler({MissingServletRequestPartException.class, MissingServletRequestParameterException.class,
            MethodArgumentTypeMismatchException.class, HttpMessageNotReadableException.class})
    ResponseEntity<ApiError> badRequest(Exception e) {
        return ResponseEntity.badRequest().body(new ApiError("bad request", e.getMessage()));
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<ApiError> badMultipart(MultipartException e) {
        return ResponseEntity.badRequest().body(new ApiError("bad multipart request",
                "send the alert as the multipart part 'file': " + e.getMessage()));
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<ApiError> mediaType(HttpMediaTypeNotSupportedException e) {
        return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE).body(new ApiError("unsupported media type", e.getMessage()));
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ApiError> method(HttpRequestMethodNotSupportedException e) {
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED).body(new ApiError("method not allowed", e.getMessage()));
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ApiError> notFound(NoResourceFoundException e) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(new ApiError("not found", "no such endpoint: /" + e.getResourcePath()));
    }

    private static String maxSize(MaxUploadSizeExceededException e) {
        return e.getMaxUploadSize() < 0 ? "the configured maximum" : e.getMaxUploadSize() + " bytes";
    }
}
