package io.flowtrap.manager.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.manager.users.Role;
import io.flowtrap.manager.users.TokenStore;
import io.flowtrap.manager.users.UserStore;
import io.flowtrap.manager.users.UsersProperties;
import io.flowtrap.manager.web.ApiError;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.access.AccessDeniedHandlerImpl;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.authentication.ExceptionMappingAuthenticationFailureHandler;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Who may call what. {@code GET /rest} is open (scripts probe reachability with it); the alert
 * search and the pcap chain need an analyst or admin key; probes deliver alerts with a probe or
 * admin key; the appliance list and the metrics ({@code GET /actuator/prometheus}) are for admins.
 * Keys come as {@code Authorization: Token <key>}; a missing or bad key is a 401 with
 * {@code WWW-Authenticate: Token} and a JSON body, a key without the role a 403. Stateless: no
 * session, no CSRF (no cookies are ever issued to API calls). Open without a key: {@code GET
 * /share/<token>} (the token is the authority) and the signed chat-ops and webhook calls. The GUI's pages are a second chain
 * ({@link #gui}): form login, a session, CSRF, a strict Content-Security-Policy. The GUI's own
 * script drives the pcap chain with the user's session: a third chain ({@link #guiOnThePcapChain})
 * takes the pcap chain's calls that carry the session cookie and no key, and needs the CSRF token.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {
    private static final String ANALYST = Role.ANALYST.name();
    private static final String ADMIN = Role.ADMIN.name();
    private static final String PROBE = Role.PROBE.name();
    /**
     * What the GUI's pages may load and do: only what the manager itself serves (scripts from files,
     * never inline), no framing, forms posted to the manager only.
     */
    static final String GUI_CONTENT_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    /** The GUI's pages and the forms they post to. */
    static final String[] GUI_PATHS = {"/", "/login", "/logout", "/keys", "/keys/**", "/alerts", "/alerts/**", "/appliances",
        "/appliances/**", "/templates", "/templates/**", "/changes", "/changes/**", "/audit", "/audit/**",
        "/captures", "/captures/**", "/searches", "/searches/**", "/watchlists", "/watchlists/**", "/results", "/results/**"};
    /** The pages' forms that change probes and settings: admins only (an analyst's POST is a 403, not only a hidden button). */
    static final String[] ADMIN_FORMS = {"/appliances", "/appliances/**", "/templates", "/templates/**", "/changes/**"};

    /**
     * The pcap chain ({@code /rest/rules/filestore_pcap/...}) called from a GUI page with the signed-in
     * user's session (the cookie, no {@code Authorization} header): an analyst or admin, as with
     * keys; every call that changes something (upload, extract) must carry the session's CSRF token
     * in {@code X-CSRF-TOKEN} (the page's meta tag), or it is a 403. Never makes a session. A call
     * with a key, or with no session cookie, is not this chain's: the token chain answers it as it
     * always did.
     */
    @Bean
    @Order(0)
    SecurityFilterChain guiOnThePcapChain(HttpSecurity http, ObjectMapper json) throws Exception {
        RequestMatcher pcapChain = PathPatternRequestMatcher.withDefaults().matcher("/rest/rules/filestore_pcap/**");
        RequestMatcher sessionWithoutKey = request -> request.getHeader(HttpHeaders.AUTHORIZATION) == null
                && request.getRequestedSessionId() != null;
        return http
                .securityMatcher(new AndRequestMatcher(pcapChain, sessionWithoutKey))
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.NEVER))
                .authorizeHttpRequests(auth -> auth.anyRequest().hasAnyRole(ANALYST, ADMIN))
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((request, response, ex) -> unauthorized(json, response,
                                "authentication required", "the session is over: sign in again (or send Authorization: Token <key>)"))
                        .accessDeniedHandler((request, response, ex) -> write(json, response, HttpServletResponse.SC_FORBIDDEN,
                                ex instanceof CsrfException
                                        ? new ApiError("forbidden", "a call with the session cookie needs the page's CSRF token in "
                                                + "X-CSRF-TOKEN: reload the page")
                                        : new ApiError("forbidden", "this user's role may not " + request.getMethod() + " "
                                                + request.getRequestURI()))))
                .build();
    }

    @Bean
    @Order(1)
    SecurityFilterChain api(HttpSecurity http, TokenStore tokens, ObjectMapper json) throws Exception {
        // every token was already checked by the converter: the manager only passes it on
        AuthenticationManager accept = authentication -> authentication;
        AuthenticationFilter tokenFilter = new AuthenticationFilter(accept, new TokenAuthenticationConverter(tokens));
        tokenFilter.setSuccessHandler((request, response, authentication) -> {}); // go on to the controller, no redirect
        tokenFilter.setFailureHandler((request, response, e) -> {
            if (e instanceof AuthenticationServiceException) {
                write(json, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, new ApiError("authentication unavailable", e.getMessage()));
            } else {
                unauthorized(json, response, "invalid token", e.getMessage());
            }
        });
        return http
                .securityMatcher("/rest", "/rest/**", "/api/**", "/actuator", "/actuator/**", "/share/**")
                .csrf(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(tokenFilter, BasicAuthenticationFilter.class)
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers(HttpMethod.GET, "/rest", "/rest/", "/rest/health", "/rest/health/").permitAll()
                        // a share link's token is its own authority (sharing.ShareLinks); chat-ops and the
                        // webhook are signed with their secrets (chatops.RequestSignature), not keyed
                        .requestMatchers(HttpMethod.GET, "/share/*").permitAll()
                        .requestMatchers(HttpMethod.POST, "/rest/chatops/slack", "/rest/webhooks/capture").permitAll()
                        .requestMatchers("/rest/appliances/**").hasRole(ADMIN)
                        .requestMatchers("/rest/**").hasAnyRole(ANALYST, ADMIN)
                        .requestMatchers("/api/ingest/**").hasAnyRole(PROBE, ADMIN)
                        .requestMatchers("/actuator", "/actuator/**").hasRole(ADMIN)
                        .anyRequest().denyAll())
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((request, response, ex) ->
                                unauthorized(json, response, "authentication required", "send Authorization: Token <key>"))
                        .accessDeniedHandler((request, response, ex) -> write(json, response,
                                HttpServletResponse.SC_FORBIDDEN, new ApiError("forbidden",
                                        "this key's role may not " + request.getMethod() + " " + request.getRequestURI()))))
                .build();
    }

    /**
     * The GUI: its pages need a signed-in user (analyst or admin), signed in through the login form.
     * A session cookie (Secure, HttpOnly, SameSite=Strict: application.yml) with a new id at each
     * sign-in; a CSRF token on every form, logout included; a lockout after repeated failures
     * ({@link UserAuthenticationProvider}); a Content-Security-Policy that lets a page load only
     * what the manager serves ({@link #GUI_CONTENT_POLICY}). Analysts see the Appliances, Templates and Pending
     * modifications pages; changing probes or settings ({@link #ADMIN_FORMS}) and the Audit page are
     * for admins (others get the GUI's 403 page, with the bar). Everything else (the REST API above; unknown paths, which
     * answer the JSON 404) is not this chain's.
     */
    @Bean
    @Order(2)
    SecurityFilterChain gui(HttpSecurity http, UserStore users, UsersProperties properties) throws Exception {
        ExceptionMappingAuthenticationFailureHandler failure = new ExceptionMappingAuthenticationFailureHandler();
        failure.setDefaultFailureUrl("/login?error");
        failure.setExceptionMappings(Map.of(LockedException.class.getName(), "/login?locked",
                AuthenticationServiceException.class.getName(), "/login?unavailable"));
        return http
                .securityMatcher(GUI_PATHS)
                .authenticationProvider(new UserAuthenticationProvider(users, properties.login()))
                .httpBasic(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .authorizeHttpRequests(auth -> auth
                        .requestMatchers("/login").permitAll()
                        .requestMatchers("/audit", "/audit/**", "/appliances/*/edit").hasRole(ADMIN)
                        .requestMatchers(HttpMethod.POST, ADMIN_FORMS).hasRole(ADMIN)
                        .anyRequest().hasAnyRole(ANALYST, ADMIN))
                .exceptionHandling(e -> e.accessDeniedHandler(forbiddenPage()))
                .formLogin(form -> form.loginPage("/login").defaultSuccessUrl("/", true).failureHandler(failure))
                .logout(logout -> logout.logoutUrl("/logout").logoutSuccessUrl("/login?logout"))
                .sessionManagement(s -> s.sessionFixation(f -> f.changeSessionId()))
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(GUI_CONTENT_POLICY)))
                .build();
    }

    /** A page the role may not open: the GUI's 403 page; a form's missing or wrong CSRF token: the plain 403. */
    private static AccessDeniedHandler forbiddenPage() {
        AccessDeniedHandlerImpl page = new AccessDeniedHandlerImpl();
        page.setErrorPage("/forbidden");
        AccessDeniedHandlerImpl plain = new AccessDeniedHandlerImpl();
        return (request, response, denied) -> (denied instanceof CsrfException ? plain : page).handle(request, response, denied);
    }

    private static void unauthorized(ObjectMapper json, HttpServletResponse response, String error, String detail)
            throws IOException {
        response.setHeader("WWW-Authenticate", ApiToken.SCHEME);
        write(json, response, HttpServletResponse.SC_UNAUTHORIZED, new ApiError(error, detail));
    }

    private static void write(ObjectMapper json, HttpServletResponse response, int status, ApiError error) throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        json.writeValue(response.getOutputStream(), error);
    }
}
