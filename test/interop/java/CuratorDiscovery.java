// Apache Curator x-discovery's side of the service discovery interop check
// (test/interop/recipes-curator.test.ts). Compiled with CuratorInterop.java, whose helpers it uses,
// and only where Debian's libcurator-discovery-java is installed.
//   discovery BASE: registers instance "java-1" of service "api" under BASE/services with a map
//     payload, waits for Node's signal BASE/sig/n-registered, reports every instance of "api" as
//     its ServiceDiscovery and a started ServiceCache read them, then unregisters and closes.
// Prints JSON lines {"step":NAME,...}; the last one is the result. Everything is bounded.
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;

public class CuratorDiscovery {
    @SuppressWarnings({"rawtypes", "unchecked"})
    static ServiceDiscovery<Map> discovery(CuratorFramework client, String base) throws Exception {
        ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class)
                .client(client)
                .basePath(base + "/services")
                .serializer(new JsonInstanceSerializer<>(Map.class))
                .build();
        discovery.start();
        return discovery;
    }

    /** `id@address:port zone=<payload zone> enabled=<flag>` for each instance, sorted. */
    @SuppressWarnings("rawtypes")
    static List<String> describe(Collection<ServiceInstance<Map>> instances) {
        List<String> out = new ArrayList<>();
        for (ServiceInstance<Map> i : instances) {
            Object zone = i.getPayload() == null ? null : i.getPayload().get("zone");
            out.add(i.getId() + "@" + i.getAddress() + ":" + i.getPort() + " zone=" + zone + " enabled=" + i.isEnabled() + " type=" + i.getServiceType());
        }
        Collections.sort(out);
        return out;
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    static String run(String hosts, String base) throws Exception {
        CuratorFramework client = CuratorInterop.connect(hosts);
        try (ServiceDiscovery<Map> discovery = discovery(client, base)) {
            Map payload = new HashMap<>();
            payload.put("zone", "a");
            ServiceInstance<Map> mine = ServiceInstance.<Map>builder().name("api").id("java-1").address("10.0.0.1").port(8080).payload(payload).build();
            discovery.registerService(mine);
            CuratorInterop.emit("javaRegistered", "");
            CuratorInterop.awaitSignal(client, base, "n-registered");
            List<String> queried = describe(discovery.queryForInstances("api"));
            ServiceCache<Map> cache = discovery.serviceCacheBuilder().name("api").build();
            cache.start();
            List<String> cached = describe(cache.getInstances());
            cache.close();
            CuratorInterop.emit("javaSaw", "\"names\":" + CuratorInterop.list(new ArrayList<>(discovery.queryForNames())) + ",\"queried\":" + CuratorInterop.list(queried) + ",\"cached\":" + CuratorInterop.list(cached));
            discovery.unregisterService(mine);
        } finally {
            client.close();
        }
        return "{\"step\":\"discoveryDone\"}";
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(args[0], args[1]));
        System.exit(0);
    }
}
