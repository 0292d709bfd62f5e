using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cybernet.Testing;

/// <summary>One email as the catcher received it.</summary>
public sealed record CaughtEmail(string Id, string From, IReadOnlyList<string> To, string Subject, DateTimeOffset Received);

/// <summary>
/// A real SMTP server for tests: smtp4dev (the .NET local tool pinned in the repository's manifest) on loopback
/// ports of its own, with its REST API to read what arrived. Start one per test process (<see cref="GetSharedAsync"/>)
/// or a private one that a test may stop and start again (<see cref="StartAsync"/>).
/// </summary>
public sealed partial class MailCatcher : IAsyncDisposable
{
    private static readonly Lazy<Task<MailCatcher>> Shared = new(() => Task.Run(() => StartAsync()));

    private readonly HttpClient api;
    private readonly StringBuilder output = new();
    private readonly string dataFolder;
    private Process? process;

    private MailCatcher(int smtpPort, int apiPort, string dataFolder)
    {
        SmtpPort = smtpPort;
        ApiPort = apiPort;
        this.dataFolder = dataFolder;
        api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int SmtpPort { get; }

    public int ApiPort { get; }

    public bool IsRunning => process is { HasExited: false };

    /// <summary>Settings that point a web node's email at this server.</summary>
    public IReadOnlyDictionary<string, string> WebSettings => new Dictionary<string, string>
    {
        ["Email:Host"] = "127.0.0.1",
        ["Email:Port"] = SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static Task<MailCatcher> GetSharedAsync() => Shared.Value;

    public static async Task<MailCatcher> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("cybernet-mail-").FullName;
        var catcher = new MailCatcher(FreePort.Next(), FreePort.Next(), folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => catcher.Stop();
        await catcher.RunAsync();
        return catcher;
    }

    /// <summary>Starts the server again on the same ports (after <see cref="StopAsync"/>), keeping nothing it held.</summary>
    public async Task RunAsync()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = NodeProcess.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "tool", "run", "smtp4dev", "--", $"--urls=http://127.0.0.1:{ApiPort}", $"--smtpport={SmtpPort}", "--bindaddress=127.0.0.1",
            "--imapport=0", "--pop3port=0", "--db=", "--nousersettings", $"--baseappdatapath={dataFolder}", "--hostname=localhost",
            "--messagestokeep=100000", "--sessionstokeep=10",
        })
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("smtp4dev did not start; run `dotnet tool restore`.");
        StartWatchdog(process.Id);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await TestWait.UntilAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"smtp4dev exited:\n{Output}");
            }

            return (await api.GetAsync("/api/messages")).IsSuccessStatusCode && Output.Contains("SMTP Server is listening", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(90), "smtp4dev answers");
    }

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

    /// <summary>Every email received so far, oldest first.</summary>
    public async Task<IReadOnlyList<CaughtEmail>> AllAsync()
    {
        var page = await api.GetFromJsonAsync<JsonElement>("/api/messages?page=1&pageSize=1000000");
        return [.. page.GetProperty("results").EnumerateArray()
            .Select(m => new CaughtEmail(
                m.GetProperty("id").GetString()!,
                m.GetProperty("from").GetString() ?? "",
                [.. m.GetProperty("to").EnumerateArray().Select(t => t.GetString() ?? "")],
                m.GetProperty("subject").GetString() ?? "",
                m.GetProperty("receivedDate").GetDateTimeOffset()))
            .OrderBy(m => m.Received)];
    }

    /// <summary>The emails to <paramref name="address"/>, oldest first.</summary>
    public async Task<IReadOnlyList<CaughtEmail>> ToAsync(string address) =>
        [.. (await AllAsync()).Where(m => m.To.Any(t => t.Contains(address, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>Waits for an email to <paramref name="address"/> whose subject contains <paramref name="subject"/>.</summary>
    public async Task<CaughtEmail> WaitForAsync(string address, string subject, TimeSpan? timeout = null)
    {
        CaughtEmail? found = null;
        await TestWait.UntilAsync(async () =>
        {
            found = (await ToAsync(address)).LastOrDefault(m => m.Subject.Contains(subject, StringComparison.Ordinal));
            return found is not null;
        }, timeout ?? TimeSpan.FromSeconds(30), $"an email \"{subject}\" reaches {address}");
        return found!;
    }

    public async Task<string> TextAsync(CaughtEmail email) => await api.GetStringAsync($"/api/messages/{email.Id}/plaintext");

    public async Task<string> HtmlAsync(CaughtEmail email) => await api.GetStringAsync($"/api/messages/{email.Id}/html");

    /// <summary>The whole message as it came over SMTP: headers and every part.</summary>
    public async Task<string> RawAsync(CaughtEmail email) => await api.GetStringAsync($"/api/messages/{email.Id}/raw");

    /// <summary>
    /// The first link in the plain-text part whose path starts with <paramref name="path"/>. Any node may send an
    /// account email (a background job), and in tests each node's public address is its own.
    /// </summary>
    public async Task<Uri> LinkAsync(CaughtEmail email, string path)
    {
        var text = await TextAsync(email);
        var match = Links().Matches(text).Select(m => new Uri(m.Value)).FirstOrDefault(l => l.AbsolutePath.StartsWith(path, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No link to {path} in:\n{text}");
        return match;
    }

    /// <summary>Deletes every email the server holds.</summary>
    public async Task ClearAsync() => (await api.DeleteAsync("/api/messages/*")).EnsureSuccessStatusCode();

    /// <summary>Stops the server as an outage would.</summary>
    public async Task StopAsync()
    {
        if (process is { HasExited: false } running)
        {
            running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        api.Dispose();
    }

    private void Stop()
    {
        try
        {
            process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// Stops smtp4dev (the `dotnet tool run` process and the server it starts) when this test process ends, however
    /// it ends: a test host that is killed raises no ProcessExit. Ends by itself if smtp4dev stops first.
    /// </summary>
    private static void StartWatchdog(int pid)
    {
        const string script = """
            owner="$1"; pid="$2"
            (
                while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
                # SIGKILL: a stopped process (seen once, state T) never acts on SIGTERM.
                if kill -0 "$pid" 2>/dev/null; then pkill -KILL -P "$pid"; kill -KILL "$pid"; fi
            ) </dev/null >/dev/null 2>&1 &
            """;
        var info = new ProcessStartInfo("sh") { UseShellExecute = false };
        foreach (var arg in new[] { "-c", script, "sh", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), pid.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        using var watchdog = Process.Start(info);
        watchdog?.WaitForExit();
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

    [GeneratedRegex(@"https?://[^\s<>""]+")]
    private static partial Regex Links();
}
