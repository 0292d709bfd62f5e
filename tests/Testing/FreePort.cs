using System.Net;
using System.Net.Sockets;

namespace Cybernet.Testing;

/// <summary>Hands out TCP ports on 127.0.0.1 that were free a moment ago, never the same one twice in a process.</summary>
public static class FreePort
{
    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            lock (HandedOut)
            {
                // The OS may offer a port again once it is released; a test that still holds it would collide.
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }
}
