package io.flowtrap.manager.security;

import io.flowtrap.manager.users.UserStore;
import io.flowtrap.manager.users.UsersProperties;
import java.time.Instant;
import java.util.List;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * Checks a GUI sign-in (name and password from the login form) against the {@link UserStore}: the
 * result is the user's name as principal with their role, a {@link BadCredentialsException} for an
 * unknown name or a wrong password (not told apart), or a {@link LockedException} while the user is
 * locked out after too many failures.
 */
final class UserAuthenticationProvider implements AuthenticationProvider {
    private final UserStore users;
    private final UsersProperties.Login policy;

    UserAuthenticationProvider(UserStore users, UsersProperties.Login policy) {
        this.users = users;
        this.policy = policy;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String name = authentication.getName();
        Object credentials = authentication.getCredentials();
        UserStore.Login login;
        try {
            login = users.login(name, credentials == null ? null : credentials.toString(), Instant.now(), policy);
        } catch (RuntimeException e) { // Elasticsearch cannot be used: DomainException UNAVAILABLE, saying why
            throw new AuthenticationServiceException("cannot read the users: " + e.getMessage(), e);
        }
        return switch (login.outcome()) {
            case SIGNED_IN -> UsernamePasswordAuthenticationToken.authenticated(login.user().name(), null,
                    List.of(new SimpleGrantedAuthority(login.user().role().authority())));
            case LOCKED -> throw new LockedException("too many failed sign-ins: locked for " + policy.lockout().toMinutes()
                    + " min");
            case REFUSED -> throw new BadCredentialsException("wrong name or password");
        };
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
