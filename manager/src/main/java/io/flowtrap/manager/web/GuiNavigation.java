package io.flowtrap.manager.web;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The GUI's navigation bar: the pages that exist, each contributed by its feature as a
 * {@link Link} bean, so the bar never shows a page that is not there. The shared layout
 * (templates/fragments/layout.html) renders {@link #links()} in their order: Alerts 10,
 * Appliances 20, Templates 30, Audit 40, Captures 50, Searches 60, API keys 90 (a new page picks a free number).
 */
public final class GuiNavigation {
    /**
     * One page in the bar.
     *
     * @param name what the page is called in element ids ({@code nav-<name>}): lower case, no spaces
     * @param label what the bar shows
     * @param path where it is, from the manager's root ({@code /alerts})
     * @param order where it sits, from the left
     */
    public record Link(String name, String label, String path, int order) {
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
}
