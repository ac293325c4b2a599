// Curator over TLS: connects with the client TLS settings the JVM was started with
// (-Dzookeeper.client.secure=true and the zookeeper.ssl.* keys, ClientCnxnSocketNetty), creates
// /curator-tls with the data given, reads it back with the session's ids (whoAmI), and prints
// one JSON line.
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.data.ClientInfo;

public class CuratorTls {
    public static void main(String[] args) throws Exception {
        String connectString = args[0];
        String data = args[1];
        try (CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, 20_000, 10_000, new RetryOneTime(200))) {
            client.start();
            if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
                System.out.println("{\"connected\":false}");
                System.exit(0);
            }
            client.create().forPath("/curator-tls", data.getBytes(StandardCharsets.UTF_8));
            String read = new String(client.getData().forPath("/curator-tls"), StandardCharsets.UTF_8);
            StringBuilder ids = new StringBuilder();
            for (ClientInfo info : client.getZookeeperClient().getZooKeeper().whoAmI()) {
                if (ids.length() > 0) ids.append(',');
                ids.append('"').append(info.getAuthScheme()).append(':').append(info.getUser().replace("\"", "\\\"")).append('"');
            }
            System.out.println("{\"connected\":true,\"data\":\"" + read + "\",\"ids\":[" + ids + "]}");
        }
        System.exit(0);
    }
}
