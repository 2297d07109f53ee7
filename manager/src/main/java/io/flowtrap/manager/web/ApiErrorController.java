package io.flowtrap.manager.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Errors raised before a controller runs (the container refusing a request, a failure in a
 * filter) answer in the same {@link ApiError} shape as everything else, not Boot's default page.
 */
@RestController
class ApiErrorController implements ErrorController {
    @RequestMapping("/error")
    ResponseEntity<ApiError> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = HttpStatus.resolve(code instanceof Integer i ? i : 500);
        if (status == null) {
            status = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        String detail = message == null || message.toString().isBlank() ? status.getReasonPhrase() : message.toString();
        return ResponseEntity.status(status).body(new ApiError(status.getReasonPhrase().toLowerCase(java.util.Locale.ROOT), detail));
    }
}
