using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Cybernet.Testing;

/// <summary>A real coturn on 127.0.0.1 with TURN REST API auth (use-auth-secret), for tests that need a relay.</summary>
public sealed class TurnServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private TurnServer(Process process, int port, string secret)
    {
        this.process = process;
        Port = port;
        SharedSecret = secret;
    }

    public int Port { get; }

    public string SharedSecret { get; }

    public string UdpUrl => $"turn:127.0.0.1:{Port}?transport=udp";

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static async Task<TurnServer> StartAsync()
    {
        var port = FreePort.Next();
        var secret = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        var relayLow = 40000 + (port % 10000);
        var info = new ProcessStartInfo("turnserver") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
        {
            "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", $"--listening-port={port}",
            $"--min-port={relayLow}", $"--max-port={relayLow + 200}", "--use-auth-secret", $"--static-auth-secret={secret}",
            "--realm=cybernet.test", "--no-tls", "--no-dtls", "--no-cli", "--allow-loopback-peers", "--no-multicast-peers",
            "--log-file=stdout", "--simple-log", "--pidfile=", "--no-software-attribute",
        })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("coturn (turnserver) did not start; is the coturn package installed?");
        var server = new TurnServer(process, port, secret);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // coturn listens on TCP and UDP on the same port: ready once TCP accepts.
        await TestWait.UntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"coturn exited with {process.ExitCode}:\n{server.Output}");
            }

            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync("127.0.0.1", port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), "coturn listens");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}
