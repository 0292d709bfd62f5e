using System.Diagnostics;
using System.Text;

namespace Cybernet.Testing;

/// <summary>A silo or web node of ours, run as a real process from its build output, with its output kept for inspection.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private bool disposed;

    private NodeProcess(string name, Process process, int httpPort)
    {
        Name = name;
        this.process = process;
        HttpPort = httpPort;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public string Name { get; }

    public int HttpPort { get; }

    public Uri BaseAddress { get; }

    public bool HasExited => process.HasExited;

    public int Pid => process.Id;

    /// <summary>Resident memory of the process now, in bytes (from /proc).</summary>
    public long ResidentBytes() => ResidentBytesOf(process.Id);

    /// <summary>The resident set of a process, from /proc.</summary>
    public static long ResidentBytesOf(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
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

    /// <summary>Starts src/{project}'s built assembly with the given settings (as environment variables) and waits for /health.</summary>
    /// <param name="publicBaseUrlSetting">A setting to fill with the node's own address (known only once its port is picked).</param>
    /// <param name="alsoListenOn">Another local address to listen on, same port (the NAT lab's public segment).</param>
    public static async Task<NodeProcess> StartAsync(
        string project, string name, IReadOnlyDictionary<string, string> settings, TimeSpan? timeout = null, string? publicBaseUrlSetting = null, string? alsoListenOn = null)
    {
        var root = RepositoryRoot();
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
        var dll = Path.Combine(root, "src", project, "bin", configuration, "net10.0", $"Cybernet.{project}.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build {project} first; not found", dll);
        }

        return await StartDllAsync(dll, Path.Combine(root, "src", project), name, settings, timeout, publicBaseUrlSetting, alsoListenOn);
    }

    /// <summary>Starts any ASP.NET Core program that answers /health (a benchmark's baseline server, say) as a node.</summary>
    public static async Task<NodeProcess> StartDllAsync(
        string dll, string workingDirectory, string name, IReadOnlyDictionary<string, string> settings, TimeSpan? timeout = null,
        string? publicBaseUrlSetting = null, string? alsoListenOn = null, IReadOnlyList<string>? arguments = null)
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments ?? [])
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(alsoListenOn is null ? $"http://127.0.0.1:{port}" : $"http://127.0.0.1:{port};http://{alsoListenOn}:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_CONTENTROOT"] = info.WorkingDirectory;
        info.Environment["Logging__LogLevel__Default"] = "Information";
        if (publicBaseUrlSetting is not null)
        {
            info.Environment[publicBaseUrlSetting.Replace(":", "__", StringComparison.Ordinal)] = $"http://127.0.0.1:{port}";
        }

        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {name}");
        var node = new NodeProcess(name, process, port);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await WaitHealthyAsync();
        }
        catch (TimeoutException slow)
        {
            // Nobody holds a node that never became healthy: stop it here, or it outlives the test run. What it said
            // goes with the failure (the last lines: where it stood when the wait gave up).
            await node.DisposeAsync();
            var said = node.Output.Split('\n');
            throw new TimeoutException($"{slow.Message}\n--- the last lines {name} wrote:\n{string.Join('\n', said.TakeLast(60))}", slow);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }

        return node;

        Task WaitHealthyAsync() => TestWait.UntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}:\n{node.Output}");
            }

            try
            {
                return (await http.GetAsync(new Uri(node.BaseAddress, "/health"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, timeout ?? TimeSpan.FromSeconds(90), $"{name} is healthy");
    }

    /// <summary>Kills the process outright, as a crash would: no graceful shutdown, no goodbye to the cluster.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        await KillAsync();
        process.Dispose();
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CybernetCall.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CybernetCall.sln not found above the test assembly.");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
