package io.flowtrap.manager.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers 401, 403 and 413 with {@code Connection: close}, so that Tomcat ends the connection after
 * the answer instead of keeping it for the client's next request: a caller without a valid key (or
 * sending too much) gets its answer and nothing more, and cannot hold connections open. Runs before
 * Spring Security, which writes the 401 and 403.
 *
 * <p>Before closing, Tomcat reads at most {@code server.tomcat.max-swallow-size} of what is left of
 * the body; a client still sending more then gets a reset. So that it has the whole answer by then,
 * the refusal's body (a small JSON error) is held here and sent with its {@code Content-Length}:
 * without it the answer would end only with the connection, and the reset would cut it.
 */
final class RefusalClosesConnection extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        RefusalResponse wrapped = new RefusalResponse(response);
        try {
            chain.doFilter(request, wrapped);
        } finally {
            wrapped.sendHeldBody();
        }
    }

    static boolean refused(int status) {
        return status == HttpServletResponse.SC_UNAUTHORIZED || status == HttpServletResponse.SC_FORBIDDEN
                || status == HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE;
    }

    /** Marks a refusal {@code Connection: close} and holds its body until the chain is done. Not thread-safe. */
    private static final class RefusalResponse extends HttpServletResponseWrapper {
        private ByteArrayOutputStream held;
        private ServletOutputStream heldStream;
        private PrintWriter heldWriter;
        /** The real stream or writer was handed out: the body is not held after that. */
        private boolean passedThrough;

        RefusalResponse(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void setStatus(int sc) {
            closeIfRefused(sc);
            super.setStatus(sc);
        }

        @Override
        public void sendError(int sc) throws IOException {
            closeIfRefused(sc);
            super.sendError(sc);
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            closeIfRefused(sc);
            super.sendError(sc, msg);
        }

        private void closeIfRefused(int sc) {
            if (refused(sc) && !isCommitted()) {
                setHeader("Connection", "close");
            }
        }

        private boolean holding() {
            return held != null || (!passedThrough && refused(getStatus()) && !isCommitted());
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (!holding()) {
                passedThrough = true;
                return super.getOutputStream();
            }
            if (heldStream == null) {
                held = held == null ? new ByteArrayOutputStream() : held;
                heldStream = new ServletOutputStream() {
                    @Override
                    public void write(int b) {
                        held.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        held.write(b, off, len);
                    }

                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        throw new UnsupportedOperationException("a refusal's body is written at once");
                    }
                };
            }
            return heldStream;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (!holding()) {
                passedThrough = true;
                return super.getWriter();
            }
            if (heldWriter == null) {
                held = held == null ? new ByteArrayOutputStream() : held;
                String encoding = getCharacterEncoding();
                Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
                heldWriter = new PrintWriter(new OutputStreamWriter(held, charset));
            }
            return heldWriter;
        }

        @Override
        public void flushBuffer() throws IOException {
            if (held == null) {
                super.flushBuffer();
            }
        }

        /** Sends the held refusal body, if any, with its length. */
        void sendHeldBody() throws IOException {
            if (held == null) {
                return;
            }
            if (heldWriter != null) {
                heldWriter.flush();
            }
            HttpServletResponse response = (HttpServletResponse) getResponse();
            if (!response.isCommitted()) {
                response.setContentLength(held.size());
            }
            held.writeTo(response.getOutputStream());
        }
    }
}
