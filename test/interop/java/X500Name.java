import java.io.FileInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * Prints the subject of each PEM certificate file given, as X509AuthenticationProvider.getClientId
 * takes it: getSubjectX500Principal().getName() (RFC 2253), one per line.
 */
public class X500Name {
    public static void main(String[] files) throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (String file : files) {
            try (FileInputStream in = new FileInputStream(file)) {
                X509Certificate certificate = (X509Certificate) factory.generateCertificate(in);
                System.out.println(certificate.getSubjectX500Principal().getName());
            }
        }
    }
}
