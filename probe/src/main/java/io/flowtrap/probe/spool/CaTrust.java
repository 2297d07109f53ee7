package io.flowtrap.probe.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS trust for talking to the manager. */
public final class CaTrust {

    private CaTrust() {
    }

    /**
     * A TLS context that trusts exactly the certificates in a PEM file (a CA, or the manager's own
     * self-signed certificate), or the JDK's default trust when {@code pemFile} is {@code null}.
     *
     * @throws GeneralSecurityException when the file holds no certificate or one that does not parse
     */
    public static SSLContext sslContext(Path pemFile) throws IOException, GeneralSecurityException {
        if (pemFile == null) {
            return SSLContext.getDefault();
        }
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pemFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + pemFile);
        }
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        int i = 0;
        for (Certificate certificate : certificates) {
            trusted.setCertificateEntry("ca-" + i++, certificate);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
