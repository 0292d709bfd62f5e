using System.Net;
using System.Net.Sockets;

namespace Cybernet.Testing;

/// <summary>
/// Hands out TCP ports on 127.0.0.1 that were free a moment ago, never the same one twice in a process. They come
/// from below Linux's ephemeral range (32768–60999): a port from that range, free when checked, can be taken by any
/// outgoing connection (a database client, an HTTP call) before the server meant for it binds it.
/// </summary>
public static class FreePort
{
    private const int Low = 20_000;
    private const int High = 32_000;

    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        while (true)
        {
            // Random, so test processes running side by side rarely even try the same port.
            var port = Random.Shared.Next(Low, High);
            lock (HandedOut)
            {
                if (HandedOut.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                HandedOut.Add(port);
                return port;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
