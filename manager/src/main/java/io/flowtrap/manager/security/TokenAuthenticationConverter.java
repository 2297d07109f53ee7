package io.flowtrap.manager.security;

import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.manager.users.TokenStore;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Reads {@code Authorization: Token <key>} and looks the key up in the {@link TokenStore}: the
 * result is an authenticated principal (the key's {@link TokenStore.Entry}: id, role, probe) with its role, or a
 * {@link BadCredentialsException} for a key that is unknown or revoked (an
 * {@link AuthenticationServiceException}, 503, while the keys were never read from Elasticsearch since
 * the start: the caller retries). The keys are in memory: no Elasticsearch call per request. No
 * header: null, and the entry point answers 401 if the call needs a token.
 */
final class TokenAuthenticationConverter implements AuthenticationConverter {
    private final TokenStore tokens;

    TokenAuthenticationConverter(TokenStore tokens) {
        this.tokens = tokens;
    }

    @Override
    public Authentication convert(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null) {
            return null;
        }
        String key = ApiToken.fromHeader(header);
        if (key == null) {
            throw new BadCredentialsException("the Authorization header is not 'Token <key>'");
        }
        TokenStore.Entry entry = tokens.authenticate(key).orElseThrow(() -> tokens.loaded()
                ? new BadCredentialsException("invalid token (unknown or revoked)")
                : new AuthenticationServiceException("the API keys are not read yet: the manager has not reached Elasticsearch, "
                        + "where they are, since it started; try again later"));
        return UsernamePasswordAuthenticationToken.authenticated(entry, null,
                List.of(new SimpleGrantedAuthority(entry.role().authority())));
    }
}
