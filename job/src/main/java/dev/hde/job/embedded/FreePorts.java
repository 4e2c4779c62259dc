package dev.hde.job.embedded;

import java.io.IOException;
import java.net.ServerSocket;

/** Free TCP ports for processes started here (a broker's listeners, a Flink cluster's endpoints). */
public final class FreePorts {

    private FreePorts() {}

    /**
     * {@code n} distinct ports that were free a moment ago: every socket stays bound until all are found, since ports found
     * one at a time can repeat (seen: a broker's PLAINTEXT and CONTROLLER listeners given one port).
     */
    public static int[] find(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                sockets[i].setReuseAddress(true);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** One free port. */
    public static int find() throws IOException {
        return find(1)[0];
    }
}
