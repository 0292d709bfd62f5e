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

    /// <summary>coturn's process, for its CPU time.</summary>
    public int ProcessId => process.Id;

    public string SharedSecret { get; }

    public string UdpUrl => $"turn:{Host}:{Port}?transport=udp";

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
        var info = new ProcessStartInfo("turnserver");
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

        return await LaunchAsync(info, "127.0.0.1", port, secret);
    }

    /// <summary>Keys of deploy/turnserver.conf a test run sets itself (addresses, ports, secret, files, logging).</summary>
    private static readonly HashSet<string> Overridden = new(StringComparer.Ordinal)
    {
        "listening-port", "tls-listening-port", "listening-ip", "relay-ip", "external-ip", "min-port", "max-port",
        "static-auth-secret", "cert", "pkey", "proc-user", "proc-group", "syslog", "simple-log", "log-file", "pidfile",
    };

    /// <summary>
    /// coturn running the production file, deploy/turnserver.conf, with every hardening line as it is there; only the
    /// addresses, ports, secret, certificate and logging are this run's, and <paramref name="allowedPeers"/> (ranges
    /// "a-b") are let through the file's denied ranges.
    /// </summary>
    public static async Task<TurnServer> StartProductionConfigAsync(string listenIp = "127.0.0.1", string? relayIp = null, IEnumerable<string>? allowedPeers = null, int? port = null, int? tlsPort = null)
    {
        var listen = port ?? FreePort.Next();
        var tls = tlsPort ?? FreePort.Next();
        var secret = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        var relayLow = 40000 + (listen % 10000);
        var dir = Directory.CreateTempSubdirectory("cybernet-turn-").FullName;
        await SelfSignedAsync(dir);
        var lines = File.ReadAllLines(Path.Combine(NodeProcess.RepositoryRoot(), "deploy", "turnserver.conf"))
            .Where(l => !Overridden.Contains(l.Split('=', 2)[0].Trim()))
            .Concat(
            [
                $"listening-ip={listenIp}", $"relay-ip={relayIp ?? listenIp}", $"listening-port={listen}", $"tls-listening-port={tls}",
                $"min-port={relayLow}", $"max-port={relayLow + 200}", $"static-auth-secret={secret}",
                $"cert={Path.Combine(dir, "cert.pem")}", $"pkey={Path.Combine(dir, "key.pem")}",
                "log-file=stdout", "simple-log", "pidfile=",
            ])
            .Concat((allowedPeers ?? []).Select(range => $"allowed-peer-ip={range}"));
        var config = Path.Combine(dir, "turnserver.conf");
        await File.WriteAllLinesAsync(config, lines);
        var info = new ProcessStartInfo("turnserver");
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(config);
        var server = await LaunchAsync(info, listenIp, listen, secret);
        server.TlsPort = tls;
        server.ConfigFile = config;
        return server;
    }

    /// <summary>The TLS listener's port (also plain TCP, told apart by coturn), when started from the production file.</summary>
    public int TlsPort { get; private set; }

    /// <summary>The configuration file coturn runs, when started from the production file.</summary>
    public string? ConfigFile { get; private set; }

    public string Host { get; private set; } = "127.0.0.1";

    private static async Task SelfSignedAsync(string dir)
    {
        var info = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=turn.cybernet.test", "-keyout", Path.Combine(dir, "key.pem"), "-out", Path.Combine(dir, "cert.pem") })
        {
            info.ArgumentList.Add(arg);
        }

        using var openssl = Process.Start(info) ?? throw new InvalidOperationException("openssl did not start");
        var errors = openssl.StandardError.ReadToEndAsync();
        await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        if (openssl.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl could not make a test certificate: {await errors}");
        }
    }

    private static async Task<TurnServer> LaunchAsync(ProcessStartInfo info, string host, int port, string secret)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        var process = Process.Start(info) ?? throw new InvalidOperationException("coturn (turnserver) did not start; is the coturn package installed?");
        var server = new TurnServer(process, port, secret) { Host = host };
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
                await tcp.ConnectAsync(host, port);
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
