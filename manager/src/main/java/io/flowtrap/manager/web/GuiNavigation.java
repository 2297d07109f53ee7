package io.flowtrap.manager.web;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The GUI's navigation bar: the pages that exist, each contributed by its feature as a
 * {@link Link} bean, so the bar never shows a page that is not there. The shared layout
 * (templates/fragments/layout.html) renders {@link #links()} in their order: Alerts 10,
 * Appliances 20, Templates 30, Pending modifications 35, Audit 40, Captures 50, Watchlists 55, Searches 60,
 * Results 65, API keys 90 (a new
 * page picks a free number).
 * A link for one role only (the Audit page's, for admins) is shown to the users of that role only
 * ({@link #shown()}); the security chain is what refuses the page itself.
 */
public final class GuiNavigation {
    /**
     * One page in the bar.
     *
     * @param name what the page is called in element ids ({@code nav-<name>}): lower case, no spaces
     * @param label what the bar shows
     * @param path where it is, from the manager's root ({@code /alerts})
     * @param order where it sits, from the left
     * @param role the one role whose users see the link ({@code ADMIN}), null: every signed-in user
     */
    public record Link(String name, String label, String path, int order, String role) {
        /** A link every signed-in user sees. */
        public Link(String name, String label, String path, int order) {
            this(name, label, path, order, null);
        }

        public Link {
            Objects.requireNonNull(label, "label");
            if (name == null || !name.matches("[a-z][a-z0-9-]*")) {
                throw new IllegalArgumentException("a link's name is lower-case letters, digits and '-': " + name);
            }
            if (path == null || !path.startsWith("/")) {
                throw new IllegalArgumentException("a link's path starts with '/': " + path);
            }
        }
    }

    private final List<Link> links;

    public GuiNavigation(List<Link> links) {
        this.links = links.stream().sorted(Comparator.comparingInt(Link::order).thenComparing(Link::label)).toList();
    }

    public List<Link> links() {
        return links;
    }

    /** The links the request's signed-in user may see (the bar renders these). */
    public List<Link> shown() {
        Authentication who = SecurityContextHolder.getContext().getAuthentication();
        return links.stream().filter(l -> l.role() == null || who != null
                && who.getAuthorities().stream().anyMatch(a -> ("ROLE_" + l.role()).equals(a.getAuthority()))).toList();
    }
}
