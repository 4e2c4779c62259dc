package dev.hde.job.security;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The JDK's keytool, for the certificates of the TLS tests: self-signed key pairs and trust stores (PKCS12). */
final class Keytool {

    private Keytool() {}

    /** A key store with one self-signed key pair for {@code localhost} / 127.0.0.1 (hostname verification passes). */
    static void selfSignedKeyStore(Path keyStore, String alias, String password) throws IOException, InterruptedException {
        run("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost, O=hde test",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", keyStore.toString(), "-storetype", "PKCS12",
                "-storepass", password, "-keypass", password);
    }

    /** A trust store holding the certificate of {@code alias} in {@code keyStore}. */
    static void trustStoreFor(Path keyStore, String alias, String keyStorePassword, Path trustStore, String trustStorePassword)
            throws IOException, InterruptedException {
        Path cert = trustStore.resolveSibling(alias + ".pem");
        run("-exportcert", "-rfc", "-alias", alias, "-keystore", keyStore.toString(), "-storepass", keyStorePassword, "-file", cert.toString());
        run("-importcert", "-noprompt", "-alias", alias, "-file", cert.toString(), "-keystore", trustStore.toString(), "-storetype", "PKCS12",
                "-storepass", trustStorePassword);
    }

    private static void run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool " + args[0] + " failed: " + out);
        }
    }
}
